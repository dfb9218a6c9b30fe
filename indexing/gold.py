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




class GoldIndex:
    """Finds the corpus positions that count as a gold article (same rule as `matches`).

    Near-identical texts are looked up through their first and last characters, which a renumbered but
    unchanged article keeps, instead of comparing every text with every other.
    """

    def __init__(self, corpus):
        self.corpus = corpus
        self.by_law_art: dict[tuple[str, int], list[int]] = {}
        self.by_law: dict[str, set[int]] = {}
        self.by_head: dict[str, set[int]] = {}
        self.by_tail: dict[str, set[int]] = {}
        for i, d in enumerate(corpus.docs):
            law = normalize(d.title)
            num = article_number(d.label)
            if num and num[1] == 0:
                self.by_law_art.setdefault((law, num[0]), []).append(i)
            self.by_law.setdefault(law, set()).add(i)
            t = norm_text(corpus.texts[i])
            self.by_head.setdefault(t[:10], set()).add(i)
            self.by_tail.setdefault(t[-10:], set()).add(i)

    def positions(self, g: GoldRef) -> set[int]:
        law = normalize(g.law)
        pos = set(self.by_law_art.get((law, g.article), []))
        t = norm_text(g.text)
        if t:
            head, tail = self.by_head.get(t[:10], set()), self.by_tail.get(t[-10:], set())
            # both ends agree anywhere in the store, or one end agrees within the same law
            cands = (head & tail) | ((head | tail) & self.by_law.get(law, set()))
            pos |= {i for i in cands if near_identical(g.text, self.corpus.texts[i])}
        return pos


_INDEXES: dict[int, GoldIndex] = {}


def gold_positions(golds: list[GoldRef], corpus) -> list[set[int]]:
    idx = _INDEXES.get(id(corpus))
    if idx is None or idx.corpus is not corpus:
        idx = _INDEXES[id(corpus)] = GoldIndex(corpus)
    return [idx.positions(g) for g in golds]
