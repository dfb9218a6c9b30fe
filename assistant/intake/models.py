"""Intake records (SQLAlchemy ORM, portable types: SQLite by default, PostgreSQL by URL).

Personal identifiers — decision: the record keeps the account as typed in ``text`` (the case file needs it,
e.g. to call the person back) **and** a masked copy in ``text_masked``. Everything that *shows* text — lists,
``show`` without ``reveal``, CSV/XLSX exports, the audit trail, log lines — uses the masked copy; facts and the
route snapshot are masked before they are stored. Only ``IntakeRepository.get(..., reveal=True)`` returns the
original, and that read is itself written to the audit trail.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# the workflow: 登记 → 分流 → 受理 / 转办 → 办结
REGISTERED, ROUTED, ACCEPTED, TRANSFERRED, CLOSED = "登记", "分流", "受理", "转办", "办结"
STATUSES = [REGISTERED, ROUTED, ACCEPTED, TRANSFERRED, CLOSED]
TRANSITIONS: dict[str, tuple[str, ...]] = {
    REGISTERED: (ROUTED,),
    ROUTED: (ACCEPTED, TRANSFERRED),
    ACCEPTED: (CLOSED,),
    TRANSFERRED: (CLOSED,),
    CLOSED: (),
}


class Base(DeclarativeBase):
    pass


class IntakeCase(Base):
    __tablename__ = "intake_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)                  # as typed (see module docstring)
    text_masked: Mapped[str] = mapped_column(Text)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)   # the `today` routing used
    facts: Mapped[dict | None] = mapped_column(JSON, nullable=True)            # masked
    route: Mapped[dict | None] = mapped_column(JSON, nullable=True)            # masked snapshot of Route.to_json()
    suggested_channel: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    suggested_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    final_channel: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(8), index=True)

    audit: Mapped[list["AuditEntry"]] = relationship(back_populates="case", order_by="AuditEntry.id",
                                                     cascade="all, delete-orphan")

    @property
    def overridden(self) -> bool:
        return bool(self.final_channel and self.suggested_channel and self.final_channel != self.suggested_channel)


class AuditEntry(Base):
    __tablename__ = "intake_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("intake_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))          # register | route | override | transition | reveal
    changes: Mapped[dict | None] = mapped_column(JSON, nullable=True)   # {field: [old, new]}, masked
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    case: Mapped[IntakeCase] = relationship(back_populates="audit")
