"""The citation guard, for every backend: each 《…》第…条 in an answer must exist in the store, be among the
evidence, and be current. Anything else is removed before the user sees it, and the check is reported."""
from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.citations import CitationResolver

from .evidence import Evidence

REMOVED = "〔此处引用无法核实，已删除〕"


@dataclass
class CitationCheck:
    text: str  # as written in the answer
    exists: bool
    current: bool
    in_evidence: bool
    law: str | None = None
    article: str | None = None
    status: str | None = None
    action: str = "kept"  # kept | removed

    @property
    def ok(self) -> bool:
        return self.exists and self.current and self.in_evidence


@dataclass
class GuardReport:
    checks: list[CitationCheck] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return sum(1 for c in self.checks if c.action == "removed")

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks if c.action == "kept")

    def to_dict(self) -> dict:
        return {"checked": len(self.checks), "removed": self.removed, "passed": self.passed,
                "citations": [c.__dict__ for c in self.checks]}


def check_answer(text: str, resolver: CitationResolver, evidence: list[Evidence]) -> tuple[str, GuardReport]:
    """Return the answer with unverifiable citations removed, and the report."""
    allowed = {(e.hit.law, e.hit.article) for e in evidence}
    report = GuardReport()
    # statute text quoted verbatim from the evidence may itself cite other laws; a quote is never edited
    quoted: list[tuple[int, int]] = []
    for e in evidence:
        for part in {e.text, *e.text.split("\n")}:
            start = text.find(part) if len(part) >= 8 else -1
            while start >= 0:
                quoted.append((start, start + len(part)))
                start = text.find(part, start + 1)
    out = text
    for raw, res, pos in _located(resolver, text):
        if any(a <= pos < b for a, b in quoted):
            continue
        exists = res.found and res.provision is not None
        current = exists and res.status == "现行有效"
        law = res.law.title if res.law else None
        article = res.provision.label if res.provision else None
        in_ev = (law, article) in allowed
        chk = CitationCheck(text=raw, exists=exists, current=current, in_evidence=in_ev, law=law, article=article,
                            status=res.status)
        if not chk.ok:
            chk.action = "removed"
            out = out.replace(raw, REMOVED, 1)
        report.checks.append(chk)
    return out, report


def _located(resolver: CitationResolver, text: str):
    """Citations with their positions, so that those inside verbatim quotes can be told apart."""
    cursor = 0
    for raw, res in resolver.find_in_text(text):
        pos = text.find(raw, cursor)
        cursor = pos + 1 if pos >= 0 else cursor
        yield raw, res, pos
