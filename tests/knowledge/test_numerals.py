import pytest

from knowledge.numerals import article_label, parse_article_no, to_cn, to_int


@pytest.mark.parametrize("cn,n", [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("一百零五", 105),
                                  ("一百一十", 110), ("一千一百六十五", 1165), ("两百", 200), ("〇", 0),
                                  ("20", 20), ("２０", 20)])
def test_chinese_and_arabic_numerals_read_as_integers(cn, n):
    assert to_int(cn) == n


@pytest.mark.parametrize("n,cn", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (105, "一百零五"),
                                  (110, "一百一十"), (1260, "一千二百六十")])
def test_integers_print_as_statutes_write_them(n, cn):
    assert to_cn(n) == cn


def test_round_trip_for_every_article_number_in_a_long_code():
    for n in range(1, 1261):
        assert to_int(to_cn(n)) == n


def test_article_labels_with_zhiyi():
    assert parse_article_no("第十七条之一") == (17, 1)
    assert parse_article_no("第 20 条") == (20, 0)
    assert article_label(253, 1) == "第二百五十三条之一"


@pytest.mark.parametrize("bad", ["", "abc", "第条", "二十x"])
def test_non_numerals_are_rejected(bad):
    with pytest.raises(ValueError):
        to_int(bad)
