"""Facts read from an account: who the other side is, the stage reached, arbitration, crime, dates."""
from datetime import date

import pytest

from assistant.routing.facts import extract_facts, signals

TODAY = date(2026, 11, 28)


def facts(text):
    return extract_facts(text, TODAY)


def test_administrative_act_by_an_organ():
    f = facts("市场监管局上个月罚了我一万块，我不服。")
    assert f.other_party_admin and f.admin_act and f.contests_act
    assert f.act_date is not None and f.act_date.earliest == date(2026, 10, 1)
    assert not facts("邻居家的狗半夜一直叫，我睡不着。").other_party_admin


@pytest.mark.parametrize("text,expected", [
    ("买卖合同第十二条约定争议提交温州仲裁委员会仲裁，对方不付货款。", True),
    ("合同争议解决条款写的是贸仲（CIETAC），客户拒收货物。", True),
    ("供货协议选的是SIAC，按新加坡规则。", True),
    ("合同没有仲裁条款，对方一直拖欠工程款。", False),
    ("租房合同是我们自己手写的，没写什么仲裁。", False),
    ("对方欠我货款三万，一直说下个月给。", None),
])
def test_arbitration_agreement_tristate(text, expected):
    assert facts(text).arbitration_agreement is expected


def test_labour_and_land_arbitration_bodies_are_not_an_arbitration_agreement():
    assert facts("劳动仲裁委员会还没受理，公司欠我两个月工资。").arbitration_agreement is not True
    assert facts("农村土地承包仲裁委员会裁决下来了，说村里收回合法。").arbitration_agreement is not True


def test_arbitrate_or_sue_clause_is_recognised():
    f = facts("合同上写着发生争议可以向温州仲裁委员会申请仲裁，也可以向人民法院起诉。")
    assert f.arbitration_or_court_clause and f.arbitration_agreement


def test_non_arbitrable_subjects():
    assert "离婚" in facts("我想仲裁离婚，协议里写了仲裁。").non_arbitrable
    assert "赡养" in facts("我弟弟不尽赡养义务，我妈想找人仲裁。").non_arbitrable
    assert facts("货款纠纷，合同约定仲裁。").non_arbitrable == []


def test_stage_reached():
    assert facts("区政府维持了城管的处罚，复议决定书是11月20日收到的。").reconsideration_decided
    assert facts("复议机关在法定期限内没有作出决定。").reconsideration_overdue
    f = facts("劳动仲裁裁决下来了，只支持了我一半加班费，裁决书是11月22号收到的。")
    assert f.labour_award and f.decision_date.earliest == date(2026, 11, 22)
    assert facts("交警组织调解了两次，对方还是不同意赔。").mediation_failed
    assert not facts("交警调解过一次没谈成，对方也同意下礼拜再去交警队谈。").mediation_failed
    assert facts("收到法院传票了，下周开庭。").in_court


def test_on_the_spot_penalty_and_its_negation():
    assert facts("交警在路边当场开了罚单，罚了两百。").on_the_spot_penalty is True
    assert facts("是处罚决定书，不是当场开的罚单。").on_the_spot_penalty is False
    assert facts("我被撞了，左腿当场就动不了。").on_the_spot_penalty is None


def test_crime_and_danger_indicators():
    f = facts("有人打电话说我涉嫌洗钱，让我把钱转到安全账户，我准备下午转过去。")
    assert f.crime_strong and "安全账户" in f.crime_indicators
    assert facts("我前夫现在还在我家门口砸门，说要弄死我。").danger_now
    assert facts("店还开着的，就是不退钱，是不是诈骗？").crime_doubt


def test_labour_relation_and_exclusions():
    assert facts("公司把我辞退了，没有经济补偿。").employment_strong
    f = facts("我是退休的会计，已经拿退休工资了，在朋友公司帮忙记账，老板欠我三个月报酬。")
    assert f.labour_excluded
    assert not facts("我跟传媒公司签的是合作协议，不是劳动合同，没有底薪。").employment_strong


def test_rural_land_taker():
    assert facts("镇政府派人把我家承包地上的苗木推了，说是镇里的项目。").rural_taken_by_admin
    f = facts("村委会把我家的承包地收回去给别人种了，镇里也没发过什么文件。")
    assert f.rural_land and f.rural_village_party and not f.rural_taken_by_admin


def test_clerk_corrections_win_and_are_recorded():
    f = facts("对方欠我货款三万。").apply({"arbitration_agreement": True, "act_date": "2026-10-01"})
    assert f.arbitration_agreement is True and f.act_date.earliest == date(2026, 10, 1)
    assert f.overridden == ["arbitration_agreement", "act_date"]
    with pytest.raises(KeyError):
        facts("x").apply({"no_such_fact": 1})


def test_signals_are_numbers_with_stable_names():
    s = signals(facts("市场监管局今年6月罚了我两万。"), TODAY)
    assert all(isinstance(v, float) for v in s.values())
    assert s["admin_act"] == 1.0 and s["admin_over_60d"] == 1.0
    assert set(s) == set(signals(facts("你好"), TODAY))


def test_approximate_amounts_are_read_as_the_lower_figure():
    f = extract_facts("我借给他七八十万，到现在一分没还", date(2026, 11, 28))
    assert f.amount_yuan == 700_000
