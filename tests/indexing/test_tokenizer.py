from indexing.tokenizer import LegalTokenizer, defined_terms, stopwords, write_user_dictionary


def test_user_dictionary_keeps_law_titles_whole(tmp_path):
    plain = LegalTokenizer()
    assert "劳动合同法" not in plain.tokenize("劳动合同法规定的试用期")
    tok = LegalTokenizer(write_user_dictionary(["劳动合同法", "行政复议法"], tmp_path / "d.txt"))
    toks = tok.tokenize("劳动合同法规定的试用期是多久？")
    assert "劳动合同法" in toks and "试用期" in toks


def test_stopwords_and_punctuation_are_dropped():
    toks = LegalTokenizer().tokenize("请问公司拖欠工资怎么办？")
    assert "请问" not in toks and "怎么办" not in toks and "？" not in toks
    assert "拖欠" in toks and "工资" in toks
    assert "的" in stopwords()


def test_defined_terms_come_from_the_statutes_own_definitions():
    texts = ["本法所称用人单位，是指依法成立的企业。", "国务院劳动行政部门（以下简称劳动部门）负责。",
             "本条例所称的行政调解包括下列情形"]
    assert defined_terms(texts) == {"用人单位", "劳动部门", "行政调解"}
