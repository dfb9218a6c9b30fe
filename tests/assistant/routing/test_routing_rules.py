"""Statutory rules: eligibility, decisive rules, and the basis table — every citation resolves and is current."""
from datetime import date

import pytest

from assistant.routing import channels as ch
from assistant.routing import rules
from assistant.routing.facts import extract_facts

TODAY = date(2026, 11, 28)


def facts(text, today=TODAY):
    return extract_facts(text, today)


def decided(text):
    d = rules.decisive(facts(text))
    return d.channel if d else None


# --------------------------------------------------------------------------------- eligibility

def test_divorce_can_never_go_to_commercial_arbitration():
    e = rules.eligibility(facts("离婚协议里写了有争议交温州仲裁委员会仲裁，现在前夫不配合过户。"))
    assert e[ch.COMMERCIAL_ARBITRATION].status == rules.NOT_ELIGIBLE
    assert "仲裁法第三条" in e[ch.COMMERCIAL_ARBITRATION].reasons[0]


def test_commercial_arbitration_needs_a_written_agreement():
    assert rules.eligibility(facts("对方欠我货款三万。"))[ch.COMMERCIAL_ARBITRATION].status == rules.NEEDS_INFO
    no = rules.eligibility(facts("合同没有仲裁条款，对方欠货款。"))[ch.COMMERCIAL_ARBITRATION]
    assert no.status == rules.NOT_ELIGIBLE and "仲裁法第四条" in no.reasons[0]
    yes = rules.eligibility(facts("合同约定温州仲裁委员会仲裁，对方欠货款。"))
    assert yes[ch.COMMERCIAL_ARBITRATION].status == rules.ELIGIBLE
    assert yes[ch.CIVIL_LITIGATION].status == rules.NOT_ELIGIBLE        # 仲裁法第五条


def test_administrative_disputes_and_labour_disputes_are_not_commercial_arbitration():
    admin = rules.eligibility(facts("环保局罚了我五万，我想申请仲裁，合同里写了仲裁委员会。"))
    assert admin[ch.COMMERCIAL_ARBITRATION].status == rules.NOT_ELIGIBLE
    labour = rules.eligibility(facts("劳动合同里写了争议提交温州仲裁委员会，公司拖欠我工资和加班费。"))
    assert labour[ch.COMMERCIAL_ARBITRATION].status == rules.NOT_ELIGIBLE


def test_labour_disputes_go_to_arbitration_before_court():
    e = rules.eligibility(facts("公司违法解除劳动合同，不给经济补偿。"))
    assert e[ch.CIVIL_LITIGATION].status == rules.NOT_ELIGIBLE and "第五条" in e[ch.CIVIL_LITIGATION].reasons[0]
    after = rules.eligibility(facts("劳动仲裁裁决下来了，我对加班费不服，裁决书上周收到。"))
    assert after[ch.CIVIL_LITIGATION].status == rules.ELIGIBLE
    assert after[ch.LABOUR_ARBITRATION].status == rules.NOT_ELIGIBLE


def test_prerequisite_reconsideration_blocks_a_direct_suit():
    f = facts("交警在路边当场开了罚单罚我两百，我不服，想直接去法院告。")
    assert rules.prerequisite_reasons(f)
    assert rules.eligibility(f)[ch.ADMIN_LITIGATION].status == rules.NOT_ELIGIBLE
    for text in ("我申请政府信息公开，区政府一直不答复，也不公开。",
                 "税务局要我补税加滞纳金三十万，我不认这个决定。"):
        assert rules.prerequisite_reasons(facts(text)), text


def test_administrative_channels_need_an_administrative_organ():
    e = rules.eligibility(facts("隔壁邻居的空调外机对着我家窗户。"))
    assert e[ch.RECONSIDERATION].status == rules.NEEDS_INFO and e[ch.ADMIN_LITIGATION].status == rules.NEEDS_INFO


