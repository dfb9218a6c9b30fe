"""Dense index: e5 passage embeddings (int8 ONNX) in a FAISS inner-product index over L2-normalised vectors.

The manifest records the passage model and the corpus hash; a change of either means a rebuild. The
embeddings are kept beside the FAISS file because training the query tower reads them.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import faiss
import numpy as np

from .base import Index, top_k
from .corpus import IndexCorpus
from .encoder import OnnxEncoder

VERSION = "dense-1"


class DenseIndex(Index):
    name = "dense"

    def __init__(self, index: faiss.Index, embeddings: np.ndarray, query_encoder: OnnxEncoder | None):
        self.index = index
        self.embeddings = embeddings
        self.query_encoder = query_encoder

    @classmethod
    def build(cls, corpus: IndexCorpus, folder: Path, passage_encoder: OnnxEncoder, progress: bool = False,
              on_progress=None) -> np.ndarray:
        texts = [corpus.dense_text(i) for i in range(len(corpus.docs))]
        emb = passage_encoder.passages(texts, progress=progress)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "embeddings.npy", emb)
        index = faiss.IndexFlatIP(emb.shape[1])
        index.add(emb)
        faiss.write_index(index, str(tmp / "faiss.index"))
        cls.write_manifest(tmp, {"version": VERSION, "corpus": corpus.hash, "model": passage_encoder.model_id,
                                 "docs": int(emb.shape[0]), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")})
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        return emb

    @classmethod
    def load(cls, folder: Path, query_encoder: OnnxEncoder | None) -> DenseIndex:
        # one query at a time: OpenMP's fan-out costs more than it saves (10 ms vs 4 ms on 2 cores)
        faiss.omp_set_num_threads(1)
        index = faiss.read_index(str(folder / "faiss.index"))
        emb = np.load(folder / "embeddings.npy", mmap_mode="r")
        return cls(index, emb, query_encoder)

    @classmethod
    def is_current(cls, folder: Path, corpus_hash: str, model_id: str) -> bool:
        m = cls.read_manifest(folder)
        return bool(m and m.get("version") == VERSION and m.get("corpus") == corpus_hash and m.get("model") == model_id)

    def encode_query(self, query: str) -> np.ndarray:
        if self.query_encoder is None:
            raise RuntimeError("dense index loaded without a query encoder")
        return self.query_encoder.queries([query])[0]

    def scores_for(self, qvec: np.ndarray) -> np.ndarray:
        return self.embeddings @ qvec

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.search_vector(self.encode_query(query), k, mask)

    def search_vector(self, q: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        if mask is None:
            scores, ids = self.index.search(q[None, :].astype(np.float32), k)
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        return top_k(self.scores_for(q), k, mask)
