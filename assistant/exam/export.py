"""Paper export: DOCX (paper and key as separate, print-ready files), XLSX and CSV for exam systems
(one row per item), and JSON. The output suffix picks the format."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from .blueprint import ExamError
from .builder import Paper
from .facts import BLANK
from .items import ExamItem

FORMATS = (".docx", ".xlsx", ".csv", ".json")
COLUMNS = ["type", "stem", "A", "B", "C", "D", "E", "F", "answer", "points", "citation", "explanation"]
CN_ORDINALS = "一二三四五六七八九十"
BODY_FONT, HEADING_FONT = "宋体", "黑体"


def export(paper: Paper, out: Path | str) -> list[Path]:
    """Write the paper in the format its suffix names; returns the files written."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ExamError(f"cannot write {out.name!r}: the suffix picks the format, one of {', '.join(FORMATS)}")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".docx":
        key = key_path(out)
        write_docx_paper(paper, out)
        write_docx_key(paper, key)
        return [out, key]
    {".xlsx": write_xlsx, ".csv": write_csv, ".json": write_json}[suffix](paper, out)
    return [out]


def key_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}_答案{out.suffix}")


def answer_text(item: ExamItem) -> str:
    return "".join(item.answer) if item.type in ("单选", "多选") else item.answer[0]


def _points(p: float) -> str:
    return f"{p:g}"


def rows(paper: Paper) -> list[dict[str, str]]:
    out = []
    for item in paper.items:
        row = {"type": item.type, "stem": item.stem, "answer": answer_text(item), "points": _points(item.points),
               "citation": item.citation.label, "explanation": item.explanation}
        for letter in "ABCDEF":
            row[letter] = item.options.get(letter, "")
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------------------
# JSON, CSV, XLSX
# ---------------------------------------------------------------------------------------------------------

