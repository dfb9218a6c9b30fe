"""Item generators: 单选, 多选, 判断 and 填空 built from facts, with distractors drawn from other facts.

Distractors come from facts of the same kind elsewhere in the selected sources (the same law first, then
the closest in size), so they are values the law really uses somewhere: plausible, and provably not the
value of this slot (never present in the source 款, never equivalent to the key, bodies never overlapping).
A generator returns None when it cannot build a sound item; it never pads with made-up values, except
for target years (到2020年), where the documents hold too few to choose from and neighbouring years serve.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .facts import (BLANK, BODY_BY_TERM, MODAL_SWAP, Fact, body_named_in, clean_item, coverage, items_overlap,
                    magnitude, norm_text, occurrences, statement_conflict, terms_overlap, value_norm)

TYPES = ("单选", "多选", "判断", "填空")
LETTERS = "ABCDEF"
NUMERIC = ("deadline", "count", "amount", "multiple", "detention", "year")
# which fact kinds each item type can ask about
KINDS_FOR = {
    "单选": (*NUMERIC, "body"),
    "多选": ("enumeration", "list"),
    "判断": (*NUMERIC, "body", "modality"),
    # a blank has no options to rule other bodies out, so only values the law fixes uniquely are asked
    "填空": NUMERIC,
}
MAX_OPTION = 40  # longer 项 make unreadable options


@dataclass(frozen=True)
class Citation:
    law: str  # full title
    article: str  # 第二十条第一款

    @property
    def label(self) -> str:
        return f"《{self.law}》{self.article}"


@dataclass
class ExamItem:
    """One question, its key, its source and why the key is right."""

    type: str  # 单选 | 多选 | 判断 | 填空
    stem: str
    options: dict[str, str]  # letter → text; empty for 判断 and 填空
    answer: list[str]  # letters, or ["对"] / ["错"], or the blank's text
    citation: Citation
    explanation: str
    quote: str  # exact substring of the provision text
    fact: Fact
    difficulty: str = "中"
    points: float = 0.0
    wrong: tuple[str, ...] = ()  # distractor values; for a false 判断, the substituted value

    @property
    def fingerprint(self) -> str:
        """The item's identity for banks: its type and the fact it asks about (a 单选 and a 判断 on the same
        deadline are different items; the same 单选 with reshuffled options is the same item)."""
        import hashlib
        return hashlib.sha1(f"{self.type}|{self.fact.fingerprint}".encode()).hexdigest()[:16]

    @property
    def key_texts(self) -> list[str]:
        if self.type in ("单选", "多选"):
            return [self.options[a] for a in self.answer if a in self.options]
        return list(self.answer)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape exam systems import."""
        return {"type": self.type, "stem": self.stem, "options": dict(self.options), "answer": list(self.answer),
                "points": self.points, "citation": {"law": self.citation.law, "article": self.citation.article},
                "explanation": self.explanation, "difficulty": self.difficulty, "fingerprint": self.fingerprint}

    def debug(self) -> dict[str, Any]:
        d = self.to_dict()
        d["fact"] = asdict(self.fact)
        return d


# ---------------------------------------------------------------------------------------------------------
# distractor pools
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PoolValue:
    value: str
    norm: tuple
    law_id: str
    extra: tuple = ()

    @property
    def info(self) -> dict[str, str]:
        return dict(self.extra)


