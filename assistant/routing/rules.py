"""Statutory rules: what the law decides from the extracted facts, and the legal basis of every channel.

Three kinds of output, each carrying its basis:
- **eligibility** per channel: ``eligible`` / ``not_eligible`` / ``needs_information`` (e.g. 商事仲裁 is
  ``not_eligible`` for a divorce — 仲裁法第三条; it ``needs_information`` when no arbitration agreement is
  mentioned — 第四条);
- **decisive rules**, where the law (or the guide's priority order on danger) leaves one first channel: a
  复议决定 already made → 行政诉讼 (行政诉讼法第四十五条); a 复议前置 case not yet reconsidered → 行政复议
  (行政复议法第二十三条); an arbitral award → the court (劳动争议调解仲裁法第五十条 …); a crime or present
  danger → 报警;
- **prerequisites** and **questions** for the clerk.
The learned model decides everything the rules leave open; the router shows which one decided.

Citations are written the way people cite (行政复议法第二十条) and resolved through
:class:`knowledge.citations.CitationResolver` on the decision date, so a version change shows up at once:
仲裁法 is cited by the article numbers of the version in force on that date (2025 text since 2026-03-01:
第三条、第四条、第五条、第二十七条; 1995/2017 text before: 第二条、第三条、第四条、第五条、第十六条).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import channels as ch
from datetime import date

from .dates import Period
from .facts import Facts

ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFO = "eligible", "not_eligible", "needs_information"


@dataclass(frozen=True)
class Cite:
    """A citation, optionally with per-version article numbers: {effective_date_from: [articles]}."""
    law: str
    articles: tuple[str, ...] = ()
    by_version: tuple[tuple[str, tuple[str, ...]], ...] = ()
    why: str = ""

    def citations(self, version_effective: str | None) -> list[str]:
        arts = self.articles
        if self.by_version:
            chosen = None
            for since, a in sorted(self.by_version):
                if version_effective is None or version_effective >= since:
                    chosen = a
            arts = chosen or self.by_version[0][1]
        return [f"{self.law}{a}" for a in arts]


ARBITRATION_LAW = Cite("仲裁法", by_version=(
    ("1995-09-01", ("第二条", "第三条", "第四条", "第五条", "第十六条")),
    ("2026-03-01", ("第三条", "第四条", "第五条", "第二十七条"))),
    why="可以仲裁的范围与不能仲裁的事项、自愿和书面仲裁协议、有协议的法院不受理")

# Basis of each channel: the general provisions, plus ones chosen by the facts (key → condition).
BASIS: dict[str, list[tuple[Cite, Callable[[Facts], bool] | None]]] = {
    ch.ADMIN_MEDIATION: [
        (Cite("道路交通安全法", ("第七十四条",), why="交通事故损害赔偿可请求交警调解"), lambda f: "交通事故" in f.domains),
        (Cite("消费者权益保护法", ("第三十九条",), why="向有关行政部门投诉"), lambda f: "消费" in f.domains or "电信" in f.domains),
        (Cite("医疗纠纷预防和处理条例", ("第二十二条", "第四十条"), why="申请卫生主管部门行政调解"), lambda f: "医疗" in f.domains),
        (Cite("治安管理处罚法", ("第九条",), why="民间纠纷引起的情节较轻的治安案件可以调解"), lambda f: "治安" in f.domains),
        (Cite("邮政法", ("第六十五条",), why="向邮政管理部门申诉"), lambda f: "快递" in f.domains),
        (Cite("旅游法", ("第九十一条",), why="旅游投诉受理机构"), lambda f: "旅游" in f.domains),
        (Cite("水法", ("第五十七条",), why="同一区域内的水事纠纷可申请政府或其授权部门调解"),
         lambda f: f.water_dispute and not f.cross_region),
        (Cite("海域使用管理法", ("第三十一条",), why="海域使用权争议由海洋行政主管部门调解"), lambda f: "海域" in f.domains),
        (Cite("专利法", ("第六十五条",), why="应当事人请求，就侵犯专利权的赔偿数额进行调解"), lambda f: f.ip_dispute),
        (Cite("生态环境法典", ("第一千零七十七条",), why="污染环境、破坏生态的纠纷可申请主管部门调解处理"),
         lambda f: "环境" in f.domains),
        (Cite("实施意见", ("第24项",), why="温州：加强行政调解工作"), None),
    ],
    ch.LABOUR_ARBITRATION: [
        (Cite("劳动争议调解仲裁法", ("第二条", "第五条", "第二十七条"), why="劳动争议范围、仲裁前置、一年时效"), None),
        (Cite("劳动争议调解仲裁法", ("第五十二条",), why="事业单位聘用制工作人员"), lambda f: f.public_institution),
        (Cite("实施意见", ("第26项",), why="温州：深化劳动人事仲裁"), None),
    ],
    ch.LAND_ARBITRATION: [
        (Cite("农村土地承包经营纠纷调解仲裁法", ("第二条", "第三条", "第四条", "第十八条"),
              why="受理范围、村委会或乡镇调解、仲裁或起诉、二年时效"), None),
        (Cite("农村集体经济组织法", ("第五十六条",), why="成员身份与收益分配纠纷可申请农村土地承包仲裁"),
         lambda f: f.collective_distribution),
        (Cite("实施意见", ("第26项",), why="温州：深化土地承包仲裁"), None),
    ],
    ch.COMMERCIAL_ARBITRATION: [
        (ARBITRATION_LAW, None),
        (Cite("民事诉讼法", ("第一百二十七条",), why="有书面仲裁协议的，法院告知申请仲裁"), None),
        (Cite("实施意见", ("第26项",), why="温州：鼓励以仲裁方式解决商事纠纷"), None),
    ],
    ch.RECONSIDERATION: [
        (Cite("行政复议法", ("第二条", "第十一条", "第二十条"), why="复议范围与六十日申请期限"), None),
        (Cite("行政复议法", ("第二十三条",), why="复议前置"), lambda f: bool(prerequisite_reasons(f))),
        (Cite("税收征收管理法", ("第八十八条",), why="纳税争议先缴税或担保，复议前置"), lambda f: f.tax_dispute),
        (Cite("实施意见", ("第27项",), why="温州：全面落实行政复议职责"), None),
    ],
    ch.ADMIN_ADJUDICATION: [
        (Cite("土地管理法", ("第十四条",), why="土地所有权和使用权争议由人民政府处理"),
         lambda f: f.ownership_dispute and not f.forest and not f.ip_dispute and not f.procurement_complaint),
        (Cite("森林法", ("第二十二条",), why="林木、林地权属争议由人民政府处理"), lambda f: f.ownership_dispute and f.forest),
        (Cite("水法", ("第五十六条",), why="不同行政区域之间的水事纠纷由上一级人民政府裁决"), lambda f: f.cross_region),
        (Cite("专利法", ("第六十五条",), why="请求管理专利工作的部门处理侵权纠纷"), lambda f: "专利" in f.evidence.get("ip_dispute", "")),
        (Cite("商标法", ("第六十条",), why="请求市场监管部门处理商标侵权纠纷"), lambda f: "商标" in f.evidence.get("ip_dispute", "")),
        (Cite("政府采购法", ("第五十五条",), why="质疑答复不满的，向政府采购监督管理部门投诉"), lambda f: f.procurement_complaint),
        (Cite("实施意见", ("第25项",), why="温州：依法履行行政裁决职责"), None),
    ],
    ch.ADMIN_LITIGATION: [
        (Cite("行政诉讼法", ("第十二条", "第四十四条"), why="受案范围；可以先复议也可以直接起诉（复议前置除外）"), None),
        (Cite("行政诉讼法", ("第四十五条",), why="不服复议决定，十五日内起诉"), lambda f: f.reconsideration_decided),
        (Cite("行政诉讼法", ("第四十六条",), why="直接起诉，知道行政行为之日起六个月"), lambda f: not f.reconsideration_decided),
    ],
    ch.PEOPLES_MEDIATION: [
        (Cite("人民调解法", ("第二条", "第三条"), why="人民调解委员会调解民间纠纷，自愿平等"), None),
    ],
    ch.CIVIL_LITIGATION: [
        (Cite("民事诉讼法", ("第三条", "第一百二十二条"), why="平等主体之间的民事纠纷，起诉条件"), None),
        (Cite("劳动争议调解仲裁法", ("第二十九条", "第五十条"), why="仲裁委不予受理或裁决后十五日内起诉"), lambda f: f.labour_award),
        (Cite("农村土地承包经营纠纷调解仲裁法", ("第四十八条",), why="不服承包仲裁裁决，三十日内起诉"), lambda f: f.land_award),
        (Cite("民事诉讼法", ("第二百四十八条",), why="仲裁裁决不履行，申请法院执行"),
         lambda f: (f.commercial_award or f.labour_award) and f.award_or_judgment_unperformed),
        (Cite("道路交通安全法", ("第七十四条",), why="交警调解不成或调解书生效后不履行，起诉"),
         lambda f: "交通事故" in f.domains and f.mediation_failed),
    ],
    ch.PETITION: [
        (Cite("信访工作条例", ("第三十一条",), why="依法分类处理：有法定途径的导入相应程序，其余出具处理意见"), None),
    ],
    ch.POLICE: [
        (Cite("人民警察法", ("第二十一条",), why="人身、财产安全受到侵犯或处于危难情形，应当立即救助；报警案件及时查处"), None),
        (Cite("刑事诉讼法", ("第一百一十条",), why="被害人有权报案或者控告"), None),
        (Cite("刑法", ("第二百六十六条",), why="诈骗罪"), lambda f: any("骗" in w or w in ("安全账户", "逮捕令", "杀猪盘", "跑分")
                                                               for w in f.crime_indicators)),
        (Cite("反家庭暴力法", ("第十五条",), why="家庭暴力报案后及时出警"),
         lambda f: f.family and f.danger_now),
    ],
}


def basis_citations(channel: str, f: Facts | None, version_of: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """(citation, why) for a channel; ``version_of(law)`` gives the effective date of the version to cite."""
    out: list[tuple[str, str]] = []
    for cite, cond in BASIS[channel]:
        if cond is None or (f is not None and _safe(cond, f)):
            for c in cite.citations(version_of(cite.law) if cite.by_version else None):
                out.append((c, cite.why))
    return out


def all_basis_citations(version_of: Callable[[str], str | None]) -> list[str]:
    """Every citation any rule may show (all conditional ones included): the test resolves each."""
    out = []
    for rows in BASIS.values():
        for cite, _ in rows:
            out.extend(cite.citations(version_of(cite.law) if cite.by_version else None))
    for rule in DEADLINE_BASIS.values():
        out.append(rule)
    return sorted(set(out))


def _safe(cond: Callable[[Facts], bool], f: Facts) -> bool:
    try:
        return bool(cond(f))
    except (AttributeError, TypeError):
        return False


# ------------------------------------------------------------------------------------ eligibility

def prerequisite_reasons(f: Facts) -> list[str]:
    """The 复议前置 cases of 行政复议法第二十三条 (and 税收征收管理法第八十八条) that the facts show."""
    if not (f.admin_act or f.other_party_admin) or f.reconsideration_decided:
        return []
    out = []
    if f.on_the_spot_penalty is True:
        out.append("对当场作出的行政处罚决定不服（行政复议法第二十三条第一款第一项）")
    if f.natural_resource_decision:
        out.append("侵犯已经依法取得的自然资源所有权或者使用权的决定（第二十三条第一款第二项）")
    if f.duty_not_performed:
        out.append("认为行政机关未履行法定职责（第二十三条第一款第三项）")
    if f.info_disclosure_refused:
        out.append("申请政府信息公开，行政机关不予公开（第二十三条第一款第四项）")
    if f.tax_dispute:
        out.append("纳税争议：先缴纳税款、滞纳金或者提供担保，然后复议（税收征收管理法第八十八条，第二十三条第一款第五项）")
    return out


def reconsideration_expired(known: date, today: date | None) -> bool:
    return today is not None and Period(days=60).after(known) < today


def suit_expired(known: date, today: date | None) -> bool:
    return today is not None and Period(months=6).after(known) < today


def labour_dispute(f: Facts) -> bool:
    return (f.employment or f.employment_strong or f.public_institution) and not f.labour_excluded


@dataclass
class Eligibility:
    status: str
    reasons: list[str] = field(default_factory=list)


def eligibility(f: Facts) -> dict[str, Eligibility]:
    """Per channel, what the law says given the facts. Channels with nothing to say are ``eligible``."""
    e = {c: Eligibility(ELIGIBLE) for c in ch.CHANNELS}

    # 商事仲裁: written agreement, arbitrable subject, not a labour or administrative dispute
    com = e[ch.COMMERCIAL_ARBITRATION]
    if f.non_arbitrable and not _partnership_after_divorce(f):
        com.status = NOT_ELIGIBLE
        com.reasons.append(f"{'、'.join(f.non_arbitrable[:3])}纠纷不能仲裁（仲裁法第三条）")
    if f.admin_act and f.other_party_admin:
        com.status = NOT_ELIGIBLE
        com.reasons.append("依法应当由行政机关处理的行政争议不能仲裁（仲裁法第三条）")
    if labour_dispute(f) and f.employment_strong:
        com.status = NOT_ELIGIBLE
        com.reasons.append("劳动争议适用劳动争议调解仲裁法，合同中的商事仲裁条款无效（仲裁法第三条、劳动争议调解仲裁法第五条）")
    if f.arbitration_or_court_clause:
        com.status = NOT_ELIGIBLE
        com.reasons.append("约定既可仲裁又可起诉，仲裁协议无效，应向法院起诉")
    if com.status != NOT_ELIGIBLE:
        if f.arbitration_agreement is False:
            com.status = NOT_ELIGIBLE
            com.reasons.append("没有仲裁协议，仲裁机构不予受理（仲裁法第四条）")
        elif f.arbitration_agreement is None:
            com.status = NEEDS_INFO
            com.reasons.append("需要书面仲裁协议（仲裁法第四条）：陈述中没有提到")

    # 行政复议 / 行政诉讼: the other side must be an administrative organ
    for c in (ch.RECONSIDERATION, ch.ADMIN_LITIGATION):
        if not f.other_party_admin:
            e[c].status = NEEDS_INFO
            e[c].reasons.append("对方是否是行政机关（或法律、法规授权的组织）？陈述中没有看出")
    if f.reconsideration_decided:
        e[ch.RECONSIDERATION].status = NOT_ELIGIBLE
        e[ch.RECONSIDERATION].reasons.append("已经复议过：对复议决定不服的，向法院起诉（行政诉讼法第四十五条）")
    pre = prerequisite_reasons(f)
    if pre:
        e[ch.ADMIN_LITIGATION].status = NOT_ELIGIBLE
        e[ch.ADMIN_LITIGATION].reasons.append("复议前置，须先申请行政复议：" + "；".join(pre))

    # 劳动争议: 仲裁前置 — no court before the award
    if labour_dispute(f) and f.employment_strong and not (f.labour_award or f.in_court):
        e[ch.CIVIL_LITIGATION].status = NOT_ELIGIBLE
        e[ch.CIVIL_LITIGATION].reasons.append("劳动争议仲裁前置：先申请劳动人事争议仲裁，不服裁决再起诉（劳动争议调解仲裁法第五条）")
    if f.labour_excluded and not f.employment_strong:
        e[ch.LABOUR_ARBITRATION].status = NOT_ELIGIBLE
        e[ch.LABOUR_ARBITRATION].reasons.append(
            f"按劳务或合同关系处理，不是劳动关系（{f.evidence.get('labour_excluded')}）：不适用劳动争议调解仲裁法第二条")
    if f.labour_award:
        e[ch.LABOUR_ARBITRATION].status = NOT_ELIGIBLE
        e[ch.LABOUR_ARBITRATION].reasons.append("已经仲裁（裁决或不予受理）：不服的向法院起诉（劳动争议调解仲裁法第二十九条、第五十条）")
    if f.land_award:
        e[ch.LAND_ARBITRATION].status = NOT_ELIGIBLE
        e[ch.LAND_ARBITRATION].reasons.append("已经裁决：不服的收到裁决书之日起三十日内起诉（农村土地承包经营纠纷调解仲裁法第四十八条）")
    # 农村土地承包: the taker is an administrative organ → it is an administrative act
    if f.rural_land and f.rural_taken_by_admin:
        e[ch.LAND_ARBITRATION].status = NOT_ELIGIBLE
        e[ch.LAND_ARBITRATION].reasons.append("乡镇政府或县级部门收回、占用承包地是行政行为，申请行政复议（行政复议法第十一条第八项）")
    # valid arbitration agreement: the court does not accept the case
    if f.arbitration_agreement is True and com.status == ELIGIBLE and not (
            f.commercial_award or f.labour_award or f.land_award or f.in_court):
        e[ch.CIVIL_LITIGATION].status = NOT_ELIGIBLE
        e[ch.CIVIL_LITIGATION].reasons.append("有有效的书面仲裁协议，法院不予受理（仲裁法第五条、民事诉讼法第一百二十七条）")
    return e


def _partnership_after_divorce(f: Facts) -> bool:
    """“离婚以后合伙开店”: the dispute is the partnership, not the marriage."""
    ev = " ".join(f.non_arbitrable)
    return f.arbitration_agreement is True and ev in ("离婚",) and "合伙" in f.evidence.get("labour_excluded", "")


# --------------------------------------------------------------------------------- decisive rules

@dataclass(frozen=True)
class Decision:
    rule: str
    channel: str
    reason: str


def decisive(f: Facts) -> Decision | None:
    """The guide's 判定顺序 where the facts are unambiguous; ``None`` leaves the choice to the model."""
    # 1. crime or present danger
    if f.crime_strong and not f.crime_doubt and not f.attitude_only and not (f.police_handled and not f.danger_now):
        return Decision("R1-danger", ch.POLICE, f"犯罪或现实危险的迹象（{f.evidence.get('crime_strong')}），先报警")
    # 2. the stage reached
    if f.reconsideration_decided and f.other_party_admin:
        return Decision("R2-reconsidered", ch.ADMIN_LITIGATION,
                        "已经复议（复议决定已作出、不予受理或逾期不决）：向法院提起行政诉讼（行政诉讼法第四十五条）")
    if f.labour_award:
        return Decision("R2-labour-award", ch.CIVIL_LITIGATION,
                        "劳动仲裁已裁决或不予受理：不服的十五日内起诉，生效不履行的申请执行（劳动争议调解仲裁法第二十九条、第五十条）")
    if f.land_award:
        return Decision("R2-land-award", ch.CIVIL_LITIGATION,
                        "土地承包仲裁已裁决：不服的三十日内起诉（农村土地承包经营纠纷调解仲裁法第四十八条）")
    if f.commercial_award:
        return Decision("R2-award", ch.CIVIL_LITIGATION,
                        "仲裁裁决已作出：不履行的申请法院执行，申请撤销向中级人民法院提出（民事诉讼法第二百四十八条）")
    if f.award_or_judgment_unperformed and not f.other_party_admin:
        return Decision("R2-enforce", ch.CIVIL_LITIGATION, "生效裁判或调解协议不履行：起诉或申请法院强制执行")
    # 3. administrative act with 复议前置
    if f.admin_act and f.other_party_admin and prerequisite_reasons(f) and not f.accepts_decision:
        return Decision("R3-prerequisite", ch.RECONSIDERATION, "复议前置：" + "；".join(prerequisite_reasons(f)))
    # 3a. a patent-infringement handling decision: the statute sends the objecting party to court (15 days)
    if f.ip_decision_contested and not f.reconsideration_decided:
        return Decision("R3-ip-decision", ch.ADMIN_LITIGATION,
                        "不服管理专利工作的部门作出的侵权处理决定：收到处理通知之日起十五日内依照行政诉讼法向法院起诉（专利法第六十五条）")
    # 3b. the 60 days for 复议 have passed but the 6 months for a suit have not; or the person chose the court
    if f.admin_act and f.other_party_admin and not f.reconsideration_decided and not prerequisite_reasons(f) \
            and not f.accepts_decision:
        if f.act_date is not None and reconsideration_expired(f.act_date.latest, f.today) and \
                not suit_expired(f.act_date.earliest, f.today):
            return Decision("R3-recon-expired", ch.ADMIN_LITIGATION,
                            "复议期限（六十日）已过、起诉期限（六个月）未过，且不属于复议前置（行政复议法第二十条、行政诉讼法第四十六条）")
        if f.chose_court_admin:
            return Decision("R3-chose-court", ch.ADMIN_LITIGATION,
                            "当事人明确选择直接起诉，且不属于复议前置（行政诉讼法第四十四条）")
        if f.act_date is not None and not reconsideration_expired(f.act_date.earliest, f.today) and f.contests_act:
            return Decision("R3-within-60-days", ch.RECONSIDERATION,
                            "对行政行为不服、仍在六十日复议期限内：行政复议是主渠道（行政复议法第十一条、第二十条）")
    # the guide's tie-breaker: criticism of an official's manner only, the outcome itself accepted
    if f.attitude_only and not f.danger_now:
        return Decision("R10-attitude-only", ch.PETITION, "只反映工作人员的态度作风，对处理结果本身不争：信访（信访工作条例第三十一条）")
    # 2b. mediation has failed or its agreement is not performed
    if f.mediation_failed and not f.ownership_dispute and not f.admin_act and not f.rural_land:
        return Decision("R2-mediation-failed", ch.CIVIL_LITIGATION, "调解不成或者调解协议不履行：向法院起诉")
    # 8. a civil dispute the person asks the competent organ to mediate; a patent case down to the damages
    if f.ip_damages_only:
        return Decision("R8-ip-damages", ch.ADMIN_MEDIATION, "专利侵权已由管理专利工作的部门处理，只剩赔偿数额：可请求其调解（专利法第六十五条）")
    if f.wants_admin_mediation and not f.ip_admin_handling and not f.contests_act and not f.mediation_failed and not f.reconsideration_decided \
            and not f.crime_strong:
        return Decision("R8-admin-mediation", ch.ADMIN_MEDIATION,
                        f"当事人请求主管行政机关调解与其职责相关的民事纠纷（{f.evidence.get('wants_admin_mediation')}）")
    # 7. an invalid arbitration agreement (或裁或诉) between civil parties
    if f.arbitration_or_court_clause and not f.other_party_admin and not f.rural_land:
        return Decision("R7-invalid-agreement", ch.CIVIL_LITIGATION, "约定或裁或诉，仲裁协议无效，向法院起诉")
    return None


