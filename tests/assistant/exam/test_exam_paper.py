"""Papers: the preset's shape, seeded reproducibility, one question per 款, the bank, and clear errors."""
import json

import pytest

from assistant.exam import Bank, ExamError, parse_sources, preset
from assistant.exam.blueprint import Quota, parse_mix

SOURCES = "行政复议法,行政处罚法,意见"


def test_annual_preset_shape(annual):
    counts = {t: len(annual.section_items(t)) for t in ("单选", "多选", "判断", "填空")}
    assert counts == {"单选": 25, "多选": 10, "判断": 15, "填空": 0}
    assert all(i.points == 2 for i in annual.items) and annual.total_points == 100
    assert annual.title == "2026年度公务员学法用法考试试卷"
    assert annual.sources == ["中华人民共和国行政复议法", "中华人民共和国行政处罚法",
                              "温州市人民政府关于加快全面建设法治政府的实施意见"]


def test_every_source_is_used_and_true_false_is_balanced(annual):
    assert {i.fact.law_id for i in annual.items} == {"clm-60edfc7c4c61", "clm-a0d4c8097152", "wz-opinions-2015"}
    answers = [i.answer[0] for i in annual.section_items("判断")]
    assert answers.count("对") == 7 and answers.count("错") == 8


def test_one_question_per_paragraph_so_items_never_answer_each_other(annual):
    slots = [i.fact.slot_key for i in annual.items]
    assert len(slots) == len(set(slots))
    assert len({i.fingerprint for i in annual.items}) == len(annual.items)


def test_same_seed_same_paper(builder, annual):
    again = builder.build(preset("annual"), seed=7, sources=parse_sources(SOURCES))
    assert json.dumps(again.to_dict(), ensure_ascii=False) == json.dumps(annual.to_dict(), ensure_ascii=False)


def test_a_fresh_builder_gives_the_same_paper(store, resolver, annual):
    from assistant.exam import ExamBuilder
    again = ExamBuilder(store, resolver).build(preset("annual"), seed=7, sources=parse_sources(SOURCES))
    assert again.to_dict() == annual.to_dict()


def test_another_seed_another_paper(builder, annual):
    other = builder.build(preset("annual"), seed=8, sources=parse_sources(SOURCES))
    assert [i.stem for i in other.items] != [i.stem for i in annual.items]


def test_bank_keeps_later_papers_off_earlier_facts(builder, annual, tmp_path):
    bank = Bank.load(tmp_path / "bank.json")  # a missing bank is an empty one
    bank.add(annual)
    path = bank.save()
    reloaded = Bank.load(path)
    assert reloaded.fingerprints == {i.fingerprint for i in annual.items}
    # a bank rules out what was asked: the next paper needs sources with enough left
    second = builder.build(preset("annual"), seed=7, sources=parse_sources(SOURCES + ",行政许可法,劳动争议调解仲裁法"),
                           bank=reloaded)
    assert not {i.fingerprint for i in second.items} & reloaded.fingerprints
    assert second.bank_skipped > 0


def test_a_broken_bank_is_a_clear_error(tmp_path):
    bad = tmp_path / "bank.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExamError, match="not a readable JSON bank"):
        Bank.load(bad)
    bad.write_text('{"papers": 3}', encoding="utf-8")
    with pytest.raises(ExamError, match="expected"):
        Bank.load(bad)


def test_difficulty_mix_is_followed_where_the_sources_allow(builder):
    bp = preset("annual").with_counts(单选=20, 多选=0, 判断=0).with_difficulty(parse_mix("易50,中50"))
    paper = builder.build(bp, seed=2, sources=parse_sources("行政复议法,行政许可法,道路交通安全法,劳动争议调解仲裁法"))
    levels = [i.difficulty for i in paper.items]
    assert levels.count("易") == 10 and levels.count("中") == 10


def test_quota_rounds_to_the_count():
    assert sum(Quota.of(25, {"易": 0.3, "中": 0.5, "难": 0.2}).left.values()) == 25
    assert Quota.of(15, {"易": 0.3, "中": 0.5, "难": 0.2}).left == {"易": 5, "中": 7, "难": 3}


def test_chapters_and_opinion_parts_narrow_the_sources(builder):
    bp = preset("annual").with_counts(单选=3, 多选=0, 判断=6)
    paper = builder.build(bp, seed=1, sources=parse_sources("行政复议法:第二章,意见:九+十"))
    for item in paper.items:
        assert any(p.startswith(("第二章", "九、", "十、")) for p in item.fact.path), item.fact.path


def test_too_few_facts_says_what_is_missing(builder):
    with pytest.raises(ExamError, match=r"too few facts for the blueprint: (单选 needs 25|多选 needs 10) items"):
        builder.build(preset("annual"), seed=1, sources=parse_sources("意见"))


@pytest.mark.parametrize("sources,message", [
    ("不存在的法", "unknown source '不存在的法'"),
    ("信访条例", "已废止"),
    ("行政复议法:第九十章", "no chapter or part '第九十章'"),
])
def test_bad_sources(builder, sources, message):
    with pytest.raises(ExamError, match=message):
        builder.build(preset("annual"), seed=1, sources=parse_sources(sources))


def test_bad_preset_and_counts():
    with pytest.raises(ExamError, match="unknown preset 'weekly'"):
        preset("weekly")
    with pytest.raises(ExamError, match="asks for no items"):
        preset("annual").with_counts(单选=0, 多选=0, 判断=0)
    with pytest.raises(ExamError, match="cannot read difficulty"):
        parse_mix("easy-ish")


def test_presets():
    enforcement = preset("enforcement")
    assert [(s.type, s.count) for s in enforcement.sections] == [("单选", 30), ("多选", 15), ("判断", 20), ("填空", 10)]
    assert enforcement.total_points == 100 and preset("appointment").total_points == 100


def test_single_choice_keys_are_spread_over_the_letters(annual):
    from collections import Counter
    keys = Counter(i.answer[0] for i in annual.section_items("单选"))
    assert set(keys) == set("ABCD") and max(keys.values()) - min(keys.values()) <= 1
    for item in annual.section_items("单选"):
        assert f"故正确答案为{item.answer[0]}（{item.options[item.answer[0]]}）" in item.explanation
