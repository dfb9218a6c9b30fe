"""Dates read from accounts (relative to a given today) and deadline arithmetic.

Counting rule: the day the period starts is not counted; periods in months/years end on the corresponding
day of the final month, or that month's last day when it has none (民法典第二百零一条、第二百零二条).
"""
from datetime import date

import pytest

from assistant.routing.dates import DateMention, Period, cn_number, compute_deadline, extract_dates

TODAY = date(2026, 11, 28)


def one(text, today=TODAY):
    found = extract_dates(text, today)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text,earliest,latest", [
    ("2026年3月5日收到的决定书", date(2026, 3, 5), date(2026, 3, 5)),
    ("二〇二六年十一月十九日送达", date(2026, 11, 19), date(2026, 11, 19)),
    ("3月5号那天", date(2026, 3, 5), date(2026, 3, 5)),
    ("11月20日收到", date(2026, 11, 20), date(2026, 11, 20)),
    ("去年10月被辞退", date(2025, 10, 1), date(2025, 10, 31)),
    ("今年6月中旬被罚", date(2026, 6, 11), date(2026, 6, 20)),
    ("上个月", date(2026, 10, 1), date(2026, 10, 31)),
    ("上个月底收到", date(2026, 10, 21), date(2026, 10, 31)),
    ("这个月18号收到的", date(2026, 11, 18), date(2026, 11, 18)),
    ("前天", date(2026, 11, 26), date(2026, 11, 26)),
    ("昨天晚上", date(2026, 11, 27), date(2026, 11, 27)),
    ("上周三收到", date(2026, 11, 18), date(2026, 11, 18)),
    ("两个礼拜前送达", date(2026, 11, 14), date(2026, 11, 14)),
    ("两个多月前公告的", date(2026, 8, 29), date(2026, 9, 28)),
    ("8月底", date(2026, 8, 21), date(2026, 8, 31)),
])
def test_reads_the_forms_people_use(text, earliest, latest):
    d = one(text)
    assert (d.earliest, d.latest) == (earliest, latest)


def test_a_day_without_year_that_would_be_in_the_future_is_last_year():
    assert one("12月3日", today=TODAY).earliest == date(2025, 12, 3)
    assert one("3月5号", today=date(2027, 1, 10)).earliest == date(2026, 3, 5)


def test_several_dates_in_text_order_and_no_false_ones():
    found = extract_dates("2024年跟对方签了协议，今年3月开始欠款，11月20日收到律师函", TODAY)
    assert [d.raw for d in found] == ["今年3月", "11月20日"]
    assert extract_dates("罚了三千块，扣了6分", TODAY) == []


def test_chinese_numerals():
    assert [cn_number(x) for x in ("18", "十八", "二十五", "两", "十", "三十一")] == [18, 18, 25, 2, 10, 31]
    assert cn_number("abc") is None


def test_approximate_numerals_count_as_the_lower_figure_and_never_crash():
    # 七八十万 = "seventy or eighty (ten-thousand)": people say it often; it once raised KeyError
    assert [cn_number(x) for x in ("七八十", "十七八", "七八")] == [70, 17, 7]
    assert cn_number("十十") is None and cn_number("三五十") is None


@pytest.mark.parametrize("start,period,last", [
    (date(2026, 8, 31), Period(months=6), date(2027, 2, 28)),     # no 31 in February
    (date(2027, 8, 31), Period(months=6), date(2028, 2, 29)),     # leap year
    (date(2024, 2, 29), Period(years=1), date(2025, 2, 28)),      # from a leap day
    (date(2024, 2, 29), Period(years=2), date(2026, 2, 28)),
    (date(2023, 2, 28), Period(years=1), date(2024, 2, 28)),
    (date(2026, 11, 1), Period(days=60), date(2026, 12, 31)),     # the first day is not counted
    (date(2026, 11, 13), Period(days=15), date(2026, 11, 28)),
    (date(2026, 1, 31), Period(months=1), date(2026, 2, 28)),
    (date(2026, 3, 31), Period(months=6), date(2026, 9, 30)),
])
def test_last_day_of_a_period(start, period, last):
    assert period.after(start) == last


def _at(d: date) -> DateMention:
    return DateMention(d.isoformat(), 0, 0, d, d, "day")


def test_deadline_running_last_day_and_expired():
    running = compute_deadline("reconsideration", "行政复议", "复议", Period(days=60), "行政复议法第二十条", "",
                               _at(date(2026, 10, 20)), TODAY)
    assert (running.status, running.due_earliest, running.days_left) == ("running", date(2026, 12, 19), 21)
    last_day = compute_deadline("k", "c", "n", Period(days=15), "b", "", _at(date(2026, 11, 13)), TODAY)
    assert (last_day.status, last_day.days_left) == ("running", 0)   # today is the last day: still in time
    expired = compute_deadline("k", "c", "n", Period(days=15), "b", "", _at(date(2026, 11, 12)), TODAY)
    assert (expired.status, expired.days_left) == ("expired", -1)


def test_a_start_known_only_to_the_month_gives_a_range():
    start = one("今年9月")   # 9月1日–9月30日 → 60 days: 10-31 … 11-29
    d = compute_deadline("k", "c", "n", Period(days=60), "b", "", start, TODAY)
    assert (d.due_earliest, d.due_latest, d.status) == (date(2026, 10, 31), date(2026, 11, 29), "uncertain")
    early = compute_deadline("k", "c", "n", Period(days=60), "b", "", one("今年6月"), TODAY)
    assert early.status == "expired"


def test_unknown_start_and_weekend_flag():
    d = compute_deadline("k", "c", "n", Period(days=60), "b", "", None, TODAY)
    assert d.status == "unknown" and d.due_earliest is None and "问" in d.note
    sat = compute_deadline("k", "c", "n", Period(days=1), "b", "", _at(date(2026, 11, 27)), TODAY)
    assert sat.due_earliest == date(2026, 11, 28) and sat.rest_day   # 2026-11-28 is a Saturday
