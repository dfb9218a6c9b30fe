"""LLM backends: one small interface, several members (OpenAI-compatible HTTP, local GGUF)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator


class LLMError(RuntimeError):
    pass


class LLMBackend(ABC):
    name = ""

    @abstractmethod
    def stream(self, messages: list[dict], max_tokens: int = 800, temperature: float = 0.1) -> Iterator[str]:
        """Yield text pieces as the model produces them."""

    def complete(self, messages: list[dict], max_tokens: int = 800, temperature: float = 0.1) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature))


SYSTEM_PROMPT = (
    "你是法治助手，为普通市民解答法律问题。只能依据下面编号的【证据】作答，不得引用证据以外的法律条文，"
    "不得编造。引用时写出完整的书名号和条款，例如《中华人民共和国行政复议法》第二十条第一款。"
    "回答结构：【结论】先给出直接结论；【法律依据】列出所引条文；【提示】说明不构成法律意见，可拨打12348。"
    "如果证据不足以回答，直接说明没有找到可靠依据，并建议拨打12348或到公共法律服务中心咨询。")


def build_messages(question: str, evidence: list, history: list[dict] | None = None) -> list[dict]:
    lines = [f"[{e.n}] {e.citation}（{e.hit.status}）：{e.text}" for e in evidence]
    user = "【证据】\n" + ("\n".join(lines) if lines else "（无）") + f"\n\n【问题】{question}"
    msgs = [{"role": "system", "content": SYSTEM_PROMPT}]
    for turn in (history or [])[-6:]:
        if turn.get("role") in ("user", "assistant") and turn.get("content"):
            msgs.append({"role": turn["role"], "content": str(turn["content"])[:2000]})
    msgs.append({"role": "user", "content": user})
    return msgs
