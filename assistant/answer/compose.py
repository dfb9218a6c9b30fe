"""The default backend: an offline, deterministic composer. Every sentence of substance is either copied
from the evidence or a fixed frame around such a copy; nothing is said that no source supports."""
from __future__ import annotations

from .evidence import Evidence, duration_in, key_sentence
from .question import Question

DISCLAIMER = ("本回答由法治助手依据检索到的现行有效法律条文自动整理，仅供参考，不构成法律意见。"
              "具体问题可拨打12348公共法律服务热线，或到当地公共法律服务中心咨询。")
WEAK = ("没有在法规库中找到能够可靠回答这个问题的法律条文，因此不作推测性回答。"
        "建议拨打12348公共法律服务热线，或到当地公共法律服务中心当面咨询。")


def conclusion(q: Question, ev: Evidence, tokens: set[str]) -> str:
    sent = key_sentence(ev, q, tokens)
    head = f"依据{ev.citation}：{sent}"
    if q.qtype == "期限":
        d = duration_in(sent)
        if d:
            return f"期限为“{d}”。{head}"
    return head


def compose(q: Question, evidence: list[Evidence], tokens: set[str], route_text: str | None = None) -> str:
    if not evidence:
        parts = [f"【结论】{WEAK}"]
        if route_text:
            parts.append(f"【办理途径】{route_text}")
        parts.append(f"【提示】{DISCLAIMER}")
        return "\n\n".join(parts)
    parts = [f"【结论】{conclusion(q, evidence[0], tokens)}"]
    basis = ["【法律依据】"]
    for e in evidence:
        basis.append(f"{e.n}. {e.citation}（{e.hit.status}）：“{e.text}”")
    parts.append("\n".join(basis))
    if route_text:
        parts.append(f"【办理途径】{route_text}")
    versions = "；".join(sorted({f"《{e.hit.law}》（{e.version}）" for e in evidence if e.version}))
    parts.append(f"【提示】{DISCLAIMER}引用版本：{versions}。")
    return "\n\n".join(parts)
