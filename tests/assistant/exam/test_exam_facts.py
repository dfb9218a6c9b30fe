"""Testable facts are found in real provisions, located exactly, and compared by meaning."""
from assistant.exam.facts import bodies_conflict, value_norm


def _at(facts, label, kind):
    return [f for f in facts if f.label == label and f.kind == kind]


def test_deadline_in_its_own_clause_when_the_sentence_repeats_it(facts_of):
    # 第二十条第一款 says 六十日 twice (…六十日内提出…；但是…超过六十日的除外): the fact is the first clause
    (f,) = [f for f in _at(facts_of("行政复议法"), "第二十条", "deadline") if f.value == "六十日"]
    assert f.para_n == 1 and f.sentence.endswith("六十日内提出行政复议申请")
    assert f.sentence.count("六十日") == 1 and f.norm == ("deadline", 60, "日")
    assert f.citation == "《中华人民共和国行政复议法》第二十条第一款"


def test_every_fact_is_an_exact_span_of_its_paragraph(builder, facts_of):
    for name in ("行政复议法", "道路交通安全法", "意见"):
        for f in facts_of(name):
            para = builder._para[(f.provision_id, f.para_n)]
            assert f.sentence in para, f
            assert f.sentence[f.start:f.end] == f.value


def test_two_periods_of_one_sentence(facts_of):
    values = {f.value for f in _at(facts_of("行政复议法"), "第二十一条", "deadline")}
    assert values == {"二十年", "五年"}


def test_fine_ranges_and_detention_in_road_traffic_law(facts_of):
    facts = facts_of("道路交通安全法")
    amounts = {f.value for f in _at(facts, "第九十六条", "amount")}
    assert {"二千元以上五千元以下", "一千元以上三千元以下"} <= amounts
    assert {f.value for f in _at(facts, "第九十六条", "detention")} >= {"十五日以下", "十日以下"}
    (fine,) = [f for f in _at(facts, "第九十九条", "amount")]
    assert fine.norm == ("amount", "range", 200, 2000) and fine.context.startswith("（一）")


def test_bodies_are_tested_where_they_act(facts_of):
    bodies = {(f.label, f.value) for f in facts_of("行政处罚法") if f.kind == "body"}
    assert ("第十条", "法律") in bodies and ("第十一条", "行政法规") in bodies
    # 行政复议机构 in 第四条 is defined, not acting; 行政复议机关 办理… acts
    assert all(f.value != "行政复议机构" for f in _at(facts_of("行政复议法"), "第四条", "body"))


def test_principle_list_and_closed_enumeration(facts_of):
    facts = facts_of("行政复议法")
    (lst,) = _at(facts, "第三条", "list")
    assert lst.elements == ("合法", "公正", "公开", "高效", "便民", "为民")
    (enum,) = _at(facts, "第十二条", "enumeration")
    assert len(enum.elements) == 4 and enum.info["question"] == "下列哪些事项不属于行政复议范围？"


def test_open_enumerations_with_a_catch_all_are_not_used(facts_of):
    # 第十一条 ends with （十五）认为行政机关的其他行政行为侵犯其合法权益: any distractor might fall under it
    assert not _at(facts_of("行政复议法"), "第十一条", "enumeration")
    assert not _at(facts_of("行政处罚法"), "第九条", "enumeration")


def test_modality_only_where_the_sentence_has_one_modal(facts_of):
    facts = facts_of("行政复议法")
    (m,) = [f for f in _at(facts, "第五条", "modality") if f.para_n == 1]
    assert m.value == "可以" and m.sentence == "行政复议机关办理行政复议案件，可以进行调解"
    # 应当知道 is not a modal
    assert all(f.value != "应当" or "应当知道" not in f.sentence[f.start:f.start + 4] for f in facts)


def test_sentences_that_continue_the_one_before_carry_it_along(facts_of):
    # 行政许可法第四十二条: '二十日内不能作出决定的，…可以延长十日' means nothing alone
    (f,) = [f for f in _at(facts_of("行政许可法"), "第四十二条", "deadline") if f.value == "十日"]
    assert f.sentence.startswith("除可以当场作出行政许可决定的外")


def test_opinions_target_years(facts_of):
    years = {f.value for f in facts_of("意见") if f.kind == "year"}
    assert years == {"2020年", "2015年底", "2017年底"}


def test_values_are_compared_by_meaning():
    assert value_norm("count", "两人") == value_norm("count", "二人")
    assert value_norm("deadline", "十五日") == ("deadline", 15, "日")
    assert value_norm("deadline", "十五日") != value_norm("deadline", "十五个工作日")
    assert value_norm("amount", "二百元以上二千元以下") == ("amount", "range", 200, 2000)
    assert value_norm("amount", "一万元以下") == ("amount", "upper", 0, 10000)
    assert value_norm("deadline", "行政复议机关") is None


def test_overlapping_bodies_are_never_opposed():
    assert bodies_conflict("县级以上地方各级人民政府", "省、自治区、直辖市人民政府")  # 省级 is 县级以上
    assert bodies_conflict("公安机关交通管理部门", "公安机关")
    assert bodies_conflict("行政复议机关", "行政复议机构")
    assert not bodies_conflict("县级以上地方各级人民政府", "乡、镇人民政府")
    assert not bodies_conflict("人民法院", "人民检察院")
    # 法律 can set what 行政法规 can: only lower-ranked norms are wrong for a 行政法规 key
    assert bodies_conflict("行政法规", "法律") and not bodies_conflict("行政法规", "地方性法规")
