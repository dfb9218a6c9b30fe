"""The web service: the FastAPI API (``web.api``) and the Gradio front end (``web.ui``) on one app.

    create_app(settings, retriever=...)   # the ASGI app; heavy objects are built once, at start-up
    serve(host, port)                     # `fazhi serve`: first start builds the store, then uvicorn

Start-up (lifespan) opens the store, the retriever (lexical serves at once; the dense index, when on, builds
in a background thread and /healthz shows its progress), the assistant, the dispute router, the intake
repository and the exam builder. A missing optional part (router, intake, exams) is reported by /healthz and
its endpoints answer 503; everything else keeps working.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from knowledge.settings import Settings, get_settings

from .api import Services, WebConfig, build_router, install_error_handlers, install_limits

log = logging.getLogger("fazhi.web")

DESCRIPTION = """法治助手 Fazhi — offline Chinese legal assistant.

Every error has the shape `{"error": {"code", "message", "field"?}}`. Request bodies are limited
(`FAZHI_MAX_BODY`, default 64 KiB → 413) and each client IP has a token bucket
(`FAZHI_RATE_LIMIT` per second, bursts of `FAZHI_RATE_BURST` → 429 with Retry-After; `FAZHI_RATE_LIMIT=0` turns it off).
The front end is at `/`."""


def _optional(name: str, make: Callable[[], Any]) -> tuple[Any, str | None]:
    """Build an optional service; its failure is logged and reported, never fatal."""
    try:
        return make(), None
    except ImportError as exc:
        return None, f"module not installed ({exc})"
    except Exception as exc:  # noqa: BLE001 — the rest of the app must come up
        log.warning("%s not available: %s: %s", name, exc.__class__.__name__, exc)
        return None, f"{exc.__class__.__name__}: {exc}"


def make_router(store: Any, settings: Settings) -> Any:
    from assistant.routing import Router
    return Router(store, models_dir=settings.models_dir)


def make_intake(settings: Settings) -> Any:
    from . import api
    return api.intake_adapter.open(settings)


def make_exam_builder(store: Any, resolver: Any) -> Any:
    from assistant.exam import ExamBuilder
    return ExamBuilder(store, resolver)


def build_services(settings: Settings, config: WebConfig, retriever: Any = None, backend: Any = None,
                   progress: bool = False, router: Any = "auto", intake: Any = "auto") -> Services:
    t0 = time.perf_counter()
    if retriever is None:
        from knowledge.builder import open_store
        from indexing.retriever import Retriever
        store = open_store(settings)
        if store.counts()["laws"] == 0:
            raise RuntimeError("the knowledge store is empty — run `fazhi knowledge build` (or `fazhi serve`, "
                               "which builds it on first start)")
        retriever = Retriever(store, settings, background=True, progress=progress)
    store = retriever.store
    if router == "auto":
        router, router_error = _optional("dispute router", lambda: make_router(store, settings))
    else:
        router_error = None if router is not None else "disabled"
    if intake == "auto":
        intake, intake_error = _optional("intake records", lambda: make_intake(settings))
    else:
        intake_error = None if intake is not None else "disabled"
    exam_builder, exam_error = _optional("exam builder", lambda: make_exam_builder(store, retriever.resolver))

    from assistant.answer.assistant import Assistant
    assistant = Assistant(retriever, backend=backend, router=router.route if router is not None else None)
    svc = Services(settings=settings, config=config, store=store, retriever=retriever, assistant=assistant,
                   resolver=retriever.resolver, router=router, router_error=router_error, intake=intake,
                   intake_error=intake_error, exam_builder=exam_builder, exam_error=exam_error)
    _warm_up(svc)
    log.info("services ready in %.1fs (router: %s, intake: %s, exams: %s)", time.perf_counter() - t0,
             "on" if router is not None else router_error, "on" if intake is not None else intake_error,
             "on" if exam_builder is not None else exam_error)
    return svc


def _warm_up(svc: Services) -> None:
    """First calls load the tokenizer dictionaries and caches; do them now, not in the first user's request."""
    try:
        svc.retriever.search("行政复议申请期限", k=3)
        svc.store.laws()
        if svc.router is not None:
            svc.router.route("交警罚款200元，我不服，想申请复议。")
    except Exception as exc:  # noqa: BLE001
        log.warning("warm-up failed: %s", exc)


