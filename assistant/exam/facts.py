"""Testable facts in provisions: the deadline, amount, body, modality or enumeration a question can ask about.

A fact is located exactly: the sentence that holds it is a substring of one 款 of one provision, and the
value is a span of that sentence. Everything downstream (stems, distractors, checks) works from those spans,
so an item can never quote text the provision does not contain.

Only facts whose wrong values can be proved wrong are extracted. Bodies are compared as sets of "atoms"
(县级以上地方各级人民政府 = {省, 市, 县}): a distractor must share no atom with the key, because a body that
overlaps the key (省级 for 县级以上) would make the statement partly true.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.models import Law, Paragraph, Provision
from knowledge.numerals import to_int

BLANK = "（　　）"
CN_NUMERALS = "零〇一二两三四五六七八九十百千万"
_N = f"[{CN_NUMERALS}]+"
_NOT_NUM_BEFORE = rf"(?<![{CN_NUMERALS}0-9０-９年月第])"

# sentences that only make sense next to their neighbours: a stem built from them would be ambiguous
_REFERS_ELSEWHERE = re.compile(r"^以上|上列|前款|前两款|前三款|前项|上款|上述|前述|本条|前条|上一款|该款|下款|依照本法第|本法第")
_QUOTE_CHARS = "“”\"'‘’「」"


# ---------------------------------------------------------------------------------------------------------
# the fact type
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One testable fact, located in a provision."""

    kind: str  # deadline | count | amount | multiple | detention | year | body | modality | list | enumeration
    value: str  # as printed (list/enumeration: the elements joined with 、)
    norm: tuple  # canonical value: equal norms are the same fact even when printed differently (两/二)
    law_id: str
    work_key: str
    law_title: str
    short_title: str  # how stems name the source: 行政复议法; the full title for documents without a short form
    provision_id: str
    label: str  # 第二十条 / 第二十四项
    para_n: int  # the 款 that holds the fact
    cite_para: bool  # whether the citation names the 款 (only when the article has more than one)
    sentence: str  # exact substring of the 款 text
    start: int  # value span inside the sentence
    end: int
    context: str = ""  # the 项 under a lead-in sentence, shown after the stem
    elements: tuple[str, ...] = ()  # list / enumeration: the true options
    extra: tuple[tuple[str, str], ...] = ()  # small typed notes (e.g. ("unit", "日"))
    path: tuple[str, ...] = ()

    @property
    def info(self) -> dict[str, str]:
        return dict(self.extra)

    @property
    def before(self) -> str:
        return self.sentence[: self.start]

    @property
    def after(self) -> str:
        return self.sentence[self.end:]

    @property
    def article(self) -> str:
        """第二十条第一款 (the 款 only when the article has several)."""
        from knowledge.numerals import paragraph_label
        return self.label + (paragraph_label(self.para_n) if self.cite_para else "")

    @property
    def citation(self) -> str:
        return f"《{self.law_title}》{self.article}"

    @property
    def slot_key(self) -> str:
        """Identifies the source 款: a paper asks at most one question per 款, so items never answer each other."""
        return f"{self.work_key}|{self.label}|{self.para_n}"

    @property
    def fingerprint(self) -> str:
        """Stable across builds and seeds: the same fact in the same place of the same work."""
        raw = "|".join([self.work_key, self.label, str(self.para_n), self.kind, self.value, self.sentence])
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------------
# values: parsing and equivalence
# ---------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def cn_int(token: str) -> int | None:
    try:
        return to_int(token)
    except ValueError:
        return None


_PERIOD_UNITS = ("个工作日", "工作日", "个月", "小时", "日", "年")
DEADLINE_RE = re.compile(rf"{_NOT_NUM_BEFORE}(?P<n>{_N})(?P<u>个工作日|工作日|个月|小时|日|年)")
# a period: "…之日起六十日内", "超过五年", "期间为一年", "满六十日", "延长十日"
_PERIOD_BEFORE = re.compile(r"(?:起|超过|满|延长|期限为|期间为|为期|不超过|届满|延长至|最长|最多|以后|后的|逾期)$")
_PERIOD_AFTER_OK = ("内", "以内", "之内", "前", "后", "届满", "的", "，", "。", "；", "仍")
_PERIOD_AFTER_BAD = re.compile(r"^(?:以上|以下|有期徒刑|拘留|折抵|周岁|次|级|零)")


def _deadline_norm(n: int, unit: str) -> tuple:
    return ("deadline", n, unit.replace("个工作日", "工作日"))


