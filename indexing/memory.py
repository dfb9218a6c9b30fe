"""Question memory: what earlier (training) questions were answered with.

People ask the same things in many wordings, and the articles that answer them repeat: two thirds of the
held-out STARD questions share a gold article with some training question. The memory keeps every training
question with its gold articles; for a new question it finds the nearest training questions twice — by the
query tower's embedding (meaning) and by character n-gram TF-IDF (wording, untouched by fine-tuning) — and

- proposes their gold articles as extra candidates (recall beyond the lexical and dense top 100), and
- gives the re-ranker, for every candidate, how strongly the neighbours vouch for it
  (best similarity, softmax-weighted votes, rank of the first neighbour that cites it).

It is learned from the training split by `fazhi index train` and lives in the cache folder (never in git).
Gold articles are stored as (work, article label), so a rebuilt corpus maps them again on load.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Per kind of neighbour ("e": the query tower, "t": character n-grams): the best similarity of a neighbour citing
# the candidate, its softmax votes, 1/(1+rank) of the first. The re-ranker leaves out the tower's best similarity:
# its scale is the tower's own (see BASE_FEATURES in indexing.fusion).
_PER_KIND = ["mem_e_max", "mem_e_vote", "mem_e_first", "mem_t_max", "mem_t_vote", "mem_t_first"]
FEATURES = [f for f in _PER_KIND if f != "mem_e_max"]
_COLUMNS = [_PER_KIND.index(f) for f in FEATURES]
VERSION = "memory-1"
_WHITE_RUNS = re.compile(r"\s\s+")


@dataclass
class Recollection:
    """The nearest training questions for one query, per similarity kind: (bank positions, similarities)."""

    neighbours: dict[str, tuple[np.ndarray, np.ndarray]]


class CharTfidf:
    """Character 1–3-gram TF-IDF (sublinear tf, smoothed idf, L2 rows), as scikit-learn's TfidfVectorizer(
    analyzer="char", ngram_range=(1, 3), sublinear_tf=True) computes it — written out over scipy.sparse because
    importing scikit-learn alone costs 1.3 s of the retriever's warm start."""

    def __init__(self, texts: list[str], n: tuple[int, int] = (1, 3)):
        self.n = n
        df: dict[str, int] = {}
        for t in texts:
            for g in set(self._grams(t)):
                df[g] = df.get(g, 0) + 1
        self.vocab = {g: i for i, g in enumerate(sorted(df))}
        self.idf = np.array([np.log((1 + len(texts)) / (1 + df[g])) + 1.0 for g in sorted(df)])
        self.matrix = self.transform(texts)

    def _grams(self, text: str) -> list[str]:
        t = _WHITE_RUNS.sub(" ", text.lower())
        return [t[i:i + k] for k in range(self.n[0], self.n[1] + 1) for i in range(len(t) - k + 1)]

    def transform(self, texts: list[str]):
        import scipy.sparse as sp
        rows, cols, vals = [], [], []
        for r, t in enumerate(texts):
            counts: dict[int, int] = {}
            for g in self._grams(t):
                j = self.vocab.get(g)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            js = np.fromiter(counts, dtype=np.int64)
            v = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[js]
            v /= np.linalg.norm(v)
            rows += [r] * len(js)
            cols += js.tolist()
            vals += v.tolist()
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocab)))


class QuestionMemory:
    def __init__(self, ids: list[str], questions: list[str], golds: list[list[tuple[str, str]]],
                 embeddings: np.ndarray | None, corpus, model_id: str = "", top: int = 20, temperature: float = 0.05,
                 propose: int = 5):
        self.ids, self.questions, self.golds = ids, questions, golds
        self.embeddings = embeddings
        self.model_id = model_id
        self.top, self.temperature, self.propose = top, temperature, propose
        self._row = {qid: i for i, qid in enumerate(ids)}
        by_key: dict[tuple[str, str], list[int]] = {}
        for i, d in enumerate(corpus.docs):
            by_key.setdefault((d.work_key, d.label), []).append(i)
        self.positions = [sorted({p for key in g for p in by_key.get(tuple(key), [])}) for g in golds]
        self.tfidf = CharTfidf(questions)
        self.matrix = self.tfidf.matrix

    def __len__(self) -> int:
        return len(self.ids)

    # ---- recalling ----------------------------------------------------------------------------------------
    def recall(self, query: str, qvec: np.ndarray | None, exclude: str | None = None) -> Recollection:
        """Nearest training questions; `exclude` leaves a question out of its own recollection (training)."""
        sims: dict[str, np.ndarray] = {"t": (self.matrix @ self.tfidf.transform([query]).T).toarray().ravel()}
        if qvec is not None and self.embeddings is not None:
            sims["e"] = self.embeddings @ qvec.astype(np.float32)
        skip = self._row.get(exclude) if exclude is not None else None
        out = {}
        for kind, s in sims.items():
            if skip is not None:
                s = s.copy()
                s[skip] = -np.inf
            k = min(self.top, len(s))
            idx = np.argpartition(-s, k - 1)[:k]
            idx = idx[np.argsort(-s[idx], kind="stable")]
            idx = idx[np.isfinite(s[idx])]
            out[kind] = (idx, s[idx])
        return Recollection(out)

    def proposals(self, rec: Recollection) -> set[int]:
        """Gold articles of the closest few neighbours of each kind: extra candidates."""
        out: set[int] = set()
        for idx, _ in rec.neighbours.values():
            for b in idx[: self.propose]:
                out.update(self.positions[b])
        return out

    def features(self, rec: Recollection, docs: list[int]) -> np.ndarray:
        """Per candidate, the columns of FEATURES: per kind, best neighbour similarity citing it, softmax votes,
        1/(1+rank) of the first."""
        col = {d: j for j, d in enumerate(docs)}
        out = np.zeros((len(docs), len(_PER_KIND)))
        for base, kind in ((0, "e"), (3, "t")):
            if kind not in rec.neighbours:
                continue
            idx, s = rec.neighbours[kind]
            if not len(idx):
                continue
            w = np.exp((s - s[0]) / self.temperature)
            w /= w.sum()
            for rank, (b, sim, wt) in enumerate(zip(idx, s, w)):
                for p in self.positions[b]:
                    j = col.get(p)
                    if j is None:
                        continue
                    out[j, base] = max(out[j, base], sim)
                    out[j, base + 1] += wt
                    if out[j, base + 2] == 0:
                        out[j, base + 2] = 1.0 / (1 + rank)
        return out[:, _COLUMNS]

    # ---- persistence ----------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.embeddings is not None:
            np.save(folder / "embeddings.npy", self.embeddings.astype(np.float32))
        data = {"version": VERSION, "model": self.model_id, "top": self.top, "temperature": self.temperature,
                "propose": self.propose,
                "questions": [{"id": i, "query": q, "gold": [list(k) for k in g]}
                              for i, q, g in zip(self.ids, self.questions, self.golds)]}
        tmp = folder / "memory.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / "memory.json")

    @classmethod
    def load(cls, folder: Path, corpus, model_id: str) -> QuestionMemory | None:
        path = folder / "memory.json"
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if data.get("version") != VERSION:
            return None
        emb = None
        if data.get("model") == model_id and (folder / "embeddings.npy").exists():
            emb = np.load(folder / "embeddings.npy")  # embeddings of another query tower would not compare
        qs = data["questions"]
        return cls([q["id"] for q in qs], [q["query"] for q in qs],
                   [[tuple(k) for k in q["gold"]] for q in qs], emb, corpus, data.get("model", ""),
                   data.get("top", 20), data.get("temperature", 0.05), data.get("propose", 5))
