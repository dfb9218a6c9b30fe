"""IntakeRepository: register a case, route it, let staff override (with a reason), move it through
登记 → 分流 → 受理/转办 → 办结, and keep an audit trail of who changed what and when.

Works on any SQLAlchemy URL (default ``get_settings().intake_db_url``, SQLite under FAZHI_HOME; a
``postgresql+psycopg://`` URL works the same). Records survive a restart: reopen the repository on the same URL.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assistant.routing.channels import CHANNELS

from .masking import mask_text
from .models import (ACCEPTED, CLOSED, REGISTERED, ROUTED, STATUSES, TRANSFERRED, TRANSITIONS, AuditEntry, Base,
                     IntakeCase)

log = logging.getLogger(__name__)


class IntakeError(ValueError):
    """A request the workflow refuses; the message says why and what is allowed."""


class IllegalTransition(IntakeError):
    pass


class OverrideReasonRequired(IntakeError):
    pass


class CaseNotFound(IntakeError):
    pass


def mask_json(value: Any) -> Any:
    """Every string inside a JSON-like value, masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_json(v) for k, v in value.items()}
    return value


@dataclass
class CaseView:
    """What lists, ``show`` and exports display: the masked text only (unless revealed on purpose)."""
    id: int
    case_no: str
    status: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    text: str
    suggested_channel: str | None
    suggested_confidence: float | None
    final_channel: str | None
    override_reason: str | None
    decision_date: date | None
    facts: dict | None
    route: dict | None
    revealed: bool = False

    @property
    def channel(self) -> str | None:
        return self.final_channel or self.suggested_channel

    def to_json(self) -> dict:
        return {"id": self.id, "case_no": self.case_no, "status": self.status,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
                "created_by": self.created_by, "text": self.text, "suggested_channel": self.suggested_channel,
                "suggested_confidence": self.suggested_confidence, "final_channel": self.final_channel,
                "override_reason": self.override_reason,
                "decision_date": self.decision_date.isoformat() if self.decision_date else None,
                "route": self.route, "facts": self.facts}


@dataclass
class AuditView:
    at: datetime
    actor: str
    action: str
    changes: dict | None
    note: str | None

    def to_json(self) -> dict:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action, "changes": self.changes,
                "note": self.note}


