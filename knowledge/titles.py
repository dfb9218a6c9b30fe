"""Law titles: normalisation, short titles, and aliases (复议法, 消保法, 道交法 …).

Hand-kept aliases live in data/aliases.csv (alias, full title, why); generated ones follow the
conventions statutes themselves use ("以下简称…") and the 中华人民共和国 prefix rule.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

PRC = "中华人民共和国"
_BRACKETS = str.maketrans({"(": "（", ")": "）", "〈": "《", "〉": "》", "[": "〔", "]": "〕", "【": "〔", "】": "〕"})
_SPACES = re.compile(r"[\s\u3000]+")
_VERSION_SUFFIX = re.compile(r"[（(]\s*\d{4}\s*(?:年)?(?:修订|修正|修改)?\s*[）)]$")


def canonical_title(title: str) -> str:
    """The title as printed, with bracket forms unified and whitespace removed."""
    t = _SPACES.sub("", title.strip().strip("《》").translate(_BRACKETS))
    return t


def normalize(title: str) -> str:
    """Key for matching: canonical, no 《》, no 中华人民共和国 prefix, no quotes inside, no version suffix."""
    t = canonical_title(title)
    t = t.replace("《", "").replace("》", "").replace("“", "").replace("”", "").replace("\"", "")
    t = _VERSION_SUFFIX.sub("", t)
    t = t.replace("最高人民法院最高人民检察院", "最高人民法院、最高人民检察院")
    if t.startswith(PRC) and len(t) > len(PRC) + 1:
        t = t[len(PRC):]
    # 关于适用《中华人民共和国民法典》… inside interpretation titles
    t = t.replace(PRC, "")
    return t


def short_title(title: str) -> str:
    t = canonical_title(title)
    if t.startswith(PRC) and len(t) > len(PRC) + 1:
        return t[len(PRC):]
    return t


@lru_cache(maxsize=1)
def manual_aliases() -> dict[str, str]:
    """alias → normalised title, from data/aliases.csv."""
    out: dict[str, str] = {}
    with resources.files("knowledge").joinpath("data/aliases.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            out[row["alias"].strip()] = normalize(row["title"])
    return out


def generated_aliases(title: str) -> set[str]:
    """Forms people write for a title without a table: with/without prefix, 《》, bracket styles."""
    t = canonical_title(title)
    n = normalize(title)
    forms = {t, n, short_title(t)}
    if not t.startswith(PRC) and re.search(r"(法|法典)$", t) and "条例" not in t:
        forms.add(PRC + t)
    # 司法解释 titles are often cited without the issuing court prefix
    for pre in ("最高人民法院、最高人民检察院", "最高人民法院", "最高人民检察院"):
        if n.startswith(pre + "关于"):
            forms.add(n[len(pre):])
    return {f for f in forms if f}