def deadline_days(norm: tuple) -> float:
    _, n, unit = norm
    return n * {"日": 1, "工作日": 1.4, "个月": 30, "年": 365, "小时": 1 / 24}[unit]


COUNT_RE = re.compile(rf"{_NOT_NUM_BEFORE}(?P<v>(?P<a>{_N})(?:至(?P<b>{_N}))?(?P<u>名|人))(?![民员大数身格次均])")
AMOUNT_RE = re.compile(
    rf"{_NOT_NUM_BEFORE}(?P<v>(?P<a>{_N})(?P<ua>元|万元)以上(?P<b>{_N})(?P<ub>元|万元)以下"
    rf"|(?P<c>{_N})(?P<uc>元|万元)以下|(?P<d>{_N})(?P<ud>元|万元)(?=罚款))")
MULTIPLE_RE = re.compile(rf"{_NOT_NUM_BEFORE}(?P<v>(?P<a>{_N})倍以上(?P<b>{_N})倍以下)")
DETENTION_RE = re.compile(rf"{_NOT_NUM_BEFORE}(?P<v>(?P<a>{_N})日以上(?P<b>{_N})日以下|(?P<c>{_N})日以下)(?=拘留)")
YEAR_RE = re.compile(r"(?:到|至)\s*(?P<v>(?P<y>20\d\d)年(?P<end>底)?)")


def _yuan(n: str, unit: str) -> int | None:
    v = cn_int(n)
    return None if v is None else v * (10000 if unit == "万元" else 1)


# ---------------------------------------------------------------------------------------------------------
# bodies: a curated lexicon, each term with its family and atoms
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BodyTerm:
    term: str
    family: str  # gov | organ | norm
    atoms: frozenset[str]
    rank: int = 0  # norm family: lower rank = higher authority (a lower-ranked distractor may be true)
    gov_part: bool = False  # a department of a government: it may act for the government it belongs to


def _b(term: str, family: str, atoms: str, rank: int = 0, gov_part: bool = False) -> BodyTerm:
    return BodyTerm(term, family, frozenset(atoms.split()), rank, gov_part)


BODIES: tuple[BodyTerm, ...] = (
    # governments by level: atoms are the levels the term covers
    _b("国务院", "gov", "国"),
    _b("省、自治区、直辖市人民政府", "gov", "省"),
    _b("省级人民政府", "gov", "省"),
    _b("设区的市级人民政府", "gov", "市"),
    _b("设区的市人民政府", "gov", "市"),
    _b("县级以上地方各级人民政府", "gov", "省 市 县"),
    _b("县级以上地方人民政府", "gov", "省 市 县"),
    _b("县级以上各级人民政府", "gov", "国 省 市 县"),
    _b("县级以上人民政府", "gov", "国 省 市 县"),
    _b("县级人民政府", "gov", "县"),
    _b("乡、镇人民政府", "gov", "乡"),
    _b("乡镇人民政府", "gov", "乡"),
    _b("地方各级人民政府", "gov", "省 市 县 乡"),
    _b("各级人民政府", "gov", "国 省 市 县 乡"),
    # organs: one atom per institution; related institutions share an atom so they never oppose each other
    _b("人民法院", "organ", "法院"),
    _b("人民检察院", "organ", "检察院"),
    _b("公安机关交通管理部门", "organ", "公安", gov_part=True),
    _b("公安机关", "organ", "公安", gov_part=True),
    # the 机构 acts inside the 机关: either could be said to do what the other does, so never opposed
    _b("行政复议机关", "organ", "复议", gov_part=True),
    _b("行政复议机构", "organ", "复议", gov_part=True),
    _b("劳动争议仲裁委员会", "organ", "仲裁", gov_part=True),
    _b("仲裁庭", "organ", "仲裁", gov_part=True),
    _b("审计机关", "organ", "审计", gov_part=True),
    _b("监察机关", "organ", "监察"),
    # since 2023 the 司法行政部门 of a government is its 行政复议机构 (行政复议法第二十八条)
    _b("司法行政部门", "organ", "司法行政 复议", gov_part=True),
    _b("政府法制机构", "organ", "法制机构", gov_part=True),
    _b("市场监督管理部门", "organ", "市场监管", gov_part=True),
    _b("劳动行政部门", "organ", "劳动行政", gov_part=True),
    _b("交通运输主管部门", "organ", "交通运输", gov_part=True),
    _b("工商行政管理部门", "organ", "市场监管", gov_part=True),
    _b("人民调解委员会", "organ", "调解"),
    _b("工会", "organ", "工会"),
    # sources of law: a higher-ranked norm can do what a lower one can, so only lower-ranked distractors
    _b("法律", "norm", "法律", 1),
    _b("行政法规", "norm", "行政法规", 2),
    _b("地方性法规", "norm", "地方性法规", 3),
    _b("部门规章", "norm", "部门规章", 4),
    _b("地方政府规章", "norm", "地方政府规章", 4),
)
BODY_BY_TERM = {b.term: b for b in BODIES}
BODY_RE = re.compile("|".join(re.escape(b.term) for b in sorted(BODIES, key=lambda b: -len(b.term))))
# a body is tested only where it acts: at a clause start or after 由/向/报/经, and followed by a verb
_BODY_BEFORE = re.compile(r"(?:[，；：。]|由|向|报|经|报请|提请)$")
_BODY_AFTER = re.compile(r"^(?:应当|可以|不得|必须|只能|负责|负总责|管辖|依法|决定|批准|作出|按照|根据|依照|组织|制定|"
                         r"设立|建立|提起|申请|受理|审查|处|给予|责令|收到|发现|统一|领导|会同|指导|监督|设定|牵头|"
                         r"在|对|予以|办理)")


