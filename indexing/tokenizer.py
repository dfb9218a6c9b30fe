"""Chinese tokenization for lexical search: jieba with a legal user dictionary built from the store.

The dictionary holds law titles and short titles (so 劳动合同法 stays one token and is not 劳动/合同/法),
and terms the statutes define themselves (本法所称X，是指… / （以下简称X）).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

_DEFINED = re.compile(r"(?:本法|本条例|本规定|本解释|本办法)所称(?:的)?([\u4e00-\u9fff]{2,10}?)[，,]?(?:是指|包括)")
_SHORT = re.compile(r"[（(]以下简称([\u4e00-\u9fff]{2,12})[）)]")
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-zA-Z]+|[0-9]+(?:\.[0-9]+)?")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words: set[str] = set()
    with resources.files("indexing").joinpath("data/stopwords.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                words.update(line.split())
    return frozenset(words)


def defined_terms(texts: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for t in texts:
        out.update(m.group(1) for m in _DEFINED.finditer(t))
        out.update(m.group(1) for m in _SHORT.finditer(t))
    return out


def write_user_dictionary(words: Iterable[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # jieba's format: word [freq] [tag]; a high frequency makes it win over splits
    lines = sorted({w.strip() for w in words if 2 <= len(w.strip()) <= 20 and " " not in w.strip()})
    path.write_text("".join(f"{w} 50000 n\n" for w in lines), encoding="utf-8")
    return path


class LegalTokenizer:
    def __init__(self, user_dict: Path | None = None):
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        if user_dict and user_dict.exists():
            self._jieba.load_userdict(str(user_dict))
        self._stop = stopwords()

    def tokenize(self, text: str) -> list[str]:
        """Search-mode cut (long words and their parts), lower-cased, stopwords and punctuation dropped."""
        out = []
        for tok in self._jieba.cut_for_search(text):
            tok = tok.strip().lower()
            if tok and tok not in self._stop and _WORD.fullmatch(tok):
                out.append(tok)
        return out
