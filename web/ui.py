"""The Gradio front end, in Chinese, mounted at ``/`` on the API's app: 法律咨询 (chat with clickable citations),
纠纷分流 (intake form, route, save, queue) and 考题生成 (blueprint, preview, downloads).

Handlers call the shared :class:`web.api.Services` in-process (no HTTP hop); the citation side panel and the
download links go through the public API (``/api/provisions/{id}``, ``/api/exams/{id}/download``), so what a
user clicks is exactly what the API serves. Works at phone width (≈390 px): rows stack, the panel becomes a
bottom sheet.
"""
from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from . import schemas as S  # noqa: E402
from .api import ApiError, Services, intake_adapter  # noqa: E402

GetServices = Callable[[], Services | None]

STATUS_CLASS = {"现行有效": "ok", "已修改": "amended", "已废止": "repealed", "尚未生效": "pending"}
PRESETS = [("年度学法考试（annual）", "annual"), ("领导干部任前考试（appointment）", "appointment"),
           ("行政执法人员资格考试（enforcement）", "enforcement")]
TRI = ["未知", "是", "否"]
INTAKE_STATUSES = ["分流", "受理", "转办", "办结"]  # the workflow: 登记 → 分流 → 受理 / 转办 → 办结
KEEP = "（不改）"

EXAMPLES = ["行政复议的申请期限是多久？", "被交警罚款了不服怎么办？", "公司拖欠工资怎么办？",
            "《中华人民共和国行政处罚法》第三十条是怎么规定的？"]


# ---------------------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------------------
def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s))


def prov_href(pid: str) -> str:
    return "/api/provisions/" + quote(pid, safe="")


def status_badge(status: str | None) -> str:
    if not status:
        return ""
    return f'<span class="fz-status fz-{STATUS_CLASS.get(status, "unknown")}">{_e(status)}</span>'


def cite_link(label: str, pid: str | None, status: str | None = None) -> str:
    if not pid:
        return f'<span class="fz-cite fz-cite-missing">{_e(label)}</span>'
    return (f'<a class="fz-cite" href="{_e(prov_href(pid))}" data-pid="{_e(pid)}" title="查看条文全文">'
            f'{_e(label)}</a>{status_badge(status)}')