# bodies that decide disputes do the same things in their own proceedings (调解书, 笔录, 证据查证属实):
# swapped into a statement, one of them could make it true under another law
ADJUDICATORS = frozenset({"人民法院", "仲裁庭", "劳动争议仲裁委员会", "行政复议机关", "行政复议机构", "司法行政部门",
                          "人民调解委员会"})


def statement_conflict(key: str, other: str) -> bool:
    """For a 判断 statement (read on its own, not against three other options): stricter than options."""
    return bodies_conflict(key, other) or (key in ADJUDICATORS and other in ADJUDICATORS)


def body_named_in(term: str, text: str) -> bool:
    """Whether a text names the body, also by its generic form: 行政许可法第十六条第三款 grants '规章' what
    its first 款 grants 行政法规, so 地方政府规章 is named there too."""
    if term in text:
        return True
    if term in ("部门规章", "地方政府规章"):
        return "规章" in text
    if term == "地方性法规":
        return re.search(r"(?<![行政性])法规", text) is not None
    return False


def bodies_conflict(key: str, other: str) -> bool:
    """True when `other` could also be right where the law says `key` (same, nested or overlapping bodies)."""
    if key == other or key in other or other in key:
        return True
    a, b = BODY_BY_TERM.get(key), BODY_BY_TERM.get(other)
    if not a or not b:
        return True
    if a.atoms & b.atoms:
        return True
    if "复议" in a.atoms and b.gov_part:
        return True  # a 国务院部门 (公安部, 交通运输部 …) is itself a 行政复议机关 for its own acts
    if a.family == "gov" and b.gov_part:
        return True  # 司法行政部门 办理 … may well be done in the name of its government
    if a.family == "norm" and b.family == "norm":
        # 法律 can do whatever 行政法规 can: only a lower-ranked norm is provably not what the law means
        return b.rank <= a.rank
    return False


# ---------------------------------------------------------------------------------------------------------
# modality
# ---------------------------------------------------------------------------------------------------------

# A swapped modal must contradict the rule, not follow from it. 应当→可以 is the classic trap, but a duty
# implies the permission ('申请人可以在十日内提交补正材料' is true), so duties become 无需 (need not);
# a permission is not a duty (可以→应当) and a prohibition is not a permission (不得→可以).
MODAL_SWAP = {"应当": "无需", "必须": "无需", "可以": "应当", "不得": "可以"}
_MODAL_RE = re.compile(r"应当(?!知道)|(?<![不也还均都亦])可以|(?<![最长多高低])不得(?!不)|必须")

# ---------------------------------------------------------------------------------------------------------
# lists and enumerations
# ---------------------------------------------------------------------------------------------------------

_W = r"(?:(?!的)[\u4e00-\u9fff])"
LIST_RE = re.compile(rf"(?P<trig>遵循|坚持|按照|实行|建成|贯彻)(?P<list>(?:{_W}{{2,6}}、)+{_W}{{2,6}})"
                      r"(?P<tail>的原则|原则|的方针|的法治政府)")
_ORDINAL = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*")
_CATCH_ALL = re.compile(r"其他[^，；。、]{0,14}[；。，]?$")
_LEADIN_RE = re.compile(r"(下列|以下)")


def is_open_list(items: list[str]) -> bool:
    """Whether an enumeration ends open: a last item naming 'other' things, or any item deferring to other rules."""
    if not items:
        return False
    if "其他" in items[-1] or "等" in items[-1][-3:]:
        return True
    return any(_CATCH_ALL.search(x) or re.search(r"规定的其他|规定应当.{0,20}的其他", x) for x in items)


