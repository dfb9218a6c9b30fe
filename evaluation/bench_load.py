"""Load benchmark of the web API: start the service on loopback (uvicorn, the real store at FAZHI_HOME, the rate
limiter off), drive it with N concurrent clients (httpx async) for S seconds per endpoint — search, ask and triage,
each separately — and print throughput, p50/p95/p99 latency and errors per endpoint.

    python -m evaluation.bench_load                          # 50 clients × 60 s × (search, ask, triage)
    python -m evaluation.bench_load --seconds 20 --clients 50 --endpoints search,triage --json out.json
    python -m evaluation.bench_load --url http://127.0.0.1:7860   # an already running server (limiter must be off)

The server runs in its own process (so the load generator does not share its interpreter), lexical-only unless
``--dense`` (a dense index still building would take the CPU the benchmark measures). Questions come from the
STARD gold set (../shared/eval, when present; else a built-in list) and the triage accounts shipped with the app,
cycled so consecutive requests differ.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
STARD = Path(os.environ.get("FAZHI_SHARED", ROOT.parent / "shared")) / "eval" / "stard_train.jsonl"
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)

FALLBACK_QUESTIONS = [
    "行政复议的申请期限是多久？", "被交警罚款了不服怎么办？", "公司拖欠工资怎么办？", "邻居装修噪音扰民怎么处理？",
    "行政处罚法第三十条是怎么规定的？", "网购商品七天无理由退货有哪些例外？", "劳动合同到期不续签有没有经济补偿？",
    "未成年人违法会被行政处罚吗？", "行政许可的办理期限是多少天？", "申请政府信息公开需要多长时间答复？",
    "交通事故责任认定不服能复议吗？", "工伤认定申请的时限是多久？", "房屋征收补偿不合理怎么办？",
    "试用期最长可以约定多久？", "消费者买到假货可以要求几倍赔偿？", "医疗纠纷可以找谁调解？",
]
ENDPOINTS = ("search", "ask", "triage")


def questions() -> list[str]:
    qs: list[str] = []
    if STARD.exists():
        with STARD.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    q = json.loads(line).get("query", "").strip()
                    if 2 <= len(q) <= 300:
                        qs.append(q)
    return qs or FALLBACK_QUESTIONS


def accounts() -> list[str]:
    try:
        from assistant.routing.classifier import load_accounts
        texts = [r["text"] for r in load_accounts()]
    except Exception:  # noqa: BLE001 — the router module may be absent; triage then reports 503s as errors
        texts = []
    return texts or ["10月30日收到区市场监管局的罚款决定书，罚款2万元，我认为处罚过重。",
                     "公司拖欠我三个月工资一直不给，我已经离职了。"]


def payloads(endpoint: str) -> list[dict]:
    if endpoint == "search":
        return [{"query": q, "k": 10} for q in questions()]
    if endpoint == "ask":
        return [{"query": q} for q in questions()]
    return [{"text": t} for t in accounts()]


# ---------------------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------------------
SERVER = """
import logging, sys, uvicorn
from web.app import create_app
app = create_app(ui={ui})
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, dense: bool, ui: bool, timeout: float = 600.0) -> subprocess.Popen:
    env = dict(os.environ, FAZHI_RATE_LIMIT="0", FAZHI_DENSE="1" if dense else "0", GRADIO_ANALYTICS_ENABLED="False",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(port=port, ui=ui)], cwd=str(ROOT), env=env)
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} before it was ready")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if r.status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the server was not ready after {timeout:.0f}s")


# ---------------------------------------------------------------------------------------------------------
# the load
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Result:
    endpoint: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # successful requests, seconds
    errors: dict[str, int] = field(default_factory=dict)  # status code or exception name → count

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]

    def to_dict(self) -> dict:
        return {"endpoint": self.endpoint, "seconds": round(self.seconds, 2), "ok": self.ok, "errors": self.errors,
                "throughput_rps": round(self.ok / self.seconds, 2) if self.seconds else 0,
                "p50_ms": round(self.pct(50) * 1000, 1), "p95_ms": round(self.pct(95) * 1000, 1),
                "p99_ms": round(self.pct(99) * 1000, 1),
                "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else None}


async def drive(base: str, endpoint: str, clients: int, seconds: float, warmup: float = 2.0) -> Result:
    """``clients`` independent clients, each with its own connection (one httpx.AsyncClient each: a shared
    pool serialises on its lock and measures the client, not the server), sending back-to-back."""
    bodies = payloads(endpoint)
    url = f"{base}/api/{endpoint}"
    res = Result(endpoint)
    start = asyncio.Event()
    t_measure = [0.0]

    async def client_loop(i: int) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0)) as client:
            n = i
            t_warm_end = time.perf_counter() + warmup
            while time.perf_counter() < t_warm_end:  # warm-up: not counted
                await _send(client, url, bodies[n % len(bodies)], None)
                n += clients
            await start.wait()
            stop = t_measure[0] + seconds
            while time.perf_counter() < stop:
                await _send(client, url, bodies[n % len(bodies)], res)
                n += clients

    async def starter() -> None:
        await asyncio.sleep(warmup)
        t_measure[0] = time.perf_counter()
        start.set()

    await asyncio.gather(starter(), *(client_loop(i) for i in range(clients)))
    res.seconds = time.perf_counter() - t_measure[0]
    return res


