"""A source yields import units (a file, or one law of a database); the builder skips unchanged ones."""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..models import Law


@dataclass
class ImportIssue:
    """A problem with one input, reported with where it is; the rest of the import goes on."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class SourceError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class Unit:
    key: str  # stable identity across builds
    path: str  # where it came from, for reports
    hash: str  # content fingerprint; unchanged hash → the unit is not re-imported
    load: Callable[[], list[Law]]  # raises SourceError (or any exception) on bad input


def file_hash(path: Path, extra: str = "") -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    h.update(extra.encode())
    return h.hexdigest()[:20]


class Source(ABC):
    """One kind of input. `root` identifies it in the store's registry of sources."""

    kind: str = ""

    def __init__(self, root: str):
        self.root = root

    @abstractmethod
    def units(self, issues: list[ImportIssue]) -> Iterator[Unit]:
        """Enumerate units cheaply (hashing only); problems found while listing go to `issues`."""
