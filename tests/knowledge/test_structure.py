from knowledge.structure import parse_articles, parse_body, parse_outline, split_paragraphs


def lines(text):
    return [(i + 1, t) for i, t in enumerate(text.splitlines())]


def test_headings_articles_paragraphs_and_items():
    text = """## 第一编 总则
### 第一章 基本规定
第一条 为了保护……，制定本法。
第二条 下列事项适用本法：
（一）甲；
(二)乙。
前款规定以外的事项，依照其他法律。
### 第二章 其他
第二条之一 新增条文。
"""
    provs = parse_articles(lines(text), "x")
    assert [p.label for p in provs] == ["第一条", "第二条", "第二条之一"]
    second = provs[1]
    assert second.path == ["第一编 总则", "第一章 基本规定"]
    assert [p.n for p in second.paragraphs] == [1, 2]
    assert [i.n for i in second.paragraphs[0].items] == [1, 2]
    assert second.paragraphs[1].text.startswith("前款")
    assert provs[2].path == ["第一编 总则", "第二章 其他"]
    assert provs[2].source_line == 9


def test_text_before_the_first_article_is_a_preamble():
    provs = parse_articles(lines("为正确审理……，制定本解释。\n第一条 内容。"), "x")
    assert provs[0].kind == "preamble" and provs[0].label == "序言"
    assert provs[1].label == "第一条"


def test_repeated_article_numbers_are_kept_apart_not_merged():
    provs = parse_articles(lines("第一条 甲。\n第一条 乙。"), "x")
    assert len({p.provision_id for p in provs}) == 2


def test_outline_documents_give_numbered_items_under_parts_without_the_signature():
    text = "各单位：\n一、总体要求\n1.指导思想。甲。\n2.目标。乙。\n二、措施\n3.措施。丙。\n某市人民政府\n2015年7月7日"
    provs = parse_outline(lines(text), "o")
    items = [p for p in provs if p.kind == "item"]
    assert [p.label for p in items] == ["第一项", "第二项", "第三项"]
    assert items[2].path == ["二、措施"]
    assert "人民政府" not in items[2].text


def test_body_falls_back_to_paragraphs_when_there_is_no_structure():
    provs = parse_body(lines("第一段文字。\n\n第二段文字。"), "p")
    assert [p.kind for p in provs] == ["text", "text"]


def test_item_lines_before_any_paragraph_start_a_paragraph():
    paras = split_paragraphs(["（一）孤立的项"])
    assert paras[0].text == "（一）孤立的项"
