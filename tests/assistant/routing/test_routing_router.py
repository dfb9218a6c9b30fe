"""Router end to end: ranked channels with eligibility, resolved basis, deadlines, questions, bad input."""
from datetime import date

import pytest

from assistant.routing import channels as ch
from assistant.routing.router import MAX_CHARS, Route, RoutingInputError, validate_text

TODAY = date(2026, 11, 28)


def test_route_shape(router):
    r = router.route("城管上个月罚了我五千，决定书是上个月底收到的，我不服。", today=TODAY)
    assert isinstance(r, Route) and r.channel == ch.RECONSIDERATION
    assert [a.channel for a in r.ranked][0] == r.channel and len(r.ranked) == len(ch.CHANNELS)
    assert {a.eligibility for a in r.ranked} <= {"eligible", "not_eligible", "needs_information"}
    assert 0 < r.confidence <= 1 and r.decided_by.startswith("rule:")
    labels = [b.label for b in r.basis]
    assert "《中华人民共和国行政复议法》第二十条" in labels and all(b.current for b in r.basis)
    assert any("第二十七项" in (b.article or "") for b in r.basis)        # 实施意见第27项
    d = {x.key: x for x in r.deadlines}
    assert d["reconsideration"].status == "running" and d["reconsideration"].basis == "行政复议法第二十条"
    assert "admin_suit" in d                                              # the 6-month period is shown too
    j = r.to_json(full=False)
    assert set(j) >= {"channel", "ranked", "basis", "deadlines", "missing"}
    assert j["basis"][0].keys() == {"law", "article"}


def test_not_eligible_channels_go_last_whatever_the_model_says(router):
    r = router.route("我想仲裁离婚，老公不同意分房子，协议里写了仲裁委员会。", today=TODAY)
    assert r.channel in (ch.CIVIL_LITIGATION, ch.PEOPLES_MEDIATION)
    last = [a for a in r.ranked if a.eligibility == "not_eligible"]
    assert ch.COMMERCIAL_ARBITRATION in [a.channel for a in last]
    assert r.ranked[-len(last):] == last and all(a.confidence == 0 for a in last)


def test_commercial_arbitration_cites_the_2025_arbitration_law(router):
    r = router.route("我们公司和供应商的买卖合同约定争议提交温州仲裁委员会仲裁，对方拖欠货款八十万。", today=TODAY)
    assert r.channel == ch.COMMERCIAL_ARBITRATION
    arts = [(b.law, b.article) for b in r.basis if b.law and "仲裁法" in b.law]
    assert ("中华人民共和国仲裁法", "第三条") in arts and ("中华人民共和国仲裁法", "第二十七条") in arts
    assert all(b.current for b in r.basis)


def test_before_march_2026_the_1995_arbitration_law_articles_are_cited(router):
    r = router.route("我们公司和供应商的买卖合同约定争议提交温州仲裁委员会仲裁，对方拖欠货款八十万。",
                     today=date(2025, 12, 1))
    arts = [b.article for b in r.basis if b.law == "中华人民共和国仲裁法"]
    assert arts == ["第二条", "第三条", "第四条", "第五条", "第十六条"]
    assert all(b.found for b in r.basis)


def test_reconsideration_decision_gives_15_days(router):
    r = router.route("区政府维持了城管的拆除决定，复议决定书是11月20日收到的，我要去法院。", today=TODAY)
    assert r.channel == ch.ADMIN_LITIGATION
    d = next(x for x in r.deadlines if x.key == "admin_suit_after_reconsideration")
    assert (d.due_earliest, d.days_left, d.status) == (date(2026, 12, 5), 7, "running")
    late = router.route("区政府维持了城管的拆除决定，复议决定书是11月5日收到的，我要去法院。", today=TODAY)
    d = next(x for x in late.deadlines if x.key == "admin_suit_after_reconsideration")
    assert (d.due_earliest, d.status, d.days_left) == (date(2026, 11, 20), "expired", -8)