@dataclass
class DistractorPool:
    """Values of each kind found in the sources, for drawing wrong options."""

    values: dict[str, list[PoolValue]] = field(default_factory=dict)
    items: list[tuple[str, str, str, str]] = field(default_factory=list)  # (item, law_id, provision_id, leadin)
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (term, law_id, provision_id)

    @classmethod
    def from_facts(cls, facts: Iterable[Fact]) -> "DistractorPool":
        pool = cls()
        seen: set[tuple] = set()
        for f in facts:
            if f.kind in (*NUMERIC, "body"):
                key = (f.kind, f.norm, f.law_id, f.value)
                if key not in seen:
                    seen.add(key)
                    pool.values.setdefault(f.kind, []).append(PoolValue(f.value, f.norm, f.law_id, f.extra))
            elif f.kind == "enumeration":
                for it in f.elements:
                    pool.items.append((it, f.law_id, f.provision_id, f.sentence))
            elif f.kind == "list":
                for t in f.elements:
                    pool.terms.append((t, f.law_id, f.provision_id))
        return pool

    def add_mentions(self, law_id: str, text: str) -> None:
        """Bodies a law names anywhere (not only as actors) are plausible wrong bodies for its questions."""
        from .facts import BODY_RE
        have = {(v.value, v.law_id) for v in self.values.get("body", [])}
        for term in sorted(set(BODY_RE.findall(text))):
            if (term, law_id) not in have:
                b = BODY_BY_TERM[term]
                self.values.setdefault("body", []).append(
                    PoolValue(term, ("body", term), law_id, (("family", b.family),)))

    def extend(self, other: "DistractorPool") -> None:
        for k, vs in other.values.items():
            self.values.setdefault(k, []).extend(vs)
        self.items.extend(other.items)
        self.terms.extend(other.terms)


def _compatible(fact: Fact, v: PoolValue) -> bool:
    """Same shape of value, so the option does not stand out by its form."""
    fi, vi = fact.info, v.info
    if fact.kind == "deadline":
        return fi.get("unit") == vi.get("unit")
    if fact.kind in ("amount", "detention"):
        return fi.get("form") == vi.get("form")
    if fact.kind == "count":
        return fi.get("unit") == vi.get("unit") and fi.get("form") == vi.get("form")
    if fact.kind == "body":
        # a government level may be opposed by an organ (人民法院) when too few levels are disjoint from it
        return fi.get("family") == vi.get("family") or (fi.get("family") == "gov" and vi.get("family") == "organ")
    return True


def sound_value_distractor(fact: Fact, value: str, para_text: str, article_text: str = "") -> bool:
    """A wrong value for this slot: absent from the 款, not equivalent to the key, no overlapping body.
    Bodies must be absent from the whole article: 行政许可法第十六条 grants 行政法规 in one 款 and
    地方性法规 the same in the next."""
    if not value or value == fact.value or value in para_text:
        return False
    if fact.kind == "body":
        if body_named_in(value, article_text):
            return False
        # adjudicators are never opposed to each other, in options or statements: 人民法院 also records
        # its hearings and makes 调解书, so '（　　）应当将开庭情况记入笔录' must not offer it
        return not statement_conflict(fact.value, value)
    n = value_norm(fact.kind, value)
    if n is None or n == fact.norm:
        return False
    # the same quantity printed differently elsewhere in the 款 (两人 / 二人) is still the same quantity
    return all(value_norm(fact.kind, other) != n for other in _same_kind_values(fact.kind, para_text))


def _same_kind_values(kind: str, text: str) -> list[str]:
    from .facts import AMOUNT_RE, COUNT_RE, DEADLINE_RE, DETENTION_RE, MULTIPLE_RE, YEAR_RE
    rx = {"deadline": DEADLINE_RE, "count": COUNT_RE, "amount": AMOUNT_RE, "multiple": MULTIPLE_RE,
          "detention": DETENTION_RE, "year": YEAR_RE}.get(kind)
    if rx is None:
        return []
    return [m.group("v") if "v" in rx.groupindex else m.group(0) for m in rx.finditer(text)]


# ---------------------------------------------------------------------------------------------------------
# the factory
# ---------------------------------------------------------------------------------------------------------

