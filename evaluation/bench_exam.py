"""Exam builder: speed of a 50-item paper, and the share of generated items that pass the checks.

    python evaluation/bench_exam.py                 # time a 50-item annual paper (cold and warm)
    python evaluation/bench_exam.py --quality 300   # build 300 items over six sources, report drops
    python evaluation/bench_exam.py --review 30     # print 30 random items of those 300 for a human review

Reads the store at FAZHI_HOME (default .fazhi/). Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUALITY_SOURCES = "行政复议法,行政处罚法,行政许可法,劳动争议调解仲裁法,道路交通安全法,意见"


def bench(seed: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    from knowledge.builder import open_store
    from assistant.exam import ExamBuilder, export, parse_sources, preset
    t_import = time.perf_counter() - t0

    timings = []
    for r in range(repeat):
        t1 = time.perf_counter()
        store = open_store()
        builder = ExamBuilder(store)
        paper = builder.build(preset("annual"), seed=seed + r, sources=parse_sources("行政复议法,行政处罚法,意见"))
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            export(paper, Path(tmp) / "paper.docx")
        t3 = time.perf_counter()
        warm = builder.build(preset("annual"), seed=seed + r + 1000, sources=parse_sources("行政复议法,行政处罚法,意见"))
        t4 = time.perf_counter()
        timings.append({"cold_build_s": round(t2 - t1, 3), "docx_export_s": round(t3 - t2, 3),
                        "warm_build_s": round(t4 - t3, 3), "items": len(paper.items), "warm_items": len(warm.items)})
        store.close()
    worst = max(t["cold_build_s"] + t["docx_export_s"] for t in timings)
    return {"import_s": round(t_import, 3), "runs": timings,
            "paper_50_items_worst_s": round(worst, 3), "budget_s": 3.0}


def quality(n: int, seed: int) -> tuple[dict, list]:
    from knowledge.builder import open_store
    from assistant.exam import ExamBuilder, parse_sources, preset
    from assistant.exam.checks import run_checks

    builder = ExamBuilder(open_store())
    sources = parse_sources(QUALITY_SOURCES)
    # 300 items over six sources; one question per 款 caps 单选+填空 at the ~150 款 holding a value
    counts = {"单选": round(n * 0.3), "多选": round(n * 0.1), "判断": round(n * 0.5)}
    counts["填空"] = n - sum(counts.values())
    bp = preset("enforcement").with_counts(**counts)
    paper = builder.build(bp, seed=seed, sources=sources)
    # the checks over every candidate the generators made, not only the ones a paper picked
    scopes = builder.resolve_sources(sources)
    all_reasons: Counter = Counter()
    total = 0
    examples = []
    for t in ("单选", "多选", "判断", "填空"):
        for item in builder.candidates(t, scopes, seed=seed):
            total += 1
            res = run_checks(builder.resolver, item)
            if not res.ok:
                name, msg = res.failures[0]
                all_reasons[name] += 1
                if len(examples) < 20:
                    examples.append({"check": name, "message": msg, "stem": item.stem, "citation": item.citation.label})
    out = {"paper": {"items": len(paper.items), "by_type": dict(Counter(i.type for i in paper.items)),
                     "by_source": dict(Counter(i.citation.law for i in paper.items)),
                     "by_kind": dict(Counter(i.fact.kind for i in paper.items)),
                     "by_difficulty": dict(Counter(i.difficulty for i in paper.items)),
                     **paper.report(), "drop_examples": paper.drop_examples[:20]},
           "all_candidates": {"checked": total, "dropped": dict(all_reasons),
                              "pass_rate": round(1 - sum(all_reasons.values()) / max(1, total), 4),
                              "examples": examples}}
    return out, paper.items


def review_table(items: list, k: int, seed: int) -> str:
    rng = random.Random(f"review|{seed}")
    sample = rng.sample(items, min(k, len(items)))
    lines = ["| # | type | item | key | citation |", "|---|---|---|---|---|"]
    for n, it in enumerate(sample, start=1):
        opts = " ".join(f"{a}.{v}" for a, v in it.options.items())
        key = "".join(it.answer) if it.type in ("单选", "多选") else it.answer[0]
        if it.type in ("单选", "多选"):
            key += "（" + "、".join(it.options[a] for a in it.answer) + "）"
        if it.type == "判断" and it.answer == ["错"]:
            key += f"（原文“{it.fact.value}”，改为“{it.wrong[0]}”）"
        stem = it.stem.replace("|", "｜")
        lines.append(f"| {n} | {it.type} | {stem} {opts} | {key} | {it.citation.label} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quality", type=int, default=0, help="build this many items and report check results")
    ap.add_argument("--review", type=int, default=0, help="print this many random items of the quality run")
    args = ap.parse_args()
    if args.quality or args.review:
        report, items = quality(args.quality or 300, args.seed)
        print(json.dumps(report, ensure_ascii=False, indent=1))
        if args.review:
            print(review_table(items, args.review, args.seed))
        return
    report = bench(args.seed, args.repeat)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"50-item paper (open store + build + DOCX export), worst of {args.repeat}: "
          f"{report['paper_50_items_worst_s']:.2f} s (budget 3 s)")


if __name__ == "__main__":
    main()
