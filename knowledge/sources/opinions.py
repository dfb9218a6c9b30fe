"""The Wenzhou opinions (温州市人民政府关于加快全面建设法治政府的实施意见, 2015-07-07), shipped in data/.

Ten parts (一、…十、) and 33 numbered items; each item is a provision labelled 第N项 under its part.
"""
from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..models import Law, content_hash
from ..structure import parse_outline
from ..titles import canonical_title, generated_aliases, manual_aliases, normalize
from .base import ImportIssue, Source, SourceError, Unit, file_hash
from .markdown import read_text, split_markdown

TITLE = "温州市人民政府关于加快全面建设法治政府的实施意见"


def opinions_path() -> Path:
    return Path(str(resources.files("knowledge").joinpath("data/wenzhou_opinions_2015.md")))


class OpinionsSource(Source):
    kind = "opinions"

    def __init__(self, root: str | None = None):
        super().__init__(root or str(opinions_path()))

    def units(self, issues: list[ImportIssue]) -> Iterator[Unit]:
        path = Path(self.root)
        try:
            h = file_hash(path)
        except OSError as exc:
            issues.append(ImportIssue(self.root, None, f"unreadable: {exc.strerror or exc}"))
            return
        yield Unit(key="opinions:wenzhou-2015", path=self.root, hash=h, load=lambda: [self._law(path)])

    def _law(self, path: Path) -> Law:
        doc = split_markdown(read_text(path))
        meta = {}
        for _, line in doc.info:
            key, _, value = line.partition("：")
            meta[key.strip()] = value.strip()
        title = canonical_title(doc.title)
        law_id = "wz-opinions-2015"
        provs = parse_outline(doc.body, law_id)
        items = [p for p in provs if p.kind == "item"]
        if len(items) != 33 or len({tuple(p.path) for p in items}) != 10:
            raise SourceError(f"expected 10 parts and 33 items, found {len({tuple(p.path) for p in items})} "
                              f"parts and {len(items)} items", doc.title_line)
        aliases = generated_aliases(title) | {a for a, t in manual_aliases().items() if t == normalize(title)}
        law = Law(law_id=law_id, title=title, short_title="法治政府实施意见", work_key=normalize(title),
                  level=meta.get("效力层级", "规范性文件"), source=self.kind, source_path=str(path),
                  aliases=sorted(aliases), issuing_body=meta.get("发文机关", "温州市人民政府"),
                  region=meta.get("地区", "浙江省温州市"), publish_date=meta.get("成文日期"),
                  effective_date=meta.get("成文日期"), version_date=meta.get("成文日期"),
                  upstream_status="现行有效", doc_type="规范性文件")
        law.provisions = provs
        law.hash = content_hash(*(p.hash for p in provs))
        return law
