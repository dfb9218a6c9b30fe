"""Index build and start-up costs: lexical build, dense build, warm start, memory.

    python -m evaluation.bench_index [--home DIR] [--regulations PATH] [--skip-dense]

Builds a fresh store in a temporary home (laws + opinions, plus the regulations folder when given), then
times each index build from scratch and a warm start, and prints a table. Converted model weights are
reused from the default cache (their conversion is timed separately by the first build).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regulations", type=Path, default=None, help="LawRefBook folder to add (full store)")
    ap.add_argument("--skip-dense", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home")
    args = ap.parse_args()

    from indexing.bm25 import BM25Index
    from indexing.corpus import build_corpus
    from indexing.dense import DenseIndex
    from indexing.encoder import OnnxEncoder, ensure_base_encoder
    from indexing.retriever import Retriever
    from knowledge.builder import build
    from knowledge.settings import Settings, get_settings
    from knowledge.store import Store

    home = Path(tempfile.mkdtemp(prefix="fazhi-bench-"))
    s = Settings(home=home, models=get_settings().models_dir)
    rows = []
    t = time.perf_counter()
    store = Store(s.store_path)
    build(store, add=[str(args.regulations)] if args.regulations else None, progress=False, settings=s)
    rows.append(("knowledge build (store)", time.perf_counter() - t, f"{store.counts()['provisions']} provisions"))
    t = time.perf_counter()
    corpus = build_corpus(store)
    rows.append(("corpus (current versions)", time.perf_counter() - t, f"{len(corpus.docs)} docs"))
    t = time.perf_counter()
    BM25Index.build(corpus, s.index_dir / "bm25")
    rows.append(("lexical index (BM25)", time.perf_counter() - t, ""))
    if not args.skip_dense:
        enc = OnnxEncoder(ensure_base_encoder(s.models_dir), int8=True)
        t = time.perf_counter()
        DenseIndex.build(corpus, s.index_dir / "dense", enc, progress=True)
        rows.append(("dense index (e5 int8 ONNX + FAISS)", time.perf_counter() - t, f"{len(corpus.docs)} docs"))
    # warm start: everything on disk, a new process would do exactly this
    t = time.perf_counter()
    r = Retriever(store, s, dense=not args.skip_dense, background=False)
    rows.append(("warm start (Retriever ready)", time.perf_counter() - t, r.status()["dense"]["state"]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tab = Table(title=f"index build costs — {'full store' if args.regulations else 'laws-only default'}")
    tab.add_column("step")
    tab.add_column("seconds", justify="right")
    tab.add_column("note")
    for name, sec, note in rows:
        tab.add_row(name, f"{sec:.1f}", note)
    Console().print(tab)
    Console().print(f"peak RSS of this process: {rss:.0f} MiB; home: {home}")
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
