"""Each item type, built from a real fact, is sound: one key, provably wrong distractors, a true citation."""
import pytest

from assistant.exam.checks import run_checks
from assistant.exam.facts import BLANK


@pytest.fixture(scope="module")
def make(builder):
    from assistant.exam import parse_sources
    scopes = builder.resolve_sources(parse_sources("行政复议法,行政处罚法,行政许可法,劳动争议调解仲裁法,道路交通安全法,意见"))
    factory, facts = builder.factory(scopes, seed=3)

    def get(label, kind, value=None, law="行政复议法"):
        for f in facts:
            if f.label == label and f.kind == kind and (value is None or f.value == value) and law in f.law_title:
                return factory, f
        raise LookupError((label, kind, value))
    return get


def _passes(builder, item):
    result = run_checks(builder.resolver, item)
    assert result.ok, result.failures


def test_single_choice_on_a_deadline(builder, make):
    factory, fact = make("第二十条", "deadline", "六十日")
    item = factory.single(fact)
    assert item.type == "单选" and len(item.options) == 4 and len(item.answer) == 1
    assert item.options[item.answer[0]] == "六十日" and BLANK in item.stem and "六十日" not in item.stem
    para = builder._para[(fact.provision_id, 1)]
    for letter, text in item.options.items():
        if letter not in item.answer:
            assert text.endswith("日") and text not in para
    assert item.citation.label == "《中华人民共和国行政复议法》第二十条第一款"
    assert item.quote in item.explanation and item.quote.startswith("公民、法人或者其他组织认为行政行为侵犯")
    _passes(builder, item)


def test_single_choice_on_a_body_uses_only_lower_ranked_norms(builder, make):
    factory, fact = make("第十条", "body", "法律", law="行政处罚法")
    item = factory.single(fact)
    wrong = {v for k, v in item.options.items() if k not in item.answer}
    assert wrong <= {"行政法规", "地方性法规", "部门规章", "地方政府规章"}
    _passes(builder, item)


def test_multiple_choice_from_enumerated_items(builder, make):
    factory, fact = make("第十二条", "enumeration")
    item = factory.multi(fact)
    assert item.type == "多选" and 2 <= len(item.answer) <= 3 and len(item.options) == 4
    assert item.stem.startswith("根据《行政复议法》第十二条的规定，下列哪些事项不属于行政复议范围")
    for letter in item.answer:
        assert item.options[letter] in fact.elements
    _passes(builder, item)


def test_multiple_choice_from_a_principle_list(builder, make):
    factory, fact = make("第三条", "list")
    item = factory.multi(fact)
    keys = {item.options[a] for a in item.answer}
    assert keys <= set(fact.elements) and len(keys) >= 2
    wrong = {v for k, v in item.options.items() if k not in item.answer}
    law_text = builder._law_text[fact.law_id]
    assert all(w not in law_text for w in wrong)  # a word the law uses anywhere could be argued right
    _passes(builder, item)


def test_true_and_false_statements(builder, make):
    factory, fact = make("第三十条", "deadline", "五日")
    true = factory.judge(fact, True)
    false = factory.judge(fact, False)
    assert true.answer == ["对"] and "五日内进行审查" in true.stem
    assert false.answer == ["错"] and "五日" not in false.stem.replace("十五日", "")
    assert false.wrong[0] in false.stem and false.wrong[0] in false.explanation
    _passes(builder, true)
    _passes(builder, false)


def test_false_statement_by_swapping_the_modal(builder, make):
    factory, fact = make("第五条", "modality", "可以")
    item = factory.judge(fact, False)
    assert item.stem == "根据《行政复议法》，行政复议机关办理行政复议案件，应当进行调解。"
    _passes(builder, item)


def test_permission_windows_are_only_lengthened(make):
    # '可以自…六十日内申请' stays true for a shorter period, so a false statement must name a longer one
    from assistant.exam.facts import value_norm
    factory, fact = make("第二十条", "deadline", "六十日")
    for seed in range(5):
        factory.seed = seed
        item = factory.judge(fact, False)
        assert value_norm("deadline", item.wrong[0])[1] > 60


def test_fill_in_the_blank(builder, make):
    factory, fact = make("第九十九条", "amount", law="道路交通安全法")
    item = factory.blank(fact)
    assert item.type == "填空" and item.answer == ["二百元以上二千元以下"] and item.options == {}
    assert BLANK in item.stem and "（一）" in item.stem  # the lead-in keeps its 项
    _passes(builder, item)


def test_blanks_never_ask_for_bodies(make):
    factory, fact = make("第十条", "body", "法律", law="行政处罚法")
    assert factory.blank(fact) is None  # 部门规章 could fill some such blanks too: only fixed values are asked


def test_opinions_target_year(builder, make):
    factory, fact = make("第二项", "year", "2020年", law="实施意见")
    item = factory.single(fact)
    assert item.options[item.answer[0]] == "2020年"
    assert item.citation.label == "《温州市人民政府关于加快全面建设法治政府的实施意见》第二项"
    _passes(builder, item)
