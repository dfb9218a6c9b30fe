"""A local GGUF model through llama-cpp-python (optional dependency: `pip install llama-cpp-python`)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .base import LLMBackend, LLMError


class LlamaCppBackend(LLMBackend):
    name = "gguf"

    def __init__(self, model_path: str | Path, n_ctx: int = 4096, threads: int = 2):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError("llama-cpp-python is not installed (pip install llama-cpp-python)") from exc
        if not Path(model_path).exists():
            raise LLMError(f"{model_path}: GGUF model file not found")
        self.llm = Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=threads, verbose=False)

    def stream(self, messages: list[dict], max_tokens: int = 800, temperature: float = 0.1) -> Iterator[str]:
        for chunk in self.llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                     temperature=temperature, stream=True):
            piece = chunk["choices"][0].get("delta", {}).get("content") or ""
            if piece:
                yield piece
