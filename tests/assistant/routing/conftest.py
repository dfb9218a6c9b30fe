"""Routing fixtures: the router model trained once per session into a temporary models folder, and a Router
on the session's real store."""
from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 28)  # the day the labelled accounts were written (GUIDE.md)


@pytest.fixture(scope="session")
def router_models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("router-models")


@pytest.fixture(scope="session")
def router_model(router_models_dir):
    from assistant.routing.classifier import load_or_train
    return load_or_train(router_models_dir)


@pytest.fixture(scope="session")
def router(store, router_model):
    from assistant.routing.router import Router
    return Router(store, model=router_model, today=TODAY)
