"""Evidence at 款/项 level: the retrieved provisions are cut into paragraphs and the ones that answer this
kind of question are picked, each with an exact citation (law, article, 款) and its verbatim text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexing.retriever import Hit, Retriever

from .question import Question

DURATION = r"[一二三四五六七八九十百千两\d]+(?:个)?(?:日|天|月|年|小时|个工作日|工作日)(?:内|以内|以上|以下)?"
_CUES = {
    "期限": re.compile(DURATION + r"|期限|时效|期间|之日起"),
    "罚多少": re.compile(r"罚款|罚金|[一二三四五六七八九十百千万\d]+元|倍|赔偿金|拘留"),
    "怎么办·去哪里": re.compile(r"申请|投诉|起诉|请求|调解|仲裁|复议|人民法院|部门|机关|举报"),
    "能不能·是否": re.compile(r"可以|不得|应当|禁止|有权|无权|必须|不能"),
    "条件·资格": re.compile(r"下列|条件|具备|符合|情形|应当"),
    "是什么": re.compile(r"是指|指|包括|为|称"),
}
_SENT = re.compile(r"[^。；！？\n]+[。；！？]?")


@dataclass
class Evidence:
    n: int  # evidence number [n] as shown to an LLM and in the answer
    hit: Hit
    paragraph: int | None  # 款 number, None when the article has a single paragraph
    text: str  # verbatim 款 text (with its 项)
    score: float
    version: str = ""

    @property
    def citation(self) -> str:
        s = f"《{self.hit.law}》{self.hit.article}"
        if self.paragraph:
            from knowledge.numerals import paragraph_label
            s += paragraph_label(self.paragraph)
        return s

    def to_dict(self) -> dict:
        return {"n": self.n, "citation": self.citation, "law": self.hit.law, "article": self.hit.article,
                "paragraph": self.paragraph, "status": self.hit.status, "text": self.text,
                "provision_id": self.hit.provision_id, "score": round(self.score, 4), "version": self.version}


@dataclass
class EvidenceSet:
    items: list[Evidence] = field(default_factory=list)
    top_score: float = 0.0
    weak: bool = True


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def select(retriever: Retriever, q: Question, hits: list[Hit], max_items: int = 4) -> list[Evidence]:
    toks = set(retriever.bm25.tokenizer.tokenize(q.text))
    cue = _CUES.get(q.qtype)
    units: list[tuple[float, Hit, int | None, str]] = []
    for rank, h in enumerate(hits):
        prov = retriever.store.provision(h.provision_id)
        if prov is None:
            continue
        paras = prov.paragraphs or []
        for p in paras:
            text = p.full_text
            overlap = sum(1 for t in toks if t in text) / max(1, len(toks))
            s = 1.0 / (1 + rank) + 0.6 * overlap + (0.25 if cue and cue.search(text) else 0.0)
            units.append((s, h, p.n if len(paras) > 1 else None, text))
    units.sort(key=lambda u: -u[0])
    out: list[Evidence] = []
    used: set[tuple[str, int | None]] = set()
    per_article: dict[str, int] = {}
    for s, h, pn, text in units:
        if (h.provision_id, pn) in used or per_article.get(h.provision_id, 0) >= 2:
            continue
        used.add((h.provision_id, pn))
        per_article[h.provision_id] = per_article.get(h.provision_id, 0) + 1
        law = retriever.store.law(h.law_id)
        version = "，".join(x for x in (f"{law.version_date or law.publish_date}公布" if law and (law.version_date or law.publish_date) else "",
                                        f"{law.effective_date}施行" if law and law.effective_date else "") if x)
        out.append(Evidence(n=len(out) + 1, hit=h, paragraph=pn, text=text, score=s, version=version))
        if len(out) >= max_items:
            break
    return out


def key_sentence(ev: Evidence, q: Question, tokens: set[str]) -> str:
    """The sentence of a 款 that answers the question, verbatim."""
    cue = _CUES.get(q.qtype)
    best, best_s = None, -1.0
    for i, s in enumerate(sentences(ev.text.split("\n")[0]) or [ev.text]):
        sc = sum(1 for t in tokens if t in s) + (2.0 if cue and cue.search(s) else 0.0) - 0.1 * i
        if sc > best_s:
            best, best_s = s, sc
    return best or ev.text


def duration_in(text: str) -> str | None:
    m = re.search(DURATION, text)
    return m.group(0) if m else None