def write_json(paper: Paper, out: Path) -> None:
    out.write_text(json.dumps(paper.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")


def write_csv(paper: Paper, out: Path) -> None:
    # utf-8 with BOM: Excel and most exam systems on Windows read it as UTF-8 only with the BOM
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows(paper))


def write_xlsx(paper: Paper, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(COLUMNS)
    for row in rows(paper):
        ws.append([row[c] for c in COLUMNS])
    widths = {"type": 6, "stem": 60, "answer": 8, "points": 6, "citation": 36, "explanation": 70}
    for i, col in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(col, 22)
        ws.cell(row=1, column=i).font = Font(bold=True)
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    info = wb.create_sheet("试卷信息")
    for k, v in (("title", paper.title), ("preset", paper.blueprint.name), ("seed", paper.seed),
                 ("as_of", paper.as_of), ("sources", "、".join(paper.sources)), ("items", len(paper.items)),
                 ("total_points", _points(paper.total_points))):
        info.append([k, v])
    wb.save(out)


# ---------------------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------------------

def _doc():
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin, sec.bottom_margin = Cm(2.2), Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(10.5)  # 五号
    # Chinese text takes its font from the eastAsia attribute, not from font.name
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.25
    _page_footer(doc)
    return doc


def _run(par, text: str, bold: bool = False, size: float | None = None, font: str | None = None,
         underline: bool = False):
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run = par.add_run(text)
    run.bold = bold
    run.underline = underline
    if size:
        run.font.size = Pt(size)
    if font:
        run.font.name = font
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _para(doc, text: str = "", bold: bool = False, size: float | None = None, font: str | None = None,
          align: str | None = None, before: float = 0, after: float = 0, indent_cm: float = 0,
          hanging_cm: float = 0):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    p = doc.add_paragraph()
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent_cm or hanging_cm:
        fmt.left_indent = Cm(indent_cm + hanging_cm)
        fmt.first_line_indent = Cm(-hanging_cm)
    if text:
        _run(p, text, bold=bold, size=size, font=font)
    return p


def _field(par, code: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    run = par.add_run()
    for tag, attr in (("w:fldChar", "begin"), ("w:instrText", None), ("w:fldChar", "separate"),
                      ("w:t", None), ("w:fldChar", "end")):
        el = OxmlElement(tag)
        if tag == "w:fldChar":
            el.set(qn("w:fldCharType"), attr)
        elif tag == "w:instrText":
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el.text = "1"
        run._r.append(el)


def _page_footer(doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("第 ")
    _field(p, "PAGE")
    p.add_run(" 页 共 ")
    _field(p, "NUMPAGES")
    p.add_run(" 页")


def _section_heading(i: int, sec, n: int) -> str:
    total = _points(sec.points * n)
    return f"{CN_ORDINALS[i]}、{sec.title}（共{n}题，每题{_points(sec.points)}分，共{total}分）"


def _option_lines(options: dict[str, str]) -> list[str]:
    """Short options share a line (4 or 2 per line); long ones get their own line each."""
    cells = [f"{k}．{v}" for k, v in options.items()]
    longest = max((len(v) for v in options.values()), default=0)
    per_line = 4 if longest <= 8 else 2 if longest <= 18 else 1
    gap = "\u3000" * (2 if per_line > 1 else 0)
    lines = []
    for i in range(0, len(cells), per_line):
        group = cells[i:i + per_line]
        if per_line > 1:
            width = max(len(c) for c in cells) + 1
            group = [c + "\u3000" * (width - len(c)) for c in group[:-1]] + group[-1:]
        lines.append(gap.join(group).rstrip())
    return lines


def write_docx_paper(paper: Paper, out: Path) -> None:
    from docx.shared import Pt
    doc = _doc()
    bp = paper.blueprint
    _para(doc, paper.title, bold=True, size=18, font=HEADING_FONT, align="center", after=6)
    _para(doc, f"（考试时间：{bp.minutes}分钟　满分：{_points(paper.total_points)}分）", align="center", after=6)
    _para(doc, "姓名：______________　单位：____________________　得分：__________", align="center", after=8)
    _score_table(doc, paper)
    if bp.instructions:
        _para(doc, "注意事项：", bold=True, font=HEADING_FONT, before=8)
        for n, line in enumerate(bp.instructions, start=1):
            _para(doc, f"{n}．{line}", size=9.5, hanging_cm=0.6)
    number = 0
    for i, (sec, items) in enumerate(s for s in paper.sections if s[1]):
        _para(doc, _section_heading(i, sec, len(items)), bold=True, size=12, font=HEADING_FONT, before=12, after=4)
        for item in items:
            number += 1
            p = _para(doc, hanging_cm=0.75, before=4)
            _run(p, f"{number}．")
            _stem_runs(p, item)
            for line in _option_lines(item.options):
                q = _para(doc, indent_cm=0.75)
                q.paragraph_format.space_before = Pt(1)
                _run(q, line)
    doc.save(out)


def _stem_runs(p, item: ExamItem) -> None:
    if item.type == "填空":
        before, _, after = item.stem.partition(BLANK)
        _run(p, before)
        _run(p, "\u3000" * 6, underline=True)  # a line to write the answer on
        _run(p, after)
    elif item.type == "判断":
        _run(p, item.stem + "（　　）")
    else:
        _run(p, item.stem if BLANK in item.stem else item.stem + "（　　）")


def _score_table(doc, paper: Paper) -> None:
    secs = [s for s, items in paper.sections if items]
    table = doc.add_table(rows=3, cols=len(secs) + 2)
    table.style = "Table Grid"
    heads = ["题型", *(f"{CN_ORDINALS[i]}" for i in range(len(secs))), "总分"]
    points = ["分值", *(_points(s.points * len(paper.section_items(s.type))) for s in secs),
              _points(paper.total_points)]
    for c, text in enumerate(heads):
        table.cell(0, c).text = text
    for c, text in enumerate(points):
        table.cell(1, c).text = text
    table.cell(2, 0).text = "得分"
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    for row in table.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx_key(paper: Paper, out: Path) -> None:
    doc = _doc()
    _para(doc, paper.title, bold=True, size=16, font=HEADING_FONT, align="center")
    _para(doc, "参考答案及解析", bold=True, size=14, font=HEADING_FONT, align="center", after=8)
    _para(doc, f"命题依据：{'、'.join('《' + s + '》' for s in paper.sources)}（依据{paper.as_of}现行有效文本）",
          size=9.5, after=6)
    number = 0
    for i, (sec, items) in enumerate(s for s in paper.sections if s[1]):
        _para(doc, _section_heading(i, sec, len(items)), bold=True, size=12, font=HEADING_FONT, before=10, after=4)
        start = number
        _answer_grid(doc, [(start + j + 1, answer_text(it)) for j, it in enumerate(items)])
        for item in items:
            number += 1
            p = _para(doc, before=6, hanging_cm=0.75)
            _run(p, f"{number}．答案：", bold=True)
            _run(p, answer_text(item), bold=True)
            _run(p, f"（{_points(item.points)}分）")
            q = _para(doc, indent_cm=0.75)
            _run(q, "出处：", bold=True)
            _run(q, item.citation.label)
            r = _para(doc, indent_cm=0.75)
            _run(r, "解析：", bold=True)
            _run(r, item.explanation)
    doc.save(out)


def _answer_grid(doc, answers: list[tuple[int, str]], per_row: int = 10) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    n_rows = (len(answers) + per_row - 1) // per_row
    table = doc.add_table(rows=n_rows * 2, cols=min(per_row, len(answers)))
    table.style = "Table Grid"
    for idx, (num, ans) in enumerate(answers):
        r, c = divmod(idx, per_row)
        table.cell(r * 2, c).text = str(num)
        table.cell(r * 2 + 1, c).text = ans if len(ans) <= 8 else ans[:8] + "…"
    for row in table.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
