"""`Assistant.ask()`: question → retrieval → evidence at 款 level → an answer that cites its sources.

The default backend composes offline from the evidence; LLM backends (OpenAI-compatible HTTP, local GGUF)
write from the same numbered evidence. The citation guard checks every backend's answer."""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from indexing.retriever import Hit, Retriever

from ..llm.base import LLMBackend, build_messages
from ..privacy import mask
from .compose import DISCLAIMER, WEAK, compose
from .evidence import Evidence, select
from .guard import GuardReport, check_answer
from .question import Question, analyze

FOLLOW_UP = re.compile(r"^(那|那么|那如果|如果|还有|另外|再问|它|这个|这种情况|这样的话|那我)")
MAX_QUERY = 2000


class AskError(ValueError):
    pass


@dataclass
class Answer:
    question: str
    text: str
    citations: list[dict]
    evidence: list[Evidence]
    grounded: bool
    qtype: str
    guard: GuardReport
    timings: dict
    backend: str
    route: dict | None = None
    retrieval_query: str = ""

    def to_dict(self) -> dict:
        return {"question": mask(self.question), "answer": self.text, "citations": self.citations,
                "grounded": self.grounded, "qtype": self.qtype, "backend": self.backend,
                "evidence": [e.to_dict() for e in self.evidence], "guard": self.guard.to_dict(),
                "timings": self.timings, "route": self.route}