def test_township_taking_contract_land_is_an_administrative_act():
    e = rules.eligibility(facts("乡政府强行把我们承包地上的树砍了，说要建风电场。"))
    assert e[ch.LAND_ARBITRATION].status == rules.NOT_ELIGIBLE


def test_private_service_relations_are_not_labour_disputes():
    e = rules.eligibility(facts("我自己找的保姆，没通过家政公司，她说我少给了一个月钱。我请了个保姆照顾老人。"))
    assert e[ch.LABOUR_ARBITRATION].status == rules.NOT_ELIGIBLE


# ------------------------------------------------------------------------------- decisive rules

@pytest.mark.parametrize("text,channel", [
    ("有人冒充公安让我把存款转到安全账户，我已经转了五万。", ch.POLICE),
    ("我的电动车昨晚在楼下被偷了。", ch.POLICE),
    ("市政府维持了区里的处罚决定，复议决定书是前天收到的，我还是不服。", ch.ADMIN_LITIGATION),
    ("劳动仲裁裁决下来了，公司不服，裁决书刚收到三天。", ch.CIVIL_LITIGATION),
    ("承包仲裁委员会裁决下来了，说村里收回我的地合法，我不服。", ch.CIVIL_LITIGATION),
    ("法院判决离婚时判给我的抚养费，对方半年没付了。", ch.CIVIL_LITIGATION),
    ("交警在路边当场开了罚单罚我两百，我不服，想直接去法院告。", ch.RECONSIDERATION),
    ("市场监管局今年6月罚了我三万，处罚决定书送来的，当时没管，现在觉得罚得太重。", ch.ADMIN_LITIGATION),
    ("城管上个月罚了我五千，决定书是上个月底收到的，我不服。", ch.RECONSIDERATION),
    ("生态环境局上周罚了我们厂十万，我不想复议，想直接去法院。", ch.ADMIN_LITIGATION),
    ("楼上漏水，社区调解了两次他还是不同意修。", ch.CIVIL_LITIGATION),
    ("合同上写的“可以向温州仲裁委员会申请仲裁，也可以向法院起诉”，对方欠货款。", ch.CIVIL_LITIGATION),
    ("罚款我认了，就是那个协管员态度很差，还骂人，我想反映一下。", ch.PETITION),
    ("我们想请教育局出面调解孩子在学校摔伤的赔偿，对方家长也同意。", ch.ADMIN_MEDIATION),
    # 复议前置 wins over a wish to sue: 当场处罚 and a refused information request (行政复议法第二十三条)
    ("民警来了当场给我开了五百块罚款单，说我扰乱秩序。我想直接去法院告他们。", ch.RECONSIDERATION),
    ("我向区住建局申请公开补偿方案，他们回复说是内部过程信息不予公开。我想直接起诉。", ch.RECONSIDERATION),
    # a patent-office infringement decision: the statute names the court (专利法第六十五条)
    ("对方向知识产权局请求处理专利侵权，11月20号给了我们一份处理决定，认定侵权，责令停止生产。我们不服。",
     ch.ADMIN_LITIGATION),
    ("镇政府11月10号对宅基地边上那块地出了处理决定，判给了邻居。我不服，我要去法院，不想再找政府了。",
     ch.ADMIN_LITIGATION),
])
def test_each_decisive_rule(text, channel):
    assert decided(text) == channel


def test_no_rule_when_the_facts_do_not_decide():
    assert decided("我家邻居装修把我家墙震裂了，要赔多少说不清。") is None
    # the person only asks whether it is fraud, and the business is still open: not a police case by rule
    assert decided("培训机构不退剩下的课时费，老板没跑，店还开着，是不是诈骗？") is None


def test_a_suit_that_is_also_out_of_time_is_not_chosen_by_the_deadline_rule():
    # the 60 days and the 6 months have both run out: the deadline rule does not pick 行政诉讼
    assert decided("去年3月市场监管局罚了我两万，决定书当时就收到了，我不服。") != ch.ADMIN_LITIGATION


# ------------------------------------------------------------------------------- basis table

