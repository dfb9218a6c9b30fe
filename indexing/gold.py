"""Gold sets (STARD layout: {"id","query","gold":[{"law","article","text"}]}): loading, the fixed split, and the
one definition of when a result matches a gold article (shared by training and evaluation)."""
from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.numerals import parse_article_no
from knowledge.titles import normalize


@dataclass
class GoldRef:
    law: str
    article: int
    text: str


@dataclass
class GoldQuery:
    id: str
    query: str
    gold: list[GoldRef]


def load_gold(path: Path) -> list[GoldQuery]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(GoldQuery(str(d["id"]), d["query"],
                                     [GoldRef(g["law"], int(g["article"]), g.get("text", "")) for g in d.get("gold", [])]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: bad gold line ({exc})") from exc
    return out


def split_of(qid: str, test_fraction: float = 0.2, seed: str = "fazhi-2026") -> str:
    """Deterministic 80/20 split by id hash: the same id always lands on the same side."""
    h = int(hashlib.sha256(f"{seed}:{qid}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if h < test_fraction else "train"


def split(queries: list[GoldQuery], part: str) -> list[GoldQuery]:
    if part == "all":
        return queries
    return [q for q in queries if split_of(q.id) == part]


_PUNCT = re.compile(r"[\s\u3000，。、；：:,.;“”‘’\"'（）()《》〈〉【】\[\]！？!?—…·-]")


@dataclass
class Result:
    law: str
    article: str  # 第二十条
    text: str


def norm_text(t: str) -> str:
    return _PUNCT.sub("", t or "")


def article_number(label: str) -> tuple[int, int] | None:
    try:
        return parse_article_no(label)
    except ValueError:
        return None


def near_identical(a: str, b: str, threshold: float = 0.9) -> bool:
    a, b = norm_text(a), norm_text(b)
    if not a or not b:
        return False
    if a == b:
        return True
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sm.real_quick_ratio() >= threshold and sm.quick_ratio() >= threshold and sm.ratio() >= threshold


def matches(gold: GoldRef, r: Result) -> bool:
    if normalize(gold.law) == normalize(r.law) and article_number(r.article) == (gold.article, 0):
        return True
    return near_identical(gold.text, r.text)




def gold_positions(golds: list[GoldRef], corpus) -> list[set[int]]:
    """For each gold reference, the corpus positions that count as that article (same rule as `matches`)."""
    by_law: dict[str, list[int]] = {}
    by_text: dict[str, list[int]] = {}
    for i, d in enumerate(corpus.docs):
        by_law.setdefault(normalize(d.title), []).append(i)
        by_text.setdefault(norm_text(corpus.texts[i]), []).append(i)
    out = []
    for g in golds:
        pos: set[int] = set(by_text.get(norm_text(g.text), []))
        for i in by_law.get(normalize(g.law), []):
            r = Result(corpus.docs[i].title, corpus.docs[i].label, corpus.texts[i])
            if matches(g, r):
                pos.add(i)
        out.append(pos)
    return out
