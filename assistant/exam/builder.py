"""ExamBuilder: sources → facts → candidate items → checked, de-duplicated, seeded selection → Paper."""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from knowledge.citations import CitationResolver
from knowledge.models import Law, Provision
from knowledge.store import Store, provisions_t

from .blueprint import Blueprint, ExamError, Quota, Section, SourceSpec
from .checks import run_checks
from .facts import LIST_RE, Fact, extract_facts, iter_values
from .items import KINDS_FOR, LETTERS, TYPES, DistractorPool, ExamItem, ItemFactory, PoolValue


@dataclass
class Scope:
    """One resolved source: the current version of a law, narrowed to the requested parts."""

    spec: SourceSpec
    law: Law
    provisions: list[Provision]


@dataclass
class Paper:
    title: str
    blueprint: Blueprint
    seed: int
    as_of: str
    items: list[ExamItem]
    sources: list[str]  # full titles, in the order given
    checked: int = 0  # candidate items run through the checks
    dropped: Counter = field(default_factory=Counter)  # check name → items it rejected
    drop_examples: list[dict[str, Any]] = field(default_factory=list)
    bank_skipped: int = 0  # candidates left out because an earlier paper in the bank asked them
    seconds: float = 0.0

    @property
    def total_points(self) -> float:
        return sum(i.points for i in self.items)

    @property
    def pass_rate(self) -> float:
        return (self.checked - sum(self.dropped.values())) / self.checked if self.checked else 1.0

    def section_items(self, type_: str) -> list[ExamItem]:
        return [i for i in self.items if i.type == type_]

    @property
    def sections(self) -> list[tuple[Section, list[ExamItem]]]:
        return [(s, self.section_items(s.type)) for s in self.blueprint.sections]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "preset": self.blueprint.name, "seed": self.seed, "as_of": self.as_of,
                "sources": self.sources, "total_points": self.total_points,
                "items": [i.to_dict() for i in self.items]}

    def report(self) -> dict[str, Any]:
        return {"items": len(self.items), "checked": self.checked, "dropped": dict(self.dropped),
                "pass_rate": round(self.pass_rate, 4), "bank_skipped": self.bank_skipped,
                "seconds": round(self.seconds, 3)}


