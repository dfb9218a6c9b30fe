"""Validators every item must pass before it is shipped; a failing item is dropped and its reason counted.

The checks do not trust the generator: they resolve the item's printed citation through the
CitationResolver, take the 款 text from that resolution, and re-derive from it whether each option is
right or wrong. The generator's Fact is used only to know where the tested slot is in the sentence.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.citations import CitationResolver, Resolution

from .facts import (BLANK, LIST_RE, body_named_in, clean_item, items_overlap, norm_text, statement_conflict,
                    terms_overlap, value_norm)
from .items import ExamItem, shows

CHECKS: list[tuple[str, Callable[["Source", ExamItem], str | None]]] = []


def check(name: str):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


@dataclass
class Source:
    """What the citation resolves to: the only text the checks believe."""

    resolution: Resolution
    para: str = ""  # the cited 款 (or the whole provision when the citation names no 款)
    provision_text: str = ""
    items: list[str] = field(default_factory=list)  # the 项 under the cited 款, cleaned


def resolve_source(resolver: CitationResolver, item: ExamItem) -> Source:
    res = resolver.resolve(item.citation.label)
    src = Source(res)
    if res.provision:
        src.provision_text = res.provision.text
        paras = res.provision.paragraphs
        para = res.provision.paragraph(res.paragraph) if res.paragraph else (paras[0] if len(paras) == 1 else None)
        # a citation without 款 on a many-paragraph article is checked against the whole article
        src.para = para.full_text if para else res.provision.text
        if para:
            src.items = [clean_item(i.text) for i in para.items]
    return src


def _unframed(item: ExamItem) -> str | None:
    """The stem's statement with the 根据《…》， prefix removed; None when the stem does not carry it."""
    prefix_end = item.stem.find("》")
    if prefix_end < 0:
        return None
    rest = item.stem[prefix_end + 1:]
    rest = re.sub(r"^(?:第[^，]{1,20}?条(?:的规定)?)?，", "", rest)
    return rest


def _filled(item: ExamItem, value: str) -> str:
    f = item.fact
    return f.before + value + f.after


# ---------------------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------------------

@check("answer_shape")
def answer_shape(src: Source, item: ExamItem) -> str | None:
    """The answer has the form its type requires: one letter, two or more letters, 对/错, one text."""
    t, opts, ans = item.type, item.options, item.answer
    if t == "单选":
        if len(opts) != 4 or len(ans) != 1 or ans[0] not in opts:
            return "单选 needs 4 options and exactly one key among them"
    elif t == "多选":
        if not 4 <= len(opts) <= 6 or len(ans) < 2 or len(set(ans)) != len(ans) or any(a not in opts for a in ans):
            return "多选 needs 4–6 options and at least two distinct keys among them"
    elif t == "判断":
        if opts or ans not in (["对"], ["错"]):
            return "判断 has no options and answers 对 or 错"
    elif t == "填空":
        if opts or len(ans) != 1 or not ans[0].strip() or BLANK not in item.stem:
            return "填空 has one non-empty answer and a blank in the stem"
    else:
        return f"unknown item type {t!r}"
    if t in ("单选", "多选") and list(opts) != list("ABCDEF"[: len(opts)]):
        return "options must be lettered A, B, C … in order"
    return None


@check("distinct_options")
def distinct_options(src: Source, item: ExamItem) -> str | None:
    texts = [norm_text(v) for v in item.options.values()]
    if any(not t for t in texts):
        return "an option is empty"
    if len(set(texts)) != len(texts):
        return "two options have the same text"
    kind = item.fact.kind
    norms = [value_norm(kind, v) for v in item.options.values()]
    known = [n for n in norms if n is not None]
    if len(set(known)) != len(known):
        return "two options state the same value in different words"
    return None


@check("key_true")
def key_true(src: Source, item: ExamItem) -> str | None:
    """The key is what the cited 款 says."""
    f, para = item.fact, src.para
    if not para:
        return "the citation gives no text to check the key against"
    if item.type in ("单选", "填空"):
        key = item.key_texts[0] if item.key_texts else ""
        if key != f.value or _filled(item, key) not in para:
            return f"the key {key!r} does not complete the sentence of the cited 款"
        if (f.before + BLANK + f.after) not in item.stem:
            return "the stem is not the cited sentence with one blank"
    elif item.type == "多选":
        keys = item.key_texts
        if f.kind == "enumeration":
            bad = [k for k in keys if k not in src.items]
        else:
            elements = _list_elements(f.sentence if f.sentence in para else "")
            bad = [k for k in keys if k not in elements]
        if bad:
            return f"key option {bad[0]!r} is not listed in the cited 款"
    elif item.type == "判断":
        statement = (_unframed(item) or "").rstrip("。")
        original = _filled(item, f.value)
        if item.answer == ["对"]:
            if statement not in para:
                return "a 对 statement must be the cited text itself"
        else:
            if original not in para:
                return "the statement a 错 item alters is not in the cited 款"
            if statement != _filled(item, item.wrong[0] if item.wrong else ""):
                return "a 错 statement must differ from the cited text in the tested slot only"
    return None


