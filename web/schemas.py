"""Request and response models of the HTTP API (they are what /docs shows).

Every error the API gives has one shape, :class:`ErrorBody`: ``{"error": {"code", "message", "field"?}}``.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUERY = 2000
MAX_TEXT = 20000


class _In(BaseModel):
    # unknown fields are an error, so a misspelt filter does not silently do nothing
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---- errors ---------------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- ask ------------------------------------------------------------------------------------------------
class Turn(_In):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TEXT)


class AskRequest(_In):
    query: str = Field(min_length=1, max_length=MAX_QUERY, examples=["行政复议的申请期限是多久？"])
    history: list[Turn] = Field(default_factory=list, max_length=40)


class Citation(BaseModel):
    law: str
    article: str
    paragraph: int | None = None
    status: str
    quote: str
    provision_id: str


class AskResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    question: str
    answer: str
    citations: list[Citation]
    grounded: bool
    qtype: str
    backend: str
    evidence: list[dict[str, Any]]
    guard: dict[str, Any]
    timings: dict[str, Any]
    route: dict[str, Any] | None = None


# ---- search ---------------------------------------------------------------------------------------------
class SearchRequest(_In):
    query: str = Field(min_length=1, max_length=MAX_QUERY, examples=["行政复议申请期限"])
    k: int = Field(10, ge=1, le=50)
    levels: list[str] | None = Field(None, examples=[["法律", "行政法规"]])
    regions: list[str] | None = Field(None, examples=[["浙江省"]], description="a region includes its sub-regions")
    statuses: list[str] | Literal["all"] | None = Field(
        None, description="statuses to keep (default 现行有效); 'all' keeps every status")
    as_of: date | None = Field(None, description="show the versions in force on this date")


class SearchHit(BaseModel):
    provision_id: str
    law_id: str
    law: str
    short_title: str
    article: str
    paragraph: int | None
    status: str
    level: str
    region: str
    score: float
    snippet: str
    text: str
    via: list[str]


class SearchResponse(BaseModel):
    query: str
    count: int
    hits: list[SearchHit]
    took_ms: float


# ---- provisions and citations ---------------------------------------------------------------------------
class ParagraphOut(BaseModel):
    n: int
    text: str
    items: list[dict[str, Any]] = []


class ProvisionOut(BaseModel):
    provision_id: str
    label: str
    citation: str = Field(description="《full title》第…条")
    text: str
    path: list[str]
    paragraphs: list[ParagraphOut]
    law: dict[str, Any]
    status: str
    current: bool
    as_of: str
    resolution: dict[str, Any] | None = Field(None, description="when looked up by citation: how it resolved")


class CitationsCheckRequest(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT,
                      examples=["依据《中华人民共和国行政复议法》第二十条第一款，可以在六十日内申请复议。"])


class CitationChecked(BaseModel):
    citation: str
    found: bool
    current: bool
    reason: str
    status: str | None
    law: str | None
    article: str | None
    paragraph: int | None
    label: str | None
    provision_id: str | None
    quote: str | None


class CitationsCheckResponse(BaseModel):
    count: int
    all_found: bool
    all_current: bool
    citations: list[CitationChecked]


# ---- triage and intake ----------------------------------------------------------------------------------
class TriageRequest(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT,
                      examples=["上个月交警给我开了罚单罚款200元，10月30日收到决定书，我觉得不合理。"])
    other_party_admin: bool | None = Field(None, description="对方是否行政机关")
    arbitration_agreement: bool | None = Field(None, description="是否有仲裁协议")
    act_date: date | None = Field(None, description="知道（收到）行政行为或决定的日期")
    decision_date: date | None = Field(None, description="收到复议决定/仲裁裁决的日期")
    facts: dict[str, Any] | None = Field(None, description="any other fact the clerk sets by hand (router field names)")
    today: date | None = Field(None, description="the day deadlines are counted to (default: today)")

    def fact_overrides(self) -> dict[str, Any]:
        out = dict(self.facts or {})
        for name in ("other_party_admin", "arbitration_agreement", "act_date", "decision_date"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v.isoformat() if isinstance(v, date) else v
        return out


class IntakeCreate(TriageRequest):
    """Register a case: the text is routed now (with the facts given) and the case stored in status 分流."""
    actor: str | None = Field(None, max_length=64, description="经办人（工号或姓名）; default: web:<client address>")


class IntakeUpdate(_In):
    status: str | None = Field(None, max_length=8, examples=["受理"],
                               description="next status: 登记 → 分流 → 受理 / 转办 → 办结")
    override: str | None = Field(None, max_length=32, examples=["行政诉讼"],
                                 description="the channel staff chose (one of the eleven channels)")
    reason: str | None = Field(None, max_length=2000, description="why: required when override differs from the suggestion")
    note: str | None = Field(None, max_length=2000, description="note for the status change (audited)")
    actor: str | None = Field(None, max_length=64, description="经办人（工号或姓名）")

    @field_validator("status", "override")
    @classmethod
    def _not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v:
            raise ValueError("must not be empty")
        return v


# ---- exams ----------------------------------------------------------------------------------------------
class ExamCounts(_In):
    单选: int | None = Field(None, ge=0, le=200)
    多选: int | None = Field(None, ge=0, le=200)
    判断: int | None = Field(None, ge=0, le=200)
    填空: int | None = Field(None, ge=0, le=200)


class ExamRequest(_In):
    preset: str = Field("annual", max_length=40, examples=["annual"],
                        description="annual (年度学法) | appointment (任前) | enforcement (执法资格)")
    sources: str | list[str] | None = Field(
        None, examples=["行政复议法,行政处罚法,意见"],
        description="laws to test, each optionally narrowed to parts: 行政处罚法:第五章 (default: the preset's)")
    counts: ExamCounts | None = None
    seed: int = Field(0, ge=0, le=2**31)
    difficulty: str | None = Field(None, max_length=60, examples=["易30,中50,难20"])
    title: str | None = Field(None, max_length=100)
    as_of: date | None = None


class ExamItemPreview(BaseModel):
    n: int
    type: str
    stem: str
    options: dict[str, str]
    answer: str
    points: float
    citation: str


class ExamResponse(BaseModel):
    id: str
    title: str
    preset: str
    seed: int
    as_of: str
    sources: list[str]
    total_points: float
    report: dict[str, Any]
    items: list[ExamItemPreview]
    downloads: dict[str, str]


ExamFormat = Literal["docx", "key.docx", "xlsx", "csv", "json"]
