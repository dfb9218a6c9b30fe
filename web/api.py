"""The HTTP API: one FastAPI router over the shared services (store, retriever, assistant, router, intake,
exam builder), with request-size and per-client rate limits and one JSON error shape everywhere.

    {"error": {"code": "not_found", "message": "…", "field": "provision_id"}}

Heavy objects live in :class:`Services`, created once at start-up (see ``web.app``); every endpoint is a plain
``def`` so FastAPI runs it in its thread pool and the event loop stays free for other clients.
"""
from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from knowledge.settings import Settings

from . import schemas as S

log = logging.getLogger("fazhi.web")


# ---------------------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------------------
class WebConfig(BaseSettings):
    """Web-layer limits, from FAZHI_* environment variables (FAZHI_RATE_LIMIT=0 turns the limiter off)."""

    model_config = SettingsConfigDict(env_prefix="FAZHI_", extra="ignore")

    rate_limit: float = 20.0  # requests per second per client IP, refilled continuously; 0 = no limit
    rate_burst: int = 40  # bucket size: this many requests at once before 429
    max_body: int = 64 * 1024  # bytes; larger request bodies get 413
    trust_proxy: bool = False  # take the client from X-Forwarded-For (only behind a proxy you run)
    exam_cache: int = 32  # built papers kept for download (oldest dropped first)
    # at most this many search/ask/triage requests compute at once; the rest wait in FIFO order. On a CPU-bound
    # Python server more threads only share the GIL, so a small pool keeps tail latency near the median.
    workers: int = 4
    intake_page: int = 200  # most intake records one list call returns

    @property
    def limiter_on(self) -> bool:
        return self.rate_limit > 0


# ---------------------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    return JSONResponse({"error": err}, status_code=status, headers=headers)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
               500: "internal_error", 503: "unavailable"}


def _field_of(loc: tuple | list) -> str | None:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]  # where the value came from, not its name
    return ".".join(str(p) for p in parts) or None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
        if bad_json is not None:
            ctx = bad_json.get("ctx") or {}
            return error_response(400, "malformed_json",
                                  f"the request body is not valid JSON ({ctx.get('error', 'cannot parse')})")
        first = errors[0] if errors else {"msg": "invalid request", "loc": ()}
        loc = tuple(first.get("loc") or ())
        fld = _field_of(loc)
        if loc == ("body",):
            if first.get("type") == "missing":
                return error_response(422, "missing_body", "a JSON body is required")
            return error_response(422, "invalid_body", "the request body must be a JSON object "
                                                       "(sent as Content-Type: application/json)")
        msg = first.get("msg", "invalid value")
        if first.get("type") == "missing":
            msg = "this field is required"
        elif first.get("type") == "extra_forbidden":
            msg = "unknown field"
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        return error_response(422, "invalid_request", f"{fld or 'request'}: {msg}{more}", fld)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        msg = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, msg, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(req: Request, exc: Exception) -> JSONResponse:
        # the traceback goes to the server log, never to the client; the server keeps serving
        log.error("internal error on %s %s", req.method, req.url.path, exc_info=exc)
        return error_response(500, "internal_error", "an internal error occurred; it has been logged")


# ---------------------------------------------------------------------------------------------------------
# ASGI middleware: request-size limit and per-client token bucket (pure ASGI: streaming stays streaming)
# ---------------------------------------------------------------------------------------------------------
def _limited(scope: Scope, prefixes: tuple[str, ...]) -> bool:
    return scope["type"] == "http" and scope["path"].startswith(prefixes)


def _client(scope: Scope, trust_proxy: bool) -> str:
    if trust_proxy:
        for k, v in scope.get("headers") or ():
            if k == b"x-forwarded-for":
                return v.decode("latin-1").split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


class BodyLimitMiddleware:
    """Bodies over ``max_body`` bytes get 413 before the endpoint sees them (Content-Length checked first,
    then the bytes actually received, so a chunked upload cannot slip past)."""

    def __init__(self, app: ASGIApp, max_body: int, prefixes: tuple[str, ...] = ("/api/",)):
        self.app, self.max_body, self.prefixes = app, max_body, prefixes

    def _too_large(self) -> JSONResponse:
        return error_response(413, "payload_too_large",
                              f"request body too large (at most {self.max_body} bytes)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _limited(scope, self.prefixes) or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers") or ():
            if k == b"content-length":
                try:
                    if int(v) > self.max_body:
                        await self._too_large()(scope, receive, send)
                        return
                except ValueError:
                    await error_response(400, "bad_request", "invalid Content-Length")(scope, receive, send)
                    return
        chunks, size = [], 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(body)
            if not msg.get("more_body"):
                break
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def receive_again() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        await self.app(scope, receive_again, send)


