"""Personal data in anything stored or logged: 身份证号 and 手机号 are masked, keeping just enough to recognise."""
from __future__ import annotations

import re

# 18-digit resident ID (last may be X) or the old 15-digit form; not part of a longer digit run
ID_RE = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{1})(?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def mask(text: str) -> str:
    """'330302199001011234' → '330302********1234'; '13812345678' → '138****5678'."""
    if not text:
        return text

    def _id(m: re.Match) -> str:
        full = m.group(0)
        return full[:6] + "*" * (len(full) - 10) + full[-4:]

    text = ID_RE.sub(_id, text)
    return PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def contains_personal_data(text: str) -> bool:
    return bool(ID_RE.search(text or "") or PHONE_RE.search(text or ""))
