"""Uploads as admins meet them: `run_bot.py serve` in its own process, polling the Bot API stand-in,
reads PDF (typeset, and scanned through OCR) in its upload worker process while it keeps answering;
one message shows an upload's progress and then its result; 原文 sends the file back.

The PDFs are built by tests/fixtures/pdfs.py from bulletin texts written here.
"""

from __future__ import annotations

import itertools
import re
import signal
import time
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.errors import UnknownIssue
from retrieval.ingest.parse import parse_bulletin
from tests.bot_api_standin import BotApiStandIn, Call
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.bot_process import (
    ADMIN,
    CITATION_2202,
    QUESTION,
    TOKEN,
    assert_nothing_rejected,
    button,
    plain,
    say,
    start_bot,
    stop_bot,
    upload,
)
from tests.helpers.bulletin_text import HEADER, bulletin
from tests.helpers.pdfs import TypesetPdf, image_only_pdf, typeset_bulletin

# Progress edits are at most one per 2 s (bot.progress.EDIT_INTERVAL); call times are taken by the
# stand-in, so allow a little for the trip.
EDIT_INTERVAL = 2.0
SLACK = 0.15
OCR_TIMEOUT = 180

TYPESET_ARTICLES = (
    (
        "东城区推进背街小巷精细化治理",
        "东城区以背街小巷环境精细化整治提升为抓手，组织街道社区逐条梳理问题清单。",
        "东城区文明办",
    ),
    (
        "西城区开展文明养犬宣传月活动",
        "西城区在全区范围开展文明养犬宣传月活动，志愿者走进社区公园发放倡议书。",
        "西城区文明办",
    ),
    (
        "石景山区打造志愿服务示范站点",
        "石景山区依托新时代文明实践站建设志愿服务示范站点，推动志愿服务常态化。",
        "石景山区文明办",
    ),
    (
        "门头沟区深化山区文明村镇创建",
        "门头沟区结合美丽乡村建设深化文明村镇创建，引导村民参与人居环境整治。",
        "门头沟区文明办",
    ),
)
SCANNED_ARTICLES = (
    ("顺义区推进文明乘车引导", "顺义区组织志愿者在地铁站口开展文明乘车引导，倡导排队候车、先下后上。", "顺义区文明办"),
    (
        "大兴区开展垃圾分类桶前值守",
        "大兴区各街道组织党员志愿者开展垃圾分类桶前值守，指导居民正确投放。",
        "大兴区文明办",
    ),
    ("昌平区建设文明实践阵地", "昌平区推动新时代文明实践所站建设，打造群众身边的理论宣讲阵地。", "昌平区文明办"),
)


def issue_text(total: int, number: int, articles: tuple[tuple[str, str, str], ...]) -> str:
    """A bulletin of several articles, each a heading, two long paragraphs and its source: three
    pages or so once typeset."""
    header = HEADER.replace("总第 2165 期", f"总第 {total} 期").replace("第 6 期", f"第 {number} 期")
    body = "\n\n".join(
        f"{title}\n\n{sentence * 4}\n\n{sentence * 2}各单位将持续推进，巩固创建成果。\n\n（{source}）"
        for title, sentence, source in articles
    )
    return bulletin(body, header=header)


def typeset(total: int, number: int, articles=TYPESET_ARTICLES) -> TypesetPdf:
    return typeset_bulletin(parse_bulletin(issue_text(total, number, articles)), min_pages=2)


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("uploads") / "archive.db"
    with Archive(db) as archive:
        assert all(report.ok for report in archive.ingest([SAMPLE_ARCHIVE]))
    return db


@pytest.fixture(scope="module")
def bot(standin: BotApiStandIn, archive_db: Path, tmp_path_factory: pytest.TempPathFactory):
    process = start_bot(standin, archive_db, tmp_path_factory.mktemp("log") / "bot.log")
    yield process
    if process.poll() is None:
        stop_bot(process)


CHATS = itertools.count(20_000)


@pytest.fixture
def chat() -> int:
    """A private chat (and user) of its own per test."""
    return next(CHATS)


@pytest.fixture(scope="module")
def typeset_2180() -> TypesetPdf:
    return typeset(2180, 8)


@pytest.fixture(scope="module")
def scan_2181() -> TypesetPdf:
    scan = image_only_pdf(parse_bulletin(issue_text(2181, 9, SCANNED_ARTICLES)))
    assert scan.pages >= 2, "page progress needs more than one page"
    return scan


def edits_of(standin: BotApiStandIn, message: Call, after: int) -> list[Call]:
    chat_id, message_id = message.params["chat_id"], message.result["message_id"]
    return [
        c
        for c in standin.calls("editMessageText")
        if c.ok and c.index >= after and c.params["chat_id"] == chat_id and c.params["message_id"] == message_id
    ]


