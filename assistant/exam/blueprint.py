"""Blueprints: what a paper covers (laws, chapters, the opinions' parts), how many items of each type,
the difficulty mix and the points; and presets for the papers trainers set every year."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .items import TYPES

DIFFICULTIES = ("易", "中", "难")
TYPE_ALIASES = {"单选": "单选", "single": "单选", "单项选择": "单选", "多选": "多选", "multi": "多选", "multiple": "多选",
                "多项选择": "多选", "判断": "判断", "judge": "判断", "true-false": "判断", "填空": "填空", "blank": "填空"}
SECTION_TITLES = {"单选": "单项选择题", "多选": "多项选择题", "判断": "判断题", "填空": "填空题"}


class ExamError(ValueError):
    """Bad input (unknown preset, source, suffix; too few facts): the message says what is wrong."""


@dataclass(frozen=True)
class SourceSpec:
    """One source: a name the citation resolver knows (行政复议法, 意见), optionally narrowed to parts
    (第二章; the opinions' 九、…) by the headings of its provisions."""

    name: str
    parts: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name + (":" + "+".join(self.parts) if self.parts else "")


@dataclass(frozen=True)
class Section:
    type: str  # 单选 | 多选 | 判断 | 填空
    count: int
    points: float

    @property
    def title(self) -> str:
        return SECTION_TITLES[self.type]


@dataclass(frozen=True)
class Blueprint:
    name: str
    title: str  # {year} is replaced by the as-of year
    sections: tuple[Section, ...]
    sources: tuple[SourceSpec, ...]
    difficulty: tuple[tuple[str, float], ...] = (("易", 0.3), ("中", 0.5), ("难", 0.2))
    minutes: int = 90
    instructions: tuple[str, ...] = ()

    @property
    def total_points(self) -> float:
        return sum(s.count * s.points for s in self.sections)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)

    def section(self, type_: str) -> Section | None:
        return next((s for s in self.sections if s.type == type_), None)

    def with_counts(self, **counts: int | None) -> "Blueprint":
        """Override item counts per type (单选=…, 多选=…); types not in the blueprint get the default points."""
        secs = {s.type: s for s in self.sections}
        for t, n in counts.items():
            t = TYPE_ALIASES.get(t, t)
            if n is None:
                continue
            if t not in TYPES:
                raise ExamError(f"unknown item type {t!r} (types: {', '.join(TYPES)})")
            if n < 0:
                raise ExamError(f"{t}: count must not be negative")
            secs[t] = replace(secs[t], count=n) if t in secs else Section(t, n, DEFAULT_POINTS[t])
        ordered = tuple(secs[t] for t in TYPES if t in secs and secs[t].count > 0)
        if not ordered:
            raise ExamError("the blueprint asks for no items")
        return replace(self, sections=ordered)

    def with_sources(self, sources: tuple[SourceSpec, ...]) -> "Blueprint":
        return replace(self, sources=sources)

    def with_difficulty(self, mix: dict[str, float]) -> "Blueprint":
        return replace(self, difficulty=tuple(mix.items()))


DEFAULT_POINTS = {"单选": 2.0, "多选": 2.0, "判断": 2.0, "填空": 2.0}

_COMMON_RULES = (
    "本试卷为闭卷考试，请将答案写在答题卡或试卷指定位置。",
    "单项选择题每题只有一个正确答案；多项选择题每题有两个或两个以上正确答案，多选、少选、错选均不得分。",
    "判断题正确的填“√”，错误的填“×”。",
    "题目均以现行有效的法律法规为准。",
)

