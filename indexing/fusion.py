"""Fusing lexical and dense candidates.

Two members: reciprocal-rank fusion (no training; the default until a model is trained) and a learned
re-ranker — a small neural net over rank/score features, the base e5 tower's second opinion, a law prior
learned from the training split (which laws people's questions actually land in), the question memory and
the candidate list's own consensus — fitted by `fazhi index train`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .memory import FEATURES as MEMORY_FEATURES

BASE_FEATURES = ["bm25_rr", "bm25_norm", "bm25_in", "dense_rr", "dense_cos", "dense_in", "dense_gap",
                 "law_prior", "law_named", "lvl_law", "lvl_admin", "lvl_interp", "lvl_local", "lvl_other",
                 "short_text", "amendment_doc", "q_in_text", "q_in_title"]
# the un-tuned e5 query tower's view of the same candidates: a second opinion the fine-tuning cannot bias
BASE_TOWER_FEATURES = ["e5_cos", "e5_gap", "e5_rank"]
# how much the rest of the candidate list agrees: the same law, the same chapter, an article next door
CONSENSUS_FEATURES = ["work_support", "chapter_support", "work_top20", "near_article"]
FEATURES = BASE_FEATURES + BASE_TOWER_FEATURES + MEMORY_FEATURES + CONSENSUS_FEATURES


@dataclass
class Candidate:
    doc: int
    bm25_rank: int | None = None
    bm25_score: float = 0.0
    dense_rank: int | None = None
    dense_score: float = 0.0
    score: float = 0.0
    via: list[str] = field(default_factory=list)


def rrf(cands: dict[int, Candidate], k: int = 60, w_lex: float = 1.0, w_dense: float = 1.0) -> None:
    for c in cands.values():
        c.score = (w_lex / (k + c.bm25_rank) if c.bm25_rank is not None else 0.0) + \
                  (w_dense / (k + c.dense_rank) if c.dense_rank is not None else 0.0)


@dataclass
class LawPrior:
    """log-smoothed share of training gold articles per work (law), e.g. 民法典 ≫ a local regulation."""

    counts: dict[str, float]
    total: float

    def __call__(self, work_key: str) -> float:
        return math.log((self.counts.get(work_key, 0.0) + 0.5) / (self.total + 1.0))

    def to_json(self) -> dict:
        return {"counts": self.counts, "total": self.total}

    @classmethod
    def from_json(cls, d: dict) -> LawPrior:
        return cls(d["counts"], d["total"])

    @classmethod
    def uniform(cls) -> LawPrior:
        return cls({}, 1.0)


def features(c: Candidate, *, work_key: str, level: str, text_len: int, title: str, prior: LawPrior,
             named_works: set[str], best_bm25: float, best_dense: float, q_in_text: float = 0.0,
             q_in_title: float = 0.0) -> list[float]:
    return [
        1.0 / (1 + c.bm25_rank) if c.bm25_rank is not None else 0.0,
        c.bm25_score / best_bm25 if best_bm25 > 0 else 0.0,
        float(c.bm25_rank is not None),
        1.0 / (1 + c.dense_rank) if c.dense_rank is not None else 0.0,
        c.dense_score,
        float(c.dense_rank is not None),
        best_dense - c.dense_score if c.dense_rank is not None else 1.0,
        prior(work_key),
        float(work_key in named_works),
        float(level in ("法律", "宪法")),
        float(level == "行政法规"),
        float(level == "司法解释"),
        float(level == "地方性法规"),
        float(level in ("部门规章", "规范性文件")),
        float(text_len < 40),
        float("修正案" in title or "修改" in title and "决定" in title),
        q_in_text,  # share of the question's terms found in the article
        q_in_title,  # share found in the law's title and chapter headings (which law and part it is about)
    ]


def consensus(base: np.ndarray, works: list[str], chapters: list[tuple], numbers: list[int]) -> np.ndarray:
    """Per candidate, from a first-pass score `base` of every candidate: the summed score of the *other*
    candidates from its law and from its chapter, how many of the first-pass top 20 share its law, and the
    best other candidate within two article numbers of it (answers often sit in neighbouring articles)."""
    n = len(base)
    out = np.zeros((n, len(CONSENSUS_FEATURES)))
    if not n:
        return out
    by_work: dict[str, list[int]] = {}
    by_chap: dict[tuple, float] = {}
    for i in range(n):
        by_work.setdefault(works[i], []).append(i)
        by_chap[chapters[i]] = by_chap.get(chapters[i], 0.0) + base[i]
    top20 = np.argsort(-base, kind="stable")[:20]
    in_top: dict[str, int] = {}
    for i in top20:
        in_top[works[i]] = in_top.get(works[i], 0) + 1
    for members in by_work.values():
        total = float(sum(base[i] for i in members))
        for i in members:
            out[i, 0] = total - base[i]
            out[i, 1] = by_chap[chapters[i]] - base[i]
            out[i, 2] = in_top.get(works[i], 0)
            if numbers[i] > 0:
                out[i, 3] = max((base[j] for j in members if j != i and numbers[j] > 0
                                 and abs(numbers[j] - numbers[i]) <= 2), default=0.0)
    return out


class LearnedFusion:
    """A small feed-forward re-ranker over FEATURES (standardised): dense layers with ReLU between them; one layer
    is logistic regression. Trained pointwise (binary cross-entropy), so scores are log-odds that compare across
    queries (the weak-evidence threshold relies on that)."""

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray]], mean: np.ndarray, scale: np.ndarray,
                 prior: LawPrior, meta: dict | None = None):
        self.layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in layers]
        self.mean, self.scale = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
        self.prior = prior
        self.meta = meta or {}

    def score(self, X: np.ndarray) -> np.ndarray:
        h = (X - self.mean) / self.scale
        for n, (W, b) in enumerate(self.layers):
            h = h @ W + b
            if n < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return h.reshape(len(X))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"features": FEATURES,
                                   "layers": [{"W": W.tolist(), "b": b.tolist()} for W, b in self.layers],
                                   "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                                   "prior": self.prior.to_json(), "meta": self.meta}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LearnedFusion | None:
        if not path.exists():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("features") != FEATURES or "layers" not in d:
            return None  # trained with another feature set or format: fall back to RRF until retrained
        return cls([(np.array(x["W"]), np.array(x["b"])) for x in d["layers"]], np.array(d["mean"]),
                   np.array(d["scale"]), LawPrior.from_json(d["prior"]), d.get("meta"))
