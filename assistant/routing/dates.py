"""Dates in a citizen's account, and the statutory deadlines that run from them.

Extraction reads the forms people use at a window: 2026年3月5日, 3月5号, 11月20日, 去年10月, 今年6月中旬,
上个月底, 本月18号, 上周三, 前天, 两个礼拜前, 两个多月前, 半年了 … relative to a ``today`` parameter (never
the wall clock inside the parser). A mention carries the range of days it can mean (``earliest``..``latest``):
“3月5日” is one day, “今年6月” is 6月1日–6月30日, “两个多月前” is a window.

Deadline arithmetic (《民法典》第二百零一条、第二百零二条; 《民事诉讼法》第八十五条):
- 期间开始的日不计算在内: a period of N days from day D ends on D + N days;
- a period of months or years ends on the corresponding day of the final month; when that month has no such
  day, on its last day (6 months from 8月31日 → 2月28日, or 2月29日 in a leap year) — dateutil.relativedelta
  clamps exactly so;
- the last day moved by a 法定休假日 (第二百零三条) is *not* applied: there is no holiday calendar offline, so
  a deadline falling on a weekend is flagged for the clerk instead.
When the start is only known to a range (a month, “上周”), the deadline is a range too, and a case counts as
expired only when even the latest possible deadline has passed.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
       "九": 9, "十": 10, "半": 0.5, "几": 3}
NUMW = r"[0-9０-９]{1,4}|[零〇一二两俩三四五六七八九十]{1,3}"
_FW = str.maketrans("０１２３４５６７８９", "0123456789")


def _one_digit(s: str) -> int | None:
    """One numeral digit; an approximate pair of neighbours (七八十 = "seventy or eighty", 十七八) counts as the
    lower one, which is what a deadline or an amount threshold should assume."""
    if len(s) == 1:
        v = _CN.get(s)
        return int(v) if v is not None and v < 10 else None
    if len(s) == 2 and all(c in _CN and _CN[c] < 10 for c in s) and _CN[s[1]] - _CN[s[0]] == 1:
        return int(_CN[s[0]])
    return None


def cn_number(tok: str) -> int | None:
    """'18' → 18, '十八' → 18, '二十五' → 25, '两' → 2; None for anything else."""
    t = tok.translate(_FW)
    if t.isdigit():
        return int(t)
    if not t or any(c not in _CN for c in t):
        return None
    if t == "十":
        return 10
    if "十" in t:
        a, _, b = t.partition("十")
        tens = _one_digit(a) if a else 1
        ones = _one_digit(b) if b else 0
        if tens is None or ones is None:
            return None
        return int(tens * 10 + ones)
    if len(t) == 1:
        v = _CN[t]
        return int(v) if v >= 1 else None
    if len(t) == 2 and _one_digit(t) is not None:
        return _one_digit(t)  # 七八 (天) = seven or eight: the lower
    # 二〇二六 style digit strings
    if all(c in "零〇一二三四五六七八九" for c in t):
        return int("".join(str(_CN[c]) for c in t))
    return None


def _month_end(y: int, m: int) -> date:
    return date(y, m, 1) + relativedelta(months=1, days=-1)


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


@dataclass(frozen=True)
class DateMention:
    raw: str
    start: int           # character offsets in the text
    end: int
    earliest: date
    latest: date
    precision: str       # day | week | month | year | span

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    def to_json(self) -> dict:
        return {"raw": self.raw, "earliest": self.earliest.isoformat(), "latest": self.latest.isoformat(),
                "precision": self.precision}


_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_PART = {"初": (1, 10), "上旬": (1, 10), "中旬": (11, 20), "中": (11, 20), "下旬": (21, 31), "底": (21, 31),
         "末": (21, 31)}

# Ordered: longer, more specific shapes first; a span of text is claimed once.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("ymd", re.compile(rf"(?P<y>[0-9０-９]{{4}}|[零〇一二三四五六七八九]{{4}})\s*年\s*(?P<m>{NUMW})\s*月\s*(?P<d>{NUMW})\s*[日号]")),
    ("iso", re.compile(r"(?<![0-9])(?P<y>20[0-9]{2})[-./](?P<m>[01]?[0-9])[-./](?P<d>[0-3]?[0-9])(?![0-9])")),
    ("ym", re.compile(rf"(?P<y>[0-9０-９]{{4}}|[零〇一二三四五六七八九]{{4}})\s*年\s*(?P<m>{NUMW})\s*月(?:份)?(?P<part>初|上旬|中旬|下旬|底|末)?")),
    ("rel_year_md", re.compile(rf"(?P<ry>今年|去年|前年|明年)\s*(?P<m>{NUMW})\s*月\s*(?P<d>{NUMW})\s*[日号]")),
    ("rel_year_m", re.compile(rf"(?P<ry>今年|去年|前年|明年)\s*(?P<m>{NUMW})\s*月(?:份)?(?P<part>初|上旬|中旬|下旬|底|末)?")),
    ("this_month_d", re.compile(rf"(?P<rm>这个月|本月|当月|上个月|上月)\s*(?P<d>{NUMW})\s*[日号]")),
    ("md", re.compile(rf"(?<![年0-9０-９])(?P<m>{NUMW})\s*月\s*(?P<d>{NUMW})\s*[日号]")),
    ("m", re.compile(rf"(?<![年0-9０-９个])(?P<m>{NUMW})\s*月(?:份)?(?P<part>初|上旬|中旬|下旬|底|末)?(?![0-9０-９一二三四五六七八九十])")),
    ("rel_month", re.compile(r"(?P<rm>上个月|上月|这个月|本月|这月|上上个月)(?P<part>初|中旬|下旬|底|末)?")),
    ("weekday", re.compile(r"(?P<w>上个?(?:礼拜|星期|周))(?P<wd>[一二三四五六日天])")),
    ("rel_week", re.compile(r"(?P<w>上个?(?:礼拜|星期|周)|这个?(?:礼拜|星期|周)|本周)")),
    ("ago", re.compile(rf"(?P<n>{NUMW}|半)(?P<more>多)?个?(?P<more1>多)?(?P<u>年|月|礼拜|星期|周|天|日)(?P<more2>多)?(?:以前|之前|前)")),
    ("ago2", re.compile(rf"(?:已经|都)?(?:过去|过了)?(?:快|将近|差不多)?(?P<n>{NUMW}|半)(?P<more>多)?个?(?P<more1>多)?(?P<u>年|月|礼拜|星期|周)(?P<more2>多)?了")),
    ("day_word", re.compile(r"(?P<dw>今天|今日|昨天|昨日|昨晚|前天|大前天|前几天|这几天|刚才|刚刚)")),
    ("rel_year", re.compile(r"(?P<ry>去年|前年)(?P<part>底|年底|初|年初)?")),
]


def extract_dates(text: str, today: date) -> list[DateMention]:
    """Every date mention, in text order; ranges are clipped to [1900-01-01, today]."""
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            s, e = m.span()
            if any(s < te and e > ts for ts, te in taken):
                continue
            rng = _interpret(kind, m, today)
            if rng is None:
                continue
            lo, hi, precision = rng
            if lo > today:  # a date in the future is not an event that happened; keep only past/present
                continue
            hi = min(hi, today)
            taken.append((s, e))
            out.append(DateMention(m.group(0), s, e, lo, hi, precision))
    out.sort(key=lambda d: d.start)
    return out


def _year_of(ry: str, today: date) -> int:
    return today.year + {"今年": 0, "去年": -1, "前年": -2, "明年": 1}[ry]


def _part_range(y: int, mo: int, part: str | None) -> tuple[date, date]:
    if part and part in _PART:
        a, b = _PART[part]
        end = _month_end(y, mo)
        return date(y, mo, a), min(date(y, mo, min(b, end.day)), end)
    return date(y, mo, 1), _month_end(y, mo)


def _interpret(kind: str, m: re.Match, today: date) -> tuple[date, date, str] | None:
    g = m.groupdict()
    num = lambda k: cn_number(g[k]) if g.get(k) else None  # noqa: E731
    try:
        if kind in ("ymd", "iso"):
            d = _safe(num("y"), num("m"), num("d"))
            return (d, d, "day") if d else None
        if kind == "ym":
            y, mo = num("y"), num("m")
            if not (y and mo and 1 <= mo <= 12):
                return None
            lo, hi = _part_range(y, mo, g.get("part"))
            return lo, hi, "month"
        if kind == "rel_year_md":
            d = _safe(_year_of(g["ry"], today), num("m"), num("d"))
            return (d, d, "day") if d else None
        if kind == "rel_year_m":
            y, mo = _year_of(g["ry"], today), num("m")
            if not (mo and 1 <= mo <= 12):
                return None
            lo, hi = _part_range(y, mo, g.get("part"))
            return lo, hi, "month"
        if kind == "this_month_d":
            base = today if g["rm"] in ("这个月", "本月", "当月") else today - relativedelta(months=1)
            d = _safe(base.year, base.month, num("d") or 0)
            return (d, d, "day") if d else None
        if kind == "md":
            mo, dd = num("m"), num("d")
            if not (mo and dd and 1 <= mo <= 12):
                return None
            d = _safe(today.year, mo, dd)
            if d and d > today:  # “3月5号” said in November means this year; said in January, last year
                d = _safe(today.year - 1, mo, dd)
            return (d, d, "day") if d else None
        if kind == "m":
            mo = num("m")
            if not (mo and 1 <= mo <= 12):
                return None
            y = today.year if mo <= today.month else today.year - 1
            lo, hi = _part_range(y, mo, g.get("part"))
            return lo, hi, "month"
        if kind == "rel_month":
            back = {"上个月": 1, "上月": 1, "这个月": 0, "本月": 0, "这月": 0, "上上个月": 2}[g["rm"]]
            base = today - relativedelta(months=back)
            lo, hi = _part_range(base.year, base.month, g.get("part"))
            return lo, hi, "month"
        if kind == "weekday":
            monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
            d = monday + timedelta(days=_WEEKDAY[g["wd"]])
            return d, d, "day"
        if kind == "rel_week":
            monday = today - timedelta(days=today.weekday())
            if g["w"].startswith("上"):
                return monday - timedelta(days=7), monday - timedelta(days=1), "week"
            return monday, today, "week"
        if kind in ("ago", "ago2"):
            n = 0.5 if g["n"] == "半" else cn_number(g["n"])
            if not n:
                return None
            more = bool(g.get("more") or g.get("more1") or g.get("more2"))
            unit = g["u"]
            if unit in ("年",):
                delta, step = relativedelta(months=int(n * 12)), relativedelta(months=12)
            elif unit == "月":
                delta, step = relativedelta(days=int(n * 30)) if n < 1 else relativedelta(months=int(n)), \
                    relativedelta(months=1)
            elif unit in ("礼拜", "星期", "周"):
                delta, step = relativedelta(days=int(n * 7)), relativedelta(days=7)
            else:
                delta, step = relativedelta(days=int(n)), relativedelta(days=10 if n >= 10 else 1)
            point = today - delta
            if more:  # “两个多月前”: more than two, fewer than three months ago
                return point - step + timedelta(days=1), point, "span"
            return point, point, "span" if unit not in ("天", "日") else "day"
        if kind == "day_word":
            w = g["dw"]
            if w in ("今天", "今日", "刚才", "刚刚"):
                return today, today, "day"
            if w in ("昨天", "昨日", "昨晚"):
                d = today - timedelta(days=1)
                return d, d, "day"
            if w == "前天":
                d = today - timedelta(days=2)
                return d, d, "day"
            if w == "大前天":
                d = today - timedelta(days=3)
                return d, d, "day"
            if w == "前几天":
                return today - timedelta(days=7), today - timedelta(days=2), "span"
            return today - timedelta(days=6), today, "span"
        if kind == "rel_year":
            y = _year_of(g["ry"], today)
            part = g.get("part") or ""
            if "底" in part:
                return date(y, 12, 1), date(y, 12, 31), "month"
            if "初" in part:
                return date(y, 1, 1), _month_end(y, 2), "month"
            return date(y, 1, 1), date(y, 12, 31), "year"
    except (TypeError, ValueError):
        return None
    return None


# ---------------------------------------------------------------------------------------------- deadlines

@dataclass(frozen=True)
class Period:
    days: int = 0
    months: int = 0
    years: int = 0

    def after(self, start: date) -> date:
        """Last day of the period that starts the day after ``start`` (开始的当日不计入)."""
        if self.days:
            return start + timedelta(days=self.days)
        return start + relativedelta(months=self.months, years=self.years)

    def describe(self) -> str:
        if self.days:
            return f"{self.days}日"
        if self.years:
            return f"{self.years}年"
        return f"{self.months}个月"


def last_day(start: date, period: Period) -> date:
    return period.after(start)


@dataclass
class Deadline:
    """One limitation period applied to the case: when it started, its last day, and how it stands today."""
    key: str                 # e.g. reconsideration, admin_suit, admin_suit_after_decision, labour_arbitration …
    channel: str             # the channel this deadline governs
    name: str                # 行政复议申请期限 …
    period: str              # 60日 / 6个月 / 1年 …
    basis: str               # citation, resolved by the router
    start_event: str         # what the period runs from
    start_raw: str | None    # the words in the account the start was read from
    start_earliest: date | None
    start_latest: date | None
    due_earliest: date | None
    due_latest: date | None
    today: date
    status: str              # running | expired | uncertain | unknown | not_running
    days_left: int | None    # to the earliest possible last day (negative when expired)
    note: str = ""
    rest_day: bool = False   # the last day is a Saturday or Sunday (民法典第二百零三条 may move it)

    def to_json(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, date):
                d[k] = v.isoformat()
        return d


COUNTING_RULE = ("期间开始的当日不计入，自下一日起算（《民法典》第二百零一条）；按月、年计算的，到期月的对应日为最后一日，"
                 "没有对应日的为月末日（第二百零二条）；最后一日为法定休假日的顺延（第二百零三条，本系统不含节假日表，仅提示周末）。")


def compute_deadline(key: str, channel: str, name: str, period: Period, basis: str, start_event: str,
                     start: DateMention | None, today: date, note: str = "") -> Deadline:
    if start is None:
        return Deadline(key, channel, name, period.describe(), basis, start_event, None, None, None, None, None,
                        today, "unknown", None, note or "陈述里没有这个日期，需要问清楚。")
    due_lo, due_hi = period.after(start.earliest), period.after(start.latest)
    days_left = (due_lo - today).days
    if today > due_hi:
        status = "expired"
    elif today <= due_lo:
        status = "running"
    else:
        status = "uncertain"
    return Deadline(key, channel, name, period.describe(), basis, start_event, start.raw, start.earliest,
                    start.latest, due_lo, due_hi, today, status, days_left, note,
                    rest_day=due_lo == due_hi and due_lo.weekday() >= 5)
