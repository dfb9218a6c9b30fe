"""Triage benchmark: 5-fold CV on the train split (model selection), the held-out test split, and the independent
holdout set (``accounts_holdout.jsonl``: written from GUIDE.md alone by a writer who never saw the other accounts),
and the development set (``accounts_dev.jsonl``, a third writer) that chose how rules and model combine.

    python evaluation/bench_triage.py            # CV on train + test figures + latency
    python evaluation/bench_triage.py --cv-only  # model selection figures only (never reads test labels)
    python evaluation/bench_triage.py --json     # the same, machine-readable

Prints macro-F1, per-class precision/recall/F1, the confusion matrix, accuracy on the three main channels
(行政调解 / the three 仲裁 / 行政复议), a majority-class baseline, which part decided (rule or model), and
p50/p95 milliseconds per case for ``Router.route`` (facts + model + rules + resolved basis + deadlines).
Both held-out sets are scored with the model trained on the train split only (the same one the app caches).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.routing import classifier as C  # noqa: E402
from assistant.routing.channels import CHANNELS, MAIN_GROUPS  # noqa: E402
from assistant.routing.facts import extract_facts, normalize_text, signals  # noqa: E402
from assistant.routing.router import combine  # noqa: E402

SHORT = {"行政调解": "行调", "劳动人事争议仲裁": "劳仲", "农村土地承包经营纠纷仲裁": "土仲", "商事仲裁": "商仲",
         "行政复议": "复议", "行政裁决": "裁决", "行政诉讼": "行诉", "人民调解": "人调", "民事诉讼": "民诉",
         "信访": "信访", "报警": "报警"}


def prf(gold: list[str], pred: list[str]) -> dict:
    per = {}
    for c in CHANNELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        P = tp / (tp + fp) if tp + fp else 0.0
        R = tp / (tp + fn) if tp + fn else 0.0
        F = 2 * P * R / (P + R) if P + R else 0.0
        per[c] = {"precision": P, "recall": R, "f1": F, "support": tp + fn}
    macro = sum(v["f1"] for v in per.values()) / len(per)
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    return {"macro_f1": macro, "accuracy": acc, "per_class": per}


def confusion(gold: list[str], pred: list[str]) -> list[list[int]]:
    idx = {c: i for i, c in enumerate(CHANNELS)}
    m = [[0] * len(CHANNELS) for _ in CHANNELS]
    for g, p in zip(gold, pred):
        m[idx[g]][idx[p]] += 1
    return m


def main_channel_accuracy(gold: list[str], pred: list[str]) -> dict:
    out = {}
    for name, group in MAIN_GROUPS.items():
        pairs = [(g, p) for g, p in zip(gold, pred) if g in group]
        exact = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
        grouped = sum(p in group for _, p in pairs) / len(pairs) if pairs else 0.0
        out[name] = {"n": len(pairs), "accuracy": exact, "group_accuracy": grouped}
    return out


def cross_validate(rows: list[dict], folds: int = 5, seed: int = 0) -> dict:
    from sklearn.model_selection import StratifiedKFold
    today = C.DATA_DATE
    X = [normalize_text(r["text"]) for r in rows]   # exactly what the router serves
    y = np.array([r["label"] for r in rows])
    facts = [extract_facts(t, today) for t in X]
    sigs = [signals(f, today) for f in facts]
    encoder = C.text_encoder()
    E = encoder.queries(X)  # once for all folds: the same vectors the model would compute
    P = np.zeros((len(X), len(CHANNELS)))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        m = C.fit([X[i] for i in tr], list(y[tr]), sigs=[sigs[i] for i in tr], encoder=encoder, embeddings=E[tr])
        P[te] = m.predict_proba([X[i] for i in te], [sigs[i] for i in te], E[te])
    model_pred = [CHANNELS[j] for j in P.argmax(1)]
    comb_pred = [combine(P[i], facts[i])[0][0][0] for i in range(len(X))]
    gold = list(y)
    return {"folds": folds, "n": len(X), "model_only": prf(gold, model_pred), "combined": prf(gold, comb_pred),
            "confusion": confusion(gold, comb_pred)}


def evaluate_test(rows_train: list[dict], rows_test: list[dict], store, models_dir: Path | None) -> dict:
    from assistant.routing.router import Router
    model = C.load_or_train(models_dir)
    router = Router(store, model=model)
    today = C.DATA_DATE
    # warm-up on train texts (never on test), then time every test case one by one
    for r in rows_train[:5]:
        router.route(r["text"], today=today)
    gold, pred, model_pred, times, decided = [], [], [], [], Counter()
    for r in rows_test:
        t0 = time.perf_counter()
        route = router.route(r["text"], today=today)
        times.append((time.perf_counter() - t0) * 1000)
        gold.append(r["label"])
        pred.append(route.channel)
        model_pred.append(max(route.ranked, key=lambda a: a.model_probability).channel)
        decided[route.decided_by.split(":")[0]] += 1
    majority = Counter(r["label"] for r in rows_train).most_common(1)[0][0]
    q = np.percentile(times, [50, 95])
    wrong = [{"id": r["id"], "gold": g, "pred": p} for r, g, p in zip(rows_test, gold, pred) if g != p]
    return {"n": len(rows_test), "combined": prf(gold, pred), "model_only": prf(gold, model_pred),
            "majority_baseline": {"label": majority, **prf(gold, [majority] * len(gold))},
            "confusion": confusion(gold, pred), "main_channels": main_channel_accuracy(gold, pred),
            "decided_by": dict(decided), "latency_ms": {"p50": float(q[0]), "p95": float(q[1]),
                                                          "mean": statistics.fmean(times)},
            "errors": wrong, "model_manifest": model.manifest}


def print_report(title: str, res: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    import shutil
    con = Console(soft_wrap=True, width=max(150, shutil.get_terminal_size((150, 40)).columns))
    con.print(f"\n[bold]{title}[/bold]  n={res['n']}")
    line = f"macro-F1 {res['combined']['macro_f1']:.4f}  accuracy {res['combined']['accuracy']:.4f}"
    line += f"   (model alone: macro-F1 {res['model_only']['macro_f1']:.4f})"
    if "majority_baseline" in res:
        b = res["majority_baseline"]
        line += f"   majority baseline ({b['label']}): macro-F1 {b['macro_f1']:.4f}, accuracy {b['accuracy']:.4f}"
    con.print(line, markup=False)
    t = Table(title="per class (rules + model)")
    for col in ("channel", "P", "R", "F1", "n"):
        t.add_column(col, justify="right" if col != "channel" else "left")
    for c, v in res["combined"]["per_class"].items():
        t.add_row(c, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
    con.print(t)
    t = Table(title="confusion matrix (rows: gold, columns: predicted)")
    t.add_column("gold \\ pred")
    for c in CHANNELS:
        t.add_column(SHORT[c], justify="right")
    for c, row in zip(CHANNELS, res["confusion"]):
        t.add_row(f"{SHORT[c]} {c}", *[str(x) if x else "·" for x in row])
    con.print(t)
    if "main_channels" in res:
        for name, v in res["main_channels"].items():
            con.print(f"main channel {name}: accuracy {v['accuracy']:.3f} (n={v['n']})"
                      + (f", within the group {v['group_accuracy']:.3f}" if name.startswith("仲裁") else ""),
                      markup=False)
        lat = res["latency_ms"]
        con.print(f"latency per case (Router.route, 1 case at a time): p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms",
                  markup=False)
        con.print(f"decided by: {res['decided_by']}", markup=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv-only", action="store_true", help="cross-validation on train only")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--models-dir", type=Path, default=None, help="where the router model is cached")
    args = ap.parse_args(argv)
    rows = C.load_accounts()
    train = C.training_rows()  # the train split plus accounts_extra.jsonl; the test split is never trained on
    out: dict = {"accounts_sha256": C.file_sha256(C.accounts_path())}
    t0 = time.time()
    out["cv_train"] = cross_validate(train)
    out["cv_seconds"] = round(time.time() - t0, 1)
    if not args.cv_only:
        from knowledge.builder import open_store
        test = [r for r in rows if r["split"] == "test"]
        store = open_store()
        out["test"] = evaluate_test(train, test, store, args.models_dir)
        if C.holdout_path().exists():
            out["holdout"] = evaluate_test(train, C.load_accounts(C.holdout_path(), split="holdout"), store,
                                           args.models_dir)
        dev = C.holdout_path().with_name("accounts_dev.jsonl")
        if dev.exists():
            out["dev"] = evaluate_test(train, C.load_accounts(dev, split="dev"), store, args.models_dir)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print_report("5-fold cross-validation on train (model selection)", out["cv_train"])
    if "test" in out:
        print_report("held-out test split (model trained on train only)", out["test"])
    if "holdout" in out:
        print_report("independent holdout set (another writer, model trained on train only)", out["holdout"])
    if "dev" in out:
        print_report("development set (a third writer; chose router.RULE_BOOST — not a held-out figure)", out["dev"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
