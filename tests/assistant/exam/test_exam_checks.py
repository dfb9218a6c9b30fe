"""Each check passes a sound item and rejects a deliberately broken one."""
from dataclasses import replace

import pytest

from assistant.exam.checks import CHECKS, run_checks
from assistant.exam.items import Citation


@pytest.fixture(scope="module")
def items(annual):
    by_type = {}
    for it in annual.items:
        key = (it.type, it.answer[0] if it.type == "判断" else it.fact.kind)
        by_type.setdefault(key, it)
    return by_type


def _failed(builder, item):
    return {name for name, _ in run_checks(builder.resolver, item).failures}


def _single(items):
    return next(v for (t, k), v in items.items() if t == "单选" and k == "deadline")


def test_the_checks_are_all_registered():
    assert [n for n, _ in CHECKS] == ["answer_shape", "distinct_options", "key_true", "distractors_false",
                                      "stem_hides_key", "citation_current"]


def test_every_shipped_item_passes(builder, annual):
    assert all(run_checks(builder.resolver, it).ok for it in annual.items)


def test_answer_shape_rejects_two_keys_on_a_single_choice(builder, items):
    item = _single(items)
    other = next(k for k in item.options if k not in item.answer)
    assert "answer_shape" in _failed(builder, replace(item, answer=[*item.answer, other]))
    judge = items[("判断", "对")]
    assert "answer_shape" in _failed(builder, replace(judge, answer=["是"]))


def test_distinct_options_rejects_a_repeated_option(builder, items):
    item = _single(items)
    key_text = item.options[item.answer[0]]
    other = next(k for k in item.options if k not in item.answer)
    assert "distinct_options" in _failed(builder, replace(item, options={**item.options, other: key_text}))


def test_distinct_options_rejects_the_same_value_in_other_words(builder, builder_factory):
    factory, fact = builder_factory("第四十五条", "count")  # 行政复议人员不得少于两人
    item = factory.single(fact)
    assert item.options[item.answer[0]] == "两人"
    other = next(k for k in item.options if k not in item.answer)
    failed = _failed(builder, replace(item, options={**item.options, other: "二人"}))
    assert {"distinct_options", "distractors_false"} <= failed


def test_key_true_rejects_a_key_the_provision_does_not_say(builder, items):
    item = _single(items)
    wrong = next(k for k in item.options if k not in item.answer)
    assert "key_true" in _failed(builder, replace(item, answer=[wrong]))


def test_distractors_false_rejects_a_distractor_taken_from_the_source(builder, builder_factory):
    # 第二十一条: 二十年 for immovables, 五年 otherwise — 二十年 is in the 款, so it cannot be wrong for 五年
    factory, fact = next((builder_factory("第二十一条", "deadline", v) for v in ("五年",)))
    item = factory.single(fact)
    assert run_checks(builder.resolver, item).ok
    other = next(k for k in item.options if k not in item.answer)
    broken = replace(item, options={**item.options, other: "二十年"})
    assert "distractors_false" in _failed(builder, broken)


def test_distractors_false_rejects_an_overlapping_body(builder, builder_factory):
    # 道路交通安全法第十八条: 由省、自治区、直辖市人民政府根据当地实际情况规定 — 县级以上 includes 省级
    factory, fact = builder_factory("第十八条", "body")
    item = factory.single(fact)
    assert item.options[item.answer[0]] == "省、自治区、直辖市人民政府"
    assert run_checks(builder.resolver, item).ok
    other = next(k for k in item.options if k not in item.answer)
    broken = replace(item, options={**item.options, other: "县级以上地方各级人民政府"})
    assert "distractors_false" in _failed(builder, broken)


def test_distractors_false_rejects_a_true_multi_option(builder, builder_factory):
    factory, fact = builder_factory("第十二条", "enumeration")  # 下列事项不属于行政复议范围: four items
    item = factory.multi(fact)
    assert run_checks(builder.resolver, item).ok
    unused = [e for e in fact.elements if e not in item.options.values()]
    wrong = next(k for k in item.options if k not in item.answer)
    broken = replace(item, options={**item.options, wrong: unused[0]})  # a listed item offered as "wrong"
    assert "distractors_false" in _failed(builder, broken)


def test_distractors_false_rejects_a_false_statement_that_is_true(builder, items):
    judge = items[("判断", "错")]
    broken = replace(judge, wrong=(judge.fact.value,), stem=judge.stem)
    failed = _failed(builder, broken)
    assert failed & {"key_true", "distractors_false"}


def test_stem_hides_key_rejects_a_stem_that_prints_the_key(builder, items):
    item = _single(items)
    broken = replace(item, stem=item.stem + f"（提示：{item.options[item.answer[0]]}）")
    assert "stem_hides_key" in _failed(builder, broken)


def test_citation_current_rejects_a_wrong_article(builder, items):
    item = _single(items)
    broken = replace(item, citation=Citation(item.citation.law, "第九百条"))
    assert "citation_current" in _failed(builder, broken)


def test_citation_current_rejects_a_repealed_document(builder, items):
    item = _single(items)
    broken = replace(item, citation=Citation("信访条例", "第一条"))
    failed = run_checks(builder.resolver, broken).failures
    assert ("citation_current", "the cited provision is 已废止, not 现行有效") in failed


def test_citation_current_rejects_a_quote_not_in_the_provision(builder, items):
    item = _single(items)
    broken = replace(item, quote=item.quote.replace("日", "天"), explanation=item.explanation.replace("日", "天"))
    assert "citation_current" in _failed(builder, broken)


@pytest.fixture(scope="module")
def builder_factory(builder):
    from assistant.exam import parse_sources
    scopes = builder.resolve_sources(parse_sources("行政复议法,道路交通安全法"))
    factory, facts = builder.factory(scopes, seed=1)

    def get(label, kind, value=None):
        return factory, next(f for f in facts if f.label == label and f.kind == kind
                             and (value is None or f.value == value))
    return get
