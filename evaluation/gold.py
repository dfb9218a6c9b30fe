"""Reading gold sets (STARD layout: {"id","query","gold":[{"law","article","text"}]}) and splitting them."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GoldRef:
    law: str
    article: int
    text: str


@dataclass
class GoldQuery:
    id: str
    query: str
    gold: list[GoldRef]


def load_gold(path: Path) -> list[GoldQuery]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(GoldQuery(str(d["id"]), d["query"],
                                     [GoldRef(g["law"], int(g["article"]), g.get("text", "")) for g in d.get("gold", [])]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: bad gold line ({exc})") from exc
    return out


def split_of(qid: str, test_fraction: float = 0.2, seed: str = "fazhi-2026") -> str:
    """Deterministic 80/20 split by id hash: the same id always lands on the same side."""
    h = int(hashlib.sha256(f"{seed}:{qid}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if h < test_fraction else "train"


def split(queries: list[GoldQuery], part: str) -> list[GoldQuery]:
    if part == "all":
        return queries
    return [q for q in queries if split_of(q.id) == part]