DIFFICULTY = {
    ("单选", "body"): "易", ("单选", "deadline"): "中", ("单选", "count"): "中", ("单选", "year"): "中",
    ("单选", "amount"): "难", ("单选", "multiple"): "难", ("单选", "detention"): "难",
    ("填空", "deadline"): "中", ("填空", "count"): "中", ("填空", "year"): "中",
    ("填空", "amount"): "难", ("填空", "multiple"): "难", ("填空", "detention"): "难",
}


class ItemFactory:
    """Builds items from facts; `para_text` maps (provision_id, 款) to the 款's full text."""

    def __init__(self, pool: DistractorPool, para_text: dict[tuple[str, int], str],
                 law_text: dict[str, str] | None = None, seed: int | str = 0,
                 fallback: Callable[[], DistractorPool] | None = None):
        self.pool = pool
        self.para_text = para_text
        self.law_text = law_text or {}
        self.seed = seed
        self.fallback = fallback  # values of the whole store, when the sources hold too few

    def rng(self, fact: Fact, kind: str) -> random.Random:
        # seeded per fact and type: the same fact gives the same item whatever else the paper holds
        return random.Random(f"{self.seed}|{kind}|{fact.fingerprint}")

    def src(self, fact: Fact) -> str:
        return self.para_text[(fact.provision_id, fact.para_n)]

    # ---- shared pieces ----------------------------------------------------------------------------------
    @staticmethod
    def prefix(fact: Fact) -> str:
        return f"根据《{fact.short_title}》，"

    @staticmethod
    def article_prefix(fact: Fact) -> str:
        """多选 ask what one article lists, so the stem names it: the options are judged against that list."""
        return f"根据《{fact.short_title}》{fact.label}的规定，"

    def framed(self, fact: Fact, filler: str) -> str:
        """The source sentence with the fact's slot replaced; lead-ins keep their 项 after the colon."""
        body = fact.before + filler + fact.after
        if fact.sentence.endswith("："):
            return body + fact.context
        return body + "。"

    def quote(self, fact: Fact) -> str:
        para = self.src(fact)
        return para if len(para) <= 300 else fact.sentence

    def explain(self, fact: Fact, tail: str) -> str:
        return f"{fact.citation}规定：“{self.quote(fact)}”{tail}"

    def item(self, type_: str, fact: Fact, stem: str, options: dict[str, str], answer: list[str], tail: str,
             difficulty: str, wrong: Iterable[str] = ()) -> ExamItem:
        return ExamItem(type=type_, stem=stem, options=options, answer=answer,
                        citation=Citation(fact.law_title, fact.article), explanation=self.explain(fact, tail),
                        quote=self.quote(fact), fact=fact, difficulty=difficulty, wrong=tuple(wrong))

    def article(self, fact: Fact) -> str:
        if not hasattr(self, "_articles"):
            self._articles: dict[str, list[str]] = {}
            for (pid, _), text in self.para_text.items():
                self._articles.setdefault(pid, []).append(text)
        return "\n".join(self._articles.get(fact.provision_id, []))

    def value_distractors(self, fact: Fact, k: int, rng: random.Random, direction: int = 0) -> list[str]:
        """k wrong values for the fact's slot; direction +1 only larger values, -1 only smaller."""
        para = self.src(fact)
        if fact.kind == "year":
            y, end = fact.norm[1], fact.norm[2]
            cands = [f"{y + d}年{'底' if end else ''}" for d in (-3, -2, -1, 1, 2, 3, 5) if d * direction >= 0]
            cands = [c for c in cands if sound_value_distractor(fact, c, para)]
            return rng.sample(cands, k) if len(cands) >= k else []
        found = self._value_distractors(fact, k, rng, direction, self.pool.values.get(fact.kind, []))
        if len(found) < k and self.fallback and fact.kind != "body":
            found = self._value_distractors(fact, k, rng, direction, [
                *self.pool.values.get(fact.kind, []), *self.fallback().values.get(fact.kind, [])])
        return found

    def _value_distractors(self, fact: Fact, k: int, rng: random.Random, direction: int,
                           values: list[PoolValue]) -> list[str]:
        para = self.src(fact)
        article = self.article(fact) if fact.kind == "body" else ""
        me = magnitude(fact.norm)
        scored: dict[tuple, tuple] = {}
        for v in values:
            if not _compatible(fact, v) or not sound_value_distractor(fact, v.value, para, article):
                continue
            if fact.kind == "body":
                dist = 0.0 if v.info.get("family") == fact.info.get("family") else 1.0
            else:
                diff = magnitude(v.norm) - me
                if direction and diff * direction <= 0:
                    continue
                dist = abs(diff)
            if fact.kind == "body":
                rank = (dist, v.law_id != fact.law_id, v.value)
            else:
                rank = (v.law_id != fact.law_id, round(dist, 3), v.value)
            key = v.norm if fact.kind != "body" else tuple(sorted(BODY_BY_TERM[v.value].atoms))
            if key not in scored or rank < scored[key]:
                scored[key] = rank
        ranked = sorted(scored.values())
        if fact.kind == "body":
            # same family and same law first (plausible), then the other sources, then the other family
            tiers = [[r[-1] for r in ranked if r[:2] == t] for t in ((0.0, False), (0.0, True), (1.0, False),
                                                                     (1.0, True))]
            shortlist = []
            for tier in tiers:
                if len(shortlist) >= k:
                    break
                shortlist += tier if not shortlist else tier[: k + 1 - len(shortlist)]
        else:
            shortlist = [r[-1] for r in ranked[: max(k + 2, 5)]]
        if len(shortlist) < k:
            return []
        return rng.sample(shortlist, k)

    def lettered(self, texts: list[str], keys: set[str], rng: random.Random) -> tuple[dict[str, str], list[str]]:
        order = list(texts)
        rng.shuffle(order)
        options = {LETTERS[i]: t for i, t in enumerate(order)}
        return options, sorted(letter for letter, t in options.items() if t in keys)

    # ---- 单选 --------------------------------------------------------------------------------------------
    def single(self, fact: Fact) -> ExamItem | None:
        if fact.kind not in KINDS_FOR["单选"]:
            return None
        rng = self.rng(fact, "单选")
        wrong = self.value_distractors(fact, 3, rng)
        if len(wrong) != 3:
            return None
        stem = self.prefix(fact) + self.framed(fact, BLANK)
        if shows(fact.value, stem, fact.kind):
            return None
        options, answer = self.lettered([fact.value, *wrong], {fact.value}, rng)
        return self.item("单选", fact, stem, options, answer, f"故正确答案为{answer[0]}（{fact.value}）。",
                         DIFFICULTY.get(("单选", fact.kind), "中"), wrong)

    # ---- 填空 --------------------------------------------------------------------------------------------
    def blank(self, fact: Fact) -> ExamItem | None:
        if fact.kind not in KINDS_FOR["填空"]:
            return None
        stem = self.prefix(fact) + self.framed(fact, BLANK)
        if shows(fact.value, stem, fact.kind):
            return None
        return self.item("填空", fact, stem, {}, [fact.value], f"故应填“{fact.value}”。",
                         DIFFICULTY.get(("填空", fact.kind), "中"))

    # ---- 判断 --------------------------------------------------------------------------------------------
    def judge(self, fact: Fact, true: bool) -> ExamItem | None:
        if fact.kind not in KINDS_FOR["判断"] or fact.sentence.endswith("："):
            return None
        if true:
            stem = self.prefix(fact) + fact.sentence + "。"
            return self.item("判断", fact, stem, {}, ["对"], "题干与条文一致，故正确。", "易")
        rng = self.rng(fact, "判断")
        if fact.kind == "modality":
            swapped = MODAL_SWAP.get(fact.value)
            if not swapped:
                return None
            wrong = [swapped]
            difficulty = "中"
        else:
            # only values that make the statement false, not merely weaker (see facts._deadline_direction)
            d = fact.info.get("dir", "0")
            if d == "x":
                return None
            wrong = self.value_distractors(fact, 1, rng, int(d))
            difficulty = "难" if fact.kind in ("amount", "multiple", "detention") else "中"
        if not wrong:
            return None
        stem = self.prefix(fact) + fact.before + wrong[0] + fact.after + "。"
        if fact.kind != "modality" and shows(fact.value, fact.before + wrong[0] + fact.after, fact.kind):
            return None
        tail = f"条文为“{fact.value}”，题干改为“{wrong[0]}”，故错误。"
        return self.item("判断", fact, stem, {}, ["错"], tail, difficulty, wrong)

    # ---- 多选 --------------------------------------------------------------------------------------------
    def multi(self, fact: Fact) -> ExamItem | None:
        if fact.kind == "enumeration":
            return self._multi_enumeration(fact)
        if fact.kind == "list":
            return self._multi_list(fact)
        return None

    def _multi_enumeration(self, fact: Fact) -> ExamItem | None:
        rng = self.rng(fact, "多选")
        usable = [x for x in fact.elements if 4 <= len(x) <= MAX_OPTION]
        if len(usable) < 2:
            return None
        question = self.article_prefix(fact) + str(fact.info.get("question"))
        usable = [x for x in usable if x not in question]
        if len(usable) < 2:
            return None
        n_keys = rng.choice((2, 3)) if len(usable) >= 3 else 2
        keys = rng.sample(usable, n_keys)
        para = self.src(fact)
        lead_noun = _lead_noun(fact.sentence)
        topic = "".join(fact.elements) + fact.sentence
        law_text = self.law_text.get(fact.law_id, para)
        cands: dict[str, tuple] = {}
        for it, law_id, pid, lead in self.pool.items:
            if pid == fact.provision_id or not (4 <= len(it) <= MAX_OPTION) or it in para:
                continue
            if "其他" in it or any(items_overlap(it, src) for src in fact.elements):
                continue
            # the source law's own lists describe its cases along other lines (简易程序 by subject, 管辖 by
            # body), so one of its items may well fall under this list too: take wording the law does not use
            if coverage(it, law_text) >= 0.5:
                continue
            # plausible: same law, same sort of list, and sharing words with the listed items
            rank = (-round(_similarity(it, topic), 1), _lead_noun(lead) != lead_noun,
                    abs(len(it) - sum(map(len, keys)) / len(keys)) // 8, it)
            if it not in cands or rank < cands[it]:
                cands[it] = rank
        ranked = [it for it, _ in sorted(cands.items(), key=lambda kv: kv[1])]
        wrong: list[str] = []
        shortlist = ranked[:8]
        rng.shuffle(shortlist)
        for it in shortlist + ranked[8:]:
            if all(not items_overlap(it, w) for w in wrong):
                wrong.append(it)
            if len(wrong) == 4 - n_keys:
                break
        if len(wrong) != 4 - n_keys:
            return None
        options, answer = self.lettered([*keys, *wrong], set(keys), rng)
        stem = question
        tail = f"选项{'、'.join(a for a in options if a not in answer)}不属于该款所列内容，故正确答案为{''.join(answer)}。"
        return self.item("多选", fact, stem, options, answer, tail, "难" if n_keys == 3 else "中", wrong)

    def _multi_list(self, fact: Fact) -> ExamItem | None:
        rng = self.rng(fact, "多选")
        elements = list(fact.elements)
        stem = self.article_prefix(fact) + fact.before + BLANK + fact.after + "。"
        # a principle printed elsewhere in the stem (合法 in 合法权益) cannot be a key
        hidden = [e for e in elements if e not in stem]
        if len(hidden) < 2:
            return None
        n_keys = min(len(hidden), rng.choice((2, 3)))
        keys = rng.sample(hidden, n_keys)
        para = self.src(fact)
        avg = sum(map(len, keys)) / len(keys)
        cands: dict[str, tuple] = {}
        law_text = self.law_text.get(fact.law_id, para)
        terms = [*self.pool.terms, *(self.fallback().terms if self.fallback else [])]
        for t, law_id, pid in terms:
            if abs(len(t) - avg) > 1 or any(terms_overlap(t, e) for e in elements) or universal(t):
                continue
            if t.startswith(("谁", "不", "以", "为")) or len(t) < 2:
                continue  # halves of slogans (谁投资、谁受益) are not principles
            # a term this law uses anywhere might be argued to be one of its principles
            if t in law_text or t in para:
                continue
            rank = (law_id != fact.law_id, t)
            if t not in cands or rank < cands[t]:
                cands[t] = rank
        ranked = [t for t, _ in sorted(cands.items(), key=lambda kv: kv[1])]
        rng.shuffle(ranked)
        wrong: list[str] = []
        for t in ranked:
            if all(not terms_overlap(t, w) for w in wrong):
                wrong.append(t)
            if len(wrong) == 4 - n_keys:
                break
        if len(wrong) != 4 - n_keys:
            return None
        options, answer = self.lettered([*keys, *wrong], set(keys), rng)
        tail = f"选项{'、'.join(a for a in options if a not in answer)}不在条文所列之中，故正确答案为{''.join(answer)}。"
        return self.item("多选", fact, stem, options, answer, tail, "中", wrong)

    # ---- all candidates of a type ---------------------------------------------------------------------
    def candidates(self, type_: str, facts: Iterable[Fact]) -> list[ExamItem]:
        out: list[ExamItem] = []
        for f in facts:
            if f.kind not in KINDS_FOR[type_]:
                continue
            if type_ == "单选":
                made = [self.single(f)]
            elif type_ == "多选":
                made = [self.multi(f)]
            elif type_ == "填空":
                made = [self.blank(f)]
            else:
                made = [self.judge(f, False), self.judge(f, True)]
            out.extend(x for x in made if x is not None)
        return out


# virtues every administrative process can claim: as a wrong option they could be argued right
UNIVERSAL = ("合法", "合理", "依法", "法治", "法定", "公平", "公正", "公开", "高效", "效率", "效能", "效益", "便民", "为民",
             "群众", "诚信", "诚实", "廉洁", "及时", "规范", "科学", "民主", "服务", "文明", "严格", "统一", "透明", "平等",
             "正当", "必要", "客观", "有效", "经济", "教育", "自愿", "安全", "以人为本", "实事求是", "协商", "便利", "便于",
             "方便", "尊重", "权益", "保护", "公益", "人民")


def universal(term: str) -> bool:
    return any(u in term for u in UNIVERSAL)


def _similarity(candidate: str, topic: str) -> float:
    """Share of the candidate's characters (generic phrases removed) that the topic also uses."""
    from .facts import strip_generic
    c = set(strip_generic(candidate)) - {"·"}
    return len(c & set(topic)) / len(c) if c else 0.0


def shows(value: str, text: str, kind: str) -> bool:
    """Whether the answer is printed in the text (numbers only as whole numbers: 五日 is not in 十五日)."""
    if kind in NUMERIC:
        return occurrences(text, value) > 0
    return value in text


def _lead_noun(lead: str) -> str:
    """'有下列情形之一的' → 情形: lists of the same sort of thing make plausible distractors for each other."""
    import re
    m = re.search(r"(?:下列|以下)([\u4e00-\u9fff]{1,6}?)(?:之一|：|，|的|$)", lead)
    return m.group(1) if m else ""


def same_text(a: str, b: str) -> bool:
    return norm_text(a) == norm_text(b)


__all__ = ["Citation", "ExamItem", "ItemFactory", "DistractorPool", "TYPES", "KINDS_FOR", "clean_item", "same_text"]
