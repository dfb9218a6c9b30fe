"""The provision store: one SQLite file (SQLAlchemy Core) holding every law version and its provisions.

Writes happen in one transaction per build, so a crash leaves the previous consistent store.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (Boolean, Column, Integer, MetaData, String, Table, Text, create_engine, delete, event,
                        func, insert, select, update)
from sqlalchemy.engine import Connection, Engine

from .models import Item, Law, Paragraph, Provision
from .status import status_on

SCHEMA_VERSION = "1"
metadata = MetaData()

laws_t = Table(
    "laws", metadata,
    Column("law_id", String, primary_key=True),
    Column("unit_key", String, index=True, nullable=False),
    Column("title", String, nullable=False, index=True),
    Column("short_title", String, nullable=False),
    Column("work_key", String, nullable=False, index=True),
    Column("level", String, nullable=False),
    Column("source", String, nullable=False),
    Column("source_path", String, nullable=False),
    Column("aliases", Text, nullable=False),
    Column("issuing_body", String),
    Column("region", String),
    Column("publish_date", String),
    Column("effective_date", String),
    Column("version_date", String),
    Column("upstream_status", String),
    Column("status", String, nullable=False),
    Column("status_basis", Text),
    Column("expired", Boolean, nullable=False),
    Column("repealed_date", String),
    Column("doc_type", String),
    Column("hash", String, nullable=False),
    Column("upstream", Text, nullable=False),  # the source's own values, before overrides
)

provisions_t = Table(
    "provisions", metadata,
    Column("provision_id", String, primary_key=True),
    Column("law_id", String, nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("article_num", Integer, nullable=False),
    Column("article_sub", Integer, nullable=False),
    Column("label", String, nullable=False),
    Column("path", Text, nullable=False),
    Column("paragraphs", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("source_line", Integer),
    Column("hash", String, nullable=False),
)

units_t = Table(
    "units", metadata,
    Column("key", String, primary_key=True),
    Column("source_root", String, nullable=False, index=True),
    Column("path", String, nullable=False),
    Column("hash", String, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
)

sources_t = Table(
    "sources", metadata,
    Column("root", String, primary_key=True),
    Column("kind", String, nullable=False),
    Column("options", Text, nullable=False, default="{}"),
)

meta_t = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text))


class StoreError(RuntimeError):
    pass


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


LAW_FIELDS = [c.name for c in laws_t.columns if c.name not in ("unit_key", "aliases", "upstream")]


def law_row(law: Law, unit_key: str) -> dict[str, Any]:
    d = {f: getattr(law, f) for f in LAW_FIELDS}
    d["unit_key"] = unit_key
    d["aliases"] = json.dumps(law.aliases, ensure_ascii=False)
    d["upstream"] = json.dumps({"status": law.status, "upstream_status": law.upstream_status,
                                "effective_date": law.effective_date, "repealed_date": law.repealed_date,
                                "expired": law.expired, "status_basis": law.status_basis}, ensure_ascii=False)
    return d


def provision_row(p: Provision, seq: int) -> dict[str, Any]:
    return {"provision_id": p.provision_id, "law_id": p.law_id, "seq": seq, "kind": p.kind,
            "article_num": p.article_num, "article_sub": p.article_sub, "label": p.label,
            "path": json.dumps(p.path, ensure_ascii=False),
            "paragraphs": json.dumps([asdict(x) for x in p.paragraphs], ensure_ascii=False),
            "text": p.text, "source_line": p.source_line, "hash": p.hash}


def row_to_law(r: Any) -> Law:
    m = r._mapping
    return Law(**{f: m[f] for f in LAW_FIELDS}, aliases=json.loads(m["aliases"]))


def row_to_provision(r: Any) -> Provision:
    m = r._mapping
    paras = [Paragraph(n=p["n"], text=p["text"], items=[Item(**i) for i in p["items"]])
             for p in json.loads(m["paragraphs"])]
    return Provision(provision_id=m["provision_id"], law_id=m["law_id"], kind=m["kind"],
                     article_num=m["article_num"], article_sub=m["article_sub"], label=m["label"],
                     path=json.loads(m["path"]), paragraphs=paras, source_line=m["source_line"],
                     text=m["text"], hash=m["hash"])


class Store:
    """Read and write access to the provision store."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(f"sqlite:///{self.path}", future=True)
        event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        self._laws: dict[str, Law] | None = None

    # ---- registry of imported sources -------------------------------------------------------------
    def registered_sources(self) -> list[tuple[str, str, dict]]:
        with self.engine.connect() as c:
            return [(r.root, r.kind, json.loads(r.options or "{}")) for r in c.execute(select(sources_t))]

    def register_source(self, c: Connection, root: str, kind: str, options: dict | None = None) -> None:
        c.execute(delete(sources_t).where(sources_t.c.root == root))
        c.execute(insert(sources_t).values(root=root, kind=kind, options=json.dumps(options or {})))

    def unregister_source(self, c: Connection, root: str) -> None:
        c.execute(delete(sources_t).where(sources_t.c.root == root))

    def unit_hashes(self) -> dict[str, tuple[str, str, bool]]:
        with self.engine.connect() as c:
            return {r.key: (r.hash, r.source_root, r.ok) for r in c.execute(select(units_t))}

    # ---- writing (called by the builder inside one transaction) ------------------------------------
    def replace_unit(self, c: Connection, key: str, root: str, path: str, hash_: str, laws: list[Law] | None,
                     error: str | None = None) -> None:
        self.drop_unit(c, key)
        c.execute(insert(units_t).values(key=key, source_root=root, path=path, hash=hash_, ok=error is None,
                                         error=error))
        if not laws:
            return
        c.execute(insert(laws_t), [law_row(law, key) for law in laws])
        rows = [provision_row(p, i) for law in laws for i, p in enumerate(law.provisions)]
        if rows:
            c.execute(insert(provisions_t), rows)

    def drop_unit(self, c: Connection, key: str) -> None:
        ids = [r.law_id for r in c.execute(select(laws_t.c.law_id).where(laws_t.c.unit_key == key))]
        if ids:
            c.execute(delete(provisions_t).where(provisions_t.c.law_id.in_(ids)))
            c.execute(delete(laws_t).where(laws_t.c.law_id.in_(ids)))
        c.execute(delete(units_t).where(units_t.c.key == key))

    def set_meta(self, c: Connection, **values: str) -> None:
        for k, v in values.items():
            c.execute(delete(meta_t).where(meta_t.c.key == k))
            c.execute(insert(meta_t).values(key=k, value=v))

    def meta(self) -> dict[str, str]:
        with self.engine.connect() as c:
            return {r.key: r.value for r in c.execute(select(meta_t))}

    def update_statuses(self, c: Connection, laws: Iterable[Law]) -> None:
        for law in laws:
            c.execute(update(laws_t).where(laws_t.c.law_id == law.law_id).values(
                status=law.status, status_basis=law.status_basis, effective_date=law.effective_date,
                repealed_date=law.repealed_date, expired=law.expired, upstream_status=law.upstream_status))
        self._laws = None

    def upstream_laws(self, c: Connection) -> list[Law]:
        """Law rows reset to what their source said, so overrides and statuses are recomputed from scratch."""
        out = []
        for r in c.execute(select(laws_t)):
            law = row_to_law(r)
            up = json.loads(r._mapping["upstream"])
            law.status, law.upstream_status = up["status"], up["upstream_status"]
            law.effective_date, law.repealed_date = up["effective_date"], up["repealed_date"]
            law.expired, law.status_basis = up["expired"], up["status_basis"]
            out.append(law)
        return out

    # ---- reading ------------------------------------------------------------------------------------
    def laws(self) -> dict[str, Law]:
        if self._laws is None:
            with self.engine.connect() as c:
                self._laws = {law.law_id: law for law in map(row_to_law, c.execute(select(laws_t)))}
        return self._laws

    def law(self, law_id: str) -> Law | None:
        return self.laws().get(law_id)

    def versions(self, work_key: str) -> list[Law]:
        return sorted((x for x in self.laws().values() if x.work_key == work_key),
                      key=lambda x: (x.version_date or x.publish_date or "", x.law_id))

    def status_on(self, law: Law, on: date | str) -> str:
        return status_on(law, self.versions(law.work_key), on)[0]

    def version_on(self, work_key: str, on: date | str) -> Law | None:
        """The version of a work in force on a date (or, failing that, its latest version)."""
        vs = self.versions(work_key)
        statuses = [status_on(v, vs, on)[0] for v in vs]
        current = [v for v, st in zip(vs, statuses) if st in ("现行有效", "已废止")]
        if current:
            return current[-1]
        started = [v for v, st in zip(vs, statuses) if st != "尚未生效"]
        return (started or vs or [None])[-1]

    def provision(self, provision_id: str) -> Provision | None:
        with self.engine.connect() as c:
            r = c.execute(select(provisions_t).where(provisions_t.c.provision_id == provision_id)).first()
        return row_to_provision(r) if r else None

    def provisions_of(self, law_id: str) -> list[Provision]:
        with self.engine.connect() as c:
            rows = c.execute(select(provisions_t).where(provisions_t.c.law_id == law_id)
                             .order_by(provisions_t.c.seq)).all()
        return [row_to_provision(r) for r in rows]

    def find_article(self, law_id: str, num: int, sub: int = 0) -> Provision | None:
        with self.engine.connect() as c:
            r = c.execute(select(provisions_t).where(
                provisions_t.c.law_id == law_id, provisions_t.c.article_num == num,
                provisions_t.c.article_sub == sub, provisions_t.c.kind.in_(("article", "item")))
                .order_by(provisions_t.c.seq)).first()
        return row_to_provision(r) if r else None

    def iter_provisions(self, law_ids: Iterable[str] | None = None, batch: int = 5000) -> Iterator[Provision]:
        q = select(provisions_t).order_by(provisions_t.c.law_id, provisions_t.c.seq)
        if law_ids is not None:
            q = q.where(provisions_t.c.law_id.in_(list(law_ids)))
        with self.engine.connect() as c:
            result = c.execution_options(stream_results=True).execute(q)
            for part in result.partitions(batch):
                yield from map(row_to_provision, part)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return {"laws": c.execute(select(func.count()).select_from(laws_t)).scalar_one(),
                    "provisions": c.execute(select(func.count()).select_from(provisions_t)).scalar_one()}

    def stats(self) -> dict[str, Any]:
        with self.engine.connect() as c:
            per_level = c.execute(
                select(laws_t.c.level, laws_t.c.status, func.count(func.distinct(laws_t.c.law_id)),
                       func.count(provisions_t.c.provision_id))
                .select_from(laws_t.outerjoin(provisions_t, provisions_t.c.law_id == laws_t.c.law_id))
                .group_by(laws_t.c.level, laws_t.c.status)).all()
            failed = c.execute(select(units_t.c.path, units_t.c.error).where(units_t.c.ok.is_(False))).all()
            units = c.execute(select(func.count()).select_from(units_t)).scalar_one()
        levels: dict[str, dict[str, Any]] = {}
        for level, status, n_laws, n_provs in per_level:
            d = levels.setdefault(level, {"laws": 0, "provisions": 0, "by_status": {}})
            d["laws"] += n_laws
            d["provisions"] += n_provs
            d["by_status"][status] = d["by_status"].get(status, 0) + n_laws
        return {"store": str(self.path), **self.counts(), "units": units, "levels": levels,
                "failed_units": [{"path": p, "error": e} for p, e in failed], "meta": self.meta()}

    def close(self) -> None:
        self.engine.dispose()