def clean_item(text: str) -> str:
    return _ORDINAL.sub("", text.strip()).rstrip("；;。，,：:").strip()


def leadin_question(lead: str) -> str | None:
    """'有下列情形之一的，行政复议中止：' → '有下列哪些情形的，行政复议中止？' (None when it cannot be asked)."""
    s = lead.rstrip("：:").strip()
    if s.endswith("包括"):
        return s + BLANK
    m = re.search(r"(下列|以下)([\u4e00-\u9fff]{0,8}?)之一", s)
    if m:
        return s[: m.start()] + f"{m.group(1)}哪些{m.group(2)}" + s[m.end():] + "？"
    m = _LEADIN_RE.search(s)
    if m and not s[m.end():m.end() + 2].startswith("哪些"):
        return s[: m.end()] + "哪些" + s[m.end():] + "？"
    return None


# ---------------------------------------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------------------------------------

_SENT_RE = re.compile(r"[^。？！]+[。？！]?")
MAX_SENTENCE = 160


def sentences(text: str) -> Iterable[tuple[int, str]]:
    """(offset, sentence without its final 。) for each sentence of a 款."""
    for m in _SENT_RE.finditer(text):
        s = m.group(0).rstrip("。？！").strip()
        if s:
            yield text.index(s, m.start()), s


_BACKREF = re.compile(r"其(?![他中余次实后])|该|此|上述|前述|这|指定期限|规定期限|同一|相应")


_ACTOR = re.compile(r"机关|部门|政府|人民法院|人民检察院|当事人|申请人|公民|法人|组织|单位|人员|委员会|仲裁庭|驾驶人|行人|"
                    r"被许可人|劳动者|职工|国家|任何|法律|法规|规章")


# a sentence opening with its verb has left its subject in the sentence before ('不得限制…陈述权')
_NO_SUBJECT = ("不得", "应当", "可以", "必须", "还", "均", "仍", "即", "须", "应", "予以", "依法", "不", "需", "将", "可")


def _standalone(sentence: str) -> bool:
    """Whether a sentence that is not the first of its 款 can be read without the sentences before it:
    long enough, no pronoun pointing back, and an actor named in its first clause
    ('二十日内不能作出决定的，…' names none: it continues the sentence before)."""
    first_clause = re.split(r"[，；]", sentence, maxsplit=1)[0]
    return (len(sentence) >= 20 and not sentence.startswith(_DEPENDENT) and not sentence.startswith(_NO_SUBJECT)
            and not _BACKREF.search(sentence)
            and not re.match(f"[{CN_NUMERALS}0-9]", sentence)
            and bool(_ACTOR.search(first_clause) or YEAR_RE.match(first_clause)))


def _usable(sentence: str) -> bool:
    return len(sentence) <= MAX_SENTENCE and not _REFERS_ELSEWHERE.search(sentence)


def _heading_free(sentence: str) -> bool:
    """The opinions open each item with '24.加强行政调解工作' — a heading, not a statement."""
    return not re.match(r"^\d+\.", sentence)


def occurrences(text: str, value: str) -> int:
    """How often value is printed in text; a number inside a larger one (十日 in 二十日) does not count."""
    if value and value[0] in CN_NUMERALS:
        return len(re.findall(rf"(?<![{CN_NUMERALS}0-9]){re.escape(value)}", text))
    return text.count(value)


def _unique(sentence: str, value: str) -> bool:
    return occurrences(sentence, value) == 1


def _in_quotes(sentence: str, start: int, end: int) -> bool:
    return ((start > 0 and sentence[start - 1] in _QUOTE_CHARS)
            or (end < len(sentence) and sentence[end] in _QUOTE_CHARS))


def _context(para: Paragraph, sentence: str) -> str:
    """The 项 under a lead-in: short lists in full, long ones abbreviated."""
    if not sentence.endswith("：") or not para.items:
        return ""
    items = [i.text for i in para.items]
    if sum(map(len, items)) <= 150:
        return "".join(items)
    return "".join(items[:2]) + "……"


# ---------------------------------------------------------------------------------------------------------
# extraction
# ---------------------------------------------------------------------------------------------------------