class TokenBucket:
    """One bucket per client: ``burst`` tokens, refilled at ``rate`` per second; a request takes one."""

    def __init__(self, rate: float, burst: int, max_clients: int = 50_000):
        self.rate, self.burst, self.max_clients = float(rate), max(1, int(burst)), max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0.0 when the request may go ahead, else the seconds until a token is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.max_clients:
                self._evict(now)
        return wait

    def _evict(self, now: float) -> None:
        full_after = self.burst / self.rate
        for k in [k for k, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[k]  # a bucket idle long enough to be full again is the same as no bucket


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, bucket: TokenBucket, trust_proxy: bool = False,
                 prefixes: tuple[str, ...] = ("/api/",)):
        self.app, self.bucket, self.trust_proxy, self.prefixes = app, bucket, trust_proxy, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _limited(scope, self.prefixes):
            wait = self.bucket.take(_client(scope, self.trust_proxy))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                resp = error_response(429, "rate_limited",
                                      f"too many requests: at most {self.bucket.rate:g}/s "
                                      f"(bursts of {self.bucket.burst}); retry after {retry}s",
                                      headers={"Retry-After": str(retry)})
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


# what the limiter counts: the API, and the front end's compute entry points (not its pages, assets or heartbeats)
LIMITED = ("/api/", "/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/")


def install_limits(app: FastAPI, config: WebConfig) -> None:
    # added last = outermost: the rate limiter answers before any body is read
    app.add_middleware(BodyLimitMiddleware, max_body=config.max_body)
    if config.limiter_on:
        app.add_middleware(RateLimitMiddleware, bucket=TokenBucket(config.rate_limit, config.rate_burst),
                           trust_proxy=config.trust_proxy, prefixes=LIMITED)


# ---------------------------------------------------------------------------------------------------------
# services
# ---------------------------------------------------------------------------------------------------------
@dataclass
class PaperEntry:
    paper: Any
    created: float
    folder: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)