def table_html(headers: list[str], rows: list[list[Any]], empty: str, cls: str = "", raw_cols: tuple[int, ...] = ()) -> str:
    """A table that scrolls inside its box on narrow screens and turns into cards on phones."""
    if not rows:
        return f'<div class="fz-muted fz-empty">{_e(empty)}</div>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td data-label="{_e(headers[i])}">{v if i in raw_cols else _e(v)}</td>' for i, v in enumerate(r)) + "</tr>"
        for r in rows)
    return (f'<div class="fz-table-wrap"><table class="fz-grid fz-cards {cls}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _svc(get: GetServices) -> Services:
    svc = get()
    if svc is None:
        raise gr.Error("服务正在启动，请稍候再试。")
    return svc


def _tri(v: str | None) -> bool | None:
    return {"是": True, "否": False}.get(v or "")


def _date(v: str | None, name: str) -> date | None:
    v = (v or "").strip()
    if not v:
        return None
    v = re.sub(r"[年月/.]", "-", v).rstrip("日").strip("-")
    try:
        y, m, d = (int(x) for x in v.split("-"))
        return date(y, m, d)
    except (ValueError, TypeError):
        raise gr.Error(f"{name}格式不对：请写成 2026-10-30") from None


# ---------------------------------------------------------------------------------------------------------
# 法律咨询
# ---------------------------------------------------------------------------------------------------------
def link_citations(text: str, citations: list[dict]) -> str:
    """Each cited 《law》第X条（第Y款） in the answer becomes a link to that provision."""
    for c in sorted(citations, key=lambda c: -len(c["law"] + c["article"])):
        base = f"《{c['law']}》{c['article']}"
        pat = re.compile(re.escape(base) + r"(第[一二三四五六七八九十百]+款)?(?!\]|\()")
        text = pat.sub(lambda m: f"[{m.group(0)}]({prov_href(c['provision_id'])})", text)
    return text


def citations_html(citations: list[dict], grounded: bool | None = None) -> str:
    if not citations:
        if grounded is False:
            return '<div class="fz-cites fz-muted">没有找到足够的依据，建议咨询律师或到公共法律服务中心。</div>'
        return '<div class="fz-cites fz-muted">回答中引用的条文会列在这里，点击可查看全文及效力状态。</div>'
    seen, rows = set(), []
    for c in citations:
        if c["provision_id"] in seen:
            continue
        seen.add(c["provision_id"])
        label = f"《{c['law']}》{c['article']}"
        rows.append(f"<li>{cite_link(label, c['provision_id'], c.get('status'))}</li>")
    return ('<div class="fz-cites"><div class="fz-cites-title">本次回答引用的条文（点击查看全文）</div>'
            f'<ul>{"".join(rows)}</ul></div>')


def chat_turn(get: GetServices, message: str, chat: list[dict], plain: list[dict]) -> Iterator[tuple]:
    svc = _svc(get)
    message = (message or "").strip()
    if not message:
        raise gr.Error("请输入问题。")
    chat = list(chat or []) + [{"role": "user", "content": message},
                               {"role": "assistant", "content": "正在检索条文…"}]
    yield chat, plain, gr.update(), ""
    from assistant.answer.assistant import AskError
    from assistant.llm.base import LLMError
    text, final = "", None
    try:
        for ev in svc.assistant.ask_stream(message, plain):
            if ev["type"] == "delta":
                text += ev["text"]
                chat[-1] = {"role": "assistant", "content": text.strip()}
                yield chat, plain, gr.update(), ""
            elif ev["type"] == "answer":
                final = ev
    except AskError as exc:
        chat[-1] = {"role": "assistant", "content": f"无法回答：{exc}"}
        yield chat, plain, gr.update(), ""
        return
    except LLMError as exc:
        chat[-1] = {"role": "assistant", "content": f"语言模型出错：{exc}"}
        yield chat, plain, gr.update(), ""
        return
    if final is None:
        return
    chat[-1] = {"role": "assistant", "content": link_citations(final["answer"], final["citations"])}
    plain = list(plain or []) + [{"role": "user", "content": message},
                                 {"role": "assistant", "content": final["answer"]}]
    yield chat, plain[-20:], citations_html(final["citations"], final["grounded"]), ""


# ---------------------------------------------------------------------------------------------------------
# 纠纷分流
# ---------------------------------------------------------------------------------------------------------
DEADLINE_STATUS = {"running": "期限内", "expired": "已超过", "uncertain": "临界（需核实日期）",
                   "unknown": "缺少起算日期", "not_running": "未起算"}


def route_html(route: dict) -> str:
    conf = route.get("confidence") or 0
    where = ""
    for a in route.get("ranked_detail") or []:
        if a.get("channel") == route.get("channel"):
            where = a.get("where") or ""
            break
    parts = [f'<div class="fz-route"><div class="fz-route-head"><span class="fz-route-label">建议途径</span>'
             f'<span class="fz-channel">{_e(route.get("channel"))}</span>'
             f'<span class="fz-conf">把握 {conf:.0%}</span></div>']
    if where:
        parts.append(f'<div class="fz-where">受理机构：{_e(where)}</div>')
    basis = route.get("basis_detail") or []
    if basis:
        items = []
        for b in basis:
            label = b.get("label") or b.get("citation")
            why = f'<div class="fz-why">{_e(b.get("why"))}</div>' if b.get("why") else ""
            items.append(f"<li>{cite_link(label, b.get('provision_id'), b.get('status'))}{why}</li>")
        parts.append(f'<h4>法律依据</h4><ul class="fz-basis">{"".join(items)}</ul>')
    dls = route.get("deadlines") or []
    if dls:
        rows = []
        for d in dls:
            due = d.get("due_earliest") or "—"
            if d.get("due_latest") and d.get("due_latest") != d.get("due_earliest"):
                due = f"{d['due_earliest']} ~ {d['due_latest']}"
            left = d.get("days_left")
            left_s = "" if left is None else (f"（剩 {left} 天）" if left >= 0 else f"（已过 {-left} 天）")
            rows.append(f'<tr><td>{_e(d.get("name"))}</td><td>{_e(d.get("period"))}</td><td>{_e(due)}{_e(left_s)}</td>'
                        f'<td class="fz-dl-{_e(d.get("status"))}">{_e(DEADLINE_STATUS.get(d.get("status"), d.get("status")))}</td></tr>')
        parts.append('<h4>期限</h4><div class="fz-table-wrap"><table class="fz-deadlines"><thead><tr><th>期限</th>'
                     f'<th>长度</th><th>最后一日</th><th>状态</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    pre = route.get("prerequisites") or []
    if pre:
        parts.append("<h4>前置程序</h4><ul>" + "".join(f"<li>{_e(p)}</li>" for p in pre) + "</ul>")
    missing = route.get("missing") or []
    if missing:
        parts.append('<h4>还需要问清楚</h4><ol class="fz-missing">' +
                     "".join(f"<li>{_e(m if isinstance(m, str) else m.get('question'))}</li>" for m in missing) + "</ol>")
    ranked = [a for a in route.get("ranked") or [] if a.get("eligibility") != "not_eligible"][1:3]
    if ranked:
        parts.append('<div class="fz-alt">其他可选：' + "、".join(
            f'{_e(a["channel"])}（{(a.get("confidence") or 0):.0%}）' for a in ranked) + "</div>")
    expl = route.get("explanation") or []
    if expl:
        parts.append('<details class="fz-expl"><summary>判断依据</summary><ul>' +
                     "".join(f"<li>{_e(x)}</li>" for x in expl) + "</ul></details>")
    parts.append("</div>")
    return "".join(parts)


def triage_run(get: GetServices, text: str, admin: str, arb: str, act_date: str, today: str | None = None):
    svc = _svc(get)
    facts = {}
    if _tri(admin) is not None:
        facts["other_party_admin"] = _tri(admin)
    if _tri(arb) is not None:
        facts["arbitration_agreement"] = _tri(arb)
    d = _date(act_date, "知道决定的日期")
    if d:
        facts["act_date"] = d.isoformat()
    try:
        route = svc.triage(text or "", facts, _date(today, "今天") if today else None)
    except ApiError as exc:
        raise gr.Error(exc.message) from None
    return (route_html(route), {"text": text, "facts": facts, "today": today or None},
            gr.update(interactive=svc.intake is not None))


QUEUE_HEADERS = ["案件编号", "登记时间（UTC）", "陈述（已脱敏）", "建议途径", "采用途径", "状态"]


def queue_rows(get: GetServices, status: str | None = None) -> list[list[str]]:
    svc = get()
    if svc is None or svc.intake is None:
        return []
    try:
        data = intake_adapter.list(svc.intake, status=None if status in (None, "", "全部") else status,
                                   limit=svc.config.intake_page, offset=0)
    except ApiError:
        return []
    return [intake_adapter.row(r) for r in data["records"]]


def queue_html(rows: list[list[str]]) -> str:
    return table_html(QUEUE_HEADERS, rows, "还没有登记的案件。", "fz-queue-table")


def save_case(get: GetServices, last: dict | None, actor: str):
    svc = _svc(get)
    if not last:
        raise gr.Error("请先点“分流”，再保存。")
    if svc.intake is None:
        raise gr.Error(f"登记功能暂不可用：{svc.intake_error}")
    try:
        body = S.IntakeCreate(text=last["text"], facts=last["facts"] or None, today=last.get("today"),
                              actor=(actor or "").strip() or "窗口")
        rec = intake_adapter.create(svc.intake, svc.require_router(), body, actor=body.actor)
    except ApiError as exc:
        raise gr.Error(exc.message) from None
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    rows = queue_rows(get)
    return (f'<div class="fz-saved">已登记，编号 <b>{_e(rec.get("case_no"))}</b>，建议途径：{_e(rec.get("suggested_channel"))}，'
            f'状态：{_e(rec.get("status"))}</div>',
            queue_html(rows), gr.update(choices=[r[0] for r in rows], value=rec.get("case_no")),
            gr.update(interactive=False))


def update_case(get: GetServices, record_id: str, status: str, override: str, reason: str, actor: str):
    svc = _svc(get)
    if svc.intake is None:
        raise gr.Error(f"登记功能暂不可用：{svc.intake_error}")
    if not record_id:
        raise gr.Error("请选择案件编号。")
    override = None if override in (None, "", KEEP) else override
    status = None if status in (None, "", KEEP) else status
    if not (override or status):
        raise gr.Error("请选择新的状态或改判途径。")
    try:
        body = S.IntakeUpdate(status=status, override=override, reason=(reason or "").strip() or None,
                              actor=(actor or "").strip() or "窗口")
        rec = intake_adapter.update(svc.intake, str(record_id), body, actor=body.actor)
    except ApiError as exc:
        raise gr.Error(exc.message) from None
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    msg = (f'<div class="fz-saved">{_e(rec.get("case_no"))}：状态 {_e(rec.get("status"))}'
           + (f'，采用途径 {_e(rec.get("final_channel"))}' if rec.get("final_channel") else "") + "</div>")
    return queue_html(queue_rows(get)), msg


# ---------------------------------------------------------------------------------------------------------
# 考题生成
# ---------------------------------------------------------------------------------------------------------
PREVIEW_HEADERS = ["#", "题型", "题干", "选项", "答案", "分值", "出处"]


def _count(v: Any) -> int | None:
    if v in (None, ""):
        return None
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise gr.Error("题目数量应当是整数") from None
    if n < 0 or n > 200:
        raise gr.Error("题目数量应在 0–200 之间")
    return n


def exam_build(get: GetServices, preset: str, sources: str, single, multi, judge, blank, seed):
    svc = _svc(get)
    counts = {"单选": _count(single), "多选": _count(multi), "判断": _count(judge), "填空": _count(blank)}
    try:
        seed_i = int(seed or 0)
    except (TypeError, ValueError):
        raise gr.Error("随机种子应当是整数") from None
    try:
        req = S.ExamRequest(preset=preset or "annual", sources=(sources or "").strip() or None,
                            counts=S.ExamCounts(**counts) if any(v is not None for v in counts.values()) else None,
                            seed=max(0, seed_i))
        pid, entry = svc.build_exam(req)
    except ApiError as exc:
        raise gr.Error(exc.message) from None
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    from .api import exam_json
    d = exam_json(pid, entry)
    rows = [[it["n"], it["type"], _e(it["stem"]),
             "<br>".join(f"{_e(k)}．{_e(v)}" for k, v in it["options"].items()) or "—",
             _e(it["answer"]), f"{it['points']:g}", _e(it["citation"])] for it in d["items"]]
    preview = table_html(PREVIEW_HEADERS, rows, "", "fz-preview-table", raw_cols=(2, 3, 4, 6))
    rep = d["report"]
    summary = (f'<div class="fz-paper"><div class="fz-paper-title">{_e(d["title"])}</div>'
               f'<div>{rep["items"]} 题，满分 {d["total_points"]:g} 分 · 随机种子 {d["seed"]} · 依据 {d["as_of"]} 现行有效文本</div>'
               f'<div class="fz-muted">命题范围：{_e("、".join("《" + s + "》" for s in d["sources"]))}；'
               f'校验 {rep["checked"]} 题，剔除 {sum(rep["dropped"].values())} 题</div></div>')
    labels = [("docx", "试卷 DOCX"), ("key.docx", "答案 DOCX"), ("xlsx", "题库 XLSX"), ("csv", "CSV"),
              ("json", "JSON")]
    links = "".join(f'<a class="fz-dl" href="{_e(d["downloads"][f])}" download data-format="{f}">{label}</a>'
                    for f, label in labels)
    return summary, preview, f'<div class="fz-downloads">{links}</div>'


def channel_names() -> list[str]:
    try:
        from assistant.routing.channels import CHANNELS
    except ImportError:
        return []
    return list(CHANNELS)


def preset_sources(preset: str) -> str:
    from assistant.exam import preset as get_preset
    try:
        bp = get_preset(preset)
    except Exception:  # noqa: BLE001
        return ""
    return "，".join(str(s) for s in bp.sources)


# ---------------------------------------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------------------------------------
CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto !important; }
#fz-header h1 { font-size: 1.5rem; margin: .2rem 0; }
#fz-header p { margin: 0; color: var(--body-text-color-subdued); }
.fz-muted { color: var(--body-text-color-subdued); font-size: .9rem; }
.fz-banner { background: #fff4e5; border: 1px solid #f0a020; border-radius: 6px; padding: .5rem .75rem; margin-bottom: .5rem; color: #7a4500; }
.fz-cites ul, .fz-basis { list-style: none; padding-left: 0; margin: .3rem 0; }
.fz-cites li, .fz-basis li { margin: .35rem 0; line-height: 1.5; }
.fz-cites-title { font-weight: 600; margin-bottom: .2rem; }
a.fz-cite, .gradio-container .message a[href*="/api/provisions/"] { color: #1d4ed8; text-decoration: underline;
  text-underline-offset: 3px; cursor: pointer; }
.fz-status { display: inline-block; margin-left: .4rem; padding: 0 .45rem; border-radius: 999px; font-size: .78rem;
  line-height: 1.4rem; vertical-align: middle; white-space: nowrap; }
.fz-ok { background: #dcfce7; color: #166534; } .fz-amended { background: #fef3c7; color: #92400e; }
.fz-repealed { background: #fee2e2; color: #991b1b; } .fz-pending, .fz-unknown { background: #e5e7eb; color: #374151; }
.fz-why { font-size: .85rem; color: var(--body-text-color-subdued); }
.fz-route-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .6rem; margin-bottom: .3rem; }
.fz-route-label { color: var(--body-text-color-subdued); }
.fz-channel { font-size: 1.45rem; font-weight: 700; color: #0f766e; }
.fz-conf { font-size: .9rem; color: var(--body-text-color-subdued); }
.fz-route h4 { margin: .8rem 0 .2rem; }
.fz-table-wrap { overflow-x: auto; max-width: 100%; }
.fz-grid { border-collapse: collapse; width: 100%; font-size: .9rem; }
.fz-grid th, .fz-grid td { border: 1px solid var(--border-color-primary); padding: .3rem .45rem; text-align: left;
  vertical-align: top; line-height: 1.55; }
.fz-grid th { background: var(--background-fill-secondary); white-space: nowrap; }
.fz-preview-table td:nth-child(1), .fz-preview-table td:nth-child(2), .fz-preview-table td:nth-child(5),
.fz-preview-table td:nth-child(6) { white-space: nowrap; }
.fz-deadlines { border-collapse: collapse; width: 100%; font-size: .9rem; }
.fz-deadlines th, .fz-deadlines td { border: 1px solid var(--border-color-primary); padding: .25rem .4rem; text-align: left; }
.fz-dl-expired { color: #b91c1c; font-weight: 600; } .fz-dl-running { color: #166534; }
.fz-dl-uncertain, .fz-dl-unknown { color: #92400e; }
.fz-saved { padding: .5rem .7rem; background: #ecfdf5; border-radius: 8px; color: #065f46; }
.fz-paper-title { font-weight: 700; font-size: 1.1rem; }
.fz-downloads { display: flex; flex-wrap: wrap; gap: .5rem; margin: .4rem 0; }
a.fz-dl { display: inline-block; padding: .45rem .9rem; border-radius: 8px; background: #1d4ed8; color: #fff !important;
  text-decoration: none; font-weight: 600; }
a.fz-dl:hover { background: #1e40af; }
@media (max-width: 640px) {
  #fz-header h1 { font-size: 1.2rem; }
  .fz-cards thead { display: none; }
  .fz-cards, .fz-cards tbody, .fz-cards tr, .fz-cards td { display: block; width: 100%; box-sizing: border-box; }
  table.fz-cards { border: 0 !important; }
  .fz-cards tr { border: 1px solid var(--border-color-primary); border-radius: 8px; margin-bottom: .6rem; padding: .3rem .5rem; }
  .fz-cards td { border: 0; padding: .15rem 0; white-space: normal !important; }
  .fz-cards td::before { content: attr(data-label) "："; font-weight: 600; color: var(--body-text-color-subdued); }
  .fz-channel { font-size: 1.25rem; }
}
"""

# Gradio scopes `css` to its container; the side panel lives outside it (on <body>), so its rules go in <head>.
PANEL_CSS = """
#fz-panel { visibility: hidden; position: fixed; top: 0; right: 0; height: 100vh; width: min(460px, 100vw); background: #ffffff; color: #111827;
  box-shadow: -6px 0 24px rgba(0,0,0,.18); transform: translateX(105%); z-index: 10000;
  display: flex; flex-direction: column; transition: transform .18s ease-out, visibility 0s linear .18s; }
#fz-panel.open { transform: none; visibility: visible; transition: transform .18s ease-out; }
.fz-panel-head { display: flex; align-items: flex-start; justify-content: space-between; gap: .5rem; padding: .8rem 1rem;
  border-bottom: 1px solid var(--border-color-primary, #e5e7eb); }
.fz-panel-head strong { font-size: 1.05rem; line-height: 1.45; }
#fz-panel-close { font-size: 1.5rem; line-height: 1; background: none; border: 0; cursor: pointer; padding: 0 .3rem; }
#fz-panel-body { padding: .8rem 1rem 1.5rem; overflow-y: auto; line-height: 1.75; }
#fz-panel-body .fz-meta { font-size: .85rem; color: #6b7280; margin-bottom: .5rem; }
#fz-panel-body .fz-para { margin: .5rem 0; }
#fz-panel-body .fz-para-n { color: #6b7280; font-size: .8rem; margin-right: .3rem; }
#fz-panel-body .fz-item { margin-left: 1.2rem; }
#fz-panel-body .fz-basis-note { font-size: .85rem; color: #92400e; background: #fffbeb; padding: .4rem .6rem; border-radius: 6px; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #fz-panel { top: auto; bottom: 0; height: 82vh; width: 100vw; border-radius: 14px 14px 0 0;
    transform: translateY(105%); box-shadow: 0 -6px 24px rgba(0,0,0,.2); }
  #fz-panel.open { transform: none; }
}
"""

HEAD = "<style>" + PANEL_CSS + "</style>" + """
<script>
(function () {
  if (window.__fzPanel) return; window.__fzPanel = true;
  var CN = "零一二三四五六七八九十";
  function cn(n) { if (n <= 10) return CN[n]; if (n < 20) return "十" + (n % 10 ? CN[n % 10] : "");
    return CN[Math.floor(n / 10)] + "十" + (n % 10 ? CN[n % 10] : ""); }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; }); }
  var CLS = {"现行有效": "ok", "已修改": "amended", "已废止": "repealed", "尚未生效": "pending"};
  function panel() {
    var p = document.getElementById("fz-panel");
    if (p) return p;
    p = document.createElement("aside"); p.id = "fz-panel"; p.setAttribute("role", "dialog");
    p.setAttribute("aria-label", "条文全文");
    p.innerHTML = '<div class="fz-panel-head"><strong id="fz-panel-title">条文</strong>' +
      '<button id="fz-panel-close" type="button" aria-label="关闭">×</button></div><div id="fz-panel-body"></div>';
    document.body.appendChild(p);
    p.querySelector("#fz-panel-close").addEventListener("click", function () { p.classList.remove("open"); });
    return p;
  }
  function render(d) {
    var law = d.law || {}, h = [];
    h.push('<div class="fz-meta"><span class="fz-status fz-' + (CLS[d.status] || "unknown") + '" id="fz-panel-status">' +
      esc(d.status) + '</span> ' + esc([law.level, law.issuing_body, law.region].filter(Boolean).join(" · ")) +
      (law.effective_date ? " · 施行 " + esc(law.effective_date) : "") + " · 截至 " + esc(d.as_of) + "</div>");
    if (d.path && d.path.length) h.push('<div class="fz-meta">' + esc(d.path.join(" / ")) + "</div>");
    var many = d.paragraphs && d.paragraphs.length > 1;
    (d.paragraphs || []).forEach(function (p) {
      h.push('<div class="fz-para">' + (many ? '<span class="fz-para-n">第' + cn(p.n) + '款</span>' : "") + esc(p.text) + "</div>");
      (p.items || []).forEach(function (it) { h.push('<div class="fz-item">' + esc(it.text) + "</div>"); });
    });
    if (!d.paragraphs || !d.paragraphs.length) h.push('<div class="fz-para">' + esc(d.text) + "</div>");
    if (law.status_basis) h.push('<p class="fz-basis-note">效力说明：' + esc(law.status_basis) + "</p>");
    return h.join("");
  }
  function open(pid) {
    var p = panel(), body = p.querySelector("#fz-panel-body"), title = p.querySelector("#fz-panel-title");
    title.textContent = "条文"; body.innerHTML = "<p>加载中…</p>"; p.classList.add("open");
    p.setAttribute("data-pid", pid);
    fetch("/api/provisions/" + encodeURIComponent(pid)).then(function (r) {
      return r.json().then(function (d) { if (!r.ok) throw new Error(d.error ? d.error.message : r.status); return d; });
    }).then(function (d) { title.textContent = d.citation; body.innerHTML = render(d); p.setAttribute("data-loaded", pid); })
      .catch(function (e) { body.innerHTML = '<p class="fz-err">无法加载条文：' + esc(e.message) + "</p>"; });
  }
  window.fzOpenProvision = open;
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a[href*="/api/provisions/"]') : null;
    if (!a) return;
    var m = (a.getAttribute("href") || "").match(/\\/api\\/provisions\\/([^?#]+)/);
    if (!m) return;
    ev.preventDefault(); ev.stopPropagation();
    open(decodeURIComponent(m[1]));
  }, true);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { var p = document.getElementById("fz-panel"); if (p) p.classList.remove("open"); }
  });
})();
</script>
"""


def status_banner_html(get: GetServices) -> str:
    """A banner for staff when a component failed or serves less than it should (what /healthz calls degraded)."""
    svc = get()
    if svc is None:
        return '<div class="fz-banner">服务正在启动，部分功能暂不可用。</div>'
    problems = svc.problems()
    if not problems:
        return ""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return (f'<div class="fz-banner" role="alert"><b>系统部分功能降级运行</b>（详见 /healthz），'
            f'分流与检索结果可能不完整：<ul>{items}</ul></div>')


def build_ui(get: GetServices) -> gr.Blocks:
    with gr.Blocks(title="法治助手", analytics_enabled=False) as demo:
        gr.HTML('<div id="fz-header"><h1>法治助手</h1><p>离线法律咨询 · 纠纷分流 · 考题生成 —— 每条依据均可点开查看全文和效力状态</p></div>')
        with gr.Tabs():
            # ---------------------------------------------------------------- 法律咨询
            with gr.Tab("法律咨询", id="ask", elem_id="tab-ask"):
                plain = gr.State([])
                chat = gr.Chatbot(label="咨询", show_label=False, elem_id="fz-chat", height=460, buttons=["copy"],
                                  feedback_options=None, placeholder="用日常语言提问，例如：行政复议的申请期限是多久？")
                with gr.Row(equal_height=True):
                    q = gr.Textbox(show_label=False, placeholder="请输入您的问题（不要填写身份证号、手机号）",
                                   lines=1, max_lines=4, scale=5, min_width=200, elem_id="fz-question")
                    send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="fz-send")
                with gr.Row():
                    ex_buttons = [gr.Button(e, size="sm", min_width=120) for e in EXAMPLES[:3]]
                    clear = gr.Button("清空对话", size="sm", min_width=90)
                cites = gr.HTML(citations_html([]), elem_id="fz-citations")
                gr.HTML('<div class="fz-muted">本助手依据现行有效的法律法规作答，不构成正式法律意见；重要事项请咨询律师或当地公共法律服务中心（12348）。</div>')

                def _ask(message, chat_v, plain_v):
                    yield from chat_turn(get, message, chat_v, plain_v)

                send.click(_ask, [q, chat, plain], [chat, plain, cites, q])
                q.submit(_ask, [q, chat, plain], [chat, plain, cites, q])
                for b in ex_buttons:
                    b.click(lambda v: v, [b], [q])
                clear.click(lambda: ([], [], citations_html([]), ""), None, [chat, plain, cites, q])

            # ---------------------------------------------------------------- 纠纷分流
            with gr.Tab("纠纷分流", id="triage", elem_id="tab-triage"):
                banner = gr.HTML("", elem_id="fz-status-banner")
                demo.load(lambda: status_banner_html(get), None, banner)
                gr.Timer(30).tick(lambda: status_banner_html(get), None, banner)
                last = gr.State(None)
                with gr.Row():
                    with gr.Column(scale=1, min_width=300):
                        text = gr.Textbox(label="当事人陈述", lines=6, max_lines=14, elem_id="fz-triage-text",
                                          placeholder="例如：10月30日收到区市场监管局的罚款决定书，罚款2万元，我认为处罚过重……")
                        with gr.Row():
                            admin = gr.Radio(TRI, value="未知", label="对方是否行政机关", min_width=150,
                                             elem_id="fz-admin")
                            arb = gr.Radio(TRI, value="未知", label="是否有仲裁协议", min_width=150, elem_id="fz-arb")
                        act = gr.Textbox(label="知道决定的日期（可选）", placeholder="2026-10-30", max_lines=1,
                                         elem_id="fz-act-date")
                        route_btn = gr.Button("分流", variant="primary", elem_id="fz-route-btn")
                    with gr.Column(scale=1, min_width=300):
                        result = gr.HTML('<div class="fz-muted">分流结果：建议途径、法律依据、期限和还需追问的问题会显示在这里。</div>',
                                         elem_id="fz-route")
                        actor = gr.Textbox(label="经办人（工号或姓名）", value="窗口", max_lines=1, elem_id="fz-actor")
                        save = gr.Button("保存", variant="secondary", interactive=False, elem_id="fz-save")
                        saved = gr.HTML("", elem_id="fz-saved")
                gr.Markdown("### 登记队列")
                queue = gr.HTML(queue_html([]), elem_id="fz-queue")
                with gr.Row():
                    rec = gr.Dropdown([], label="案件编号", allow_custom_value=True, min_width=180, elem_id="fz-rec")
                    new_status = gr.Dropdown([KEEP, *INTAKE_STATUSES], value="受理", label="新状态", min_width=120,
                                             elem_id="fz-new-status")
                    override = gr.Dropdown([KEEP, *channel_names()], value=KEEP, label="改判途径", min_width=160,
                                           elem_id="fz-override")
                    reason = gr.Textbox(label="改判理由（改判时必填）", max_lines=1, min_width=180, elem_id="fz-reason")
                with gr.Row():
                    upd = gr.Button("更新案件", min_width=100, elem_id="fz-update")
                    refresh = gr.Button("刷新队列", min_width=100, elem_id="fz-refresh")
                updated = gr.HTML("", elem_id="fz-updated")
                gr.HTML('<div class="fz-downloads"><a class="fz-dl" href="/api/intake/export?format=csv" download>导出 CSV</a>'
                        '<a class="fz-dl" href="/api/intake/export?format=xlsx" download>导出 XLSX</a></div>')

                route_btn.click(lambda t, a, b, d: triage_run(get, t, a, b, d), [text, admin, arb, act],
                                [result, last, save])
                save.click(lambda l_, a: save_case(get, l_, a), [last, actor], [saved, queue, rec, save])

                def _refresh():
                    rows = queue_rows(get)
                    return queue_html(rows), gr.update(choices=[r[0] for r in rows])

                refresh.click(_refresh, None, [queue, rec])
                upd.click(lambda r, s_, o, why, a: update_case(get, r, s_, o, why, a),
                          [rec, new_status, override, reason, actor], [queue, updated])
                demo.load(_refresh, None, [queue, rec])

            # ---------------------------------------------------------------- 考题生成
            with gr.Tab("考题生成", id="exam", elem_id="tab-exam"):
                with gr.Row():
                    preset = gr.Dropdown(PRESETS, value="annual", label="试卷类型", min_width=220, elem_id="fz-preset")
                    sources = gr.Textbox(label="命题范围（法律名称，逗号分隔，可加“:第二章”）", value=preset_sources("annual"),
                                         min_width=260, max_lines=2, elem_id="fz-sources")
                with gr.Row():
                    single = gr.Number(label="单选题数", value=None, precision=0, minimum=0, maximum=200, min_width=90)
                    multi = gr.Number(label="多选题数", value=None, precision=0, minimum=0, maximum=200, min_width=90)
                    judge = gr.Number(label="判断题数", value=None, precision=0, minimum=0, maximum=200, min_width=90)
                    blank = gr.Number(label="填空题数", value=None, precision=0, minimum=0, maximum=200, min_width=90)
                    seed = gr.Number(label="随机种子", value=0, precision=0, minimum=0, min_width=90, elem_id="fz-seed")
                gr.HTML('<div class="fz-muted">题数留空则按试卷类型的默认数量；同一种子、同一范围生成同一份试卷。</div>')
                build = gr.Button("生成试卷", variant="primary", elem_id="fz-build")
                summary = gr.HTML("", elem_id="fz-paper")
                downloads = gr.HTML("", elem_id="fz-downloads")
                preview = gr.HTML("", elem_id="fz-preview")
                preset.change(preset_sources, [preset], [sources])
                build.click(lambda *a: exam_build(get, *a), [preset, sources, single, multi, judge, blank, seed],
                            [summary, preview, downloads])
    demo.queue(default_concurrency_limit=4)
    return demo


def theme() -> gr.themes.Base:
    # local fonts only: the app runs offline, so no web fonts are fetched
    fonts = ["PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["ui-monospace", "monospace"])


def mount_ui(app, get: GetServices, path: str = "/"):
    demo = build_ui(get)
    return gr.mount_gradio_app(app, demo, path=path, theme=theme(), css=CSS, head=HEAD, ssr_mode=False,
                               footer_links=["api"], show_error=True)