def docs_assets():
    """Swagger UI's files shipped by the fastapi-offline package: /docs then works with no network."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    from pathlib import Path
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").exists() else None


def install_offline_docs(app: FastAPI, folder) -> None:
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    app.mount("/docs-static", StaticFiles(directory=str(folder)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} — docs",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon.png")


def create_app(settings: Settings | None = None, retriever: Any = None, *, config: WebConfig | None = None,
               backend: Any = None, ui: bool = True, progress: bool = False, router: Any = "auto",
               intake: Any = "auto") -> FastAPI:
    """The whole service. ``retriever`` (tests: a lexical one) skips opening the store and indexes;
    ``router`` / ``intake`` default to the real ones (``None`` leaves them out); ``ui=False`` serves the API only."""
    settings = settings or get_settings()
    config = config or WebConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool
        svc = await run_in_threadpool(build_services, settings, config, retriever, backend, progress, router, intake)
        app.state.services = svc
        try:
            yield
        finally:
            app.state.services = None
            svc.close()

    assets = docs_assets()
    app = FastAPI(title="法治助手 Fazhi API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None if assets else "/docs", redoc_url=None)
    if assets:
        install_offline_docs(app, assets)
    app.state.services = None
    install_error_handlers(app)
    install_limits(app, config)
    app.include_router(build_router())
    if ui:
        from .ui import mount_ui
        app = mount_ui(app, lambda: app.state.services)
    return app


def regulations_present(store) -> bool:
    levels = store.stats()["levels"]
    return any(levels.get(level, {}).get("laws") for level in ("行政法规", "司法解释", "地方性法规"))


def serve(host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None) -> None:
    """`fazhi serve`: build the store on first start (with progress), open the indexes, serve API + front end."""
    import uvicorn
    from rich.console import Console

    from knowledge.builder import build, open_store

    console = Console(stderr=True, soft_wrap=True)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("fazhi").setLevel(logging.INFO)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    s = settings or get_settings()
    store = open_store(s)
    first = store.counts()["laws"] == 0
    console.print(f"[bold]first start:[/bold] building the knowledge store in {s.home} (national laws, the Wenzhou "
                  "opinions and any registered sources) …" if first else
                  "checking the knowledge store for changed or newly named sources (FAZHI_EXTRA_SOURCES) …")
    # incremental: a second start with nothing changed takes about a second, and imports what FAZHI_EXTRA_SOURCES adds
    report = build(store, progress=first, settings=s)
    c = store.counts()
    console.print(f"store ready: {c['laws']} laws, {c['provisions']} provisions ({report.added} added, "
                  f"{report.updated} updated in {report.seconds:.0f}s)"
                  + (f"; {len(report.failed)} input(s) not imported" if report.failed else ""))
    if not regulations_present(store):
        console.print("[yellow]no regulations in the store[/yellow] (行政法规, 司法解释, 地方性法规): add them with "
                      "`fazhi knowledge fetch` (online) or `fazhi knowledge fetch --from PATH`, or start with "
                      "FAZHI_EXTRA_SOURCES=PATH ./run.sh")
    store.close()
    console.print("opening the search indexes (a first start builds them; the dense index then builds in the "
                  "background while lexical search serves — see /healthz) …")
    app = create_app(s, progress=True)
    console.print(f"starting [bold green]法治助手[/bold green] on http://{host}:{port}/  ·  API docs "
                  f"http://{host}:{port}/docs  ·  status http://{host}:{port}/healthz")
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)
