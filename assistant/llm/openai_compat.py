"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, …), streamed over SSE."""
from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from .base import LLMBackend, LLMError


class OpenAICompatBackend(LLMBackend):
    name = "openai"

    def __init__(self, base_url: str, model: str = "default", api_key: str | None = None, timeout: float = 120.0):
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def stream(self, messages: list[dict], max_tokens: int = 800, temperature: float = 0.1) -> Iterator[str]:
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "stream": True}
        try:
            with httpx.stream("POST", f"{self.base_url}/chat/completions", json=body, headers=self.headers,
                              timeout=self.timeout) as r:
                if r.status_code != 200:
                    r.read()
                    raise LLMError(f"{self.base_url}: HTTP {r.status_code}: {r.text[:200]}")
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        chunk = json.loads(data)
                    except json.JSONDecodeError as exc:
                        raise LLMError(f"{self.base_url}: malformed stream chunk: {data[:80]}") from exc
                    for choice in chunk.get("choices", []):
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            yield piece
        except httpx.HTTPError as exc:
            raise LLMError(f"{self.base_url}: {exc.__class__.__name__}: {exc}") from exc