@dataclass
class FactExtractor:
    """Extracts facts from the provisions of one law version."""

    law: Law
    facts: list[Fact] = field(default_factory=list)

    def extract(self, provisions: Iterable[Provision]) -> list[Fact]:
        for prov in provisions:
            if prov.kind not in ("article", "item"):
                continue
            cite_para = prov.kind == "article" and len(prov.paragraphs) > 1
            for para in prov.paragraphs:
                self._paragraph(prov, para, cite_para)
        return self.facts

    def _fact(self, prov: Provision, para: Paragraph, cite_para: bool, kind: str, sentence: str, start: int,
              end: int, norm: tuple, **kw) -> None:
        self.facts.append(Fact(kind=kind, value=sentence[start:end], norm=norm, law_id=self.law.law_id,
                               work_key=self.law.work_key, law_title=self.law.title,
                               short_title=stem_name(self.law), provision_id=prov.provision_id, label=prov.label,
                               para_n=para.n, cite_para=cite_para, sentence=sentence, start=start, end=end,
                               path=tuple(prov.path), **kw))

    def _paragraph(self, prov: Provision, para: Paragraph, cite_para: bool) -> None:
        sents = [(off, s) for off, s in sentences(para.text) if _heading_free(s)]
        for i, (off, sent) in enumerate(sents):
            is_lead = sent.endswith("：")
            unit, lo, begin = sent, 0, off
            if i > 0 and not _standalone(sent):
                # '人民法院应当依法发出支付令' needs the sentence before it: ask about both together
                begin = sents[0][0]
                unit, lo = para.text[begin: off + len(sent)], off - begin
            if i + 1 < len(sents) and (sents[i + 1][1].startswith("但") or "另有规定" in sents[i + 1][1]):
                # a rule stated without its exception ('…。但是，…的除外', '…另有规定的，从其规定')
                # would be over-general
                nxt_off, nxt = sents[i + 1]
                unit = para.text[begin: nxt_off + len(nxt)]
            if not _usable(unit):
                continue
            ctx = _context(para, sent) if is_lead else ""
            self._values(prov, para, cite_para, unit, ctx, lo)
            if not is_lead:
                self._modality(prov, para, cite_para, unit, lo)
                self._lists(prov, para, cite_para, unit, lo)
        self._enumeration(prov, para, cite_para)

    def _values(self, prov, para, cite_para, sent: str, ctx: str, lo: int = 0) -> None:
        """Values in sent[lo:] (the part before lo is context from earlier sentences of the 款)."""
        taken: list[tuple[int, int]] = [(0, lo)] if lo else []
        for kind, a, b, norm, extra in iter_values(sent, bodies=True):
            v = sent[a:b]
            if not all(b <= x or a >= y for x, y in taken) or _in_quotes(sent, a, b):
                continue
            taken.append((a, b))
            unit, off = sent, 0
            if not _unique(sent, v):
                if lo:
                    continue
                # the value recurs (…六十日内…；但是…超过六十日的除外): ask about its own clause only
                unit, off = _own_clause(sent, a)
                if not unit or not _unique(unit, v):
                    continue
            self._fact(prov, para, cite_para, kind, unit, a - off, b - off, norm, context=ctx if unit == sent else "",
                       extra=extra)

    def _modality(self, prov, para, cite_para, sent: str, lo: int = 0) -> None:
        own = sent[lo:]
        ms = list(_MODAL_RE.finditer(own))
        # one modal per sentence: with two, swapping one leaves a statement that is half right
        if len(ms) != 1 or "也可以" in own or "可以不" in own or own.count("可以") > 1:
            return
        m = list(_MODAL_RE.finditer(sent, lo))[0]
        if sent[m.end(): m.end() + 1] in ("，", "：", "") or sent.endswith("："):
            return
        # '对应当予以制止的违法行为…': a modal inside a noun phrase is not the statement's predicate
        if sent[max(0, m.start() - 1): m.start()] in ("对", "将", "把", "向", "与", "就", "为", "凡", "的"):
            return
        clause_end = re.search(r"[，；。：]", sent[m.end():])
        rest = sent[m.end(): m.end() + clause_end.start()] if clause_end else sent[m.end():]
        if rest.endswith("的"):
            return  # '…依法应当举行听证而不举行听证的，': a condition, not a rule
        if sent[max(0, m.start() - 2): m.start()] == "依法" and "的" in rest[:8]:
            return  # '依法应当登记的非机动车': an attribute of a noun, not the predicate
        self._fact(prov, para, cite_para, "modality", sent, m.start(), m.end(), ("modality", m.group(0)))

    def _lists(self, prov, para, cite_para, sent: str, lo: int = 0) -> None:
        for m in LIST_RE.finditer(sent, lo):
            elements = tuple(m.group("list").split("、"))
            if len(set(elements)) != len(elements) or any("的" in e or "和" in e for e in elements):
                continue
            self._fact(prov, para, cite_para, "list", sent, m.start("list"), m.end("list"),
                       ("list", tuple(sorted(elements))), elements=elements,
                       extra=(("tail", m.group("tail")),))

    def _enumeration(self, prov, para, cite_para) -> None:
        if len(para.items) < 3:
            return
        lead = list(sentences(para.text))
        if not lead:
            return
        off, last = lead[-1]
        if not para.text.rstrip().endswith("：") or _REFERS_ELSEWHERE.search(last) or "含义" in last:
            return
        last = para.text[off:].strip()  # keep the colon
        question = leadin_question(last)
        if not question:
            return
        items = [clean_item(i.text) for i in para.items]
        # a catch-all (…的其他情形, …规定的其他证明、凭证) makes the list open: a distractor might fall under it
        if is_open_list(items) or any(_REFERS_ELSEWHERE.search(x) for x in items):
            return
        if any(c in x for x in items for c in _QUOTE_CHARS):  # definitions ("车辆"，是指…), not facts
            return
        self._fact(prov, para, cite_para, "enumeration", last, 0, len(last), ("enumeration", tuple(items)),
                   elements=tuple(items), extra=(("question", question),))


