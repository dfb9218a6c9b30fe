"""The index family: each member scores the shared corpus order and persists itself with a manifest
(what it was built from), so it is rebuilt only when the corpus or the model changes."""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np


class Index(ABC):
    name: str = ""

    @abstractmethod
    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (document position, score); `mask` (bool per document) restricts the candidates."""

    @staticmethod
    def read_manifest(folder: Path) -> dict | None:
        path = folder / "manifest.json"
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None  # a damaged manifest means: rebuild

    @staticmethod
    def write_manifest(folder: Path, manifest: dict) -> None:
        tmp = folder / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(folder / "manifest.json")


def top_k(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]
