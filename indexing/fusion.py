"""Fusing lexical and dense candidates.

Two members: reciprocal-rank fusion (no training; the default until a model is trained) and a learned
re-ranker — logistic regression over rank/score features plus a law prior learned from the training
split (which laws people's questions actually land in) — fitted by `fazhi index train`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FEATURES = ["bm25_rr", "bm25_norm", "bm25_in", "dense_rr", "dense_cos", "dense_in", "dense_gap",
            "law_prior", "law_named", "lvl_law", "lvl_admin", "lvl_interp", "lvl_local", "lvl_other",
            "short_text", "amendment_doc", "q_in_text", "q_in_title"]


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


class LearnedFusion:
    """Logistic regression over FEATURES; scores are log-odds, comparable across queries for thresholds."""

    def __init__(self, coef: np.ndarray, intercept: float, mean: np.ndarray, scale: np.ndarray, prior: LawPrior,
                 meta: dict | None = None):
        self.coef, self.intercept, self.mean, self.scale = coef, intercept, mean, scale
        self.prior = prior
        self.meta = meta or {}

    def score(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.coef + self.intercept

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"features": FEATURES, "coef": self.coef.tolist(), "intercept": self.intercept,
                                   "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                                   "prior": self.prior.to_json(), "meta": self.meta}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LearnedFusion | None:
        if not path.exists():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("features") != FEATURES:
            return None  # trained with another feature set: fall back to RRF until retrained
        return cls(np.array(d["coef"]), float(d["intercept"]), np.array(d["mean"]), np.array(d["scale"]),
                   LawPrior.from_json(d["prior"]), d.get("meta"))
