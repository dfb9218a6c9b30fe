"""Reading statute Markdown in the LawRefBook layout: '# 标题', info lines, '<!-- INFO END -->', body."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..structure import Line
from .base import SourceError

INFO_END = "<!-- INFO END -->"
DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise SourceError("binary file, not text", 1)
    errors: list[UnicodeDecodeError] = []
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    # the encoding that read furthest is the one the file was meant to be in
    err = max(errors, key=lambda e: e.start)
    # report the line where decoding breaks, so the file can be fixed
    line = raw[: err.start].count(b"\n") + 1
    raise SourceError(f"not UTF-8 or GB18030 text ({err.reason} at byte {err.start})", line)


@dataclass
class MarkdownDoc:
    title: str
    title_line: int
    info: list[Line]
    body: list[Line]


def split_markdown(text: str, *, require_title: bool = True) -> MarkdownDoc:
    lines = text.splitlines()
    title, title_line, i = "", 0, 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].lstrip().startswith("# "):
        title, title_line = lines[i].strip()[2:].strip(), i + 1
        i += 1
    elif require_title:
        raise SourceError("expected a '# 标题' line at the top", i + 1 if i < len(lines) else 1)
    rest = [(n + 1, lines[n]) for n in range(i, len(lines))]
    end = next((k for k, (_, t) in enumerate(rest) if t.strip() == INFO_END), None)
    if end is None:
        return MarkdownDoc(title, title_line, [], rest)
    return MarkdownDoc(title, title_line, [x for x in rest[:end] if x[1].strip()], rest[end + 1:])


@dataclass
class InfoDates:
    publish: str | None = None
    effective: str | None = None
    adopted: str | None = None
    issuing_body: str | None = None


def parse_info(info: list[Line]) -> InfoDates:
    """Dates and issuer from the history lines ('2007年5月29日 国务院令第499号公布', '…施行')."""
    out = InfoDates()
    for _, text in info:
        m = DATE_RE.search(text)
        if not m:
            continue
        d = iso(*m.groups())
        if "施行" in text and "起施行" not in text[:m.start()]:
            out.effective = out.effective or d
        else:
            # the latest publication/amendment line dates this version
            out.publish = max(out.publish or d, d)
            if "通过" in text:
                out.adopted = max(out.adopted or d, d)
        body = issuer_from_text(text)
        if body and not out.issuing_body:
            out.issuing_body = body
    return out


def issuer_from_text(text: str) -> str | None:
    if "国务院令" in text or "国务院第" in text:
        return "国务院"
    if "最高人民法院审判委员会" in text and "最高人民检察院检察委员会" in text:
        return "最高人民法院、最高人民检察院"
    if "最高人民法院" in text:
        return "最高人民法院"
    if "最高人民检察院" in text:
        return "最高人民检察院"
    m = re.search(r"([\u4e00-\u9fff]{2,8}?(?:省|市|自治区|州|县))第[一二三四五六七八九十]+届人民代表大会常务委员会", text)
    if m:
        return f"{m.group(1)}人民代表大会常务委员会"
    m = re.search(r"([\u4e00-\u9fff]{2,8}?(?:省|市))人民政府", text)
    if m:
        return f"{m.group(1)}人民政府"
    return None