def result_of(standin: BotApiStandIn, message: Call, name: str, timeout: float = 60) -> Call:
    """The edit that turns an upload's progress message into its result line."""
    chat_id, message_id = message.params["chat_id"], message.result["message_id"]
    return standin.wait_for(
        "editMessageText",
        lambda p: p["chat_id"] == chat_id and p["message_id"] == message_id and p["text"].startswith(f"{name}: "),
        after=message.index,
        timeout=timeout,
    )


def assert_throttled(first: Call, edits: list[Call]) -> None:
    """Progress edits (all but the result) come at least EDIT_INTERVAL after the previous one."""
    times = [first.time] + [c.time for c in edits[:-1]]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(gap >= EDIT_INTERVAL - SLACK for gap in gaps), gaps


@pytest.fixture(scope="module")
def pdf_upload(standin: BotApiStandIn, bot, typeset_2180: TypesetPdf) -> tuple[Call, list[Call]]:
    """An admin sends the typeset PDF of 总第2180期: the progress message and its edits."""
    mark = standin.mark()
    standin.push_document(ADMIN, ADMIN, "总第2180期.pdf", typeset_2180.data)
    first = standin.wait_for("sendMessage", lambda p: p["chat_id"] == ADMIN, after=mark)
    result_of(standin, first, "总第2180期.pdf")
    return first, edits_of(standin, first, mark)


# --- a PDF upload -----------------------------------------------------------------------


def test_an_admin_pdf_upload_shows_its_progress_in_one_message_ending_with_the_result(
    standin: BotApiStandIn, pdf_upload: tuple[Call, list[Call]], typeset_2180: TypesetPdf
) -> None:
    first, edits = pdf_upload
    assert plain(first) == "正在读取“总第2180期.pdf”…"
    assert edits, "the message is edited, not followed by another"
    result = plain(edits[-1])
    assert "已导入 总第2180期（2021年第8期，2021-03-12）" in result and f"{typeset_2180.pages} 页" in result
    assert all(not plain(c).startswith("总第2180期.pdf: ") for c in edits[:-1]), "the result is the last edit"
    later = [c for c in standin.calls("sendMessage") if c.index > first.index and c.params["chat_id"] == ADMIN]
    assert all(c.index > edits[-1].index for c in later), "no second message while reading"
    assert_throttled(first, edits)
    assert_nothing_rejected(standin)  # an edit repeating the text would be refused as "not modified"


def test_a_question_finds_the_uploaded_issue_and_cites_its_page(
    standin: BotApiStandIn, pdf_upload, typeset_2180: TypesetPdf, chat: int
) -> None:
    page = next(s.first_page for s in typeset_2180.sentences if s.article == 2)
    assert page > 1, "the article asked about starts past the first page"
    text = plain(say(standin, chat, "石景山区志愿服务示范站点"))
    assert "石景山区打造志愿服务示范站点" in text
    citation = next(line for line in text.splitlines() if line.startswith("——") and "总第2180期" in line)
    assert f"第{page}页" in citation and citation.endswith("石景山区文明办")


def test_the_source_button_sends_the_uploaded_pdf_back(
    standin: BotApiStandIn, pdf_upload, typeset_2180: TypesetPdf, chat: int
) -> None:
    issue = say(standin, chat, "/issue 2180")
    source = button(issue, "原文")
    assert source["text"] == "原文（PDF）" and len(source["callback_data"].encode()) <= 64
    mark = standin.mark()
    standin.push_callback(chat, chat, issue.result["message_id"], source["callback_data"])
    standin.wait_for("sendDocument", lambda p: p["chat_id"] == chat, after=mark)
    standin.wait_for("answerCallbackQuery", after=mark)
    [document] = standin.documents(chat)
    assert document["content"] == typeset_2180.data, "the same bytes"
    assert document["file_name"] == "总第2180期.pdf"
    assert document["caption"] == "《首都精神文明建设情况简报》2021年第8期（总第2180期）"
    assert_nothing_rejected(standin)


def test_the_source_button_of_an_issue_replaced_since_answers_with_an_alert(
    standin: BotApiStandIn, pdf_upload, chat: int
) -> None:
    old = say(standin, chat, "/issue 2180")
    extra = (
        "延庆区开展冬奥文明宣传",
        "延庆区组织志愿者深入社区宣传冬奥知识，营造文明迎冬奥的浓厚氛围。",
        "延庆区文明办",
    )
    revised = typeset(2180, 8, TYPESET_ARTICLES + (extra,))
    assert "已更新 总第2180期" in upload(standin, ADMIN, "总第2180期（修订）.pdf", revised.data)
    mark = standin.mark()
    standin.push_callback(chat, chat, old.result["message_id"], button(old, "原文")["callback_data"])
    alert = standin.wait_for("answerCallbackQuery", after=mark)
    assert "已经更新" in alert.params["text"] and alert.params["show_alert"] is True
    fresh = say(standin, chat, "/issue 2180")
    mark = standin.mark()
    standin.push_callback(chat, chat, fresh.result["message_id"], button(fresh, "原文")["callback_data"])
    standin.wait_for("sendDocument", lambda p: p["chat_id"] == chat, after=mark)
    assert [d["content"] for d in standin.documents(chat)] == [revised.data]
    assert_nothing_rejected(standin)


