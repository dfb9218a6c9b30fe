"""A local normative document (.txt, .md or .docx), as window offices keep them."""
from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..models import Law, content_hash
from ..structure import Line, StructureError, clean, parse_body
from ..titles import canonical_title, generated_aliases, normalize, short_title
from .base import ImportIssue, Source, SourceError, Unit, file_hash
from .lawrefbook import region_of
from .markdown import DATE_RE, iso, issuer_from_text, parse_info, read_text, split_markdown

SUFFIXES = {".txt", ".md", ".docx"}


def docx_lines(path: Path) -> list[Line]:
    """Paragraphs (then table cells) of a Word file as numbered lines; the number is the paragraph index."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(f"not a readable .docx file ({exc.__class__.__name__}: {exc})", None) from exc
    lines: list[Line] = [(i + 1, p.text) for i, p in enumerate(document.paragraphs)]
    n = len(lines)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                n += 1
                lines.append((n, cell.text))
    return lines


class DocumentSource(Source):
    """One file, or every .txt/.md/.docx under a folder that is not in the LawRefBook layout."""

    kind = "document"

    def __init__(self, root: str, level: str = "规范性文件", region: str | None = None):
        super().__init__(str(Path(root).resolve()))
        self.level = level
        self.region = region

    def units(self, issues: list[ImportIssue]) -> Iterator[Unit]:
        root = Path(self.root)
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        else:
            issues.append(ImportIssue(self.root, None, "no such file or folder"))
            return
        for path in files:
            if path.suffix.lower() not in SUFFIXES:
                issues.append(ImportIssue(str(path), None, f"unsupported file type {path.suffix!r} (use .txt, .md or .docx)"))
                continue
            try:
                h = file_hash(path, f"{self.level}|{self.region}")
            except OSError as exc:
                issues.append(ImportIssue(str(path), None, f"unreadable: {exc.strerror or exc}"))
                continue
            yield Unit(key=f"doc:{path}", path=str(path), hash=h, load=lambda path=path: [self._law(path)])

    def _law(self, path: Path) -> Law:
        if path.suffix.lower() == ".docx":
            lines = docx_lines(path)
            info: list[Line] = []
        else:
            doc = split_markdown(read_text(path), require_title=False)
            lines = ([(doc.title_line, "# " + doc.title)] if doc.title else []) + doc.body
            info = doc.info
        nonempty = [(ln, clean(t)) for ln, t in lines if clean(t)]
        if not nonempty:
            raise SourceError("the document is empty", 1)
        title_ln, title = nonempty[0]
        title = canonical_title(title.lstrip("#").strip())
        if len(title) > 80 or re.match(r"^第.+条", title):
            raise SourceError("the first line should be the document's title (got body text)", title_ln)
        body = [(ln, t) for ln, t in lines if ln != title_ln]
        dates = parse_info(info)
        publish = dates.publish
        issuer = dates.issuing_body
        if not publish:
            # 落款 dates usually sit at the head (文号 line) or the foot of the document
            for _, t in nonempty[:8] + nonempty[-4:]:
                m = DATE_RE.search(t)
                if m and len(t) < 30:
                    publish = iso(*m.groups())
        for _, t in nonempty[-4:] + nonempty[:4]:
            issuer = issuer or issuer_from_text(t)
        law_id = "doc-" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
        try:
            provs = parse_body(body, law_id)
        except StructureError as exc:
            raise SourceError(str(exc), exc.line) from exc
        if not provs:
            raise SourceError("no text after the title", title_ln)
        law = Law(law_id=law_id, title=title, short_title=short_title(title), work_key=normalize(title),
                  level=self.level, source=self.kind, source_path=str(path), aliases=sorted(generated_aliases(title)),
                  issuing_body=issuer, region=self.region or region_of(title, None), publish_date=publish,
                  effective_date=dates.effective or publish, version_date=publish, upstream_status="现行有效",
                  doc_type=self.level)
        law.provisions = provs
        law.hash = content_hash(*(p.hash for p in provs))
        return law
