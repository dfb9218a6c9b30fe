"""Any folder in the LawRefBook Markdown layout (行政法规/, 司法解释/, 部门规章/<部门>/, 地方性法规/<省>/).

METADATA.csv (path, name, level, publish, valid_from, expired) is used where present; without it the
level comes from the top folder and the date from the file name '<简称>(<日期>).md'.
"""
from __future__ import annotations

import csv
import hashlib

from collections.abc import Iterator
from pathlib import Path

from ..models import LEVELS, Law, content_hash
from ..structure import StructureError, parse_body
from ..titles import canonical_title, generated_aliases, normalize, short_title
from .base import ImportIssue, Source, SourceError, Unit, file_hash
from .markdown import ISO_RE, iso, parse_info, read_text, split_markdown

ZJ_CITIES = ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水")
SKIP_NAMES = {"_index.md", "README.md", "SOURCES.md", "index.md"}


def region_of(title: str, folder_region: str | None) -> str:
    t = canonical_title(title)
    for city in ZJ_CITIES:
        if t.startswith(city + "市"):
            return f"浙江省{city}市"
    if t.startswith("浙江省") or t.startswith("中国（浙江）"):
        return "浙江省"
    if folder_region:
        return folder_region if folder_region.endswith(("省", "市", "自治区")) else folder_region + "省"
    return "全国"


def is_lawrefbook_root(path: Path) -> bool:
    return path.is_dir() and ((path / "METADATA.csv").exists() or any((path / lvl).is_dir() for lvl in LEVELS))


class LawRefBookSource(Source):
    kind = "lawrefbook"

    def __init__(self, root: str):
        super().__init__(str(Path(root).resolve()))

    def _metadata(self, issues: list[ImportIssue]) -> dict[str, dict]:
        meta_path = Path(self.root) / "METADATA.csv"
        if not meta_path.exists():
            return {}
        out: dict[str, dict] = {}
        try:
            with meta_path.open(encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                missing = {"path", "name", "level"} - set(reader.fieldnames or [])
                if missing:
                    issues.append(ImportIssue(str(meta_path), 1, f"missing columns {sorted(missing)}; ignored"))
                    return {}
                for n, row in enumerate(reader, start=2):
                    if not row.get("path"):
                        issues.append(ImportIssue(str(meta_path), n, "row without a path; skipped"))
                        continue
                    out[row["path"].strip()] = row
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            issues.append(ImportIssue(str(meta_path), None, f"unreadable METADATA.csv: {exc}"))
        return out

    def units(self, issues: list[ImportIssue]) -> Iterator[Unit]:
        root = Path(self.root)
        if not root.is_dir():
            issues.append(ImportIssue(self.root, None, "not a folder"))
            return
        meta = self._metadata(issues)
        for path in sorted(root.rglob("*.md")):
            if path.name in SKIP_NAMES or any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            rel = path.relative_to(root).as_posix()
            row = meta.get(rel)
            try:
                h = file_hash(path, repr(row))
            except OSError as exc:
                issues.append(ImportIssue(str(path), None, f"unreadable: {exc.strerror or exc}"))
                continue
            yield Unit(key=f"lrb:{rel}", path=str(path), hash=h,
                       load=lambda path=path, rel=rel, row=row: [self._law(path, rel, row)])

    def _law(self, path: Path, rel: str, row: dict | None) -> Law:
        doc = split_markdown(read_text(path))
        title = canonical_title(doc.title)
        if not title:
            raise SourceError("empty title", doc.title_line or 1)
        info = parse_info(doc.info)
        parts = Path(rel).parts
        folder_level = parts[0] if parts and parts[0] in LEVELS else None
        level = (row or {}).get("level") or folder_level or "规范性文件"
        if level not in LEVELS:
            raise SourceError(f"unknown level {level!r} (expected one of {', '.join(LEVELS)})", None)
        m = ISO_RE.search(Path(rel).stem)
        name_date = iso(*m.groups()) if m else None
        publish = (row or {}).get("publish") or info.publish or name_date
        effective = (row or {}).get("valid_from") or info.effective
        expired = str((row or {}).get("expired", "0")).strip() == "1"
        issuer = info.issuing_body
        if level == "部门规章" and len(parts) > 2:
            issuer = parts[1]
        folder_region = parts[1] if level == "地方性法规" and len(parts) > 2 else None
        region = region_of(title, folder_region) if level == "地方性法规" else "全国"
        law_id = "lrb-" + hashlib.sha1(rel.encode()).hexdigest()[:12]
        short = ((row or {}).get("name") or "").strip() or short_title(title)
        try:
            provs = parse_body(doc.body, law_id)
        except StructureError as exc:
            raise SourceError(str(exc), exc.line) from exc
        if not provs:
            raise SourceError("no text after the header", doc.title_line or 1)
        aliases = generated_aliases(title) | {short}
        law = Law(law_id=law_id, title=title, short_title=short_title(title) if short == title else short,
                  work_key=normalize(title), level=level, source=self.kind, source_path=str(path),
                  aliases=sorted(aliases), issuing_body=issuer, region=region, publish_date=publish,
                  effective_date=effective, version_date=publish, upstream_status="已失效" if expired else "现行有效",
                  status="已废止" if expired else "现行有效", expired=expired, doc_type=level)
        law.provisions = provs
        law.hash = content_hash(*(p.hash for p in provs))
        return law