async def _send(client: httpx.AsyncClient, url: str, body: dict, res: Result | None) -> None:
    t0 = time.perf_counter()
    try:
        r = await client.post(url, json=body)
        await r.aread()
    except httpx.HTTPError as exc:
        if res is not None:
            res.errors[type(exc).__name__] = res.errors.get(type(exc).__name__, 0) + 1
        return
    dt = time.perf_counter() - t0
    if res is None:
        return
    if r.status_code < 400:
        res.latencies.append(dt)
    else:
        res.errors[str(r.status_code)] = res.errors.get(str(r.status_code), 0) + 1


def table(results: list[Result], clients: int, seconds: float, note: str) -> Table:
    t = Table(title=f"API load: {clients} concurrent clients, {seconds:g} s per endpoint{note}")
    for col in ("endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"):
        t.add_column(col, justify="left" if col == "endpoint" else "right", no_wrap=True)
    for r in results:
        d = r.to_dict()
        errs = ", ".join(f"{k}×{v}" for k, v in r.errors.items()) or "0"
        t.add_row(f"POST /api/{r.endpoint}", str(r.ok), f"{d['throughput_rps']:.1f}", f"{d['p50_ms']:.0f}",
                  f"{d['p95_ms']:.0f}", f"{d['p99_ms']:.0f}", f"{d['max_ms'] or 0:.0f}", errs)
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="measured seconds per endpoint (default 60)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS), help="comma-separated: search,ask,triage")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each endpoint")
    ap.add_argument("--url", default=None, help="benchmark a running server instead of starting one")
    ap.add_argument("--port", type=int, default=0, help="port for the server it starts (default: a free one)")
    ap.add_argument("--dense", action="store_true", help="let the server use (and if needed build) the dense index")
    ap.add_argument("--ui", action="store_true", help="mount the Gradio front end too (the API is measured either way)")
    ap.add_argument("--json", dest="json_out", type=Path, default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    eps = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    bad = [e for e in eps if e not in ENDPOINTS]
    if bad or not eps:
        ap.error(f"unknown endpoint(s) {bad}; choose from {', '.join(ENDPOINTS)}")
    if args.clients < 1 or args.seconds <= 0:
        ap.error("--clients must be ≥ 1 and --seconds > 0")

    proc = None
    base = args.url.rstrip("/") if args.url else None
    if base is None:
        port = args.port or free_port()
        console.print(f"starting the server on 127.0.0.1:{port} (rate limiter off, dense {'on' if args.dense else 'off'}) …")
        t0 = time.time()
        proc = start_server(port, args.dense, args.ui)
        console.print(f"ready in {time.time() - t0:.1f}s")
        base = f"http://127.0.0.1:{port}"
    try:
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        results = []
        for ep in eps:
            console.print(f"→ {ep}: {args.clients} clients for {args.seconds:g}s …")
            results.append(asyncio.run(drive(base, ep, args.clients, args.seconds, args.warmup)))
        store = health.get("store", {})
        dense = (health.get("retriever") or {}).get("dense", {}).get("state")
        note = f" · store {store.get('laws')} laws / {store.get('provisions')} provisions · dense {dense} · {os.cpu_count()} CPUs"
        console.print(table(results, args.clients, args.seconds, note))
        if args.json_out:
            args.json_out.write_text(json.dumps({"clients": args.clients, "seconds": args.seconds, "cpus": os.cpu_count(),
                                                 "health": health, "results": [r.to_dict() for r in results]},
                                                ensure_ascii=False, indent=1), encoding="utf-8")
        return 0 if all(r.n_errors == 0 for r in results) else 1
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
