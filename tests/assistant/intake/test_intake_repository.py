"""Intake records: the workflow 登记 → 分流 → 受理/转办 → 办结, staff overrides with a reason, the audit
trail, masking in every view and log line, and records that survive a restart."""
import logging
from datetime import date

import pytest

from assistant.intake.models import STATUSES
from assistant.intake.repository import (CaseNotFound, IllegalTransition, IntakeError, IntakeRepository,
                                         OverrideReasonRequired)

TODAY = date(2026, 11, 28)
TEXT = "我叫王某，电话13812345678，身份证330302199001011234。城管上个月罚了我五千，决定书是上个月底收到的，我不服。"


def routed(repo, router, text=TEXT, actor="clerk01"):
    return repo.register_and_route(text, router, actor, today=TODAY)


def test_register_then_route(repo, intake_router):
    case = repo.register(TEXT, "clerk01")
    assert case.status == "登记" and case.case_no.startswith("FZ-20261128-")
    route = intake_router.route(TEXT, today=TODAY)
    case = repo.record_route(case.id, route, "clerk01")
    assert (case.status, case.suggested_channel) == ("分流", route.channel)
    assert case.decision_date == TODAY and case.route["channel"] == route.channel
    assert case.facts and case.facts["admin_act"] is True


def test_full_workflow_and_audit_trail(repo, intake_router, clock):
    case = routed(repo, intake_router)
    case = repo.transition(case.id, "受理", "clerk02", note="复议机构受理")
    assert case.status == "受理" and case.final_channel == case.suggested_channel   # adopting the suggestion
    case = repo.transition(case.id, "办结", "clerk03")
    trail = repo.audit_trail(case.id)
    assert [a.action for a in trail] == ["register", "route", "transition", "transition"]
    assert [a.actor for a in trail] == ["clerk01", "clerk01", "clerk02", "clerk03"]
    assert trail[2].changes["status"] == ["分流", "受理"] and trail[2].changes["final_channel"][1] == "行政复议"
    assert trail[2].note == "复议机构受理"
    assert all(a.at.tzinfo is not None for a in trail)
    assert [a.at for a in trail] == sorted(a.at for a in trail)


@pytest.mark.parametrize("path,bad", [
    (["登记"], "受理"),                   # 登记 → 受理 skips 分流
    (["登记"], "办结"),
    (["分流", "受理"], "转办"),           # 受理 and 转办 are alternatives
    (["分流", "转办", "办结"], "受理"),   # nothing after 办结
    (["分流", "受理"], "登记"),           # no way back
])
def test_illegal_transitions_are_refused_with_the_allowed_next_step(repo, intake_router, path, bad):
    case = repo.register(TEXT, "c1") if path[0] == "登记" else routed(repo, intake_router)
    for step in path[1:]:
        case = repo.transition(case.id, step, "c1")
    with pytest.raises(IllegalTransition) as e:
        repo.transition(case.id, bad, "c1")
    assert "允许的下一步" in str(e.value) and f"「{bad}」" in str(e.value)
    assert repo.get(case.id).status == path[-1]


def test_unknown_status_and_routing_required(repo):
    case = repo.register(TEXT, "c1")
    with pytest.raises(IllegalTransition, match="未知状态"):
        repo.transition(case.id, "结案", "c1")
    with pytest.raises(IllegalTransition, match="还没有分流结果"):
        repo.transition(case.id, "分流", "c1")
    assert STATUSES == ["登记", "分流", "受理", "转办", "办结"]


def test_override_needs_a_reason_and_is_audited(repo, intake_router):
    case = routed(repo, intake_router)
    with pytest.raises(OverrideReasonRequired):
        repo.set_final_channel(case.id, "行政诉讼", "clerk02")
    with pytest.raises(OverrideReasonRequired):
        repo.set_final_channel(case.id, "行政诉讼", "clerk02", reason="   ")
    case = repo.set_final_channel(case.id, "行政诉讼", "clerk02", reason="当事人已经复议过，出示了复议决定书 13812345678")
    assert case.final_channel == "行政诉讼" and "138****5678" in case.override_reason
    last = repo.audit_trail(case.id)[-1]
    assert last.action == "override" and last.actor == "clerk02"
    assert last.changes["final_channel"] == [None, "行政诉讼"] and "13812345678" not in str(last.changes)
    case = repo.transition(case.id, "转办", "clerk02")
    assert case.final_channel == "行政诉讼"           # the override is kept
    # confirming the suggestion needs no reason
    other = routed(repo, intake_router)
    assert repo.set_final_channel(other.id, other.suggested_channel, "clerk02").final_channel == other.suggested_channel
    assert repo.audit_trail(other.id)[-1].action == "confirm"


def test_bad_requests(repo, intake_router):
    case = routed(repo, intake_router)
    with pytest.raises(IntakeError, match="未知渠道"):
        repo.set_final_channel(case.id, "法院", "c1", reason="x")
    with pytest.raises(IntakeError, match="操作人"):
        repo.transition(case.id, "受理", " ")
    with pytest.raises(CaseNotFound):
        repo.get(99999)
    from assistant.routing.router import RoutingInputError
    with pytest.raises(RoutingInputError):
        repo.register("", "c1")


def test_identifiers_are_masked_in_lists_views_audit_and_logs(repo, intake_router, caplog):
    caplog.set_level(logging.DEBUG)
    case = routed(repo, intake_router)
    shown = [repo.get(case.id).text, repo.list()[0].text, repo.get_by_no(case.case_no).text]
    for t in shown:
        assert "13812345678" not in t and "330302199001011234" not in t
        assert "138****5678" in t and "3303**********1234" in t
    assert "13812345678" not in str(repo.get(case.id).route) and "13812345678" not in str(repo.get(case.id).facts)
    assert "13812345678" not in str([a.to_json() for a in repo.audit_trail(case.id)])
    assert caplog.records and "13812345678" not in caplog.text and "330302199001011234" not in caplog.text


def test_reveal_returns_the_original_and_is_audited(repo, intake_router):
    case = routed(repo, intake_router)
    with pytest.raises(IntakeError):
        repo.get(case.id, reveal=True)                 # who is looking must be recorded
    full = repo.get(case.id, reveal=True, actor="supervisor")
    assert "13812345678" in full.text and full.revealed
    assert repo.audit_trail(case.id)[-1].action == "reveal"


def test_records_survive_a_restart(db_url, clock, intake_router):
    first = IntakeRepository(db_url, clock=clock)
    case = first.register_and_route(TEXT, intake_router, "clerk01", today=TODAY)
    first.set_final_channel(case.id, "行政诉讼", "clerk02", reason="已复议")
    first.close()
    reopened = IntakeRepository(db_url, clock=clock)
    again = reopened.get_by_no(case.case_no)
    assert (again.status, again.final_channel, again.override_reason) == ("分流", "行政诉讼", "已复议")
    assert [a.action for a in reopened.audit_trail(again.id)] == ["register", "route", "override"]
    assert reopened.transition(again.id, "转办", "clerk03").status == "转办"
    reopened.close()


def test_list_filters(repo, intake_router):
    a = routed(repo, intake_router)
    b = routed(repo, intake_router, text="合同约定温州仲裁委员会仲裁，对方欠我们货款八十万不付。")
    repo.transition(a.id, "受理", "c1")
    assert [c.id for c in repo.list(status="受理")] == [a.id]
    assert [c.id for c in repo.list(channel="商事仲裁")] == [b.id]
    assert repo.count() == 2
