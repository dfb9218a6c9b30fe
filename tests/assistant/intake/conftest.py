"""Intake fixtures: a router without the store (basis left unresolved — intake does not need it), a fresh
SQLite database per test, and a fixed clock. Set FAZHI_TEST_PG_URL to run the repository tests on PostgreSQL too."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

import pytest

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="session")
def intake_router(tmp_path_factory):
    from assistant.routing.classifier import load_or_train
    from assistant.routing.router import Router
    model = load_or_train(tmp_path_factory.mktemp("intake-router-models"))
    return Router(store=None, model=model, today=TODAY)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


def _urls():
    urls = ["sqlite"]
    if os.environ.get("FAZHI_TEST_PG_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture(params=_urls())
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.sqlite'}"
    from sqlalchemy import create_engine, text
    url = os.environ["FAZHI_TEST_PG_URL"]
    eng = create_engine(url)
    with eng.begin() as c:  # a clean schema for each test
        c.execute(text("DROP TABLE IF EXISTS intake_audit"))
        c.execute(text("DROP TABLE IF EXISTS intake_cases"))
    eng.dispose()
    return url


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def repo(db_url, clock):
    from assistant.intake.repository import IntakeRepository
    r = IntakeRepository(db_url, clock=clock)
    yield r
    r.close()
