"""Citations: parse 《中华人民共和国行政复议法》第二十条第一款, 行政复议法第20条, 复议法二十条, 民法典1165条,
司法解释 titles, and the opinions' items; resolve them against the store.

A resolution says found / not found / not current, and carries the provision (and the 款/项 quoted).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from .models import Law, Provision
from .numerals import NUM, paragraph_label, to_int
from .store import Store
from .titles import generated_aliases, manual_aliases, normalize

_ART = (rf"(?:第\s*)?(?P<num>{NUM})\s*(?P<unit>条|项|点)(?:\s*之\s*(?P<sub>{NUM}))?"
        rf"(?:\s*第\s*(?P<para>{NUM})\s*款)?(?:\s*第\s*[（(]?\s*(?P<item>{NUM})\s*[）)]?\s*项)?")
STANDALONE_RE = re.compile(rf"^\s*(?P<name>.+?)\s*[的]?\s*{_ART}\s*[。.，,；;]?\s*$")
# in running text: 《title》第N条… or a bare title ending in a statute word followed by 第N条
INLINE_RE = re.compile(
    rf"《(?P<bname>[^《》]{{2,80}})》\s*{_ART.replace('(?:第', '(?:第', 1)}"
    rf"|(?P<name>[\u4e00-\u9fff（）()]{{2,60}}?(?:法典|法|条例|规定|解释（[一二三四五六七八九十]+）|解释|办法|规则|意见))"
    rf"\s*{_ART.replace('?P<', '?P<b_')}")


@dataclass
class CitationRef:
    raw: str
    name: str
    article: int
    sub: int = 0
    paragraph: int | None = None
    item: int | None = None
    unit: str = "条"


@dataclass
class Resolution:
    citation: str
    found: bool
    reason: str  # found | not_current | law_not_found | article_not_found | paragraph_not_found | unparsed
    law: Law | None = None
    provision: Provision | None = None
    paragraph: int | None = None
    item: int | None = None
    status: str | None = None
    candidates: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return self.found and self.status == "现行有效"

    @property
    def label(self) -> str:
        """The citation as it should be printed: 《full title》第二十条第一款."""
        if not (self.law and self.provision):
            return self.citation
        s = f"《{self.law.title}》{self.provision.label}"
        if self.paragraph:
            s += paragraph_label(self.paragraph)
        if self.item:
            s += f"第（{_cn(self.item)}）项"
        return s

    @property
    def cited(self) -> tuple[str | None, str | None]:
        """(law, article) as the store has them, else as the citation names them — a citation to a law or article
        the store lacks is still shown by name, with NOT_IN_STORE as its status."""
        if self.law and self.provision:
            return self.law.title, self.provision.label
        ref = parse_citation(self.citation)
        if ref is None:
            return (self.law.title if self.law else None), None
        article = f"第{_cn(ref.article)}条" + (f"之{_cn(ref.sub)}" if ref.sub else "")
        return (self.law.title if self.law else ref.name), article

    @property
    def quote(self) -> str:
        if not self.provision:
            return ""
        if self.paragraph:
            para = self.provision.paragraph(self.paragraph)
            if para:
                if self.item:
                    it = next((i for i in para.items if i.n == self.item), None)
                    if it:
                        return it.text
                return para.full_text
        return self.provision.text

    def to_json(self) -> dict:
        law, article = self.cited
        return {"citation": self.citation, "found": self.found, "reason": self.reason, "law": law, "article": article,
                "paragraph": self.paragraph, "item": self.item,
                "status": self.status or (NOT_IN_STORE if self.reason in _MISSING else None),
                "provision_id": self.provision.provision_id if self.provision else None,
                "text": self.quote if self.provision else None, "label": self.label if self.found else None}


NOT_IN_STORE = "本库未收录"
_MISSING = ("law_not_found", "article_not_found")


def _cn(n: int) -> str:
    from .numerals import to_cn
    return to_cn(n)


def parse_citation(text: str) -> CitationRef | None:
    m = STANDALONE_RE.match(text.replace("\u3000", " "))
    if not m:
        return None
    try:
        return CitationRef(raw=text.strip(), name=m.group("name").strip().strip("《》").strip(),
                           article=to_int(m.group("num")), sub=to_int(m.group("sub")) if m.group("sub") else 0,
                           paragraph=to_int(m.group("para")) if m.group("para") else None,
                           item=to_int(m.group("item")) if m.group("item") else None, unit=m.group("unit"))
    except ValueError:
        return None


class CitationResolver:
    """Maps law names (titles, short titles, aliases) to works, then finds the article in force."""

    def __init__(self, store: Store, as_of: date | str | None = None):
        self.store = store
        self.as_of = (as_of.isoformat() if isinstance(as_of, date) else as_of) or store.meta().get("as_of") \
            or date.today().isoformat()
        self._keys: dict[str, set[str]] = {}
        for law in store.laws().values():
            for form in {law.title, law.short_title, *law.aliases, *generated_aliases(law.title)}:
                self._keys.setdefault(normalize(form), set()).add(law.work_key)
        for alias, title in manual_aliases().items():
            works = self._keys.get(title)
            if works:
                self._keys.setdefault(normalize(alias), set()).update(works)
        self._key_list = sorted(self._keys)

    def works_for(self, name: str, fuzzy: bool = True) -> set[str]:
        key = normalize(name)
        if key in self._keys:
            return self._keys[key]
        # running text: '根据道路交通安全法' — drop leading characters until a title matches
        for i in range(1, max(1, len(key) - 1)):
            if key[i:] in self._keys and len(key) - i >= 2:
                return self._keys[key[i:]]
        if fuzzy and len(key) >= 8:
            close = difflib.get_close_matches(key, self._key_list, n=1, cutoff=0.85)
            if close:
                return self._keys[close[0]]
        return set()

    def resolve(self, text: str) -> Resolution:
        ref = parse_citation(text)
        if not ref:
            return Resolution(citation=text, found=False, reason="unparsed")
        return self.resolve_ref(ref)

    def resolve_ref(self, ref: CitationRef) -> Resolution:
        works = self.works_for(ref.name)
        if not works:
            return Resolution(citation=ref.raw, found=False, reason="law_not_found")
        hits: list[tuple[Law, Provision]] = []
        for work in sorted(works):
            law = self.store.version_on(work, self.as_of)
            if not law:
                continue
            prov = self.store.find_article(law.law_id, ref.article, ref.sub)
            if prov:
                hits.append((law, prov))
        if not hits:
            # the article may exist only in an older version (renumbered since)
            for work in sorted(works):
                for law in reversed(self.store.versions(work)):
                    prov = self.store.find_article(law.law_id, ref.article, ref.sub)
                    if prov:
                        status = self.store.status_on(law, self.as_of)
                        return Resolution(ref.raw, True, "not_current", law, prov, ref.paragraph, ref.item, status)
            law = self.store.version_on(sorted(works)[0], self.as_of)
            return Resolution(ref.raw, False, "article_not_found", law=law,
                              candidates=sorted({self.store.versions(w)[-1].title for w in works}))
        # several works share the name (an alias used twice): prefer national, then higher level, then current
        law, prov = sorted(hits, key=lambda h: (h[0].region != "全国", h[0].status != "现行有效"))[0]
        status = self.store.status_on(law, self.as_of)
        res = Resolution(ref.raw, True, "found" if status == "现行有效" else "not_current", law, prov,
                         ref.paragraph, ref.item, status,
                         candidates=[h[0].title for h in hits] if len(hits) > 1 else [])
        if ref.paragraph and not prov.paragraph(ref.paragraph):
            res.found, res.reason = False, "paragraph_not_found"
        return res

    def find_in_text(self, text: str) -> list[tuple[str, Resolution]]:
        """Every citation in running text (answers, documents), each resolved."""
        out = []
        for m in INLINE_RE.finditer(text):
            g = m.groupdict()
            name = g.get("bname") or g.get("name")
            pre = "" if g.get("bname") else "b_"
            if not g.get("bname") and re.search(r"本(?:法典|法|条例|规定|解释|办法|规则|意见|决定|细则)$", name):
                continue  # 依照本法第…条: a reference inside a text to itself, not a citation of a law
            try:
                ref = CitationRef(raw=m.group(0), name=name, article=to_int(g[pre + "num"]),
                                  sub=to_int(g[pre + "sub"]) if g[pre + "sub"] else 0,
                                  paragraph=to_int(g[pre + "para"]) if g[pre + "para"] else None,
                                  item=to_int(g[pre + "item"]) if g[pre + "item"] else None, unit=g[pre + "unit"])
            except ValueError:
                continue
            out.append((m.group(0), self.resolve_ref(ref)))
        return out