PRESETS: dict[str, Blueprint] = {
    # 公务员年度学法考试: the format the issue fixes — 50 items, 2 points each
    "annual": Blueprint(
        name="annual", title="{year}年度公务员学法用法考试试卷",
        sections=(Section("单选", 25, 2), Section("多选", 10, 2), Section("判断", 15, 2)),
        sources=(SourceSpec("行政复议法"), SourceSpec("行政处罚法"), SourceSpec("行政许可法"), SourceSpec("意见")),
        difficulty=(("易", 0.3), ("中", 0.5), ("难", 0.2)), minutes=60, instructions=_COMMON_RULES),
    # 领导干部任前法律知识考试: fewer, weightier items; judgement over recall, the opinions emphasised
    "appointment": Blueprint(
        name="appointment", title="领导干部任前法律知识考试试卷",
        sections=(Section("单选", 20, 2), Section("多选", 10, 3), Section("判断", 15, 2)),
        sources=(SourceSpec("意见"), SourceSpec("行政复议法"), SourceSpec("行政处罚法"), SourceSpec("行政许可法")),
        difficulty=(("易", 0.3), ("中", 0.5), ("难", 0.2)), minutes=90, instructions=_COMMON_RULES),
    # 行政执法人员资格考试: procedure-heavy, exact deadlines and amounts, blanks included, harder mix
    "enforcement": Blueprint(
        name="enforcement", title="行政执法人员资格考试试卷",
        sections=(Section("单选", 30, 1), Section("多选", 15, 2), Section("判断", 20, 1), Section("填空", 10, 2)),
        sources=(SourceSpec("行政处罚法"), SourceSpec("行政许可法"), SourceSpec("行政复议法"), SourceSpec("行政强制法")),
        difficulty=(("易", 0.2), ("中", 0.5), ("难", 0.3)), minutes=120,
        instructions=(*_COMMON_RULES, "填空题请在横线上填写条文原文。")),
}


def preset(name: str) -> Blueprint:
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise ExamError(f"unknown preset {name!r} (presets: {', '.join(PRESETS)})") from None


def parse_sources(text: str) -> tuple[SourceSpec, ...]:
    """'行政复议法,行政处罚法:第二章,意见:九+十' → specs. Commas (ASCII or Chinese) or 、 separate sources."""
    specs = []
    for chunk in re.split(r"[,，、;；]", text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        m = re.fullmatch(r"([^:：]*)(?:[:：](.*))?", chunk)
        name, parts = m.group(1).strip(), m.group(2) or ""
        if not name:
            raise ExamError(f"source {chunk!r} has no law name before the colon")
        specs.append(SourceSpec(name, tuple(p.strip() for p in re.split(r"[+＋]", parts) if p.strip())))
    if not specs:
        raise ExamError("no sources given (e.g. --source 行政复议法,行政处罚法,意见)")
    return tuple(specs)


def parse_mix(text: str) -> dict[str, float]:
    """'易30,中50,难20' or '易:3,中:5,难:2' → shares that sum to 1."""
    mix: dict[str, float] = {}
    for chunk in re.split(r"[,，、;；\s]+", text.strip()):
        if not chunk:
            continue
        m = re.fullmatch(r"(易|中|难|easy|medium|hard)[:：=]?\s*(\d+(?:\.\d+)?)%?", chunk)
        if not m:
            raise ExamError(f"cannot read difficulty {chunk!r} (expected e.g. 易30,中50,难20)")
        key = {"easy": "易", "medium": "中", "hard": "难"}.get(m.group(1), m.group(1))
        mix[key] = float(m.group(2))
    total = sum(mix.values())
    if total <= 0:
        raise ExamError("the difficulty mix must have a positive share")
    return {d: mix.get(d, 0.0) / total for d in DIFFICULTIES}


@dataclass
class Quota:
    """How many items of each difficulty a section still needs (rounded so they sum to the count)."""

    left: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, count: int, mix: dict[str, float]) -> "Quota":
        raw = {d: count * mix.get(d, 0.0) for d in DIFFICULTIES}
        left = {d: int(v) for d, v in raw.items()}
        # largest remainders get the rounding, in a fixed order so the quota is reproducible
        for d in sorted(DIFFICULTIES, key=lambda d: (-(raw[d] - left[d]), DIFFICULTIES.index(d))):
            if sum(left.values()) >= count:
                break
            left[d] += 1
        return cls(left)