_DEPENDENT = ("但", "其中", "并", "或者", "也", "情节", "逾期", "拒不", "前", "该", "此", "对此", "否则", "同时")


def _own_clause(sent: str, pos: int) -> tuple[str, int]:
    """The ；-clause around a position, when it can stand alone as a statement ('' otherwise)."""
    off = 0
    for part in sent.split("；"):
        if off <= pos < off + len(part):
            ok = len(part) >= 10 and not part.startswith(_DEPENDENT)
            return (part, off) if ok else ("", 0)
        off += len(part) + 1
    return "", 0


def _clause(sent: str, pos: int) -> str:
    """The ；/，-delimited clause of a sentence around a position, with the clause before it."""
    parts = re.split(r"[；]", sent)
    off = 0
    for p in parts:
        if off <= pos <= off + len(p):
            return p
        off += len(p) + 1
    return sent


def stem_name(law: Law) -> str:
    """行政复议法 for national laws (how exam papers name them); other documents by their full title."""
    if law.title.startswith("中华人民共和国") and law.short_title:
        return law.short_title
    return law.title


def value_norm(kind: str, text: str) -> tuple | None:
    """The canonical value of an option text of a given kind (None when it is not a value of that kind).

    Checks use it to decide equivalence independently of how the generator picked the value."""
    text = text.strip()
    if kind == "deadline":
        m = re.fullmatch(rf"(?P<n>{_N})(?P<u>个工作日|工作日|个月|小时|日|年)", text)
        n = cn_int(m.group("n")) if m else None
        return _deadline_norm(n, m.group("u")) if n else None
    if kind == "count":
        m = re.fullmatch(rf"(?P<a>{_N})(?:至(?P<b>{_N}))?(?:名|人)", text)
        if not m:
            return None
        a = cn_int(m.group("a"))
        b = cn_int(m.group("b")) if m.group("b") else a
        return ("count", a, b) if a and b else None
    if kind == "amount":
        m = AMOUNT_RE.fullmatch(text) or AMOUNT_RE.fullmatch(text + "罚款")
        if not m:
            m = re.fullmatch(rf"(?P<d>{_N})(?P<ud>元|万元)", text)
            if not m:
                return None
            v = _yuan(m.group("d"), m.group("ud"))
            return ("amount", "fixed", v, v)
        if m.group("a"):
            return ("amount", "range", _yuan(m.group("a"), m.group("ua")), _yuan(m.group("b"), m.group("ub")))
        if m.group("c"):
            return ("amount", "upper", 0, _yuan(m.group("c"), m.group("uc")))
        v = _yuan(m.group("d"), m.group("ud"))
        return ("amount", "fixed", v, v)
    if kind == "multiple":
        m = MULTIPLE_RE.fullmatch(text)
        return ("multiple", cn_int(m.group("a")), cn_int(m.group("b"))) if m else None
    if kind == "detention":
        m = re.fullmatch(rf"(?P<a>{_N})日以上(?P<b>{_N})日以下|(?P<c>{_N})日以下", text)
        if not m:
            return None
        if m.group("a"):
            return ("detention", "range", cn_int(m.group("a")), cn_int(m.group("b")))
        return ("detention", "upper", 0, cn_int(m.group("c")))
    if kind == "year":
        m = re.fullmatch(r"(?P<y>20\d\d)年(?P<end>底)?", text)
        return ("year", int(m.group("y")), bool(m.group("end"))) if m else None
    if kind == "body":
        return ("body", text) if text in BODY_BY_TERM else None
    if kind == "modality":
        return ("modality", text) if text in MODAL_SWAP or text == "只能" else None
    return None


