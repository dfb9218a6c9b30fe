"""What training learned that search needs — the query tower's adapter, the question memory and the
re-ranker — kept together in one folder with a manifest (what data and code made it, what it scored).

Two places hold such a folder: the project ships one (`indexing/data/learned/`, made by `fazhi index train`
on STARD's training questions, MIT; its notice is kept beside it), and a local `fazhi index train` writes
`$FAZHI_HOME/learned/`, which then takes precedence. First start needs no training: the adapter is merged into
the base e5 and the memory's questions are embedded once, into the cache.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.settings import Settings

from .encoder import OnnxEncoder, file_fingerprint
from .memory import QuestionMemory

SHIPPED = Path(__file__).resolve().parent / "data" / "learned"
ADAPTER = "query-adapter"
MEMORY = "memory.json"
FUSION = "fusion.json"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Learned:
    folder: Path
    origin: str  # "shipped" (with the project) or "trained here" ($FAZHI_HOME/learned)
    manifest: dict = field(default_factory=dict, compare=False)

    @property
    def adapter(self) -> Path | None:
        path = self.folder / ADAPTER
        return path if (path / "adapter_model.safetensors").exists() else None

    @property
    def memory_path(self) -> Path:
        return self.folder / MEMORY

    @property
    def fusion_path(self) -> Path:
        return self.folder / FUSION

    def summary(self) -> dict:
        m = self.manifest
        return {"origin": self.origin, "folder": str(self.folder),
                "adapter": m.get("adapter", {}).get("fingerprint") if self.adapter else None,
                "memory": m.get("memory", {}).get("questions"), "re_ranker": self.fusion_path.exists(),
                "training_set": m.get("training_set", {}).get("sha256"), "code": m.get("code_version"),
                "heldout": m.get("heldout")}


def locate(settings: Settings) -> Learned | None:
    """The artifacts search uses: a local training's, else the project's own, else none (base e5 and RRF);
    `FAZHI_LEARNED` names a folder instead, or "none" for the untrained baseline."""
    if settings.learned == "none":
        return None
    places = ((settings.home / "learned", "trained here"), (SHIPPED, "shipped"))
    if settings.learned != "auto":
        places = ((Path(settings.learned), "named by FAZHI_LEARNED"),)
    for folder, origin in places:
        manifest = folder / MANIFEST
        if manifest.exists():
            try:
                return Learned(folder, origin, json.loads(manifest.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue  # a damaged local folder must not hide the shipped one
    return None


def load_memory(learned: Learned, corpus, encoder: OnnxEncoder, cache: Path) -> QuestionMemory | None:
    """The memory's questions and gold citations, with their embeddings by `encoder`: computed once and kept in
    `cache` under a key of the memory file and the encoder (a new tower or memory embeds them again)."""
    if not learned.memory_path.exists():
        return None
    mem = QuestionMemory.load(learned.folder, corpus, model_id="")
    if mem is None or not len(mem):
        return mem
    key = f"{file_fingerprint(learned.memory_path)}|{encoder.model_id}"
    emb_path, key_path = cache / "memory-embeddings.npy", cache / "memory-embeddings.key"
    if key_path.exists() and key_path.read_text() == key and emb_path.exists():
        emb = np.load(emb_path)
    else:
        emb = encoder.queries(mem.questions)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / "memory-embeddings.tmp.npy"
        np.save(tmp, emb)
        tmp.replace(emb_path)
        key_path.write_text(key)
    if len(emb) != len(mem):
        raise ValueError(f"{emb_path}: {len(emb)} embeddings for {len(mem)} memory questions")
    mem.embeddings, mem.model_id = emb, encoder.model_id
    return mem