@dataclass
class Services:
    """Everything the endpoints and the front end share; built once per process."""

    settings: Settings
    config: WebConfig
    store: Any
    retriever: Any
    assistant: Any
    resolver: Any
    router: Any = None  # assistant.routing.Router, when that module is present
    router_error: str | None = None
    intake: Any = None  # assistant.intake repository, when present
    intake_error: str | None = None
    exam_builder: Any = None
    exam_error: str | None = None
    started: float = field(default_factory=time.time)
    papers: OrderedDict = field(default_factory=OrderedDict)
    exam_lock: threading.Lock = field(default_factory=threading.Lock)
    papers_lock: threading.Lock = field(default_factory=threading.Lock)
    limiter: Any = None  # anyio.CapacityLimiter(config.workers), made on first use inside the event loop
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="fazhi-web-")))

    @property
    def as_of(self) -> str:
        return self.resolver.as_of

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)

    # ---- search -------------------------------------------------------------------------------------
    def search(self, body: S.SearchRequest) -> dict:
        from indexing.retriever import Filters
        f = Filters(levels=set(body.levels) if body.levels else None,
                    regions=set(body.regions) if body.regions else None,
                    as_of=body.as_of.isoformat() if body.as_of else None)
        if body.statuses == "all":
            f.statuses = None
        elif body.statuses:
            f.statuses = set(body.statuses)
        t0 = time.perf_counter()
        try:
            hits = self.retriever.search(body.query, k=body.k, filters=f)
        except ValueError as exc:
            raise ApiError(422, "invalid_query", str(exc), "query") from None
        return {"query": body.query, "count": len(hits), "hits": [h.to_dict() for h in hits],
                "took_ms": round((time.perf_counter() - t0) * 1000, 1)}

    # ---- provisions ---------------------------------------------------------------------------------
    def provision_payload(self, provision_id: str, resolution: Any = None) -> dict[str, Any]:
        prov = self.store.provision(provision_id)
        if prov is None:
            raise ApiError(404, "not_found", f"no provision with id {provision_id!r}", "provision_id")
        law = self.store.law(prov.law_id)
        status = self.store.status_on(law, self.as_of) if law else "未知"
        law_d = {k: getattr(law, k, None) for k in ("law_id", "title", "short_title", "level", "issuing_body",
                                                      "region", "publish_date", "effective_date", "version_date",
                                                      "repealed_date", "status_basis", "source", "work_key")}
        return {"provision_id": prov.provision_id, "label": prov.label,
                "citation": f"《{law.title}》{prov.label}" if law else prov.label, "text": prov.text,
                "path": list(prov.path),
                "paragraphs": [{"n": p.n, "text": p.text, "items": [{"n": i.n, "text": i.text} for i in p.items]}
                               for p in prov.paragraphs],
                "law": law_d, "status": status, "current": status == "现行有效", "as_of": self.as_of,
                "resolution": resolution}

    def check_citations(self, text: str) -> dict[str, Any]:
        out = []
        for raw, res in self.resolver.find_in_text(text):
            j = res.to_json()
            out.append({"citation": raw, "found": res.found, "current": res.current, "reason": res.reason,
                        "status": res.status, "law": j["law"], "article": j["article"], "paragraph": res.paragraph,
                        "label": j["label"], "provision_id": j["provision_id"], "quote": j["text"]})
        return {"count": len(out), "all_found": all(c["found"] for c in out),
                "all_current": all(c["current"] for c in out), "citations": out}

    # ---- triage -------------------------------------------------------------------------------------
    def require_router(self) -> Any:
        if self.router is None:
            raise ApiError(503, "unavailable", f"dispute routing is not available ({self.router_error or 'not loaded'})")
        return self.router

    def triage(self, text: str, facts: dict[str, Any] | None = None, today: date | None = None) -> dict[str, Any]:
        router = self.require_router()
        from assistant.routing import RoutingInputError
        try:
            route = router.route(text, today=today, facts=facts or None)
        except RoutingInputError as exc:
            fld = "facts" if getattr(exc, "code", "") == "bad_fact" else "text"
            raise ApiError(422, f"triage_{getattr(exc, 'code', 'invalid')}", str(exc), fld) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(422, "triage_bad_fact", f"cannot use the facts given: {exc}", "facts") from None
        return route_json(route)

    # ---- exams --------------------------------------------------------------------------------------
    def build_exam(self, req: S.ExamRequest) -> tuple[str, PaperEntry]:
        if self.exam_builder is None:
            raise ApiError(503, "unavailable", f"the exam builder is not available ({self.exam_error or 'not loaded'})")
        from dataclasses import replace

        from assistant.exam import ExamBuilder, ExamError, parse_sources, preset
        from assistant.exam.blueprint import parse_mix
        try:
            bp = preset(req.preset)
            if req.counts is not None:
                bp = bp.with_counts(**req.counts.model_dump())
            if req.difficulty:
                bp = bp.with_difficulty(parse_mix(req.difficulty))
            if req.title:
                bp = replace(bp, title=req.title)
            src = req.sources
            if isinstance(src, list):
                src = ",".join(src)
            sources = parse_sources(src) if src else None
            with self.exam_lock:  # the builder caches facts per law: one build at a time
                builder = self.exam_builder
                if req.as_of and req.as_of.isoformat() != builder.as_of:
                    builder = ExamBuilder(self.store, as_of=req.as_of.isoformat())
                paper = builder.build(bp, seed=req.seed, sources=sources)
        except ExamError as exc:
            raise ApiError(422, "invalid_blueprint", str(exc)) from None
        pid = uuid.uuid4().hex[:16]
        entry = PaperEntry(paper, time.time())
        with self.papers_lock:
            self.papers[pid] = entry
            while len(self.papers) > max(1, self.config.exam_cache):
                _, old = self.papers.popitem(last=False)
                if old.folder:
                    shutil.rmtree(old.folder, ignore_errors=True)
        return pid, entry

    def paper(self, pid: str) -> PaperEntry:
        with self.papers_lock:
            entry = self.papers.get(pid)
        if entry is None:
            raise ApiError(404, "not_found", f"no exam paper with id {pid!r} (papers are kept for the last "
                                             f"{self.config.exam_cache} builds)", "exam_id")
        return entry

    def paper_file(self, pid: str, fmt: str) -> Path:
        from assistant.exam import export
        from assistant.exam.export import key_path
        entry = self.paper(pid)
        with self.papers_lock:
            if fmt in entry.files and entry.files[fmt].exists():
                return entry.files[fmt]
            folder = entry.folder = entry.folder or (self.work_dir / pid)
            stem = _safe_name(entry.paper.title) or "paper"
            suffix = {"docx": ".docx", "key.docx": ".docx", "xlsx": ".xlsx", "csv": ".csv", "json": ".json"}[fmt]
            out = folder / f"{stem}{suffix}"
            written = export(entry.paper, out)
            if suffix == ".docx":
                entry.files["docx"], entry.files["key.docx"] = out, key_path(out)
            else:
                entry.files[fmt] = written[0]
            return entry.files[fmt]

    # ---- intake -------------------------------------------------------------------------------------
    def require_intake(self) -> Any:
        if self.intake is None:
            raise ApiError(503, "unavailable", f"intake records are not available ({self.intake_error or 'not loaded'})")
        return self.intake

    # ---- health -------------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Each component that failed or serves less than it should, with the reason (empty when all is well)."""
        out = list(self.retriever.problems())
        for name, part, error in (("router", self.router, self.router_error), ("intake", self.intake, self.intake_error),
                                  ("exam", self.exam_builder, self.exam_error)):
            if part is None:
                out.append(f"{name}: unavailable — {error}")
        return out

    def health(self) -> dict[str, Any]:
        counts = self.store.counts()
        meta = self.store.meta()
        problems = self.problems()
        return {"status": "degraded" if problems else "ok", "problems": problems,
                "uptime_s": round(time.time() - self.started, 1),
                "store": {**counts, "as_of": meta.get("as_of"), "built_at": meta.get("built_at")},
                "retriever": self.retriever.status(),
                "router": "ready" if self.router is not None else f"unavailable: {self.router_error}",
                "intake": "ready" if self.intake is not None else f"unavailable: {self.intake_error}",
                "exam": "ready" if self.exam_builder is not None else f"unavailable: {self.exam_error}",
                "limits": {"rate_limit": self.config.rate_limit if self.config.limiter_on else None,
                           "rate_burst": self.config.rate_burst, "max_body": self.config.max_body}}