def iter_values(sent: str, bodies: bool = False, light: bool = False):
    """(kind, start, end, norm, extra) for each deadline, amount, count … in a sentence, in a fixed order
    (amounts before the deadlines inside them: 十五日以下拘留 is a detention, not a deadline).
    light: skip the clause analysis 判断 needs (for scanning whole laws as a distractor pool)."""
    for m in AMOUNT_RE.finditer(sent):
        if m.group("a"):
            low, high = _yuan(m.group("a"), m.group("ua")), _yuan(m.group("b"), m.group("ub"))
            form = "range"
        elif m.group("c"):
            low, high, form = 0, _yuan(m.group("c"), m.group("uc")), "upper"
        else:
            low = high = _yuan(m.group("d"), m.group("ud"))
            form = "fixed"
        if low is None or high is None or high <= 0 or low > high:
            continue
        if "罚款" not in sent[m.end(): m.end() + 12] and "罚款" not in sent[max(0, m.start() - 6): m.start()]:
            continue
        yield "amount", m.start("v"), m.end("v"), ("amount", form, low, high), (("form", form),)
    for m in MULTIPLE_RE.finditer(sent):
        a, b = cn_int(m.group("a")), cn_int(m.group("b"))
        if a and b and a < b:
            yield "multiple", m.start("v"), m.end("v"), ("multiple", a, b), ()
    for m in DETENTION_RE.finditer(sent):
        if m.group("a"):
            a, b, form = cn_int(m.group("a")), cn_int(m.group("b")), "range"
        else:
            a, b, form = 0, cn_int(m.group("c")), "upper"
        if a is not None and b:
            yield "detention", m.start("v"), m.end("v"), ("detention", form, a, b), (("form", form),)
    for m in DEADLINE_RE.finditer(sent):
        n, unit = cn_int(m.group("n")), m.group("u")
        if not n or (unit == "年" and n > 50) or n > 400:
            continue
        tail = sent[m.end(): m.end() + 40]
        if _PERIOD_AFTER_BAD.match(tail):
            continue
        head = sent[max(0, m.start() - 40): m.start()]
        window = tail[:1] == "内" or tail[:2] in ("以内", "之内")
        if not (window or tail[:1] in ("前", "后") or _PERIOD_BEFORE.search(head[-4:]) or head.endswith("起")):
            continue
        if light:
            yield "deadline", m.start(), m.end(), _deadline_norm(n, unit), (("unit", unit.replace("个工作日", "工作日")),)
            continue
        perm = "可以" if "可以" in _clause(sent, m.start()) else ""
        yield ("deadline", m.start(), m.end(), _deadline_norm(n, unit),
               (("unit", unit.replace("个工作日", "工作日")), ("window", "1" if window else ""), ("perm", perm),
                ("dir", _deadline_direction(sent, m.start(), m.end(), window, perm))))
    for m in COUNT_RE.finditer(sent):
        a = cn_int(m.group("a"))
        b = cn_int(m.group("b")) if m.group("b") else a
        if not a or b is None or a > b or a > 100:
            continue
        tail = sent[m.end(): m.end() + 40]
        if m.group("u") == "人" and not (tail.startswith(("以上", "以下", "组成", "的", "，")) or m.group("b")):
            continue
        yield ("count", m.start("v"), m.end("v"), ("count", a, b),
               (("unit", m.group("u")), ("form", "span" if m.group("b") else "one"),
                ("dir", "" if light else _count_direction(sent, m.start("v"), m.end("v"), bool(m.group("b"))))))
    for m in YEAR_RE.finditer(sent):
        # 到2020年基本建成: reached by 2020 is reached by 2021 too, so only earlier years are wrong
        yield ("year", m.start("v"), m.end("v"), ("year", int(m.group("y")), bool(m.group("end"))),
               (("end", "底" if m.group("end") else ""), ("dir", "-1")))
    if bodies:
        for m in BODY_RE.finditer(sent):
            at_start = m.start() == 0 or _BODY_BEFORE.search(sent[max(0, m.start() - 4): m.start()])
            if not at_start or not _BODY_AFTER.match(sent[m.end(): m.end() + 4]):
                continue
            term = BODY_BY_TERM[m.group(0)]
            yield "body", m.start(), m.end(), ("body", term.term), (("family", term.family),)


