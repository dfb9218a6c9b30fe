"""What the indexes cover: provisions of the store (by default current versions), with the metadata that
filters need, in a fixed order shared by every index. A corpus hash ties persisted indexes to the store."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from knowledge.models import Law, Provision
from knowledge.status import status_on
from knowledge.store import Store

INDEXED_KINDS = ("article", "item", "text")


@dataclass
class DocRecord:
    provision_id: str
    law_id: str
    work_key: str
    title: str
    short_title: str
    label: str
    level: str
    region: str
    status: str
    path: list[str] = field(default_factory=list)


@dataclass
class IndexCorpus:
    docs: list[DocRecord]
    texts: list[str]  # the provision text (with paragraph breaks)
    as_of: str
    hash: str

    def lexical_text(self, i: int) -> str:
        d = self.docs[i]
        return f"{d.short_title} {' '.join(d.path)} {self.texts[i]}"

    def dense_text(self, i: int) -> str:
        d = self.docs[i]
        # e5 passages: the law's name and chapter give the article its context
        return f"{d.short_title} {d.path[-1] if d.path else ''} {self.texts[i]}".replace("\n", " ")

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"as_of": self.as_of, "hash": self.hash, "docs": [asdict(d) for d in self.docs],
                                   "texts": self.texts}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> IndexCorpus:
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls([DocRecord(**x) for x in d["docs"]], d["texts"], d["as_of"], d["hash"])


def current_laws(store: Store, as_of: str) -> dict[str, tuple[Law, str]]:
    by_work: dict[str, list[Law]] = {}
    for law in store.laws().values():
        by_work.setdefault(law.work_key, []).append(law)
    return {law.law_id: (law, status_on(law, by_work[law.work_key], as_of)[0]) for law in store.laws().values()}


def build_corpus(store: Store, as_of: str | None = None, include_all_versions: bool = False) -> IndexCorpus:
    """Current versions only by default (现行有效); `include_all_versions` adds amended/repealed ones."""
    on = as_of or store.meta().get("as_of") or date.today().isoformat()
    statuses = current_laws(store, on)
    keep = {lid for lid, (_, st) in statuses.items() if include_all_versions or st == "现行有效"}
    docs: list[DocRecord] = []
    texts: list[str] = []
    h = hashlib.sha256(on.encode())
    for p in store.iter_provisions(law_ids=sorted(keep)):
        if p.kind not in INDEXED_KINDS or not p.text.strip():
            continue
        law, st = statuses[p.law_id]
        docs.append(_record(p, law, st))
        texts.append(p.text)
        h.update(p.hash.encode())
        h.update(st.encode())
    return IndexCorpus(docs, texts, on, h.hexdigest()[:20])


def _record(p: Provision, law: Law, status: str) -> DocRecord:
    return DocRecord(provision_id=p.provision_id, law_id=law.law_id, work_key=law.work_key, title=law.title,
                     short_title=law.short_title, label=p.label, level=law.level, region=law.region or "全国",
                     status=status, path=p.path)
