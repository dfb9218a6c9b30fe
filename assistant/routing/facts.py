"""Facts a clerk needs to route a dispute, read from the account with transparent patterns.

Every fact is a plain field on :class:`Facts`; each one that fired keeps the words it fired on (``evidence``),
so the router can show *why*. A clerk may correct any field (``Router.route(text, facts={...})``); corrected
facts win over extracted ones.

Tri-state fields are ``True`` (the account says so), ``False`` (the account says the opposite, e.g. 合同没写仲裁)
and ``None`` (not mentioned — a question to ask).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from .dates import DateMention, extract_dates


_HALF_TO_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})


def normalize_text(text: str) -> str:
    """One normal form for training and for serving: NFKC (full-width digits and letters → ASCII, so dates and
    numbers read the same), then the sentence punctuation back to the full-width forms the accounts and the
    patterns use (，：；！？（）), blanks collapsed."""
    t = unicodedata.normalize("NFKC", text)
    t = t.translate(_HALF_TO_FULL)
    return re.sub(r"[ \t\u3000]+", " ", t).strip()


def _rx(*parts: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in parts))


# --- parties -------------------------------------------------------------------------------------------

# administrative organs and organisations authorised by law (公积金中心, 社保经办机构, 不动产登记中心 …)
ADMIN_ORGAN = _rx(
    r"[县区市省镇乡]?(?:人民)?政府", r"(?:区|县|市|乡|镇)里(?!的人)", r"街道(?:办(?:事处)?)?(?!口|上|边)",
    r"[\u4e00-\u9fff]{1,6}(?<![结格布饭赌])局", r"管委会|执法大队|执法局|执法队|公积金中心|不动产登记(?:中心)?|社保(?:中心|经办|那边|局)?|政务服务中心",
    r"城管|交警|派出所|公安|民警|税务|海关|消防(?:救援)?大队|路政|残联|复议机关|执法(?:人员|队员)|协管员",
    r"人社|医保局|民政|市场监管|工商|环保|卫健|知识产权局|财政局|教育局")
NOT_ADMIN_CENTRE = re.compile(r"仲裁委员会|仲裁中心|调解委员会|医调委|月子中心|体检中心|培训中心|购物中心|健身中心")

ADMIN_ACT = _rx(
    r"罚(?:了|款|我|单|没|他|得)|处罚|行政拘留|拘留|扣(?:了|押|车|分|留|我)|暂扣|吊销|查封|冻结|没收|封了|贴了封条",
    r"限期拆除|责令|强拆|拆(?:了|除)|停业|关闭决定|注销|撤销(?:了)?(?:我的|登记|许可)|收回(?:了)?(?:营运证|许可|土地|使用权)",
    r"不(?:批|予|受理|给(?:我)?(?:办|批|登记|提取|发|上户口|认定))|拒绝(?:了)?(?:我的)?(?:申请|登记|办理)|驳回|不予(?:认定|受理|登记|许可|公开)",
    r"补税|滞纳金|征收|补偿决定|认定(?:为|我|是|书)|工伤认定|信息公开|低保|养老金|医保|公积金|营业执照|许可证?|审批|登记|备案",
    r"决定书|处罚决定|决定|通知书|指令书|罚单|行政协议|招商引资协议|征收补偿协议")

CONCRETE_DECISION = _rx(r"决定书|处罚决定|罚单|通知书|认定书|指令书|决定(?:是|于|在)|下了|作出了?(?:一个|了)?")

ON_THE_SPOT = _rx(r"(?:当场|现场|路边)[^。，]{0,10}(?:罚|开(?:了)?(?:罚单|单子)|扫码交)|罚单是[^。]{0,10}当场|当场开的|当场作出|简易程序")
NOT_ON_THE_SPOT = _rx(r"不是当场|一般程序|经过听证|非当场|电子眼|电子监控")

INFO_DISCLOSURE = _rx(r"信息公开|申请公开|要求公开|依申请公开")
INFO_REFUSED = _rx(r"不(?:予)?公开|不给公开|没答复|不答复|一直没(?:有)?答复|拒绝公开")
DUTY_NOT_PERFORMED = _rx(
    r"(?:举报|报警|投诉|申请)[^。！？]{0,20}(?:不处理|不来处理|不管|没人管|一直没(?:有)?(?:来)?处理|没来处理|不理)",
    r"(?:一直|迟迟)(?:不|没)(?:处理|答复|作出|给答复|回复)", r"逾期不(?:答复|作出|处理)", r"超过[^。]{0,8}(?:工作日|天)[^。]{0,6}没(?:有)?答复",
    r"不履行(?:法定)?职责|不作为")
TAX_DISPUTE = _rx(r"补税|滞纳金|纳税")
NATURAL_RESOURCE_RIGHT = _rx(r"(?:林权证|土地使用权|承包经营权|采矿权|海域使用权|林地)[^。]{0,30}(?:收回|划成|禁止|注销|撤销)",
                             r"(?:收回|划成|禁止|注销)[^。]{0,20}(?:国有土地使用权|林权|采伐|使用权)")
WORK_INJURY_DECISION = _rx(r"(?:不予|不)认定(?:为)?工伤|不算工伤|工伤认定[^。]{0,12}(?:不服|不受理|不予)|不受理[^。]{0,6}工伤认定|不予认定工伤")
WORK_INJURY_DONE = _rx(r"(?:已经|已)?认定(?:了)?(?:是)?工伤|工伤(?:已经)?认定(?:下来)?了|认定是工伤|认定了工伤|认定工伤了|工伤[^。]{0,6}已经认定")

# --- stages --------------------------------------------------------------------------------------------

RECON_DECIDED = _rx(
    r"复议(?:机关|决定)?[^。！？]{0,25}(?:维持|驳回|确认|撤销了|改成|减了|变更|不予受理|超期了不受理|说[^。]{0,10}合法|说[^。]{0,8}(?:没错|不算|已经履职))",
    r"复议决定(?:书)?(?:是|于|在|已经|刚|上周|前几天|[0-9０-９一二三四五六七八九十]+月)",
    r"不服[^。]{0,12}复议决定|复议(?:已经)?(?:做过|复议过|过了)|复议过了|已经复议|复议了[^。]{0,10}(?:维持|驳回|还是)",
    r"(?:申请撤销|重新审查|要求审查|审查以后|走过一遍程序|申请过了|找上级政府|上一级)[^。]{0,20}(?:维持|驳回|说[^。]{0,6}没错|决定)",
    r"(?:市|区|县|省)?(?:人民)?政府维持|上级维持|上一级维持|还是维持|维持了原")
RECON_OVERDUE = _rx(r"复议[^。]{0,30}(?:法定期限内没有作出|逾期不(?:作)?决定|延期[^。]{0,20}(?:到了|过了)[^。]{0,10}(?:没|还是没)决定)")
RECON_DONE_WORDS = _rx(r"复议")
LABOUR_AWARD = _rx(r"(?:劳动)?仲裁[^。]{0,12}(?:裁决(?:书)?(?:下来|已经|生效|刚)|裁决[^。]{0,6}(?:了|只支持|支持了)|不予受理通知|支持了我)",
                   r"仲裁裁决[^。]{0,15}(?:要付|要赔|支持|不服)|裁决书[^。]{0,8}收到|裁决下来",
                   r"仲裁委员会说[^。]{0,20}不予受理|作出了不予受理", r"仲裁委[^。]{0,4}支持了")
LAND_AWARD = _rx(r"(?:土地承包|承包)仲裁委员会[^。]{0,10}裁决|承包[^。]{0,10}仲裁[^。]{0,10}裁决")
COMMERCIAL_AWARD = _rx(r"(?:商事)?仲裁裁决[^。]{0,10}(?:下来|已经)|仲裁委员会的裁决|仲裁庭[^。]{0,10}裁决|裁决[^。]{0,6}(?:要付|要赔)")
AWARD_UNPERFORMED = _rx(r"(?:裁决|判决|调解书|调解协议)[^。]{0,30}(?:不付|不给|不履行|不执行|没付|没给|还是不|一分钱都没|不还)",
                        r"生效[^。]{0,12}(?:不给|不付|还是不)", r"已经拿到[^。]{0,6}判决")
MEDIATION_FAILED = _rx(
    r"调解(?:过|了)?[^。！？]{0,20}(?:没成|不成|失败|没谈成|没谈拢|没用|调不了|终结|谈不拢|不同意|还是不|不认|差得太远|没有结果)",
    r"调解不成|调解终结|调解没成|调解失败|调解了两次|调解过两次|(?<!协)调过[^。]{0,4}没用|调不了|调解不了|调解了[^。]{0,6}只肯|调解(?:员)?调解过一次[^。]{0,12}(?:走了|不同意|不认)",
    r"(?:调解书|调解协议)[^。]{0,25}(?:不给|不还|不履行|没给|一直不|还是不)", r"当面答应[^。]{0,20}(?:没给|一分钱)",
    r"调解[^。]{0,10}(?:他不认|他就是不)")
MEDIATION_CONTINUING = _rx(r"再约|同意[^。]{0,10}再|下礼拜再|继续调解|还愿意(?:谈|调)")
COLLECTIVES = _rx(r"两个(?:村|组|村民小组|自然村)|两村|两组|村民小组之间|小组和|村委会和|(?:隔壁|那个|旁边)(?:那个)?村说|邻村(?:说|的一个小组|之间)|和邻村|跟邻村|和隔壁村|村和[^。]{0,6}(?:村|林场|农场)|国有农场|林场说")
COURT_ADMIN = _rx(r"直接(?:去)?(?:法院|起诉)|就要去法院|要去法院|要到法院|去法院起诉|不想再找政府|去法院告|让法官来判|一起去法院|决定直接去法院|建议直接起诉|还能去法院|还可以起诉|还能不能[^。]{0,4}告|律师说[^。]{0,6}(?:还能|可以)|想直接去法院|不想复议|不想再复议|不相信复议")
IN_COURT = _rx(r"传票|开庭|法院(?:已经)?立案|被告|起诉我|告我|把我也告了|打官司打了|一审|判决书|法院判|已经判|判了|法拍|官司[^。]{0,6}判",
               r"在法院打|案子在法院|法院[^。]{0,6}(?:审理|执行)")
JUDGMENT_UNPERFORMED = _rx(r"(?:判决|判的|判给)[^。]{0,20}(?:不付|不给|没付|不执行|不履行|不让)")

# --- channel-specific subjects -------------------------------------------------------------------------

EMPLOYER = _rx(r"公司|厂(?:里|子)?|老板(?:娘)?|单位|店(?:里|长)|用人单位|企业|酒店|饭店|超市|物业公司|站点|包工头|工地|施工|"
               r"家政公司|医院|学校|图书馆|保安公司|物流公司|平台|车间|鞋厂|集团")
LABOUR_SUBJECT = _rx(
    r"工资|工钱|欠薪|讨薪|薪水|辞退|开除|解除(?:劳动)?合同|劳动合同|劳动关系|社保|加班|试用期|离职|辞职|年假|年休假|病假|医疗期|"
    r"工伤|经济补偿|赔偿金|绩效|提成|调岗|待岗|入职|上班|上夜班|转正|裁员|末位淘汰|规章制度|旷工|二倍工资|竞业|培训费|"
    r"高温津贴|夜班补贴|年终奖|离职证明|工资流水|工龄|产假|怀孕|哺乳期|聘用合同|聘用制|不续签|不续聘|考勤|底薪|停工留薪|伤残")
LABOUR_STRONG = _rx(r"劳动合同|劳动关系|劳动仲裁|用人单位|试用期|辞退|开除|经济补偿|加班费|社保|工伤待遇|聘用合同|二倍工资|离职证明|"
                    r"末位淘汰|待岗|调岗|工龄|年假|违法解除|停工留薪|劳动争议")
LABOUR_NEGATED = _rx(r"不是劳动(?:合同|关系)|非劳动|不算劳动关系")
OTHER_ARB_BODY = _rx(r"劳动(?:人事)?(?:争议)?仲裁(?:委员会|委)?|(?:土地)?承包仲裁委员会|农村土地承包仲裁|农业农村局那边的仲裁|市里的仲裁委员会")
LABOUR_EXCLUDED = _rx(r"退休(?:返聘|工资|人员|的(?:会计|老师|师傅|工人))|已经退休|已经拿退休|领(?:取)?养老金|享受养老保险|自己找的[^。]{0,6}保姆|请了(?:个|一个)?保姆|家里请的保姆|"
                      r"个人(?:师傅|老板)?[^。]{0,4}(?:不是公司|不是装修公司)|老板是个人|打零工|按天给钱的个人|分包合同|合伙开")
PUBLIC_INSTITUTION = _rx(r"事业单位|聘用制|聘用合同|编外")

RURAL_LAND = _rx(r"土地承包|承包(?:地|田|的(?:田|地|山|水田|鱼塘|山林|蔬菜|那块)|经营权|合同|期|户|山|鱼塘|山林|荒山|果园)|土地(?:经营权)?流转|流转(?:合同|给|了)|"
                 r"种粮大户|田租给|把(?:家里)?[^。]{0,4}(?:田|地)(?:租|转|流转)给|二轮承包|机动地|发包|地租给|租金[^。]{0,10}(?:田|亩)|"
                 r"每亩|入股到[^。]{0,6}合作社|撂荒|互换[^。]{0,6}(?:承包地|地)|调整承包地|分地|承包经营权证")
RURAL_ADMIN_TAKER = _rx(r"(?:镇|乡)(?:政府|里)[^。]{0,25}(?:收回|推了|砍了|拆|占|强行|征|建)|(?:县里|区里|县政府|区政府|局)[^。]{0,15}(?:收回|占用|占了)",
                        r"政府的(?:事|决定|项目)|镇里的项目|是镇里定的|政府的决定")
RURAL_VILLAGE_TAKER = _rx(r"村(?:里|委会|集体|民小组|干部|主任|书记|经济合作社)|(?:村民)?小组|组长|发包方")
RURAL_NO_ADMIN = _rx(r"没有政府的文件|镇里也没发过|没有征地批文|不是政府的|村里自己搞")
COLLECTIVE_DISTRIBUTION = _rx(r"(?:征地)?补偿款[^。]{0,20}(?:村里|集体|按户|分)|(?:村里|集体)[^。]{0,15}(?:分钱|分配|收益|分红)|外嫁女|成员(?:资格|身份)")
EXPROPRIATION = _rx(r"征收决定|征收补偿决定|房屋征收|征收范围|征地批文|拆迁")

OWNERSHIP = _rx(
    r"两个(?:村|组|村民小组|自然村|乡镇?|县|企业)|两村|两组|邻村|隔壁村|村和[^。]{0,6}(?:村|林场|农场)|村民小组之间|小组和|村委会和",
    r"(?:都说|都主张|说是|都认为)[^。]{0,8}(?:是|归)?自己(?:的|家|村)|归(?:谁|哪个)|权属|所有权|林权证[^。]{0,10}(?:重叠|都有)|证[^。]{0,8}重叠|红线[^。]{0,6}重叠|两家都有[^。]{0,6}证",
    r"两家都说|说不清楚归|都说是自己")
FOREST = _rx(r"山林|林地|林木|林场|山场|竹林|林权|山包|座山|一片山|后山|那片山|争一座山|争山|杉树|樟树")
PATENT_TM = _rx(r"专利|商标")
IP_DECIDED = _rx(r"处理决定|认定(?:我们)?(?:构成)?侵权|责令[^。]{0,6}停止")
IP_ADMIN = _rx(r"知识产权局|管理专利(?:工作)?的部门|管专利的部门|专利管理部门|市场监管(?:局|部门)?[^。]{0,10}(?:处理|查处)|请求[^。]{0,10}处理|责令[^。]{0,6}停止")
IP_DAMAGES_ONLY = _rx(r"(?:就剩|只谈|只剩)[^。]{0,8}赔(?:多少|偿)|赔多少钱的问题")
PROCUREMENT = _rx(r"政府采购|采购项目|中标|招标|评标|质疑")
WATER = _rx(r"水事|拦水坝|截(?:了)?水|引水|灌溉|筑坝|山溪|水渠|灌溉渠")
CROSS_REGION = _rx(r"两个(?:县|乡|镇)|不同的(?:镇|乡|县)|隔壁县|上游那个县|两县|县界|跨")

ARB_AGREEMENT = _rx(
    r"仲裁委员会|仲裁条款|仲裁协议|约定[^。，]{0,12}仲裁|写(?:了|明|的是)?[^。，]{0,10}仲裁|仲裁中心|贸仲|CIETAC|SIAC|HKIAC|北仲|深国仲|上国仲|SHIAC|"
    r"国际仲裁|交(?:给)?[^。，]{0,10}仲裁|提交[^。，]{0,12}仲裁|选(?:的是|择了?)[^。，]{0,10}仲裁|仲裁(?:庭|规则)|争议解决条款|到温州仲裁")
ARB_NEGATED = _rx(r"没(?:有)?(?:写|约定|签)?(?:什么)?(?:任何)?仲裁|没写(?:什么)?仲裁|无仲裁|没有仲裁条款|不是仲裁|没约定仲裁|没写仲裁委员会|没有约定仲裁")
ARB_OR_COURT = _rx(r"(?:合同|协议|约定|写)[^。]{0,30}仲裁[^。]{0,12}也可以[^。]{0,10}(?:起诉|法院)|(?:起诉|法院)[^。]{0,10}也可以[^。]{0,10}仲裁|或裁或诉|可以仲裁也可以起诉")
WANTS_ARBITRATION = _rx(r"(?:想|要|申请|去)仲裁|仲裁是不是|要我去仲裁")
NON_ARBITRABLE = _rx(r"离婚|婚姻|结婚|继承|遗产|遗嘱|赡养|抚养|扶养|收养|监护|生活费[^。]{0,6}(?:妈|爸|老人)|不管(?:她|他|我)(?:妈|爸)?|彩礼")
ARB_BODY_LOCAL = _rx(r"温州仲裁委员会|仲裁委员会")

CRIME = _rx(
    r"诈骗|骗子|被骗|骗了|骗走|骗取|骗我|是骗|杀猪盘|安全账户|逮捕令|解冻(?:金|费)|跑分|验证码|钓鱼|冒充|假币|假的[^。]{0,6}(?:房产证|承兑|汇票)|"
    r"盗用|盗刷|被盗|被偷|偷了|偷走|撬门|撬开|抢了|抢劫|抢夺|入室|不见了[^。]{0,6}(?:金|首饰)",
    r"威胁|弄死|杀了|要杀|砍(?:他|我|人)|拿着(?:刀|菜刀|木棍)|持刀|菜刀|砸门|泼油漆|恐吓|绑|关在|锁在家里|不让(?:我)?(?:走|出门|回来)|不放人|"
    r"收走|护照被收|身份证都收走|限制人身|拦在路上|堵(?:我|她|在)|围着打|正在|刚才|刚刚|现在还在|躲在",
    r"逃逸|开车就跑|跑了[^。]{0,6}车牌|肇事逃|摸屁股|猥亵|投毒|放了东西|走丢|失踪|化工废料|P了[^。]{0,4}遗照|催收[^。]{0,20}(?:威胁|上门|遗照|亲戚)|"
    r"删了|远程登录|伪造|假冒[^。]{0,4}签名|拉黑|人去楼空|电话关机|人找不到|人也找不到|失联|网上认识|网恋|投资平台|内部原始股|指标费|大师")
CRIME_STRONG = _rx(r"伪造|邮箱[^。]{0,4}被黑|转(?:了|账)[^。]{0,12}拉黑|收了[^。]{0,12}(?:人也找不到|找不到人)|假币|人去楼空|地址也是假的|一查是假的|房产证是假的|不见了[^。]{0,4}(?:柜子|只有)|全删了|敲诈|不赔不让走|不让我回来|诈骗|骗子|安全账户|逮捕令|解冻(?:金|费)|跑分|杀猪盘|被偷|被盗|偷走|偷了|撬门|抢劫|抢了|入室|弄死|杀了|持刀|菜刀|"
                   r"砸门|逃逸|开车就跑|猥亵|摸屁股|投毒|非法拘禁|不放人|锁在家里|护照被收|身份证都收走|泼油漆|化工废料|走丢")
DANGER_NOW = _rx(r"正在|现在还在|刚才|刚刚|躲在|还在[^。]{0,6}(?:堵|门口|那里|倒)|准备下午转|还没转|门快被砸开")
CRIME_DOUBT = _rx(r"还在开|房子也在|找回来|已经找回|是不是诈骗|说这是诈骗|不是诈骗|非诈骗|想报警说|要不要报警|老板没跑|店还开着|正常经营|一直有联系|人还在|还在正常")
MINOR_INJURY = _rx(r"轻微伤|擦伤|扭伤|擦破|打青|嘴角打破|推了|推倒|推搡|软组织")
SERIOUS_INJURY = _rx(r"骨折|轻伤|重伤|打断")
POLICE_HANDLED = _rx(r"派出所[^。]{0,20}(?:调解|笔录|处理|出警|来过|问过话|带走|组织)|民警[^。]{0,10}(?:带走|找他)|报了110|当时就被民警")

# --- administrative mediation domains ------------------------------------------------------------------

TRAFFIC = _rx(r"交通事故|交警|撞了?|追尾|刮(?:倒|了|到)|碰了|事故认定|认定书|全责|主责|次责|同责|保险公司[^。]{0,6}定损|122")
CONSUMER = _rx(r"买(?:了|的)|网购|商家|店(?:里|家)|退款|退货|退钱|退卡|假货|售后|保修|消费|营业厅|运营商|维修|平台|办卡|预付卡|"
               r"培训机构|健身房|美容院|驾校|干洗|婚庆|月子中心|酒店|饭店|外卖|中介|装修公司|退一赔三|12315|质量")
MEDICAL = _rx(r"医院|诊所|手术|医生|输液|卫生院|医疗|卫健|医美|体检|彩超|误诊|配错|护工|推拿|中医馆|病历")
EXPRESS = _rx(r"快递|包裹|驿站|邮政")
TOURISM = _rx(r"旅游|旅行社|导游|团费")
SCHOOL_INJURY = _rx(r"学校[^。]{0,20}(?:摔|伤|骨折|推)|体育课|教育局[^。]{0,10}调解")
SEA = _rx(r"海域|养殖户?[^。]{0,10}(?:界线|海面|重叠)|海面|浮标")
POLLUTION = _rx(r"排(?:水|污)|污染|鱼死|死了一批|电镀厂|化工厂")
TELECOM = _rx(r"宽带|运营商|套餐|合约|营业厅")

# --- people's mediation / civil / petition -------------------------------------------------------------

ACQUAINTANCE = _rx(r"邻居|楼上|楼下|隔壁|对门|同村|老乡|亲戚|朋友|同学|室友|兄弟|姐妹|哥|弟|姐|妹|儿子|女儿|父母|爸|妈|婆婆|老公|老婆|"
                   r"前夫|前妻|舅|姑|叔|嫂|弟媳|亲家|家里|一家人|老伴|孙子")
FAMILY = _rx(r"儿子|女儿|父母|爸|妈|婆婆|老公|老婆|兄弟|姐妹|哥嫂|弟媳|姑姑|舅|叔|老伴|家里人|一家人|娘家|前夫|前妻")
NEIGHBOUR = _rx(r"邻居|楼上|楼下|隔壁|对门|同单元|一个楼|同村|小区里")
CONCILIATORY = _rx(r"不想闹|说和|劝劝|评评理|说说理|调解一下|商量|关系(?:还|都)?(?:行|可以|不错|还可以)|还要走动|不想打官司|不想(?:闹|上)(?:到)?法院|"
                   r"愿意(?:谈|出|赔|付)|会来谈|关起门|想找(?:个)?人|先怎么弄|还在商量|好好赔")
REFUSAL = _rx(r"拒绝|不认|不理|不承认|不肯|不同意|拉黑|不接|电话打不通|打不通|失联|跑到外地|撕破脸|吵翻|有本事去法院|让我们自己去法院|去告他|要修就去告|"
              r"不让步|当场就走了|请律师|对立")
COURT_WORDS = _rx(r"法院|起诉|告(?:他|她|他们|区政府|街道|县政府)|打官司|诉讼|判决|立案|保全|强制执行|申请执行")
PETITION = _rx(r"建议|希望(?:政府|有关部门|上面|市里|教育局)?|反映|举报|检举|意见|表扬|投诉[^。]{0,6}(?:工作人员|民警|窗口)|写信给市长|区长信箱|"
               r"上访|信访|拉横幅|能不能(?:在|设|出台)|想问问|咨询|求助|帮帮忙|不知道找哪个部门|讲讲政策")
ATTITUDE = _rx(r"态度|不耐烦|骂骂咧咧|骂人|说话(?:特别)?难听|翻白眼|玩手机|打麻将|作风|不客气")
ACCEPTS_DECISION = _rx(r"(?:罚款|罚单|处罚|判决|结果)[^。]{0,6}(?:我认了|我认|没意见|接受)|(?:事情|事)(?:最后)?(?:是)?(?:已经)?办好了|后来还是帮我|我不需要复议|不是要(?:推翻|打官司|告)|对(?:处理)?结果(?:本身)?没(?:有)?意见|"
                       r"钱也执行完了|也不是要告谁|不争")
GENERAL_POLICY = _rx(r"政策|标准|规定|划片|方案|线路|公交|路灯|厕所|护栏|停车|基站|垃圾分类|宣传|工期|施工进度")
NOT_PERSONAL = _rx(r"我(?:本人|自己)?(?:没(?:有)?(?:提交|申请|被谁处罚)|家不吃低保|家离得远|不挡我家)|还没开始谈|也没申请过|征收决定也还没出来")

WANTS_ADMIN_MEDIATION = _rx(
    r"(?:请|找|让|希望|叫)(?:了)?(?:当地)?(?:交警|教育局|水利局|卫健局|卫生部门|市场监管(?:局|部门)?|管市场的部门|派出所|海洋|环保|邮政管理|旅游|管快递|上面管)[^。]{0,10}(?:出面|调解|主持|来调|协调|谈)",
    r"(?:交警|派出所|市场监管局?|卫健局|教育局|水利局)(?:那里|那边)?(?:主持|组织)?(?:调解|谈)", r"在交警那里谈|想在[^。]{0,6}那里谈|申请调解|介入调解|主持调解")
CHOSE_COURT = _rx(r"(?:直接|就要|想|要|准备|决定)(?:去)?(?:法院|起诉)|去法院告|直接去法院|向法院起诉|让法官来判|一起去法院|村里开会决定直接去法院|"
                  r"建议直接起诉|还能去法院|还能不能[^。]{0,4}告|还是想告|去告|还能起诉|可以起诉|还可以起诉|想再往上告|要去法院|要起诉|拟向人民法院")
CHOSE_RECON = _rx(r"申请(?:行政)?复议|去复议|想复议|要复议")

CONTESTS = _rx(r"不服|决定书|不认|冤枉|没证据|有异议|罚得(?:也)?太重|讨个说法|不合理|根本不是|没有违法")
MONEY = re.compile(r"(?P<n>[0-9０-９]+(?:\.[0-9]+)?|[一二两三四五六七八九十百千]+(?:多)?)(?P<u>万|千|百|块|元)")

# the first date after one of these words is the date the person learned of the act / received the decision
RECEIPT_WORDS = re.compile(r"收到|送达|送来|送到|下来|出了|作出|下了|开了|拿到|公告|罚了|罚款|处罚|决定书|扣押|查封|吊销|拆|通知|知道|贴出")


@dataclass
class Facts:
    # --- who is on the other side
    other_party_admin: bool | None = None     # an administrative organ / organisation exercising public power
    admin_act: bool = False                   # a concrete administrative act (decision, measure, refusal) is in dispute
    admin_act_kinds: list[str] = field(default_factory=list)
    on_the_spot_penalty: bool | None = None
    info_disclosure_refused: bool = False
    duty_not_performed: bool = False
    tax_dispute: bool = False
    natural_resource_decision: bool = False
    work_injury_decision: bool = False        # 工伤认定 itself (an administrative act)
    work_injury_recognised: bool = False      # already recognised; the fight is over benefits
    expropriation: bool = False
    # --- stage reached
    reconsideration_decided: bool = False     # a 复议决定 has been made (or 复议 refused / overdue)
    reconsideration_overdue: bool = False
    labour_award: bool = False
    land_award: bool = False
    commercial_award: bool = False
    award_or_judgment_unperformed: bool = False
    mediation_failed: bool = False
    in_court: bool = False
    chose_court: bool = False
    chose_reconsideration: bool = False
    # --- subject matter
    employment: bool = False
    employment_strong: bool = False
    labour_excluded: bool = False             # 退休返聘, 家庭直接雇保姆, 个人之间劳务, 分包/合伙
    public_institution: bool = False
    rural_land: bool = False
    rural_taken_by_admin: bool = False
    rural_village_party: bool = False
    collective_distribution: bool = False
    ownership_dispute: bool = False
    forest: bool = False
    ip_dispute: bool = False
    ip_admin_handling: bool = False
    ip_decision_contested: bool = False  # the patent office has decided the infringement claim; the party objects
    ip_damages_only: bool = False
    procurement_complaint: bool = False
    water_dispute: bool = False
    cross_region: bool = False
    # --- arbitration
    arbitration_agreement: bool | None = None  # True found / False said to be absent / None not mentioned
    arbitration_or_court_clause: bool = False  # 或裁或诉: the agreement is invalid
    wants_arbitration: bool = False
    non_arbitrable: list[str] = field(default_factory=list)  # 婚姻, 继承, 赡养 … (仲裁法第三条)
    # --- danger and crime
    crime_indicators: list[str] = field(default_factory=list)
    crime_strong: bool = False
    danger_now: bool = False
    crime_doubt: bool = False
    minor_injury: bool = False
    serious_injury: bool = False
    police_handled: bool = False
    # --- administrative-mediation domains
    domains: list[str] = field(default_factory=list)   # 交通事故, 消费, 医疗, 快递, 旅游, 学生伤害, 海域, 环境, 治安
    # --- relations and tone
    acquaintance: bool = False
    family: bool = False
    neighbour: bool = False
    conciliatory: bool = False
    refusal: bool = False
    court_words: bool = False
    petition_words: bool = False
    attitude_only: bool = False
    attitude: bool = False
    collectives: bool = False
    contests_act: bool = False
    wants_admin_mediation: bool = False
    chose_court_admin: bool = False
    accepts_decision: bool = False
    general_policy: bool = False
    not_personal: bool = False
    amount_yuan: float | None = None
    # --- dates
    dates: list[DateMention] = field(default_factory=list)
    act_date: DateMention | None = None        # when the person learned of the act (for 复议 / 诉讼 periods)
    decision_date: DateMention | None = None   # when a 复议决定 / 裁决 was received
    today: date | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    overridden: list[str] = field(default_factory=list)   # fields the clerk set by hand

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, DateMention):
                v = v.to_json()
            elif isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, list) and v and isinstance(v[0], DateMention):
                v = [d.to_json() for d in v]
            out[f.name] = v
        return out

    def apply(self, overrides: dict[str, Any] | None) -> "Facts":
        """Clerk-supplied facts win. Dates may be given as 'YYYY-MM-DD'."""
        if not overrides:
            return self
        names = {f.name for f in fields(self)}
        for k, v in overrides.items():
            if k not in names:
                raise KeyError(f"unknown fact {k!r}; known: {', '.join(sorted(names))}")
            if k in ("act_date", "decision_date") and isinstance(v, (str, date)):
                d = date.fromisoformat(v) if isinstance(v, str) else v
                v = DateMention(d.isoformat(), -1, -1, d, d, "day")
            setattr(self, k, v)
            if k not in self.overridden:
                self.overridden.append(k)
        return self


def _money(text: str) -> float | None:
    best = None
    for m in MONEY.finditer(text):
        n, u = m.group("n"), m.group("u")
        try:
            if n[0].isdigit() or n[0] in "０１２３４５６７８９":
                v = float(n.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
            else:
                from .dates import cn_number
                core = n.rstrip("多")
                v = cn_number(core) if "百" not in core and "千" not in core else None
                if v is None:
                    continue
        except ValueError:
            continue
        v *= {"万": 10000, "千": 1000, "百": 100}.get(u, 1)
        best = v if best is None else max(best, v)
    return best


def _hit(pat: re.Pattern, text: str, facts: Facts, name: str) -> bool:
    m = pat.search(text)
    if m:
        facts.evidence[name] = m.group(0)
        return True
    return False


def _all(pat: re.Pattern, text: str) -> list[str]:
    return sorted({m.group(0) for m in pat.finditer(text)})


def _date_near(text: str, dates: list[DateMention], words: re.Pattern, window: int = 14) -> DateMention | None:
    """The latest date mention that has one of ``words`` within ``window`` characters around it."""
    best = None
    for d in dates:
        ctx = text[max(0, d.start - window): d.end + window]
        if words.search(ctx):
            if best is None or d.latest >= best.latest:
                best = d
    return best


def extract_facts(text: str, today: date) -> Facts:
    f = Facts(today=today)
    t = text
    organs = [m.group(0) for m in ADMIN_ORGAN.finditer(t) if not NOT_ADMIN_CENTRE.search(m.group(0))]
    if organs:
        f.other_party_admin = True
        f.evidence["other_party_admin"] = organs[0]
    acts = _all(ADMIN_ACT, t)
    f.admin_act_kinds = acts
    f.admin_act = bool(organs and acts)
    if f.admin_act:
        f.evidence["admin_act"] = acts[0]
    if _hit(ON_THE_SPOT, t, f, "on_the_spot_penalty"):
        f.on_the_spot_penalty = not NOT_ON_THE_SPOT.search(t)
    elif NOT_ON_THE_SPOT.search(t):
        f.on_the_spot_penalty = False
    f.info_disclosure_refused = bool(INFO_DISCLOSURE.search(t) and INFO_REFUSED.search(t))
    f.duty_not_performed = _hit(DUTY_NOT_PERFORMED, t, f, "duty_not_performed")
    f.tax_dispute = bool(re.search("税务", t)) and _hit(TAX_DISPUTE, t, f, "tax_dispute")
    f.natural_resource_decision = _hit(NATURAL_RESOURCE_RIGHT, t, f, "natural_resource_decision")
    f.work_injury_decision = _hit(WORK_INJURY_DECISION, t, f, "work_injury_decision")
    f.work_injury_recognised = _hit(WORK_INJURY_DONE, t, f, "work_injury_recognised")
    f.expropriation = _hit(EXPROPRIATION, t, f, "expropriation")

    f.reconsideration_overdue = _hit(RECON_OVERDUE, t, f, "reconsideration_overdue")
    f.reconsideration_decided = _hit(RECON_DECIDED, t, f, "reconsideration_decided") or f.reconsideration_overdue
    f.labour_award = _hit(LABOUR_AWARD, t, f, "labour_award") and bool(
        re.search(r"劳动|工资|工钱|员工|老板|公司|讨薪|加班", t)) and not re.search(r"仲裁委员会仲裁|约定[^。]{0,10}仲裁", t)
    f.land_award = _hit(LAND_AWARD, t, f, "land_award")
    f.commercial_award = _hit(COMMERCIAL_AWARD, t, f, "commercial_award")
    f.award_or_judgment_unperformed = _hit(AWARD_UNPERFORMED, t, f, "award_or_judgment_unperformed") or \
        _hit(JUDGMENT_UNPERFORMED, t, f, "award_or_judgment_unperformed")
    f.mediation_failed = _hit(MEDIATION_FAILED, t, f, "mediation_failed") and not MEDIATION_CONTINUING.search(t)
    f.in_court = _hit(IN_COURT, t, f, "in_court")
    f.chose_court = _hit(CHOSE_COURT, t, f, "chose_court")
    f.chose_reconsideration = _hit(CHOSE_RECON, t, f, "chose_reconsideration")

    f.employment = bool(EMPLOYER.search(t)) and _hit(LABOUR_SUBJECT, t, f, "employment")
    f.employment_strong = _hit(LABOUR_STRONG, t, f, "employment_strong") and not LABOUR_NEGATED.search(t)
    if LABOUR_NEGATED.search(t):
        f.employment = False
    f.labour_excluded = _hit(LABOUR_EXCLUDED, t, f, "labour_excluded")
    f.public_institution = _hit(PUBLIC_INSTITUTION, t, f, "public_institution")
    f.rural_land = _hit(RURAL_LAND, t, f, "rural_land")
    f.rural_taken_by_admin = f.rural_land and _hit(RURAL_ADMIN_TAKER, t, f, "rural_taken_by_admin") \
        and not RURAL_NO_ADMIN.search(t)
    f.rural_village_party = _hit(RURAL_VILLAGE_TAKER, t, f, "rural_village_party")
    f.collective_distribution = _hit(COLLECTIVE_DISTRIBUTION, t, f, "collective_distribution")
    f.ownership_dispute = _hit(OWNERSHIP, t, f, "ownership_dispute")
    f.forest = _hit(FOREST, t, f, "forest")
    f.ip_dispute = _hit(PATENT_TM, t, f, "ip_dispute")
    f.ip_admin_handling = f.ip_dispute and _hit(IP_ADMIN, t, f, "ip_admin_handling")
    f.ip_damages_only = f.ip_dispute and _hit(IP_DAMAGES_ONLY, t, f, "ip_damages_only")
    f.procurement_complaint = _hit(PROCUREMENT, t, f, "procurement_complaint")
    f.water_dispute = _hit(WATER, t, f, "water_dispute")
    f.cross_region = f.water_dispute and _hit(CROSS_REGION, t, f, "cross_region")

    neg_spans = [m.span() for m in ARB_NEGATED.finditer(t)] + [m.span() for m in OTHER_ARB_BODY.finditer(t)]
    pos = [m for m in ARB_AGREEMENT.finditer(t)
           if not any(m.start() < e and m.end() > s for s, e in neg_spans)]
    if pos:
        f.arbitration_agreement = True
        f.evidence["arbitration_agreement"] = pos[0].group(0)
    elif ARB_NEGATED.search(t):
        f.arbitration_agreement = False
        f.evidence["arbitration_agreement"] = ARB_NEGATED.search(t).group(0)
    f.arbitration_or_court_clause = _hit(ARB_OR_COURT, t, f, "arbitration_or_court_clause")
    f.wants_arbitration = _hit(WANTS_ARBITRATION, t, f, "wants_arbitration")
    f.non_arbitrable = _all(NON_ARBITRABLE, t)

    f.crime_indicators = _all(CRIME, t)
    f.crime_strong = _hit(CRIME_STRONG, t, f, "crime_strong")
    f.danger_now = _hit(DANGER_NOW, t, f, "danger_now")
    f.crime_doubt = _hit(CRIME_DOUBT, t, f, "crime_doubt")
    f.minor_injury = _hit(MINOR_INJURY, t, f, "minor_injury")
    f.serious_injury = _hit(SERIOUS_INJURY, t, f, "serious_injury")
    f.police_handled = _hit(POLICE_HANDLED, t, f, "police_handled")

    for name, pat in (("交通事故", TRAFFIC), ("消费", CONSUMER), ("医疗", MEDICAL), ("快递", EXPRESS), ("旅游", TOURISM),
                      ("学生伤害", SCHOOL_INJURY), ("海域", SEA), ("环境", POLLUTION), ("电信", TELECOM)):
        if pat.search(t):
            f.domains.append(name)
    if f.police_handled and (f.minor_injury or re.search("砸|划|损|打碎|弄坏|赔", t)):
        f.domains.append("治安")

    f.acquaintance = _hit(ACQUAINTANCE, t, f, "acquaintance")
    f.family = _hit(FAMILY, t, f, "family")
    f.neighbour = _hit(NEIGHBOUR, t, f, "neighbour")
    f.conciliatory = _hit(CONCILIATORY, t, f, "conciliatory")
    f.refusal = _hit(REFUSAL, t, f, "refusal")
    f.court_words = _hit(COURT_WORDS, t, f, "court_words")
    f.petition_words = _hit(PETITION, t, f, "petition_words")
    f.accepts_decision = _hit(ACCEPTS_DECISION, t, f, "accepts_decision")
    f.attitude = _hit(ATTITUDE, t, f, "attitude")
    f.attitude_only = f.attitude and f.accepts_decision
    f.collectives = _hit(COLLECTIVES, t, f, "collectives")
    f.contests_act = f.admin_act and _hit(CONTESTS, t, f, "contests_act")
    f.ip_decision_contested = f.ip_admin_handling and f.contests_act and _hit(IP_DECIDED, t, f, "ip_decision_contested")
    f.wants_admin_mediation = _hit(WANTS_ADMIN_MEDIATION, t, f, "wants_admin_mediation")
    f.chose_court_admin = _hit(COURT_ADMIN, t, f, "chose_court_admin")
    f.general_policy = _hit(GENERAL_POLICY, t, f, "general_policy")
    f.not_personal = _hit(NOT_PERSONAL, t, f, "not_personal")
    f.amount_yuan = _money(t)

    f.dates = extract_dates(t, today)
    if f.dates:
        if f.reconsideration_decided or f.labour_award or f.land_award or f.commercial_award:
            f.decision_date = _date_near(t, f.dates, re.compile(r"收到|送达|送到|决定|裁决|下来|出的|维持|驳回"))
        f.act_date = _date_near(t, f.dates, RECEIPT_WORDS) or (f.dates[-1] if f.admin_act else None)
        if f.act_date is None and f.dates:
            f.act_date = f.dates[0]
    return f


SIGNAL_FIELDS = [
    "admin_act", "info_disclosure_refused", "duty_not_performed", "tax_dispute", "natural_resource_decision",
    "work_injury_decision", "work_injury_recognised", "expropriation", "reconsideration_decided",
    "reconsideration_overdue", "labour_award", "land_award", "commercial_award", "award_or_judgment_unperformed",
    "mediation_failed", "in_court", "chose_court", "chose_reconsideration", "employment", "employment_strong",
    "labour_excluded", "public_institution", "rural_land", "rural_taken_by_admin", "rural_village_party",
    "collective_distribution", "ownership_dispute", "ip_dispute", "ip_admin_handling", "ip_decision_contested", "ip_damages_only",
    "procurement_complaint", "water_dispute", "cross_region", "arbitration_or_court_clause", "wants_arbitration",
    "crime_strong", "danger_now", "crime_doubt", "minor_injury", "serious_injury", "police_handled", "acquaintance",
    "family", "neighbour", "conciliatory", "refusal", "court_words", "petition_words", "attitude_only",
    "accepts_decision", "general_policy", "not_personal", "attitude", "collectives", "chose_court_admin", "forest",
    "wants_admin_mediation",
]


def signals(f: Facts, today: date) -> dict[str, float]:
    """Numeric view of the facts for the learned model (names are stable: they are the model's features)."""
    s = {k: float(bool(getattr(f, k))) for k in SIGNAL_FIELDS}
    s["other_party_admin"] = float(f.other_party_admin is True)
    s["on_the_spot"] = float(f.on_the_spot_penalty is True)
    s["arb_yes"] = float(f.arbitration_agreement is True)
    s["arb_no"] = float(f.arbitration_agreement is False)
    s["arb_valid"] = float(f.arbitration_agreement is True and not f.arbitration_or_court_clause
                           and not f.non_arbitrable and not f.employment_strong)
    s["non_arbitrable"] = float(bool(f.non_arbitrable))
    s["n_crime"] = min(len(f.crime_indicators), 4) / 4
    for d in ("交通事故", "消费", "医疗", "快递", "旅游", "学生伤害", "海域", "环境", "电信", "治安"):
        s["domain_" + d] = float(d in f.domains)
    big = f.amount_yuan or 0
    s["amount_large"] = float(big >= 50000)
    s["amount_small"] = float(0 < big < 10000)
    # time since the act: decides 复议 (60 days) against 诉讼 (6 months)
    s["act_over_60d"] = s["act_within_60d"] = s["act_over_6m"] = 0.0
    if f.act_date is not None:
        from .dates import Period
        if Period(days=60).after(f.act_date.latest) < today:
            s["act_over_60d"] = 1.0
        else:
            s["act_within_60d"] = 1.0
        if Period(months=6).after(f.act_date.latest) < today:
            s["act_over_6m"] = 1.0
    s["admin_over_60d"] = s["admin_act"] * s["act_over_60d"]
    s["n_dates"] = min(len(f.dates), 3) / 3
    return s
