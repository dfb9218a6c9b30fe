"""The web service over the session's test store: one app (lexical retriever, limiter off) shared by the API
tests, and helpers to run it on a real loopback port for the browser tests."""
from __future__ import annotations

import socket
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web_services_app(settings, lexical):
    """API only (the front end is tested in a browser), rate limiter off."""
    from web.api import WebConfig
    from web.app import create_app
    return create_app(settings, retriever=lexical, config=WebConfig(rate_limit=0), ui=False)


@pytest.fixture(scope="session")
def client(web_services_app):
    from fastapi.testclient import TestClient
    with TestClient(web_services_app, raise_server_exceptions=False) as c:
        yield c


class LiveServer:
    """uvicorn in a thread on a free loopback port; ``stop()`` shuts it down cleanly."""

    def __init__(self, app, port: int | None = None):
        import uvicorn
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def start(self, timeout: float = 180.0) -> "LiveServer":
        self.thread.start()
        t0 = time.time()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server thread exited before it started")
            if time.time() - t0 > timeout:
                raise RuntimeError(f"the server did not start in {timeout:.0f}s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def live_server_cls():
    return LiveServer