class Bank:
    """Fingerprints of the facts earlier papers asked about (a JSON file), so papers do not repeat."""

    VERSION = 1

    def __init__(self, path: Path | None = None, papers: list[dict[str, Any]] | None = None):
        self.path = path
        self.papers = papers or []

    @property
    def fingerprints(self) -> set[str]:
        return {fp for p in self.papers for fp in p.get("fingerprints", [])}

    @classmethod
    def load(cls, path: Path | str) -> "Bank":
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ExamError(f"bank {path}: not a readable JSON bank ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("papers"), list) or not all(
                isinstance(p, dict) and isinstance(p.get("fingerprints"), list) for p in data["papers"]):
            raise ExamError(f"bank {path}: expected {{\"papers\": [{{\"fingerprints\": [...]}}]}}")
        return cls(path, data["papers"])

    def add(self, paper: Paper) -> None:
        self.papers.append({"title": paper.title, "preset": paper.blueprint.name, "seed": paper.seed,
                            "as_of": paper.as_of, "created": date.today().isoformat(),
                            "fingerprints": [i.fingerprint for i in paper.items]})

    def save(self, path: Path | str | None = None) -> Path:
        target = Path(path or self.path or "bank.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps({"version": self.VERSION, "papers": self.papers}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
        tmp.replace(target)  # never a half-written bank
        return target


def _matches_part(path: list[str], part: str) -> bool:
    """'第二章' matches '第二章 行政复议申请'; '九' matches the opinions' '九、依法化解社会矛盾'."""
    for heading in path:
        head = heading.split()[0] if heading.split() else heading
        if heading == part or head == part or heading.startswith((part + "、", part + " ", part + "　")):
            return True
        if len(part) >= 3 and part in heading:
            return True
    return False


# the whole-store pool depends only on the store build and the date: shared by builders in one process
_GLOBAL_POOLS: dict[tuple[str, str, str], DistractorPool] = {}


class ExamBuilder:
    """Builds papers from a store. Same seed + blueprint + store → the identical paper."""

    def __init__(self, store: Store, resolver: CitationResolver | None = None, as_of: str | None = None):
        self.store = store
        self.resolver = resolver or CitationResolver(store, as_of=as_of)
        self.as_of = self.resolver.as_of
        self._facts: dict[tuple[str, tuple[str, ...]], list[Fact]] = {}
        self._para: dict[tuple[str, int], str] = {}
        self._law_text: dict[str, str] = {}
        self._global: DistractorPool | None = None

    # ---- sources ------------------------------------------------------------------------------------
    def resolve_sources(self, specs: tuple[SourceSpec, ...] | list[SourceSpec]) -> list[Scope]:
        scopes: list[Scope] = []
        for spec in specs:
            works = sorted(self.resolver.works_for(spec.name))
            if not works:
                raise ExamError(f"unknown source {spec.name!r}: no law, regulation or document of that name "
                                f"is in the store")
            laws = [x for x in (self.store.version_on(w, self.as_of) for w in works) if x]
            # an alias shared by several works: prefer the national, current one (as citations do)
            laws.sort(key=lambda x: (x.region != "全国", self.store.status_on(x, self.as_of) != "现行有效",
                                     x.law_id))
            if not laws:
                raise ExamError(f"source {spec.name!r}: no version of it is in the store")
            law = laws[0]
            status = self.store.status_on(law, self.as_of)
            if status != "现行有效":
                raise ExamError(f"source {spec.name!r} is 《{law.title}》, which is {status} on {self.as_of}: "
                                f"papers test current law only")
            provisions = [p for p in self.store.provisions_of(law.law_id) if p.kind in ("article", "item")]
            if spec.parts:
                chosen = [p for p in provisions if any(_matches_part(p.path, part) for part in spec.parts)]
                missing = [part for part in spec.parts if not any(_matches_part(p.path, part) for p in provisions)]
                if missing:
                    heads = sorted({p.path[0] for p in provisions if p.path}, key=lambda h: next(
                        i for i, p in enumerate(provisions) if p.path and p.path[0] == h))
                    raise ExamError(f"source {spec.name!r}: no chapter or part {missing[0]!r} in 《{law.title}》 "
                                    f"(its parts: {'; '.join(heads) or 'none'})")
                provisions = chosen
            if any(s.law.law_id == law.law_id and s.spec.parts == spec.parts for s in scopes):
                continue
            scopes.append(Scope(spec, law, provisions))
        if not scopes:
            raise ExamError("no sources given")
        return scopes

    def facts(self, scope: Scope) -> list[Fact]:
        key = (scope.law.law_id, scope.spec.parts)
        if key not in self._facts:
            for p in scope.provisions:
                for para in p.paragraphs:
                    self._para[(p.provision_id, para.n)] = para.full_text
            if scope.law.law_id not in self._law_text:
                self._law_text[scope.law.law_id] = "\n".join(
                    p.text for p in self.store.provisions_of(scope.law.law_id))
            self._facts[key] = extract_facts(scope.law, scope.provisions)
        return self._facts[key]

    # ---- distractors from the rest of the store --------------------------------------------------------
    def global_pool(self) -> DistractorPool:
        """Values and principle terms of every current national law: the fallback when the chosen sources
        hold too few (scanned once, on first need)."""
        if self._global is None:
            key = (str(self.store.path), self.store.meta().get("built_at", ""), self.as_of)
            if key in _GLOBAL_POOLS:
                self._global = _GLOBAL_POOLS[key]
                return self._global
            pool = DistractorPool()
            ids = sorted(law.law_id for law in self.store.laws().values()
                         if law.level == "法律" and self.store.status_on(law, self.as_of) == "现行有效")
            seen: set[tuple] = set()
            with self.store.engine.connect() as c:
                rows = c.execute(select(provisions_t.c.law_id, provisions_t.c.provision_id, provisions_t.c.text)
                                 .where(provisions_t.c.law_id.in_(ids))
                                 .order_by(provisions_t.c.law_id, provisions_t.c.seq)).all()
            # one pass over all the text at once: only distinct values matter here, not their sentences
            text = "\n".join(r[2] for r in rows)
            for kind, a, b, norm, extra in iter_values(text, light=True):
                key = (kind, norm, text[a:b])
                if key not in seen:
                    seen.add(key)
                    pool.values.setdefault(kind, []).append(PoolValue(text[a:b], norm, "*", extra))
            for law_id, pid, ptext in rows:
                if "、" in ptext:
                    for m in LIST_RE.finditer(ptext):
                        for t in m.group("list").split("、"):
                            pool.terms.append((t, law_id, pid))
            self._global = _GLOBAL_POOLS[key] = pool
        return self._global

    def factory(self, scopes: list[Scope], seed: int) -> tuple[ItemFactory, list[Fact]]:
        facts = [f for s in scopes for f in self.facts(s)]
        pool = DistractorPool.from_facts(facts)
        for law_id in dict.fromkeys(s.law.law_id for s in scopes):
            pool.add_mentions(law_id, self._law_text[law_id])
        return ItemFactory(pool, self._para, self._law_text, seed=seed, fallback=self.global_pool), facts

    def candidates(self, type_: str, scopes: list[Scope], seed: int = 0) -> list[ExamItem]:
        factory, facts = self.factory(scopes, seed)
        return factory.candidates(type_, facts)

    # ---- the paper ----------------------------------------------------------------------------------
    def build(self, blueprint: Blueprint, seed: int = 0, bank: Bank | None = None,
              sources: tuple[SourceSpec, ...] | None = None) -> Paper:
        t0 = time.perf_counter()
        scopes = self.resolve_sources(sources or blueprint.sources)
        factory, facts = self.factory(scopes, seed)
        banned = bank.fingerprints if bank else set()
        mix = dict(blueprint.difficulty)
        paper = Paper(title=blueprint.title.format(year=self.as_of[:4]), blueprint=blueprint, seed=seed,
                      as_of=self.as_of, items=[], sources=[s.law.title for s in scopes])
        used_slots: set[str] = set()
        law_order = {law_id: i for i, law_id in enumerate(dict.fromkeys(s.law.law_id for s in scopes))}
        cands_of = {sec.type: factory.candidates(sec.type, facts) for sec in blueprint.sections}
        # the type that can ask about the fewest kinds of fact chooses first (多选 < 填空 < 单选 < 判断), so a
        # paper that can be built is not refused because a broader section took the only 款 a narrower one fits
        order = sorted(blueprint.sections, key=lambda sec: (len(KINDS_FOR[sec.type]), TYPES.index(sec.type)))
        chosen: dict[str, list[ExamItem]] = {}
        for section in order:
            cands = cands_of[section.type]
            picked = self._select(section, cands, Quota.of(section.count, mix), used_slots, banned,
                                  random.Random(f"paper|{seed}|{section.type}"), paper, law_order)
            if len(picked) < section.count:
                avail = len({c.fact.slot_key for c in cands})
                raise ExamError(
                    f"too few facts for the blueprint: {section.type} needs {section.count} items, but the sources "
                    f"({', '.join(map(str, sources or blueprint.sources))}) yield only {len(picked)} usable ones "
                    f"({avail} candidate provisions, {paper.bank_skipped} already in the bank, "
                    f"{sum(paper.dropped.values())} failed checks). Add sources or lower the {section.type} count.")
            if section.type == "单选":
                picked = self._balance_keys(picked, random.Random(f"keys|{seed}"))
            for item in picked:
                item.points = section.points
            chosen[section.type] = picked
        paper.items = [item for sec in blueprint.sections for item in chosen[sec.type]]
        paper.seconds = time.perf_counter() - t0
        return paper

    def _balance_keys(self, items: list[ExamItem], rng: random.Random) -> list[ExamItem]:
        """Spread the keys of 单选 evenly over A–D (trainers check the answer sheet for a pattern):
        each item's key moves to a position from a shuffled, balanced list; the checks run again."""
        positions = [LETTERS[i % 4] for i in range(len(items))]
        rng.shuffle(positions)
        out = []
        for item, pos in zip(items, positions):
            key = item.options[item.answer[0]]
            others = [v for k, v in item.options.items() if k != item.answer[0]]
            texts = others[:LETTERS.index(pos)] + [key] + others[LETTERS.index(pos):]
            moved = replace(item, options={LETTERS[i]: t for i, t in enumerate(texts)}, answer=[pos],
                            explanation=item.explanation.replace(f"故正确答案为{item.answer[0]}（{key}）",
                                                                 f"故正确答案为{pos}（{key}）"))
            out.append(moved if run_checks(self.resolver, moved).ok else item)
        return out

    def _select(self, section: Section, cands: list[ExamItem], quota: Quota, used_slots: set[str],
                banned: set[str], rng: random.Random, paper: Paper, law_order: dict[str, int]) -> list[ExamItem]:
        by_law: dict[str, list[ExamItem]] = {}
        for c in cands:
            by_law.setdefault(c.fact.law_id, []).append(c)
        for lst in by_law.values():
            rng.shuffle(lst)
        polarity = {"对": section.count // 2, "错": section.count - section.count // 2}
        picked: list[ExamItem] = []
        per_law: Counter = Counter()
        per_kind: Counter = Counter()
        for relax in range(3):  # 0: difficulty and polarity quotas; 1: polarity only; 2: neither
            while len(picked) < section.count:
                found = None
                for law_id in sorted(by_law, key=lambda x: (per_law[x], law_order.get(x, 99))):
                    best = None
                    for i, c in enumerate(by_law[law_id]):
                        if c.fact.slot_key in used_slots:
                            continue
                        if c.fingerprint in banned:
                            continue
                        if relax < 1 and quota.left.get(c.difficulty, 0) <= 0:
                            continue
                        if relax < 2 and section.type == "判断" and polarity[c.answer[0]] <= 0:
                            continue
                        score = per_kind[c.fact.kind]
                        if best is None or score < best[0]:
                            best = (score, i)
                            if score == 0:
                                break
                    if best:
                        found = (law_id, best[1])
                        break
                if not found:
                    break
                item = by_law[found[0]].pop(found[1])
                paper.checked += 1
                result = run_checks(self.resolver, item)
                if not result.ok:
                    for name, msg in result.failures[:1]:  # counted once, under the first check it fails
                        paper.dropped[name] += 1
                        paper.drop_examples.append({"check": name, "message": msg, "stem": item.stem,
                                                    "citation": item.citation.label})
                    continue
                picked.append(item)
                used_slots.add(item.fact.slot_key)
                per_law[found[0]] += 1
                per_kind[item.fact.kind] += 1
                quota.left[item.difficulty] = quota.left.get(item.difficulty, 0) - 1
                if section.type == "判断":
                    polarity[item.answer[0]] -= 1
        paper.bank_skipped += len({c.fingerprint for c in cands if c.fingerprint in banned})
        return picked
