"""Chinese numerals for article numbers: 第一百零五条 ⇄ 105, 第十七条之一 ⇄ (17, 1).

cn2an does the arithmetic; this module only knows the shapes article numbers take in statutes.
"""
from __future__ import annotations

import re
from functools import lru_cache

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九十百千万"
_CN_NUM = f"[{CN_DIGITS}]+"
_AR_NUM = r"[0-9０-９]+"
NUM = f"(?:{_CN_NUM}|{_AR_NUM})"

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@lru_cache(maxsize=16384)  # a few thousand distinct numerals cover every statute; cn2an is slow (≈40 µs)
def to_int(token: str) -> int:
    """'二十' → 20, '一百零五' → 105, '20' / '２０' → 20. Raises ValueError on anything else."""
    t = token.strip().translate(_FULLWIDTH)
    if not t:
        raise ValueError("empty numeral")
    if t.isdigit():
        return int(t)
    if not re.fullmatch(_CN_NUM, t):
        raise ValueError(f"not a numeral: {token!r}")
    t = t.replace("〇", "零").replace("两", "二")
    # cn2an's strict mode rejects the colloquial '十一' forms it should accept; smart handles both
    try:
        return int(cn2an.cn2an(t, "smart"))
    except Exception as exc:  # cn2an raises bare ValueError/KeyError variants
        raise ValueError(f"not a numeral: {token!r}") from exc


def to_cn(n: int) -> str:
    """20 → '二十', 110 → '一百一十', 105 → '一百零五' (the form statutes print)."""
    if n < 0:
        raise ValueError("negative article number")
    if n == 0:
        return "零"
    s = cn2an.an2cn(n, "low")
    # statutes write 十 / 十一 at the start, never 一十
    if s.startswith("一十"):
        s = s[1:]
    return s


_ARTICLE_RE = re.compile(rf"^第\s*({NUM})\s*条(?:\s*之\s*({NUM}))?$")


def parse_article_no(label: str) -> tuple[int, int]:
    """'第十七条之一' → (17, 1); '第20条' → (20, 0)."""
    m = _ARTICLE_RE.match(label.strip())
    if not m:
        raise ValueError(f"not an article number: {label!r}")
    return to_int(m.group(1)), (to_int(m.group(2)) if m.group(2) else 0)


def article_label(num: int, sub: int = 0) -> str:
    """(17, 1) → '第十七条之一'."""
    base = f"第{to_cn(num)}条"
    return f"{base}之{to_cn(sub)}" if sub else base


def paragraph_label(n: int) -> str:
    return f"第{to_cn(n)}款"


def item_label(n: int) -> str:
    return f"第（{to_cn(n)}）项"