# Which altered values make a statement false, not merely weaker (a 判断 must be wrong, not incomplete):
#   '可以自…六十日内申请'    a shorter window is still true   → only longer values (+1)
#   '应当在五日内审查'        a longer deadline is still met   → only shorter values (-1)
#   '一年内不得再次申请'      a shorter ban is still true      → only longer values (+1)
#   '开庭五日前通知'          notice three days before is met  → only longer values (+1)
#   '不得超过三十日', '超过五年的不予受理'                        → only shorter values (-1)
#   '时效期间为一年'          an equality: any other value is false (0)
# Anything else is left out of 判断 ('x').
def _deadline_direction(sent: str, start: int, end: int, window: bool, perm: str) -> str:
    head, tail = sent[max(0, start - 40):start], sent[end:end + 40]
    if window:
        stop = re.search(r"[，；。：]", tail)
        after = tail[:stop.start()] if stop else tail
        if "不得" in after:
            return "+1"
        if "的" in after:
            # '六个月内发生二次以上事故的' / '十五日内未达成调解协议的': a window inside a condition;
            # which way a change stays true depends on what the condition counts — left out
            return "x"
        return "+1" if perm else "-1"
    if tail.startswith("前"):
        return "+1"
    if re.search(r"(?:超过|最长|最多)$", head):
        return "-1"
    if re.search(r"(?:期间为|期限为|为期|有效期为)$", head):
        return "0"
    return "x"


def _count_direction(sent: str, start: int, end: int, span: bool) -> str:
    head, tail = sent[max(0, start - 40):start], sent[end:end + 40]
    if re.search(r"(?:不得少于|不少于|至少)$", head):
        return "+1"  # 不得少于两人: 不得少于一人 would still hold
    if span and "可以" in head[-12:]:
        return "+1"  # 可以委托一至二名: fewer is allowed too
    if re.match(r"(?:仲裁员|人员|工作人员|组成)", tail) or re.search(r"由$", head):
        return "0"  # 仲裁庭由三名仲裁员组成: a composition is exact
    return "x"


def extract_facts(law: Law, provisions: Iterable[Provision]) -> list[Fact]:
    return FactExtractor(law).extract(provisions)


# ---------------------------------------------------------------------------------------------------------
# comparing option texts
# ---------------------------------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s，。；：、,.;:（）()“”\"]")
# phrases shared by most administrative-law items; overlap on them says nothing about meaning
GENERIC = ("公民、法人或者其他组织", "法人或者其他组织", "行政机关", "行政复议", "人民政府", "申请人", "当事人", "行政行为",
           "法律、法规", "规定的", "作出的", "依法", "有关")


def norm_text(s: str) -> str:
    return _PUNCT.sub("", s)


def longest_common(a: str, b: str) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            if ai == b[j - 1] and ai != "·":
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def strip_generic(s: str) -> str:
    s = norm_text(s)
    for g in GENERIC:
        s = s.replace(norm_text(g), "·")
    return s


def coverage(candidate: str, text: str) -> float:
    """Share of the candidate's distinctive bigrams (generic phrases removed) that also occur in text."""
    c = strip_generic(candidate)
    grams = {c[i:i + 2] for i in range(len(c) - 1) if "·" not in c[i:i + 2]}
    return sum(g in text for g in grams) / len(grams) if grams else 1.0


def items_overlap(a: str, b: str) -> bool:
    """Whether two enumerated items could describe the same thing (then one cannot be a distractor for the other)."""
    x, y = strip_generic(a), strip_generic(b)
    if not x.strip("·") or not y.strip("·"):
        return True
    if x in y or y in x or longest_common(x, y) >= 4:
        return True
    cx, cy = set(x) - {"·"}, set(y) - {"·"}
    return len(cx & cy) / max(1, min(len(cx), len(cy))) >= 0.6


def terms_overlap(a: str, b: str) -> bool:
    """Short terms (principles): 效能 is too close to 高效, 公平 to 公正 — any shared character or bigram counts."""
    if min(len(a), len(b)) <= 3:
        return bool(set(a) & set(b))
    bigrams = lambda s: {s[i:i + 2] for i in range(len(s) - 1)}  # noqa: E731
    return bool(bigrams(a) & bigrams(b))


def magnitude(norm: tuple) -> float:
    """A number to rank distractors by closeness (plausible wrong values are near the right one)."""
    kind = norm[0]
    if kind == "deadline":
        v = deadline_days(norm)
    elif kind in ("amount", "detention"):
        v = norm[-1]
    elif kind == "multiple":
        v = norm[2]
    elif kind == "count":
        v = norm[2]
    elif kind == "year":
        v = norm[1] - 2000
    else:
        return 0.0
    return math.log(max(v, 0.01))