# ---------------------------------------------------------------------------------------- deadlines

DEADLINE_BASIS = {
    "reconsideration": "行政复议法第二十条",
    "admin_suit": "行政诉讼法第四十六条",
    "admin_suit_after_reconsideration": "行政诉讼法第四十五条",
    "labour_arbitration": "劳动争议调解仲裁法第二十七条",
    "labour_suit_after_award": "劳动争议调解仲裁法第五十条",
    "land_arbitration": "农村土地承包经营纠纷调解仲裁法第十八条",
    "land_suit_after_award": "农村土地承包经营纠纷调解仲裁法第四十八条",
}


# ---------------------------------------------------------------------------------------- questions

def questions(f: Facts, candidates: list[str]) -> list[dict[str, str]]:
    """What to ask next, for the channels still in play (top of the ranking)."""
    q: list[dict[str, str]] = []
    admin = {ch.RECONSIDERATION, ch.ADMIN_LITIGATION} & set(candidates)
    if admin:
        if not f.other_party_admin:
            q.append({"field": "other_party_admin", "question": "对方是不是行政机关（或者法律、法规授权的组织，如公积金中心、社保经办机构）？"})
        if f.act_date is None and f.decision_date is None:
            q.append({"field": "act_date", "question": "您是哪一天知道（收到）这个行政行为或者决定书的？"})
        if not f.reconsideration_decided:
            q.append({"field": "reconsideration_decided", "question": "是否已经申请过行政复议？收到复议决定书了吗（哪一天）？"})
        if f.on_the_spot_penalty is None and any("罚" in k for k in f.admin_act_kinds):
            q.append({"field": "on_the_spot_penalty", "question": "罚款是执法人员当场开的罚单（简易程序），还是事后送达的处罚决定书？"})
    if {ch.COMMERCIAL_ARBITRATION, ch.CIVIL_LITIGATION, ch.PEOPLES_MEDIATION} & set(candidates[:2]) \
            and f.arbitration_agreement is None and not f.non_arbitrable and not labour_dispute(f):
        q.append({"field": "arbitration_agreement", "question": "有没有书面合同？合同里有没有仲裁条款（写明由哪个仲裁委员会仲裁）？"})
    if ch.LABOUR_ARBITRATION in candidates[:2] or (ch.CIVIL_LITIGATION in candidates[:1] and labour_dispute(f)):
        if not f.labour_award:
            q.append({"field": "labour_award", "question": "是否已经申请过劳动仲裁？收到仲裁裁决书或不予受理通知书了吗（哪一天）？"})
        if f.act_date is None:
            q.append({"field": "act_date", "question": "劳动关系是哪一天解除或终止的？工资是从什么时候开始拖欠的？"})
    if ch.LAND_ARBITRATION in candidates[:2] and f.rural_land and not f.rural_taken_by_admin:
        q.append({"field": "rural_taken_by_admin", "question": "收回、调整或占用承包地的是村集体（村委会、村民小组），还是乡镇政府、县级部门？有没有书面决定？"})
    if ch.ADMIN_ADJUDICATION in candidates[:2] and f.ownership_dispute:
        q.append({"field": "ownership_dispute", "question": "双方手里各有什么权属证书（土地证、林权证、宅基地证）？政府有没有作过确权处理决定？"})
    if ch.POLICE in candidates[:1]:
        q.append({"field": "danger_now", "question": "现在是否仍有人身危险？如有，请立即拨打110。"})
    if {ch.PEOPLES_MEDIATION, ch.CIVIL_LITIGATION} & set(candidates[:2]) and not f.mediation_failed:
        q.append({"field": "mediation_failed", "question": "之前是否已经调解过？对方是否明确拒绝协商？"})
    seen, out = set(), []
    for item in q:
        if item["field"] not in seen:
            seen.add(item["field"])
            out.append(item)
    return out
