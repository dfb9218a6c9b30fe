"""Lexical index: BM25 (bm25s, sparse matrices) over jieba tokens with the legal user dictionary."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import bm25s
import numpy as np

from .base import Index, top_k
from .corpus import IndexCorpus
from .tokenizer import LegalTokenizer, defined_terms, write_user_dictionary

VERSION = "bm25-1"


class BM25Index(Index):
    name = "bm25"

    def __init__(self, model: bm25s.BM25, tokenizer: LegalTokenizer):
        self.model = model
        self.tokenizer = tokenizer
        self.vocab = model.vocab_dict

    @classmethod
    def build(cls, corpus: IndexCorpus, folder: Path, progress: bool = False, k1: float = 1.2,
              b: float = 0.75) -> BM25Index:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        words = {d.short_title for d in corpus.docs} | {d.title for d in corpus.docs}
        words |= defined_terms(corpus.texts)
        user_dict = write_user_dictionary(words, tmp / "userdict.txt")
        tok = LegalTokenizer(user_dict)
        it = range(len(corpus.docs))
        if progress:
            from tqdm import tqdm
            it = tqdm(it, desc="tokenizing provisions", unit="doc")
        tokens = [tok.tokenize(corpus.lexical_text(i)) for i in it]
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.index(tokens, show_progress=progress)
        model.save(str(tmp / "bm25"), show_progress=False)
        cls.write_manifest(tmp, {"version": VERSION, "corpus": corpus.hash, "k1": k1, "b": b, "docs": len(tokens),
                                 "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")})
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        return cls(model, LegalTokenizer(folder / "userdict.txt"))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        model = bm25s.BM25.load(str(folder / "bm25"), show_progress=False, mmap=False)
        return cls(model, LegalTokenizer(folder / "userdict.txt"))

    @classmethod
    def is_current(cls, folder: Path, corpus_hash: str) -> bool:
        m = cls.read_manifest(folder)
        return bool(m and m.get("version") == VERSION and m.get("corpus") == corpus_hash)

    def query_tokens(self, query: str) -> list[str]:
        return [t for t in self.tokenizer.tokenize(query) if t in self.vocab]

    def scores(self, query: str) -> np.ndarray:
        toks = self.query_tokens(query)
        if not toks:
            return np.zeros(self.model.scores["num_docs"], dtype=np.float32)
        return self.model.get_scores(toks)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.top(self.scores(query), k, mask)

    @staticmethod
    def top(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The top k of a score vector from :meth:`scores`; documents sharing no term with the query are left out."""
        return [(i, sc) for i, sc in top_k(scores, k, mask) if sc > 0]