def version_of(resolver):
    def v(law):
        for work in sorted(resolver.works_for(law)):
            law_v = resolver.store.version_on(work, resolver.as_of)
            if law_v:
                return law_v.effective_date
        return None
    return v


def test_every_basis_citation_resolves_and_is_current(resolver):
    cits = rules.all_basis_citations(version_of(resolver))
    assert len(cits) > 40
    bad = [(c, r.reason, r.status) for c in cits for r in [resolver.resolve(c)] if not r.current]
    assert bad == []


def test_every_conditional_basis_is_reachable_per_channel(resolver):
    # with facts that trigger every condition, each channel still lists only resolvable, current citations
    f = facts("交通事故 消费 医院 快递 旅游 专利 商标 政府采购 两个县争水 承包地 补偿款村里分")
    for channel in ch.CHANNELS:
        pairs = rules.basis_citations(channel, f, version_of(resolver))
        assert pairs, channel
        for cit, why in pairs:
            assert resolver.resolve(cit).current, cit
            assert why


def test_arbitration_law_is_cited_by_the_version_in_force(store):
    from knowledge.citations import CitationResolver
    new = CitationResolver(store, as_of="2026-11-28")
    old = CitationResolver(store, as_of="2025-06-01")
    now = rules.ARBITRATION_LAW.citations(version_of(new)("仲裁法"))
    before = rules.ARBITRATION_LAW.citations(version_of(old)("仲裁法"))
    assert now == ["仲裁法第三条", "仲裁法第四条", "仲裁法第五条", "仲裁法第二十七条"]
    assert before == ["仲裁法第二条", "仲裁法第三条", "仲裁法第四条", "仲裁法第五条", "仲裁法第十六条"]
    # the 2025 text: 第三条 holds both the scope and the exclusions; 1995/2017: 第二条 scope, 第三条 exclusions
    r3 = new.resolve("仲裁法第三条")
    assert r3.current and r3.law.effective_date == "2026-03-01"
    assert "可以仲裁" in r3.quote and "婚姻、收养、监护、扶养、继承纠纷" in r3.quote
    assert "没有仲裁协议" in new.resolve("仲裁法第四条").quote
    assert "仲裁条款" in new.resolve("仲裁法第二十七条").quote
    o2, o3 = old.resolve("仲裁法第二条"), old.resolve("仲裁法第三条")
    assert o2.law.effective_date < "2026-03-01" and "可以仲裁" in o2.quote
    assert o3.quote.startswith("下列纠纷不能仲裁")
    assert "仲裁条款" in old.resolve("仲裁法第十六条").quote


@pytest.mark.parametrize("key,words", [
    ("reconsideration", ["六十日", "知道或者应当知道"]),
    ("admin_suit", ["六个月"]),
    ("admin_suit_after_reconsideration", ["十五日", "复议决定书"]),
    ("labour_arbitration", ["一年"]),
    ("labour_suit_after_award", ["十五日", "裁决书"]),
    ("land_arbitration", ["二年"]),
    ("land_suit_after_award", ["三十日"]),
])
def test_deadline_articles_say_what_the_deadlines_use(resolver, key, words):
    r = resolver.resolve(rules.DEADLINE_BASIS[key])
    assert r.current
    for w in words:
        assert w in r.quote, (key, w)


def test_counting_rule_articles(resolver):
    assert "开始的当日不计入" in resolver.resolve("民法典第二百零一条").quote
    assert "没有对应日的，月末日为期间的最后一日" in resolver.resolve("民法典第二百零二条").quote


def test_questions_follow_the_open_channels():
    f = facts("对方一直不给钱。")
    qs = [q["field"] for q in rules.questions(f, [ch.CIVIL_LITIGATION, ch.COMMERCIAL_ARBITRATION])]
    assert "arbitration_agreement" in qs
    qa = [q["field"] for q in rules.questions(facts("罚了我两千，我不服。"), [ch.RECONSIDERATION])]
    assert {"other_party_admin", "act_date", "reconsideration_decided"} <= set(qa)