def _utc(dt: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone=True columns; they were stored in UTC
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class IntakeRepository:
    def __init__(self, url: str | None = None, engine: Engine | None = None,
                 clock: Callable[[], datetime] | None = None):
        if engine is None:
            if url is None:
                from knowledge.settings import get_settings
                s = get_settings()
                s.ensure_home()
                url = s.intake_db_url
            engine = create_engine(url, future=True)
        self.engine = engine
        self.url = str(engine.url)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        Base.metadata.create_all(engine)
        self._session = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------------------------ writes
    def register(self, text: str, actor: str, decision_date: date | None = None) -> CaseView:
        """A new case in status 登记. The text is validated like the router validates it."""
        from assistant.routing.router import validate_text
        t = validate_text(text)
        actor = _actor(actor)
        now = self.clock()
        with self._session.begin() as s:
            case = IntakeCase(case_no=f"pending-{uuid.uuid4().hex[:20]}", created_at=now, updated_at=now, created_by=actor,
                              text=t, text_masked=mask_text(t), decision_date=decision_date, status=REGISTERED)
            s.add(case)
            s.flush()
            case.case_no = f"FZ-{now:%Y%m%d}-{case.id:06d}"  # from the database id: unique under concurrency
            self._audit(s, case, actor, "register", {"status": [None, REGISTERED]}, None, now)
            log.info("intake %s registered by %s: %s", case.case_no, actor, _short(case.text_masked))
            return self._view(case)

    def record_route(self, case_id: int, route, actor: str) -> CaseView:
        """Store a :class:`Route` on a case and move it 登记 → 分流 (re-routing a 分流 case updates it)."""
        actor = _actor(actor)
        now = self.clock()
        with self._session.begin() as s:
            case = self._get(s, case_id)
            if case.status not in (REGISTERED, ROUTED):
                raise IllegalTransition(f"案件 {case.case_no} 状态为「{case.status}」，只有「登记」或「分流」状态的案件可以分流")
            old = {"suggested_channel": case.suggested_channel, "status": case.status}
            case.facts = mask_json(route.facts.to_json())
            case.route = mask_json(route.to_json(full=True))
            case.suggested_channel = route.channel
            case.suggested_confidence = float(route.confidence)
            case.decision_date = route.today
            case.status = ROUTED
            case.updated_at = now
            self._audit(s, case, actor, "route",
                        {"suggested_channel": [old["suggested_channel"], route.channel],
                         "status": [old["status"], ROUTED]},
                        f"{route.decided_by}; confidence {route.confidence:.2f}", now)
            log.info("intake %s routed → %s (%s) by %s", case.case_no, route.channel, route.decided_by, actor)
            return self._view(case)

    def register_and_route(self, text: str, router, actor: str, today: date | None = None,
                           facts: dict | None = None) -> CaseView:
        route = router.route(text, today=today, facts=facts)
        case = self.register(text, actor, decision_date=route.today)
        return self.record_route(case.id, route, actor)

    def set_final_channel(self, case_id: int, channel: str, actor: str, reason: str | None = None) -> CaseView:
        """Staff decide the channel. Departing from the suggestion needs a reason (kept and audited)."""
        actor = _actor(actor)
        if channel not in CHANNELS:
            raise IntakeError(f"未知渠道「{channel}」：只能是 {'、'.join(CHANNELS)}")
        now = self.clock()
        with self._session.begin() as s:
            case = self._get(s, case_id)
            if case.status in (CLOSED,):
                raise IllegalTransition(f"案件 {case.case_no} 已办结，不能再改渠道")
            reason = (reason or "").strip()
            if channel != case.suggested_channel and not reason:
                raise OverrideReasonRequired(
                    f"改判渠道必须说明理由：系统建议「{case.suggested_channel or '（未分流）'}」，改为「{channel}」")
            old = (case.final_channel, case.override_reason)
            case.final_channel = channel
            case.override_reason = mask_text(reason) if reason else None
            case.updated_at = now
            action = "override" if channel != case.suggested_channel else "confirm"
            self._audit(s, case, actor, action, {"final_channel": [old[0], channel],
                                                 "override_reason": [old[1], case.override_reason]},
                        case.override_reason, now)
            log.info("intake %s final channel %s by %s (%s)", case.case_no, channel, actor, action)
            return self._view(case)

    def transition(self, case_id: int, new_status: str, actor: str, note: str | None = None) -> CaseView:
        """Move along 登记 → 分流 → 受理/转办 → 办结; anything else raises :class:`IllegalTransition`."""
        actor = _actor(actor)
        if new_status not in STATUSES:
            raise IllegalTransition(f"未知状态「{new_status}」：状态只能是 {' → '.join(STATUSES)}")
        now = self.clock()
        with self._session.begin() as s:
            case = self._get(s, case_id)
            allowed = TRANSITIONS[case.status]
            if new_status not in allowed:
                nxt = "、".join(allowed) if allowed else "无（已办结）"
                raise IllegalTransition(f"案件 {case.case_no} 不能从「{case.status}」变为「{new_status}」：允许的下一步是 {nxt}")
            if new_status == ROUTED and not case.suggested_channel:
                raise IllegalTransition(f"案件 {case.case_no} 还没有分流结果：请先分流（record_route）")
            changes: dict[str, list] = {"status": [case.status, new_status]}
            if new_status in (ACCEPTED, TRANSFERRED) and not case.final_channel:
                # accepting or transferring without an explicit choice adopts the suggestion — on the record
                changes["final_channel"] = [None, case.suggested_channel]
                case.final_channel = case.suggested_channel
            case.status = new_status
            case.updated_at = now
            self._audit(s, case, actor, "transition", changes, mask_text(note) if note else None, now)
            log.info("intake %s %s → %s by %s", case.case_no, changes["status"][0], new_status, actor)
            return self._view(case)

    # ------------------------------------------------------------------------------------- reads
    def get(self, case_id: int, reveal: bool = False, actor: str | None = None) -> CaseView:
        """The case with masked text; ``reveal=True`` (needs ``actor``) returns the original and audits it."""
        if reveal:
            actor = _actor(actor or "")
            now = self.clock()
            with self._session.begin() as s:
                case = self._get(s, case_id)
                self._audit(s, case, actor, "reveal", None, "查看未脱敏原文", now)
                return self._view(case, reveal=True)
        with self._session() as s:
            return self._view(self._get(s, case_id))

    def get_by_no(self, case_no: str) -> CaseView:
        with self._session() as s:
            case = s.scalar(select(IntakeCase).where(IntakeCase.case_no == case_no))
            if case is None:
                raise CaseNotFound(f"没有案件 {case_no}")
            return self._view(case)

    def list(self, status: str | None = None, channel: str | None = None, limit: int = 100,
             offset: int = 0) -> list[CaseView]:
        q = select(IntakeCase).order_by(IntakeCase.id)
        if status:
            q = q.where(IntakeCase.status == status)
        if channel:
            q = q.where(func.coalesce(IntakeCase.final_channel, IntakeCase.suggested_channel) == channel)
        with self._session() as s:
            return [self._view(c) for c in s.scalars(q.offset(offset).limit(limit))]

    def audit_trail(self, case_id: int) -> list[AuditView]:
        with self._session() as s:
            case = s.scalar(select(IntakeCase).options(selectinload(IntakeCase.audit)).where(IntakeCase.id == case_id))
            if case is None:
                raise CaseNotFound(f"没有编号为 {case_id} 的案件")
            return [AuditView(_utc(a.at), a.actor, a.action, a.changes, a.note) for a in case.audit]

    def count(self) -> int:
        with self._session() as s:
            return s.scalar(select(func.count(IntakeCase.id))) or 0

    # ----------------------------------------------------------------------------------- helpers
    @staticmethod
    def _get(s: Session, case_id: int) -> IntakeCase:
        case = s.get(IntakeCase, case_id)
        if case is None:
            raise CaseNotFound(f"没有编号为 {case_id} 的案件")
        return case

    @staticmethod
    def _audit(s: Session, case: IntakeCase, actor: str, action: str, changes: dict | None, note: str | None,
               at: datetime) -> None:
        s.add(AuditEntry(case_id=case.id, at=at, actor=actor, action=action, changes=mask_json(changes), note=note))

    @staticmethod
    def _view(c: IntakeCase, reveal: bool = False) -> CaseView:
        return CaseView(c.id, c.case_no, c.status, _utc(c.created_at), _utc(c.updated_at), c.created_by,
                        c.text if reveal else c.text_masked, c.suggested_channel, c.suggested_confidence,
                        c.final_channel, c.override_reason, c.decision_date, c.facts, c.route, revealed=reveal)


def _actor(actor: str) -> str:
    a = (actor or "").strip()
    if not a:
        raise IntakeError("必须注明操作人（工号或姓名）")
    return a[:64]


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"
