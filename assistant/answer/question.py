"""Understanding a citizen's question: its type, the parties, dates and amounts it mentions.

The type steers which sentence of the evidence answers it (a deadline question wants the 款 with the
period, a 罚多少 question the 款 with the amount)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

QTYPES = ("期限", "罚多少", "怎么办·去哪里", "能不能·是否", "条件·资格", "是什么")

_TYPE_CUES: list[tuple[str, re.Pattern]] = [
    ("期限", re.compile(r"多久|多长时间|几天|多少天|期限|时效|期间|什么时候|截止|过期|几个月|多少日|几年|时限|还来得及")),
    ("罚多少", re.compile(r"罚多少|罚款多少|罚.{0,4}多少|赔多少|多少钱|赔偿标准|怎么赔|赔偿多少|补偿多少|处罚标准|罚金|几倍")),
    ("怎么办·去哪里", re.compile(r"怎么办|怎么处理|如何处理|去哪|找谁|哪个部门|向谁|到哪里|如何维权|怎么维权|怎么投诉|投诉|不服|申请|起诉|告")),
    ("条件·资格", re.compile(r"条件|资格|需要什么|要求|满足|哪些情形|什么情况下|符合|材料|手续")),
    ("能不能·是否", re.compile(r"能不能|能否|可不可以|可以吗|可以.{0,6}吗|是否|合法吗|违法吗|算不算|有没有|要不要|会不会|必须|应不应该|吗[？?]?$")),
    ("是什么", re.compile(r"是什么|什么是|指什么|含义|定义|怎么理解|规定")),
]

_PARTIES = {
    "用人单位": r"公司|老板|单位|厂里|雇主|用人单位|包工头", "劳动者": r"员工|工人|职工|打工|劳动者|农民工",
    "行政机关": r"政府|交警|公安|派出所|城管|市场监管|税务|环保|执法|行政机关|街道|镇政府|局",
    "消费者": r"买了|网购|商家|消费者|商场|店家", "经营者": r"商家|经营者|店家|卖家",
    "房东/租客": r"房东|租客|租房|出租", "邻居": r"邻居|隔壁|楼上|楼下", "家庭成员": r"父母|子女|老公|老婆|丈夫|妻子|儿子|女儿|兄弟|姐妹",
    "医院": r"医院|医生|诊所", "村集体": r"村里|村委|村集体|村民",
}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|万|元|块钱|块)")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?|(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]|去年|今年|上个月|昨天|前天|上周")


@dataclass
class Question:
    text: str
    qtype: str
    parties: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    is_dispute: bool = False


def analyze(text: str) -> Question:
    t = text.strip()
    qtype = next((name for name, pat in _TYPE_CUES if pat.search(t)), "是什么")
    parties = [name for name, pat in _PARTIES.items() if re.search(pat, t)]
    amounts = [m.group(0) for m in _AMOUNT.finditer(t)]
    dates = [m.group(0) for m in _DATE.finditer(t)]
    # a dispute: someone did something to the asker, or the asker wants to contest / claim
    dispute = bool(re.search(r"不服|纠纷|投诉|起诉|欠|拖欠|赔偿|罚了|扣了|打了|占了|被.{0,6}(辞退|开除|罚|拆|扣|打)|不给|不还|不退|维权", t))
    return Question(text=t, qtype=qtype, parties=parties, amounts=amounts, dates=dates, is_dispute=dispute)
