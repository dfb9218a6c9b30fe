"""Fixtures for the exam builder: one builder over the session store, and one annual paper."""
import pytest


@pytest.fixture(scope="session")
def builder(store, resolver):
    from assistant.exam import ExamBuilder
    return ExamBuilder(store, resolver)


@pytest.fixture(scope="session")
def annual(builder):
    from assistant.exam import parse_sources, preset
    return builder.build(preset("annual"), seed=7, sources=parse_sources("行政复议法,行政处罚法,意见"))


@pytest.fixture(scope="session")
def facts_of(builder):
    """facts_of('行政复议法') → the facts of that law's current version."""
    from assistant.exam import parse_sources

    def get(name: str):
        (scope,) = builder.resolve_sources(parse_sources(name))
        return builder.facts(scope)
    return get
