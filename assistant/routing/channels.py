"""The eleven channels (labels) a dispute can be routed to, exactly as the labelling guide spells them."""
from __future__ import annotations

ADMIN_MEDIATION = "行政调解"
LABOUR_ARBITRATION = "劳动人事争议仲裁"
LAND_ARBITRATION = "农村土地承包经营纠纷仲裁"
COMMERCIAL_ARBITRATION = "商事仲裁"
RECONSIDERATION = "行政复议"
ADMIN_ADJUDICATION = "行政裁决"
ADMIN_LITIGATION = "行政诉讼"
PEOPLES_MEDIATION = "人民调解"
CIVIL_LITIGATION = "民事诉讼"
PETITION = "信访"
POLICE = "报警"

CHANNELS: list[str] = [ADMIN_MEDIATION, LABOUR_ARBITRATION, LAND_ARBITRATION, COMMERCIAL_ARBITRATION, RECONSIDERATION,
                       ADMIN_ADJUDICATION, ADMIN_LITIGATION, PEOPLES_MEDIATION, CIVIL_LITIGATION, PETITION, POLICE]

ARBITRATIONS = (LABOUR_ARBITRATION, LAND_ARBITRATION, COMMERCIAL_ARBITRATION)
# the three main channels of the Wenzhou opinions (items 24, 26, 27) reported separately in the benchmark
MAIN_GROUPS: dict[str, tuple[str, ...]] = {
    "行政调解": (ADMIN_MEDIATION,),
    "仲裁（三类）": ARBITRATIONS,
    "行政复议": (RECONSIDERATION,),
}

WHERE: dict[str, str] = {
    ADMIN_MEDIATION: "主管行政机关（交警、市场监管、卫健、公安、教育、邮政、文旅、水利、海洋等）",
    LABOUR_ARBITRATION: "劳动人事争议仲裁委员会",
    LAND_ARBITRATION: "农村土地承包仲裁委员会（或村委会、乡镇先行调解）",
    COMMERCIAL_ARBITRATION: "仲裁协议选定的仲裁机构",
    RECONSIDERATION: "行政复议机关（县级以上人民政府）",
    ADMIN_ADJUDICATION: "依法有权处理的人民政府或主管部门",
    ADMIN_LITIGATION: "有管辖权的人民法院（行政庭）",
    PEOPLES_MEDIATION: "人民调解委员会（村居调委会、行业性专业性调委会）",
    CIVIL_LITIGATION: "有管辖权的人民法院",
    PETITION: "信访工作机构（依法分类处理）",
    POLICE: "110 或就近派出所",
}
