"""Statute structure: 编/分编/章/节 headings, 条 (with 之一), 款 and 项, from plain lines.

Every source (Markdown, laws.db article text, .txt, .docx) is reduced to numbered lines and parsed here,
so one set of rules decides what an article, a paragraph and an item are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Item, Paragraph, Provision
from .numerals import NUM, article_label, to_cn, to_int

HEADING_RE = re.compile(rf"^第\s*{NUM}\s*(编|分编|章|节)(?:[\s　]+.*|$)")
# An article starts a line: 第X条 (之Y) then whitespace or the end. The loose form (no space) is only
# used for documents where the strict form finds nothing, because running text can start a line with
# '第三条规定的…' in a quoted amendment.
ARTICLE_STRICT = re.compile(rf"^第\s*({NUM})\s*条(?:\s*之\s*({NUM}))?(?:[\s　]+|$)(.*)$")
ARTICLE_LOOSE = re.compile(rf"^第\s*({NUM})\s*条(?:之({NUM}))?[\s　：:]*(.*)$")
ITEM_RE = re.compile(r"^[（(]\s*([一二三四五六七八九十百]+|[0-9]+)\s*[）)]")
PART_RE = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
NUMBERED_RE = re.compile(r"^([0-9]{1,3})\s*[.．、]\s*(.+)$")

Line = tuple[int, str]  # (1-based line number in the source file, text)


class StructureError(ValueError):
    """A document whose structure cannot be read; carries the line where reading failed."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def clean(text: str) -> str:
    # zero-width and no-break spaces come from web copies; they break article matching
    return text.replace("\u200b", "").replace("\ufeff", "").replace("\u00a0", " ").strip()


def split_paragraphs(lines: list[str]) -> list[Paragraph]:
    """Group an article's lines into 款, attaching （一）… lines as 项 of the paragraph above them."""
    paras: list[Paragraph] = []
    for raw in lines:
        text = clean(raw)
        if not text:
            continue
        m = ITEM_RE.match(text)
        if m and paras:
            try:
                n = to_int(m.group(1))
            except ValueError:
                n = len(paras[-1].items) + 1
            paras[-1].items.append(Item(n=n, text=text))
        else:
            paras.append(Paragraph(n=len(paras) + 1, text=text))
    return paras


@dataclass
class _Draft:
    num: int
    sub: int
    line: int
    path: list[str]
    lines: list[str] = field(default_factory=list)


def _heading_level(h: str) -> int:
    for lvl, key in enumerate(("编", "分编", "章", "节")):
        if re.match(rf"^第\s*{NUM}\s*{key}", h):
            return lvl
    return 4


def _preamble(law_id: str, lines: list[str], line: int) -> list[Provision]:
    """Text before the first article or item, as one provision labelled 序言 (none if there is no such text)."""
    if not lines:
        return []
    return [Provision(provision_id=f"{law_id}:0", law_id=law_id, kind="preamble", article_num=0, article_sub=0,
                      label="序言", path=[], paragraphs=split_paragraphs(lines), source_line=line)]


def parse_articles(lines: list[Line], law_id: str, *, loose: bool | None = None) -> list[Provision]:
    """Parse body lines into article provisions (and a preamble if text precedes the first article).

    Markdown heading markers (#) are stripped; a heading resets the deeper levels of the chapter path.
    """
    if loose is None:
        strict_hits = sum(1 for _, t in lines if ARTICLE_STRICT.match(clean(t).lstrip("# ")))
        loose = strict_hits == 0
    art_re = ARTICLE_LOOSE if loose else ARTICLE_STRICT
    path: list[tuple[int, str]] = []
    drafts: list[_Draft] = []
    preamble: list[str] = []
    preamble_line = 0
    for ln, raw in lines:
        text = clean(raw)
        if not text:
            continue
        is_md_heading = text.startswith("#")
        bare = text.lstrip("#").strip()
        if HEADING_RE.match(bare) or (is_md_heading and not art_re.match(bare)):
            lvl = _heading_level(bare)
            path = [p for p in path if p[0] < lvl] + [(lvl, re.sub(r"\s+", " ", bare))]
            continue
        m = art_re.match(bare)
        if m:
            try:
                num = to_int(m.group(1))
                sub = to_int(m.group(2)) if m.group(2) else 0
            except ValueError as exc:
                raise StructureError(f"bad article number in {bare[:30]!r}", ln) from exc
            drafts.append(_Draft(num, sub, ln, [p[1] for p in path]))
            if m.group(3).strip():
                drafts[-1].lines.append(m.group(3))
            continue
        if drafts:
            drafts[-1].lines.append(bare)
        else:
            preamble_line = preamble_line or ln
            preamble.append(bare)
    out: list[Provision] = _preamble(law_id, preamble, preamble_line)
    seen: dict[str, int] = {}
    for d in drafts:
        key = f"{d.num}" + (f"-{d.sub}" if d.sub else "")
        # A repeated number (e.g. an amendment decision quoting new text) gets a suffix, never a silent merge
        if key in seen:
            seen[key] += 1
            key = f"{key}~{seen[key]}"
        else:
            seen[key] = 1
        paras = split_paragraphs(d.lines)
        out.append(Provision(provision_id=f"{law_id}:{key}", law_id=law_id, kind="article", article_num=d.num,
                             article_sub=d.sub, label=article_label(d.num, d.sub), path=d.path,
                             paragraphs=paras, source_line=d.line))
    return out