def route_json(route: Any) -> dict[str, Any]:
    for name in ("to_json", "to_dict"):
        fn = getattr(route, name, None)
        if callable(fn):
            return fn()
    raise TypeError(f"cannot serialise a {type(route).__name__}")


def _safe_name(title: str) -> str:
    bad = '<>:"/\\|?*\x00'
    return "".join("_" if c in bad or ord(c) < 32 else c for c in title).strip(" .")[:80]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# ---------------------------------------------------------------------------------------------------------
# endpoints
# ---------------------------------------------------------------------------------------------------------
def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                    media_type="application/json")


async def offload(svc: Services, fn, *args: Any, status: int = 200) -> Response:
    """Run ``fn`` in a worker thread behind the service's FIFO limiter; the JSON is encoded there too."""
    import anyio
    if svc.limiter is None:
        svc.limiter = anyio.CapacityLimiter(max(1, svc.config.workers))

    def work() -> Response:
        resp = _json(fn(*args))
        resp.status_code = status
        return resp
    return await anyio.to_thread.run_sync(work, limiter=svc.limiter)


def services(request: Request) -> Services:
    svc = getattr(request.app.state, "services", None)
    if svc is None:
        raise ApiError(503, "starting", "the service is still starting; try again in a few seconds")
    return svc


ERRORS = {code: {"model": S.ErrorBody} for code in (400, 404, 409, 413, 422, 429, 500, 503)}
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "key.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8", "json": "application/json"}


