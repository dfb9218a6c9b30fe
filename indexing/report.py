"""`fazhi index status`: what is built, what would be built on the next start, and which learned artifacts
search uses and where they came from — read from manifests only, so asking never builds anything."""
from __future__ import annotations

import json
from pathlib import Path

from knowledge.settings import Settings

from .adapter import adapter_of, adapter_fingerprint
from .base import Index
from .bm25 import VERSION as BM25_VERSION
from .dense import VERSION as DENSE_VERSION
from .encoder import base_encoder_dir, model_id_of
from .fusion import LearnedFusion
from .learned import locate
from .retriever import FAILURE_FILE


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _corpus(settings: Settings) -> tuple[str | None, int, str]:
    """(corpus hash, provisions, state) of the index corpus, compared with the store it was made from."""
    from knowledge.builder import open_store

    from .retriever import store_fingerprint
    path, marker = settings.index_dir / "corpus.json", settings.index_dir / "corpus.fingerprint"
    data = _read(path) if path.exists() else None
    if data is None:
        return None, 0, "not built (built on the next start, about a minute with the lexical index)"
    current = False
    if marker.exists() and settings.store_path.exists():
        store = open_store(settings)
        try:
            current = marker.read_text().strip() == store_fingerprint(store)
        finally:
            store.close()
    state = "current" if current else "stale (the store changed: rebuilt on the next start)"
    return data.get("hash"), len(data.get("docs", [])), state


def index_report(settings: Settings) -> dict:
    corpus_hash, docs, corpus_state = _corpus(settings)
    problems: list[str] = []
    bm25 = Index.read_manifest(settings.index_dir / "bm25")
    lexical = ("ready" if bm25 and bm25.get("version") == BM25_VERSION and bm25.get("corpus") == corpus_hash
               else "not built or stale (built on the next start)")
    base = base_encoder_dir(settings.models_dir)
    base_id = model_id_of(base, int8=True) if (base / "manifest.json").exists() else None
    dm = Index.read_manifest(settings.index_dir / "dense") or {}
    if dm and dm.get("version") == DENSE_VERSION and dm.get("corpus") == corpus_hash and dm.get("model") == base_id:
        dense = {"state": "ready", "docs": dm.get("docs"), "built_at": dm.get("built_at")}
    elif dm:
        dense = {"state": "stale (rebuilt in the background on the next start)", "built_at": dm.get("built_at")}
    else:
        dense = {"state": "not built (built in the background on the next start, with progress in /healthz)"}
    failure = _read(settings.index_dir / FAILURE_FILE)
    if failure:
        problems.append(f"dense: failed at the last start ({failure.get('at')}, {failure.get('attempts')} attempts) — "
                        f"{failure.get('error')}")
    learned = locate(settings)
    out: dict = {"home": str(settings.home), "corpus": {"state": corpus_state, "docs": docs}, "lexical": lexical,
                 "dense": dense, "base_encoder": "exported" if base_id else "not exported (made on the next start)",
                 "learned": None}
    if learned is None:
        out["learned"] = "none: search ranks by RRF with the base e5 (see `fazhi index train`)"
    else:
        info = learned.summary()
        if learned.adapter is not None:
            built = adapter_of(settings.models_dir / "query-encoder-onnx") == adapter_fingerprint(learned.adapter)
            info["query_tower"] = "built" if built else "not built (merged into e5 on the next start, about a minute)"
        # the same test search applies: a re-ranker LearnedFusion will not load is one search would not use
        if learned.fusion_path.exists() and LearnedFusion.load(learned.fusion_path) is None:
            problems.append(f"{learned.fusion_path}: fitted for another feature set; search would rank by RRF "
                            "(`fazhi index train --set FILE --fusion-only` refits it)")
        info["memory_embedded"] = (settings.index_dir / "memory" / "memory-embeddings.key").exists()
        out["learned"] = info
    out["problems"] = problems
    return out