def parse_outline(lines: list[Line], law_id: str) -> list[Provision]:
    """Documents written as 一、… parts with 1. 2. … numbered items (policy opinions, notices).

    Each numbered item becomes a provision labelled 第N项 under its part; text before the first part is
    the preamble. Trailing signature lines (issuer, date) are not part of the last item.
    """
    part: list[str] = []
    drafts: list[_Draft] = []
    preamble: list[str] = []
    preamble_line = 0
    body = [(ln, clean(t)) for ln, t in lines if clean(t)]
    # drop the signature block: a trailing date line and the short issuer line before it
    date_re = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
    while body and (date_re.match(body[-1][1]) or (len(body[-1][1]) <= 20 and not re.search(r"[。；，]", body[-1][1]))):
        body.pop()
    for ln, text in body:
        pm = PART_RE.match(text)
        if pm and len(text) <= 40 and not text.endswith("。"):
            part = [text]
            continue
        nm = NUMBERED_RE.match(text)
        if nm:
            drafts.append(_Draft(int(nm.group(1)), 0, ln, list(part), [text]))
            continue
        if drafts:
            drafts[-1].lines.append(text)
        else:
            preamble_line = preamble_line or ln
            preamble.append(text)
    out: list[Provision] = _preamble(law_id, preamble, preamble_line)
    parts_seen: list[tuple[str, ...]] = []
    counts: dict[int, int] = {}
    used: set[str] = set()
    for d in drafts:
        counts[d.num] = counts.get(d.num, 0) + 1
    for d in drafts:
        key = f"{d.num}"
        if counts[d.num] > 1:
            # numbering restarts in each part (amendment decisions): qualify by the part's position
            if tuple(d.path) not in parts_seen:
                parts_seen.append(tuple(d.path))
            key = f"{parts_seen.index(tuple(d.path)) + 1}.{d.num}"
        while key in used:
            key += "~"
        used.add(key)
        out.append(Provision(provision_id=f"{law_id}:{key}", law_id=law_id, kind="item", article_num=d.num,
                             article_sub=0, label=f"第{to_cn(d.num)}项", path=d.path,
                             paragraphs=split_paragraphs(d.lines), source_line=d.line))
    return out


def parse_plain(lines: list[Line], law_id: str) -> list[Provision]:
    """Last resort for text with neither articles nor numbered items: one provision per paragraph."""
    out: list[Provision] = []
    for i, (ln, raw) in enumerate([(ln, clean(t)) for ln, t in lines if clean(t)], start=1):
        out.append(Provision(provision_id=f"{law_id}:p{i}", law_id=law_id, kind="text", article_num=i,
                             article_sub=0, label=f"第{to_cn(i)}段", path=[],
                             paragraphs=split_paragraphs([raw]), source_line=ln))
    return out


def parse_body(lines: list[Line], law_id: str) -> list[Provision]:
    """Pick the reading that fits the document: articles, else an outline of numbered items, else paragraphs."""
    provs = parse_articles(lines, law_id)
    if any(p.kind == "article" for p in provs):
        return provs
    if sum(1 for _, t in lines if NUMBERED_RE.match(clean(t))) >= 2:
        return parse_outline(lines, law_id)
    return parse_plain(lines, law_id)