@dataclass
class Assistant:
    retriever: Retriever
    backend: LLMBackend | None = None
    router: Callable[[str], object] | None = None  # dispute text → route (with .channel / basis)
    k: int = 8
    max_evidence: int = 4
    min_score: float | None = None  # learned-fusion log-odds below which evidence is weak
    log: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.min_score is None:
            meta = self.retriever.fusion.meta if self.retriever.fusion else {}
            self.min_score = float(meta.get("weak_threshold", -4.0))

    # ---- pieces ---------------------------------------------------------------------------------------
    @staticmethod
    def retrieval_query(query: str, history: list[dict] | None) -> str:
        """A follow-up ('那期限是多久？') is read together with the last question asked."""
        prev = [t["content"] for t in (history or []) if t.get("role") == "user" and t.get("content")]
        if not prev:
            return query
        bare = re.sub(r"多久|多长时间|期限|时效|多少|几天|罚|钱|呢|吗|要|是|的|怎么办|怎么|可以|能|[？?。！!，,\s]", "", query)
        if FOLLOW_UP.match(query) or len(bare) <= 1:
            return f"{prev[-1]} {query}"
        return query

    def is_weak(self, hits: list[Hit], q: Question) -> bool:
        if not hits:
            return True
        if "citation" in hits[0].via:
            return False
        if self.retriever.fusion is not None and self.retriever.dense is not None:
            return hits[0].score < self.min_score
        toks = set(self.retriever.bm25.query_tokens(q.text))
        if not toks:
            return True
        overlap = sum(1 for t in toks if t in hits[0].text) / len(toks)
        return overlap < 0.34

    def _route_text(self, q: Question, text: str) -> tuple[str | None, dict | None]:
        if not (self.router and q.is_dispute):
            return None, None
        try:
            route = self.router(text)
        except Exception:  # routing is advice beside the answer; its failure must not lose the answer
            return None, None
        channel = getattr(route, "channel", None)
        if not channel:
            return None, None
        basis = getattr(route, "basis", []) or []
        labels = []
        for b in basis[:3]:
            law = b.get("law") if isinstance(b, dict) else getattr(b, "law", None)
            art = b.get("article") if isinstance(b, dict) else getattr(b, "article", None)
            if law and art:
                labels.append(f"《{law}》{art}")
        text_out = f"这类纠纷一般可以先通过“{channel}”解决" + (f"（依据{'、'.join(labels)}）" if labels else "") + \
            "。具体以受理机关审查为准，可到当地公共法律服务中心或相关窗口办理。"
        to_dict = getattr(route, "to_json", None) or getattr(route, "to_dict", None)
        return text_out, (to_dict() if callable(to_dict) else {"channel": channel})

    def _citations(self, text: str, evidence: list[Evidence]) -> list[dict]:
        out = []
        for e in evidence:
            if f"《{e.hit.law}》{e.hit.article}" in text:
                out.append({"law": e.hit.law, "article": e.hit.article, "paragraph": e.paragraph,
                            "status": e.hit.status, "quote": e.text, "provision_id": e.hit.provision_id})
        return out

    def _prepare(self, query: str, history: list[dict] | None):
        if not isinstance(query, str) or not query.strip():
            raise AskError("empty question")
        if len(query) > MAX_QUERY:
            raise AskError(f"question too long ({len(query)} characters, at most {MAX_QUERY})")
        t0 = time.perf_counter()
        q = analyze(query)
        rq = self.retrieval_query(q.text, history)
        hits = self.retriever.search(rq, k=self.k)
        t1 = time.perf_counter()
        qr = analyze(rq)
        qr.qtype = q.qtype  # the type is what is asked now
        weak = self.is_weak(hits, qr)
        evidence = [] if weak else select(self.retriever, qr, hits, self.max_evidence)
        t2 = time.perf_counter()
        return q, qr, rq, hits, weak, evidence, {"retrieve_ms": round((t1 - t0) * 1000, 1),
                                                  "evidence_ms": round((t2 - t1) * 1000, 1)}

    # ---- public -----------------------------------------------------------------------------------------
    def ask(self, query: str, history: list[dict] | None = None) -> Answer:
        t0 = time.perf_counter()
        q, qr, rq, hits, weak, evidence, timings = self._prepare(query, history)
        route_text, route = self._route_text(q, rq)
        t1 = time.perf_counter()
        if self.backend is None:
            tokens = set(self.retriever.bm25.tokenizer.tokenize(rq))
            raw = compose(qr, evidence, tokens, route_text)
            name = "extractive"
        else:
            raw = self.backend.complete(build_messages(q.text, evidence, history))
            if route_text:
                raw += f"\n\n【办理途径】{route_text}"
            name = self.backend.name
        text, report = check_answer(raw, self.retriever.resolver, evidence)
        timings["compose_ms"] = round((time.perf_counter() - t1) * 1000, 1)
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        ans = Answer(question=q.text, text=text, citations=self._citations(text, evidence), evidence=evidence,
                     grounded=bool(evidence) and not weak, qtype=q.qtype, guard=report, timings=timings,
                     backend=name, route=route, retrieval_query=rq)
        self.log.append({"question": mask(q.text), "grounded": ans.grounded, "citations": len(ans.citations),
                         "ms": timings["total_ms"]})
        del self.log[:-200]
        return ans

    def ask_stream(self, query: str, history: list[dict] | None = None) -> Iterator[dict]:
        """Events: {"type":"delta","text"} pieces, checked sentence by sentence, then {"type":"answer",…}."""
        if self.backend is None:
            ans = self.ask(query, history)
            for para in ans.text.split("\n\n"):
                yield {"type": "delta", "text": para + "\n\n"}
            yield {"type": "answer", **ans.to_dict()}
            return
        t0 = time.perf_counter()
        q, qr, rq, hits, weak, evidence, timings = self._prepare(query, history)
        if weak:
            yield {"type": "delta", "text": f"【结论】{WEAK}\n\n【提示】{DISCLAIMER}"}
        buf, shown, report = "", [], GuardReport()
        pieces = [] if weak else self.backend.stream(build_messages(q.text, evidence, history))
        for piece in pieces:
            buf += piece
            # release whole sentences only, after their citations are checked
            while (m := re.search(r"[。！？\n]", buf)):
                sent, buf = buf[: m.end()], buf[m.end():]
                checked, rep = check_answer(sent, self.retriever.resolver, evidence)
                report.checks += rep.checks
                shown.append(checked)
                yield {"type": "delta", "text": checked}
        if buf:
            checked, rep = check_answer(buf, self.retriever.resolver, evidence)
            report.checks += rep.checks
            shown.append(checked)
            yield {"type": "delta", "text": checked}
        text = "".join(shown) if not weak else f"【结论】{WEAK}\n\n【提示】{DISCLAIMER}"
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        ans = Answer(question=q.text, text=text, citations=self._citations(text, evidence), evidence=evidence,
                     grounded=bool(evidence) and not weak, qtype=q.qtype, guard=report, timings=timings,
                     backend=self.backend.name, retrieval_query=rq)
        yield {"type": "answer", **ans.to_dict()}
