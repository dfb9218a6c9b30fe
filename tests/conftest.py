"""Shared fixtures: the real corpus in ../shared (read by path, never copied into the project) and a
store built once per test session in a temporary FAZHI_HOME."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FAZHI_SHARED", ROOT.parent / "shared"))
REGULATIONS = SHARED / "corpus" / "regulations"
STARD = SHARED / "eval" / "stard_train.jsonl"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def regulations() -> Path:
    return need(REGULATIONS)


@pytest.fixture(scope="session")
def stard() -> Path:
    return need(STARD)


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from knowledge.settings import Settings
    return Settings(home=tmp_path_factory.mktemp("fazhi-home"), as_of="2026-11-28")


@pytest.fixture(scope="session")
def store(settings, regulations):
    """Laws + the opinions + the full regulations corpus, as `fazhi knowledge build --add` makes it."""
    from knowledge.builder import build
    from knowledge.store import Store
    s = Store(settings.store_path)
    report = build(s, add=[str(regulations)], progress=False, settings=settings)
    assert report.added > 1900
    return s


@pytest.fixture(scope="session")
def resolver(store):
    from knowledge.citations import CitationResolver
    return CitationResolver(store, as_of="2026-11-28")


@pytest.fixture(scope="session")
def lexical(store, settings):
    """The full real store, lexical only (the dense index of 76k provisions is a benchmark, not a test)."""
    from indexing.retriever import Retriever
    return Retriever(store, settings, dense=False)


@pytest.fixture()
def env(store, settings, monkeypatch):
    """The CLI as a user runs it: FAZHI_HOME pointing at the session's store (test files may narrow it)."""
    from knowledge.settings import get_settings
    monkeypatch.setenv("FAZHI_HOME", str(settings.home))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