def test_expired_reconsideration_period_routes_to_court_with_month_end_arithmetic(router):
    r = router.route("市场监管局的处罚决定书是今年5月31日送达的，罚了我两万，我一直没管，现在觉得不服。",
                     today=TODAY)
    assert r.channel == ch.ADMIN_LITIGATION and r.decided_by == "rule:R3-recon-expired"
    d = {x.key: x for x in r.deadlines}
    assert d["reconsideration"].status == "expired" and d["reconsideration"].due_earliest == date(2026, 7, 30)
    assert d["admin_suit"].due_earliest == date(2026, 11, 30) and d["admin_suit"].days_left == 2


def test_labour_case_deadline_and_questions(router):
    r = router.route("去年12月公司把我辞退了，没有给经济补偿，工资也少发了一个月。", today=TODAY)
    assert r.channel == ch.LABOUR_ARBITRATION
    d = next(x for x in r.deadlines if x.key == "labour_arbitration")
    assert (d.due_earliest, d.due_latest) == (date(2026, 12, 1), date(2026, 12, 31))
    assert d.basis == "劳动争议调解仲裁法第二十七条"
    assert any("劳动仲裁前置" in p for p in r.prerequisites)
    assert "labour_award" in [m["field"] for m in r.missing]


def test_prerequisite_is_reported(router):
    r = router.route("交警在路边当场开了罚单罚我两百，我不服，想直接去法院告。", today=TODAY)
    assert r.channel == ch.RECONSIDERATION
    assert any("当场作出的行政处罚" in p for p in r.prerequisites)
    assert any(b.article == "第二十三条" for b in r.basis)
    suit = next(a for a in r.ranked if a.channel == ch.ADMIN_LITIGATION)
    assert suit.eligibility == "not_eligible"


def test_clerk_facts_change_the_outcome(router):
    text = "对方公司欠我们货款五十万，一直拖着不给。"
    plain = router.route(text, today=TODAY)
    com = next(a for a in plain.ranked if a.channel == ch.COMMERCIAL_ARBITRATION)
    assert com.eligibility == "needs_information"
    assert "arbitration_agreement" in [m["field"] for m in plain.missing]
    told = router.route(text, today=TODAY, facts={"arbitration_agreement": True})
    assert told.channel == ch.COMMERCIAL_ARBITRATION and "arbitration_agreement" in told.facts.overridden
    with pytest.raises(RoutingInputError) as e:
        router.route(text, today=TODAY, facts={"nonsense": 1})
    assert e.value.code == "bad_fact"


def test_danger_first(router):
    r = router.route("我老公喝醉了刚才拿皮带抽我，我现在躲在卫生间里。", today=TODAY)
    assert r.channel == ch.POLICE
    assert r.missing and "110" in r.missing[0]["question"]