def test_a_non_admin_upload_is_refused_and_nothing_is_stored(standin: BotApiStandIn, bot, chat: int) -> None:
    other = typeset(2182, 10)
    mark = standin.mark()
    assert "只有管理员" in upload(standin, chat, "总第2182期.pdf", other.data)
    assert not [c for c in standin.calls("getFile") if c.index >= mark], "the file is not even downloaded"
    assert not [c for c in standin.calls("editMessageText") if c.index >= mark and c.params["chat_id"] == chat]
    assert "没有总第2182期" in plain(say(standin, chat, "/issue 2182"))


# --- a scan, read by OCR while the bot keeps answering -----------------------------------------


def test_other_chats_are_answered_while_a_scan_is_read_and_the_next_upload_waits_its_turn(
    standin: BotApiStandIn, bot, scan_2181: TypesetPdf, chat: int
) -> None:
    mark = standin.mark()
    standin.push_document(ADMIN, ADMIN, "扫描件2181.pdf", scan_2181.data)
    scan = standin.wait_for("sendMessage", lambda p: p["chat_id"] == ADMIN, after=mark)
    recognising = standin.wait_for(
        "editMessageText",
        lambda p: p["message_id"] == scan.result["message_id"] and p["text"].startswith("正在识别第 "),
        after=mark,
        timeout=OCR_TIMEOUT,
    )
    answer = say(standin, chat, QUESTION)  # another chat, while OCR runs
    standin.push_document(ADMIN, ADMIN, "2183.txt", issue_text(2183, 11, TYPESET_ARTICLES[:1]).encode())
    queued = standin.wait_for("sendMessage", lambda p: p["chat_id"] == ADMIN, after=recognising.index)
    assert plain(queued).startswith("已排队…") and "2183.txt" in plain(queued)

    scan_result = result_of(standin, scan, "扫描件2181.pdf", timeout=OCR_TIMEOUT)
    assert answer.index < scan_result.index, "the question was answered before the scan was read"
    assert CITATION_2202 in plain(answer)
    assert "已导入 总第2181期" in plain(scan_result) and f"OCR {scan_2181.pages} 页" in plain(scan_result)
    scan_edits = edits_of(standin, scan, mark)
    assert re.fullmatch(rf"正在识别第 \d/{scan_2181.pages} 页…", plain(recognising))
    assert_throttled(scan, scan_edits)

    queued_result = result_of(standin, queued, "2183.txt")
    assert "已导入 总第2183期" in plain(queued_result)
    assert queued_result.index > scan_result.index, "uploads are read one at a time"
    assert "总第2181期" in plain(say(standin, chat, "顺义区文明乘车引导"))
    assert_nothing_rejected(standin)


def descendants(pid: int) -> set[int]:
    """Processes started by pid, and theirs (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def gone(pids: set[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_a_signal_while_a_scan_is_read_stops_the_bot_at_once_and_stores_nothing(
    tmp_path: Path, scan_2181: TypesetPdf
) -> None:
    db, log = tmp_path / "archive.db", tmp_path / "bot.log"
    with BotApiStandIn(TOKEN) as own:  # its own server: a second poller would conflict with the module's bot
        process = start_bot(own, db, log)
        mark = own.mark()
        own.push_document(ADMIN, ADMIN, "扫描件.pdf", scan_2181.data)
        scan = own.wait_for("sendMessage", lambda p: p["chat_id"] == ADMIN, after=mark)
        own.wait_for("editMessageText", lambda p: p["text"].startswith("正在识别第 "), after=mark, timeout=OCR_TIMEOUT)
        workers = descendants(process.pid)
        assert workers, "the scan is read in a worker process"
        started = time.monotonic()
        assert stop_bot(process, signal.SIGTERM) == 0
        assert time.monotonic() - started < 20, "stopping does not wait for the OCR to finish"
        interrupted = result_of(own, scan, "扫描件.pdf", timeout=1)
        assert "未导入" in plain(interrupted) and "重新发送" in plain(interrupted)
    assert gone(workers), "no worker process outlives the bot"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "ERROR" not in text, text
    with Archive(db) as archive, pytest.raises(UnknownIssue):
        archive.issue(2181)