@check("distractors_false")
def distractors_false(src: Source, item: ExamItem) -> str | None:
    """No wrong option (or altered statement) is true under the cited 款."""
    f, para = item.fact, src.para
    if item.type == "单选":
        for d in (v for k, v in item.options.items() if k not in item.answer):
            why = _wrong_value(f, d, para, src.provision_text)
            if why:
                return f"distractor {d!r}: {why}"
            if _filled(item, d) in para:
                return f"distractor {d!r} completes the cited sentence too"
    elif item.type == "多选":
        truths = src.items if f.kind == "enumeration" else _list_elements(f.sentence if f.sentence in para else "")
        for d in (v for k, v in item.options.items() if k not in item.answer):
            if d in para or norm_text(d) in norm_text(para):
                return f"distractor {d!r} appears in the cited 款"
            near = items_overlap if f.kind == "enumeration" else terms_overlap
            hit = next((x for x in truths if near(d, x)), None)
            if hit:
                return f"distractor {d!r} overlaps the listed {hit!r}"
        if set(item.key_texts) != {v for v in item.options.values() if v in truths}:
            return "the keys are not exactly the options the 款 lists"
    elif item.type == "判断" and item.answer == ["错"]:
        if not item.wrong:
            return "a 错 item must record the altered value"
        statement = (_unframed(item) or "").rstrip("。")
        if statement in para or norm_text(statement) in norm_text(src.provision_text):
            return "the altered statement is still in the provision"
        if f.kind != "modality":
            why = _wrong_value(f, item.wrong[0], para, src.provision_text)
            if why:
                return f"altered value {item.wrong[0]!r}: {why}"
    return None


@check("stem_hides_key")
def stem_hides_key(src: Source, item: ExamItem) -> str | None:
    """The stem does not contain the answer."""
    kind = item.fact.kind
    if item.type == "判断":
        if item.answer == ["错"] and kind != "modality":
            statement = _unframed(item) or item.stem
            if shows(item.fact.value, statement, kind):
                return f"the true value {item.fact.value!r} is printed in the stem"
        return None
    for k in item.key_texts:
        if k and shows(k, item.stem, kind):
            return f"the key {k!r} is printed in the stem"
    return None


@check("citation_current")
def citation_current(src: Source, item: ExamItem) -> str | None:
    """The printed citation resolves to the current provision the item was built from, holding the fact."""
    res = src.resolution
    if not res.found:
        return f"the citation {item.citation.label} does not resolve ({res.reason})"
    if res.status != "现行有效":
        return f"the cited provision is {res.status}, not 现行有效"
    if res.provision is None or res.provision.provision_id != item.fact.provision_id:
        return "the citation resolves to a different provision than the item's source"
    if res.label != item.citation.label:
        return f"the citation prints as {res.label}, not {item.citation.label}"
    if item.fact.value not in src.para:
        return "the cited 款 does not contain the tested fact"
    if not item.quote or item.quote not in src.provision_text:
        return "the explanation's quote is not an exact substring of the provision"
    if item.quote not in item.explanation or item.citation.label not in item.explanation:
        return "the explanation must quote the provision and name the citation"
    return None


# ---------------------------------------------------------------------------------------------------------

def _wrong_value(f, value: str, para: str, provision_text: str = "") -> str | None:
    if not value:
        return "empty"
    if value in para:
        return "appears in the cited 款"
    if f.kind == "body":
        if body_named_in(value, provision_text):
            return "names a body the cited article also names"
        return ("names a body overlapping the key (or another adjudicator)"
                if statement_conflict(f.value, value) else None)
    n = value_norm(f.kind, value)
    if n is None:
        return f"is not a {f.kind} value"
    if n == f.norm:
        return "is equivalent to the key"
    return None


def _list_elements(sentence: str) -> list[str]:
    return [e for m in LIST_RE.finditer(sentence) for e in m.group("list").split("、")]


@dataclass
class CheckResult:
    item: ExamItem
    failures: list[tuple[str, str]]  # (check name, message)

    @property
    def ok(self) -> bool:
        return not self.failures


def run_checks(resolver: CitationResolver, item: ExamItem) -> CheckResult:
    src = resolve_source(resolver, item)
    failures = []
    for name, fn in CHECKS:
        msg = fn(src, item)
        if msg:
            failures.append((name, msg))
    return CheckResult(item, failures)