@pytest.mark.parametrize("bad,code", [
    ("", "empty"),
    ("   \n\t  ", "empty"),
    ("字" * 20000, "too_long"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text"),
    ("abc\x00def 罚款", "binary"),
    ("Hello, my landlord kept my deposit and will not return it.", "not_chinese"),
    ("1234567890 !!!! ????", "not_chinese"),
    (None, "not_text"),
    (12345, "not_text"),
])
def test_bad_input_is_a_clear_error(router, bad, code):
    with pytest.raises(RoutingInputError) as e:
        router.route(bad, today=TODAY)
    assert e.value.code == code and e.value.reason


def test_validation_keeps_good_text_and_limits():
    assert validate_text("  我被罚了两百块。 ".encode("utf-8")) == "我被罚了两百块。"
    assert len(validate_text("罚" * MAX_CHARS)) == MAX_CHARS


def test_model_beats_the_majority_baseline_on_the_test_split(router):
    from collections import Counter

    from assistant.routing.classifier import load_accounts
    from evaluation.bench_triage import prf
    train, test = load_accounts(split="train"), load_accounts(split="test")
    majority = Counter(r["label"] for r in train).most_common(1)[0][0]
    gold = [r["label"] for r in test]
    pred = [router.route(r["text"], today=TODAY).channel for r in test]
    ours, base = prf(gold, pred), prf(gold, [majority] * len(gold))
    assert ours["macro_f1"] > base["macro_f1"] + 0.3 and ours["accuracy"] > base["accuracy"] + 0.3


def test_model_cache_manifest_and_reuse(router_models_dir, router_model):
    import json

    from assistant.routing.classifier import accounts_path, file_sha256, load_or_train
    mf = json.loads((router_models_dir / "router" / "manifest.json").read_text(encoding="utf-8"))
    assert mf["accounts_sha256"] == file_sha256(accounts_path()) and mf["split"] == "train"
    again = load_or_train(router_models_dir)
    assert again.manifest["trained_at"] == mf["trained_at"]     # loaded, not retrained


def test_model_is_retrained_when_the_accounts_change(tmp_path, router_model):
    from assistant.routing.classifier import accounts_path, load_or_train
    changed = tmp_path / "accounts.jsonl"
    changed.write_text(accounts_path().read_text(encoding="utf-8") + "\n", encoding="utf-8")
    first = load_or_train(tmp_path / "m", accounts=changed)
    assert first.manifest["accounts_sha256"] != router_model.manifest["accounts_sha256"]
    assert (tmp_path / "m" / "router" / "model.pkl").exists()


def test_training_and_serving_see_the_same_text(router, router_model):
    """The router serves exactly the normal form the model was trained on (punctuation, full-width digits)."""
    import numpy as np

    from assistant.routing.channels import CHANNELS
    from assistant.routing.classifier import load_accounts, signals_for
    for row in load_accounts(split="train")[:20]:
        served = router.route(row["text"], today=TODAY)
        direct = router_model.predict_proba([row["text"]], signals_for([row["text"]], TODAY))[0]
        got = np.array([next(a.model_probability for a in served.ranked if a.channel == c) for c in CHANNELS])
        assert np.allclose(got, direct)
    full = router.route("城管上个月罚了我五千，决定书是１０月３１日收到的，我不服。", today=TODAY)
    half = router.route("城管上个月罚了我五千,决定书是10月31日收到的,我不服.", today=TODAY)
    assert full.channel == half.channel and full.deadlines[0].due_earliest == half.deadlines[0].due_earliest


def test_a_decisive_rule_wins_close_calls_but_not_against_a_confident_model():
    import numpy as np

    from assistant.routing import channels as ch
    from assistant.routing.facts import extract_facts
    from assistant.routing.router import combine
    f = extract_facts("市政府维持了区里的处罚决定，复议决定书是前天收到的，我还是不服。", TODAY)  # → 行政诉讼 by rule
    i_suit, i_petition = ch.CHANNELS.index(ch.ADMIN_LITIGATION), ch.CHANNELS.index(ch.PETITION)
    close = np.full(len(ch.CHANNELS), 0.02)
    close[i_petition], close[i_suit] = 0.45, 0.35
    ranked, decided_by, why = combine(close / close.sum(), f)
    assert ranked[0][0] == ch.ADMIN_LITIGATION and decided_by.startswith("rule:") and why
    sure = np.full(len(ch.CHANNELS), 0.005)
    sure[i_petition], sure[i_suit] = 0.9, 0.02
    ranked, decided_by, _ = combine(sure / sure.sum(), f)
    assert ranked[0][0] == ch.PETITION and decided_by == "model"
    suit = next(r for r in ranked if r[0] == ch.ADMIN_LITIGATION)
    assert any(reason.startswith("规则提示") for reason in suit[4])  # the clerk still sees the rule's reading


def test_a_basis_entry_always_names_a_law_and_an_article(router):
    basis = router.resolve_basis([("某市不存在的调解规定第十九条", "交警调解"),
                                  ("行政复议法第二十条", "申请期限")], TODAY)
    missing, found = basis
    assert (missing.law, missing.article, missing.status, missing.found) == \
        ("某市不存在的调解规定", "第十九条", "本库未收录", False)
    assert found.found and found.label == "《中华人民共和国行政复议法》第二十条"
    assert all(b.to_json()["law"] and b.to_json()["article"] for b in basis)
