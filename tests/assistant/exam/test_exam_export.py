"""Every export format reads back: DOCX paper and key (python-docx), XLSX (openpyxl), CSV and JSON."""
import csv
import json

import pytest

from assistant.exam import ExamError, export
from assistant.exam.export import COLUMNS, key_path


def test_docx_paper_and_key(annual, tmp_path):
    from docx import Document
    files = export(annual, tmp_path / "paper.docx")
    assert files == [tmp_path / "paper.docx", tmp_path / "paper_答案.docx"]
    paper = "\n".join(p.text for p in Document(files[0]).paragraphs)
    assert paper.startswith(annual.title)
    assert "一、单项选择题（共25题，每题2分，共50分）" in paper and "三、判断题（共15题，每题2分，共30分）" in paper
    assert "注意事项" in paper and "1．根据《" in paper and "50．" in paper
    first = annual.items[0]
    assert all(f"{k}．{v}" in paper for k, v in first.options.items())
    assert "出处：" not in paper and "答案：" not in paper  # the paper shows no answers
    key = "\n".join(p.text for p in Document(files[1]).paragraphs)
    assert "参考答案及解析" in key
    for n, item in enumerate(annual.items, start=1):
        assert f"{n}．答案：{''.join(item.answer)}" in key
        assert item.citation.label in key
    assert "《中华人民共和国行政复议法》第" in key


def test_xlsx_one_row_per_item(annual, tmp_path):
    from openpyxl import load_workbook
    (path,) = export(annual, tmp_path / "paper.xlsx")
    ws = load_workbook(path)["试题"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and len(rows) == 51
    item, row = annual.items[0], dict(zip(COLUMNS, rows[1]))
    assert row["type"] == item.type and row["stem"] == item.stem and row["A"] == item.options["A"]
    assert row["answer"] == "".join(item.answer) and row["citation"] == item.citation.label
    assert float(row["points"]) == 2


def test_csv_one_row_per_item(annual, tmp_path):
    (path,) = export(annual, tmp_path / "paper.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 50 and list(rows[0]) == COLUMNS
    judge = next(r for r in rows if r["type"] == "判断")
    assert judge["answer"] in ("对", "错") and judge["A"] == ""
    multi = next(r for r in rows if r["type"] == "多选")
    assert len(multi["answer"]) >= 2 and multi["explanation"].startswith("《")


def test_json_schema(annual, tmp_path):
    (path,) = export(annual, tmp_path / "paper.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["items"]) == 50 and data["seed"] == 7
    for item in data["items"]:
        assert item["type"] in ("单选", "多选", "判断", "填空")
        assert set(item["citation"]) == {"law", "article"}
        if item["type"] == "单选":
            assert len(item["answer"]) == 1 and item["answer"][0] in item["options"]
        elif item["type"] == "判断":
            assert item["options"] == {} and item["answer"] in (["对"], ["错"])
        assert {"stem", "options", "answer", "explanation", "points"} <= set(item)


def test_blank_items_export(builder, tmp_path):
    from docx import Document

    from assistant.exam import parse_sources, preset
    bp = preset("enforcement").with_counts(单选=2, 多选=1, 判断=2, 填空=3)
    paper = builder.build(bp, seed=4, sources=parse_sources("行政处罚法,道路交通安全法"))
    export(paper, tmp_path / "e.docx")
    text = "\n".join(p.text for p in Document(tmp_path / "e.docx").paragraphs)
    assert "四、填空题（共3题，每题2分，共6分）" in text and "（　　）" not in text.split("四、填空题")[1]
    data = json.loads((export(paper, tmp_path / "e.json")[0]).read_text(encoding="utf-8"))
    blanks = [i for i in data["items"] if i["type"] == "填空"]
    assert len(blanks) == 3 and all(len(i["answer"]) == 1 and i["answer"][0] for i in blanks)


def test_unknown_suffix(annual, tmp_path):
    with pytest.raises(ExamError, match="suffix picks the format"):
        export(annual, tmp_path / "paper.pdf")
    assert key_path(tmp_path / "x.docx").name == "x_答案.docx"
