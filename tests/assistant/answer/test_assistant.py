"""Answers that cite their sources: composition, the citation guard, LLM backends over a real loopback
server (streaming included), follow-ups, masking and bad input."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answer.assistant import Assistant, AskError
from assistant.answer.evidence import Evidence
from assistant.answer.guard import REMOVED, check_answer
from assistant.answer.question import analyze
from assistant.llm.base import LLMError, build_messages
from assistant.llm.openai_compat import OpenAICompatBackend
from assistant.privacy import mask


@pytest.fixture(scope="module")
def assistant(lexical):
    return Assistant(lexical)


def evidence_for(lexical, citation: str) -> Evidence:
    res = lexical.resolver.resolve(citation)
    hit = lexical._hit_from_resolution(res, citation, lexical.corpus.as_of)
    return Evidence(n=1, hit=hit, paragraph=res.paragraph, text=res.quote, score=1.0)


def test_question_types():
    assert analyze("申请行政复议的期限是多久？").qtype == "期限"
    assert analyze("醉驾罚多少钱").qtype == "罚多少"
    assert analyze("交警罚了我200元，我不服怎么办？").qtype == "怎么办·去哪里"
    assert analyze("未成年人可以打工吗").qtype == "能不能·是否"
    q = analyze("2026年3月5日公司拖欠我3000元工资")
    assert q.amounts == ["3000元"] and q.dates and "用人单位" in q.parties and q.is_dispute


def test_explicit_citation_question_is_answered_from_that_article(assistant):
    ans = assistant.ask("行政复议法第二十条规定的申请期限是多久？")
    assert ans.grounded and ans.backend == "extractive"
    assert ans.citations[0]["law"] == "中华人民共和国行政复议法" and ans.citations[0]["article"] == "第二十条"
    assert "六十日" in ans.text.split("\n")[0]  # the conclusion comes first and states the period
    assert "【法律依据】" in ans.text and "【提示】" in ans.text and "12348" in ans.text
    assert ans.guard.passed and ans.guard.removed == 0
    for c in ans.citations:
        assert c["status"] == "现行有效" and c["quote"] in ans.text


def test_every_printed_citation_exists_and_is_current(assistant, resolver):
    for q in ["劳动合同法规定的试用期最长多久", "交通事故损害赔偿可以请交警调解吗", "农民工工资被拖欠可以向哪里投诉"]:
        ans = assistant.ask(q)
        for _, res in resolver.find_in_text(ans.text):
            assert res.found and res.status == "现行有效"


def test_guard_removes_fabricated_outdated_and_out_of_evidence_citations(lexical):
    ev = [evidence_for(lexical, "行政复议法第二十条第一款")]
    text = ("依据《中华人民共和国行政复议法》第二十条第一款，应在六十日内申请。"
            "另见《中华人民共和国行政复议法》第九百条。"       # does not exist
            "参照《信访条例》第一条。"                          # repealed
            "还可依据《中华人民共和国民法典》第一千一百六十五条。")  # exists, current, but not evidence
    out, report = check_answer(text, lexical.resolver, ev)
    by = {c.text: c for c in report.checks}
    assert len(report.checks) == 4 and report.removed == 3
    assert by["《中华人民共和国行政复议法》第二十条第一款"].action == "kept"
    assert not by["《中华人民共和国行政复议法》第九百条"].exists
    assert by["《信访条例》第一条"].exists and not by["《信访条例》第一条"].current
    assert by["《中华人民共和国民法典》第一千一百六十五条"].current and not by["《中华人民共和国民法典》第一千一百六十五条"].in_evidence
    assert out.count(REMOVED) == 3 and "第九百条" not in out and "《信访条例》" not in out
    assert report.passed


def test_out_of_store_question_says_so_and_invents_nothing(assistant):
    ans = assistant.ask("这家奶茶店哪款饮料最好喝")
    if not ans.grounded:
        assert "没有在法规库中找到" in ans.text and "12348" in ans.text and ans.citations == []


def test_follow_up_uses_the_earlier_question(assistant):
    history = [{"role": "user", "content": "对行政处罚不服，申请行政复议"}, {"role": "assistant", "content": "…"}]
    assert assistant.retrieval_query("那期限是多久？", history).startswith("对行政处罚不服")
    assert assistant.retrieval_query("公司拖欠工资怎么办", history) == "公司拖欠工资怎么办"


def test_personal_data_is_masked_in_what_is_stored(assistant):
    assert mask("身份证330302199001011234，手机13812345678") == "身份证330302********1234，手机138****5678"
    ans = assistant.ask("我叫张三，电话13812345678，公司拖欠工资怎么办")
    assert "13812345678" not in json.dumps(ans.to_dict(), ensure_ascii=False)
    assert "13812345678" not in json.dumps(assistant.log, ensure_ascii=False)


@pytest.mark.parametrize("bad", ["", "   ", "问" * 5000])
def test_bad_questions_get_a_clear_error(assistant, bad):
    with pytest.raises(AskError):
        assistant.ask(bad)


# ---- an OpenAI-compatible server on loopback, written for the test -----------------------------------------
class _Handler(BaseHTTPRequestHandler):
    reply = ""

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n))
        type(self).last_body = body
        if self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        reply = type(self).reply
        for i in range(0, len(reply), 7):  # small pieces split citations across chunks
            chunk = {"choices": [{"delta": {"content": reply[i:i + 7]}}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture()
def llm_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Handler
    srv.shutdown()


def test_openai_compatible_backend_streams_and_is_guarded(lexical, llm_server):
    url, handler = llm_server
    handler.reply = ("【结论】可以在六十日内申请行政复议。依据《中华人民共和国行政复议法》第二十条第一款。"
                     "也可参照《中华人民共和国行政复议法》第九百条。\n【提示】不构成法律意见，可拨打12348。")
    a = Assistant(lexical, backend=OpenAICompatBackend(url, model="test"))
    events = list(a.ask_stream("行政复议法第二十条规定的申请期限是多久？"))
    deltas = [e["text"] for e in events if e["type"] == "delta"]
    final = events[-1]
    assert len(deltas) >= 3 and final["type"] == "answer"
    assert "第九百条" not in "".join(deltas) and REMOVED in "".join(deltas)
    assert final["guard"]["removed"] == 1 and final["citations"][0]["article"] == "第二十条"
    msgs = handler.last_body["messages"]
    assert handler.last_body["stream"] is True and "[1]" in msgs[-1]["content"]
    ans = a.ask("行政复议法第二十条规定的申请期限是多久？")
    assert ans.backend == "openai" and "第九百条" not in ans.text


def test_llm_backend_errors_are_clear(lexical):
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        OpenAICompatBackend("http://127.0.0.1:9", timeout=2).complete([{"role": "user", "content": "x"}])


def test_prompt_numbers_the_evidence(lexical):
    msgs = build_messages("问", [evidence_for(lexical, "行政复议法第二十条第一款")])
    assert msgs[0]["role"] == "system" and "[1] 《中华人民共和国行政复议法》第二十条第一款" in msgs[-1]["content"]
