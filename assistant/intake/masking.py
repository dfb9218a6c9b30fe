"""Personal identifiers masked wherever a list, an export or a log shows text.

- 身份证号: 18 characters, 17 digits then a digit or X/x → first 4 and last 4 kept: 3303**********1234;
- 手机号: 11 digits 1[3-9]xxxxxxxxx (optionally +86 / 86 prefixed, optionally with spaces or dashes in the
  3-4-4 form) → 138****2716.
Numbers embedded in longer digit runs (bank cards, order numbers) are not phone numbers and are left alone.
"""
from __future__ import annotations

import re

ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{5})((?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
                     r"([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
# the loose form (any 18 characters of 17 digits + digit/X) catches numbers with an impossible birth date too
ID_CARD_LOOSE = re.compile(r"(?<![0-9A-Za-z])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9])[- ]?([0-9]{4})[- ]?([0-9]{4})(?![0-9])")


def mask_text(text: str | None) -> str:
    if not text:
        return text or ""
    t = ID_CARD_LOOSE.sub(lambda m: f"{m.group(1)}**********{m.group(2)[-4:]}", text)
    t = PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", t)
    return t


def has_identifiers(text: str | None) -> bool:
    return bool(text) and (bool(ID_CARD_LOOSE.search(text)) or bool(PHONE.search(text)))