def build_router() -> APIRouter:
    api = APIRouter(responses=ERRORS)

    # ---- ask ------------------------------------------------------------------------------------------
    @api.post("/api/ask", response_model=S.AskResponse, tags=["法律咨询"],
              summary="Answer a question, citing the exact 款 and its status")
    async def ask(body: S.AskRequest, request: Request) -> Response:
        svc = services(request)
        from assistant.answer.assistant import AskError
        from assistant.llm.base import LLMError

        def run() -> dict:
            try:
                return svc.assistant.ask(body.query, [t.model_dump() for t in body.history]).to_dict()
            except AskError as exc:
                raise ApiError(422, "invalid_question", str(exc), "query") from None
            except LLMError as exc:
                raise ApiError(502, "backend_error", f"the language model failed: {exc}") from None
        return await offload(svc, run)

    @api.post("/api/ask/stream", tags=["法律咨询"],
              summary="The same answer as events: server-sent events (default) or NDJSON (?format=ndjson)",
              response_class=StreamingResponse,
              responses={200: {"content": {"text/event-stream": {}, "application/x-ndjson": {}}}})
    def ask_stream(body: S.AskRequest, request: Request,
                   format: Literal["sse", "ndjson"] = Query("sse")) -> StreamingResponse:
        svc = services(request)
        from assistant.answer.assistant import AskError
        from assistant.llm.base import LLMError
        gen = svc.assistant.ask_stream(body.query, [t.model_dump() for t in body.history])
        try:  # the first event is computed here, so a bad question is a 422, not a broken stream
            first = next(gen)
        except AskError as exc:
            raise ApiError(422, "invalid_question", str(exc), "query") from None
        except LLMError as exc:
            raise ApiError(502, "backend_error", f"the language model failed: {exc}") from None
        except StopIteration:
            raise ApiError(500, "internal_error", "the assistant produced no answer") from None

        def encode(ev: dict) -> str:
            data = json.dumps(ev, ensure_ascii=False)
            return data + "\n" if format == "ndjson" else f"event: {ev.get('type', 'message')}\ndata: {data}\n\n"

        def events() -> Iterator[str]:
            yield encode(first)
            try:
                for ev in gen:
                    yield encode(ev)
            except Exception as exc:  # the response has started: report in-band, keep the server up
                log.error("stream failed", exc_info=exc)
                yield encode({"type": "error", "error": {"code": "internal_error",
                                                         "message": "the answer could not be completed"}})

        media = "application/x-ndjson" if format == "ndjson" else "text/event-stream"
        return StreamingResponse(events(), media_type=media,
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # ---- search ---------------------------------------------------------------------------------------
    @api.post("/api/search", response_model=S.SearchResponse, tags=["检索"],
              summary="Search the store: law, article, 款, status, score, snippet")
    async def search(body: S.SearchRequest, request: Request) -> Response:
        svc = services(request)
        return await offload(svc, svc.search, body)

    # ---- provisions and citations ---------------------------------------------------------------------
    @api.get("/api/provisions", response_model=S.ProvisionOut, tags=["条文"],
             summary="Look a provision up by citation, e.g. ?citation=行政复议法第二十条第一款")
    def provision_by_citation(request: Request,
                              citation: str = Query(..., min_length=1, max_length=200,
                                                    examples=["行政复议法第二十条第一款"])) -> dict:
        svc = services(request)
        res = svc.resolver.resolve(citation)
        if res.reason == "unparsed":
            raise ApiError(422, "unparsed_citation",
                           f"cannot read {citation!r} as a citation (expected e.g. 行政复议法第二十条)", "citation")
        if res.provision is None:
            msg = {"law_not_found": f"no law named in {citation!r} is in the store",
                   "article_not_found": f"{res.law.title if res.law else citation}: no such article"}
            raise ApiError(404, res.reason, msg.get(res.reason, res.reason), "citation")
        j = res.to_json()
        resolution = {"citation": citation, "found": res.found, "current": res.current, "reason": res.reason,
                      "label": res.label, "paragraph": res.paragraph, "item": res.item, "quote": res.quote,
                      "candidates": res.candidates, "status": j["status"]}
        return svc.provision_payload(res.provision.provision_id, resolution)

    @api.get("/api/provisions/{provision_id:path}", response_model=S.ProvisionOut, tags=["条文"],
             summary="One provision by id: full text, 款 and 项, the law, and its status")
    def provision(provision_id: str, request: Request) -> dict:
        return services(request).provision_payload(provision_id)

    @api.post("/api/citations/check", response_model=S.CitationsCheckResponse, tags=["条文"],
              summary="Find every citation in a text and say whether each exists and is current")
    async def citations_check(body: S.CitationsCheckRequest, request: Request) -> Response:
        svc = services(request)
        return await offload(svc, svc.check_citations, body.text)

    # ---- triage and intake ----------------------------------------------------------------------------
    @api.post("/api/triage", tags=["纠纷分流"],
              summary="Route a dispute: channel, basis citations, deadlines, questions still to ask")
    async def triage(body: S.TriageRequest, request: Request) -> Response:
        svc = services(request)
        return await offload(svc, svc.triage, body.text, body.fact_overrides(), body.today)

    @api.post("/api/intake", status_code=201, tags=["纠纷分流"],
              summary="Save an intake record (the route is computed from the text unless given)")
    def intake_create(body: S.IntakeCreate, request: Request) -> dict:
        svc = services(request)
        repo = svc.require_intake()
        router = svc.require_router()
        return intake_adapter.create(repo, router, body, actor=body.actor or f"web:{_client_ip(request)}")

    @api.get("/api/intake", tags=["纠纷分流"], summary="List intake records (personal data masked)")
    def intake_list(request: Request, status: str | None = Query(None, max_length=8),
                    channel: str | None = Query(None, max_length=32),
                    limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0),
                    full: bool = Query(False, description="include each record's route and facts")) -> dict:
        svc = services(request)
        repo = svc.require_intake()
        limit = min(limit, svc.config.intake_page)
        return intake_adapter.list(repo, status=status, channel=channel, limit=limit, offset=offset, full=full)

    @api.get("/api/intake/export", tags=["纠纷分流"], summary="All intake records as CSV or XLSX (masked)",
             responses={200: {"content": {"text/csv": {}, MEDIA["xlsx"]: {}}}})
    def intake_export(request: Request, format: Literal["csv", "xlsx"] = Query("csv")) -> Response:
        svc = services(request)
        repo = svc.require_intake()
        return intake_adapter.export(repo, format, svc.work_dir)

    @api.patch("/api/intake/{record_id}", tags=["纠纷分流"],
               summary="Change a record's status, or override its channel")
    def intake_update(record_id: str, body: S.IntakeUpdate, request: Request) -> dict:
        svc = services(request)
        repo = svc.require_intake()
        if body.status is None and body.override is None:
            raise ApiError(422, "invalid_request", "give status and/or override")
        return intake_adapter.update(repo, record_id, body, actor=body.actor or f"web:{_client_ip(request)}")

    # ---- exams ----------------------------------------------------------------------------------------
    @api.post("/api/exams", status_code=201, response_model=S.ExamResponse, tags=["考题生成"],
              summary="Build a paper from a preset (+ sources, counts, seed): id, preview, download links")
    def exams_create(body: S.ExamRequest, request: Request) -> dict:
        svc = services(request)
        pid, entry = svc.build_exam(body)
        return exam_json(pid, entry)

    @api.get("/api/exams/{exam_id}", response_model=S.ExamResponse, tags=["考题生成"],
             summary="A built paper's preview again")
    def exams_get(exam_id: str, request: Request) -> dict:
        return exam_json(exam_id, services(request).paper(exam_id))

    @api.get("/api/exams/{exam_id}/download", tags=["考题生成"],
             summary="Download a built paper: docx (paper), key.docx (answers), xlsx, csv, json",
             responses={200: {"content": {m: {} for m in set(MEDIA.values())}}})
    def exams_download(exam_id: str, request: Request,
                       format: Literal["docx", "key.docx", "xlsx", "csv", "json"] = Query("docx")) -> FileResponse:
        svc = services(request)
        path = svc.paper_file(exam_id, format)
        return FileResponse(path, media_type=MEDIA[format], filename=path.name)

    # ---- health ---------------------------------------------------------------------------------------
    @api.get("/healthz", tags=["运维"], summary="Store counts, retriever status (dense build progress), services")
    def healthz(request: Request) -> dict:
        svc = getattr(request.app.state, "services", None)
        if svc is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return svc.health()

    # anything else under /api is ours to answer (not the front end's)
    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def api_not_found(rest: str, request: Request) -> None:
        path = request.url.path
        allowed = {m for r in api.routes if getattr(r, "endpoint", None) is not api_not_found
                   and r.path_regex.match(path) for m in (r.methods or ())} - {"HEAD"}
        if allowed:
            raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path} "
                                                      f"(use {', '.join(sorted(allowed))})",
                           headers={"Allow": ", ".join(sorted(allowed))})
        raise ApiError(404, "not_found", f"no such endpoint: /api/{rest}")

    return api


def exam_json(pid: str, entry: PaperEntry) -> dict[str, Any]:
    from assistant.exam.export import answer_text
    p = entry.paper
    items = [{"n": n, "type": it.type, "stem": it.stem, "options": dict(it.options), "answer": answer_text(it),
              "points": it.points, "citation": it.citation.label} for n, it in enumerate(p.items, start=1)]
    base = f"/api/exams/{pid}/download?format="
    return {"id": pid, "title": p.title, "preset": p.blueprint.name, "seed": p.seed, "as_of": p.as_of,
            "sources": list(p.sources), "total_points": p.total_points, "report": p.report(), "items": items,
            "downloads": {f: base + f for f in ("docx", "key.docx", "xlsx", "csv", "json")}}


# ---------------------------------------------------------------------------------------------------------
# intake: the thin layer between the endpoints and assistant.intake
# ---------------------------------------------------------------------------------------------------------
class _IntakeAdapter:
    """assistant.intake's repository behind the endpoints: records by id or case number, errors as HTTP."""

    def supported(self) -> bool:
        try:
            from assistant.intake.repository import IntakeRepository  # noqa: F401
        except ImportError:
            return False
        return True

    def open(self, settings: Settings) -> Any:
        from assistant.intake.repository import IntakeRepository
        settings.ensure_home()
        return IntakeRepository(settings.intake_db_url)

    @staticmethod
    def _errors(fn, *args: Any, **kw: Any) -> Any:
        from assistant.intake.repository import (CaseNotFound, IllegalTransition, IntakeError,
                                                 OverrideReasonRequired)
        from assistant.routing import RoutingInputError
        try:
            return fn(*args, **kw)
        except CaseNotFound as exc:
            raise ApiError(404, "not_found", str(exc), "record_id") from None
        except IllegalTransition as exc:
            raise ApiError(409, "illegal_transition", str(exc), "status") from None
        except OverrideReasonRequired as exc:
            raise ApiError(422, "override_reason_required", str(exc), "reason") from None
        except RoutingInputError as exc:
            fld = "facts" if getattr(exc, "code", "") == "bad_fact" else "text"
            raise ApiError(422, f"triage_{getattr(exc, 'code', 'invalid')}", str(exc), fld) from None
        except IntakeError as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None

    def case_id(self, repo: Any, record_id: str) -> int:
        rid = (record_id or "").strip()
        if rid.isdigit():
            return int(rid)
        return self._errors(repo.get_by_no, rid).id

    @staticmethod
    def summary(view: Any, full: bool = False) -> dict:
        d = view.to_json()
        d["channel"] = view.channel
        if not full:
            d.pop("route", None)
            d.pop("facts", None)
        return d

    def create(self, repo: Any, router: Any, body: S.IntakeCreate, actor: str) -> dict:
        view = self._errors(repo.register_and_route, body.text, router, actor, today=body.today,
                            facts=body.fact_overrides() or None)
        return self.summary(view, full=True)

    def list(self, repo: Any, status: str | None = None, channel: str | None = None, limit: int = 50,
             offset: int = 0, full: bool = False) -> dict:
        views = self._errors(repo.list, status=status, channel=channel, limit=limit, offset=offset)
        return {"total": repo.count(), "count": len(views), "offset": offset,
                "records": [self.summary(v, full) for v in views]}

    def update(self, repo: Any, record_id: str, body: S.IntakeUpdate, actor: str) -> dict:
        cid = self.case_id(repo, record_id)
        view = None
        if body.override is not None:
            view = self._errors(repo.set_final_channel, cid, body.override, actor, reason=body.reason)
        if body.status is not None:
            view = self._errors(repo.transition, cid, body.status, actor, note=body.note)
        return self.summary(view, full=True)

    def export(self, repo: Any, fmt: str, work_dir: Path) -> Response:
        from assistant.intake.export import export_csv, export_xlsx
        work_dir.mkdir(parents=True, exist_ok=True)
        name = f"intake_{time.strftime('%Y%m%d_%H%M%S')}.{fmt}"
        path = work_dir / f"{uuid.uuid4().hex[:8]}_{name}"
        (export_csv if fmt == "csv" else export_xlsx)(repo, path)
        return FileResponse(path, media_type=MEDIA[fmt], filename=name,
                            background=_cleanup(path))

    @staticmethod
    def row(view: dict) -> list[str]:
        created = str(view.get("created_at", ""))[:16].replace("T", " ")
        text = view.get("text") or ""
        return [view.get("case_no") or str(view.get("id")), created, text if len(text) <= 60 else text[:60] + "…",
                view.get("suggested_channel") or "", view.get("final_channel") or "", view.get("status") or ""]


def _cleanup(path: Path):
    from starlette.background import BackgroundTask
    return BackgroundTask(lambda: path.unlink(missing_ok=True))


intake_adapter = _IntakeAdapter()
