"""Rate limits, button data, the conversation's paging, the 原文 button and upload progress, without Telegram."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from types import SimpleNamespace

import pytest
from telegram.error import BadRequest

from bot import progress as progress_module
from bot import upload_messages
from bot.keyboards import (
    ArticleRequest,
    ExportRequest,
    PageRequest,
    SourceRequest,
    answer_keyboard,
    article_data,
    export_data,
    issue_keyboard,
    page_data,
    parse_callback,
    source_data,
)
from bot.progress import ProgressMessage
from bot.ratelimit import WINDOW_SECONDS, RateLimiter
from bot.settings import BotSettings
from bot.uploads import UploadProgress, UploadWorker, _processes
from replies import conversation, messages
from replies.conversation import AnswerPage, IssueView, Notice, SourceDocument
from retrieval.archive import Archive
from retrieval.errors import ArchiveError, UnknownIssue
from retrieval.models import Footer, IssueRef, SourceFile, StoredArticle, StoredIssue
from tests.helpers.bulletin_text import HEADER, bulletin


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_the_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.wait_seconds(7) for _ in range(3)] == [0, 0, 0]
    clock.now += 10
    assert limiter.wait_seconds(7) == WINDOW_SECONDS - 10
    assert limiter.wait_seconds(8) == 0, "another user is not affected"
    clock.now += WINDOW_SECONDS - 10
    assert limiter.wait_seconds(7) == 0, "the window slid past the first questions"


def test_rate_limiter_warns_once_per_blocked_stretch() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    limiter.wait_seconds(1)
    assert limiter.wait_seconds(1) > 0 and limiter.should_warn(1)
    assert limiter.wait_seconds(1) > 0 and not limiter.should_warn(1)
    clock.now += WINDOW_SECONDS + 1
    assert limiter.wait_seconds(1) == 0
    assert limiter.wait_seconds(1) > 0 and limiter.should_warn(1)


@pytest.mark.parametrize(
    "data, expected",
    [
        (page_data("AbC-_9xyz012", 3), PageRequest("AbC-_9xyz012", 3)),
        (article_data(123456), ArticleRequest(123456)),
        (export_data("AbC-_9xyz012"), ExportRequest("AbC-_9xyz012")),
        ("x:", None),
        ("x:key:1", None),
        ("p:key:999", None),
        ("a:-1", None),
        ("a:1; DROP TABLE articles", None),
        ("", None),
        (None, None),
    ],
)
def test_callback_data_round_trips_and_rejects_what_the_bot_never_made(data, expected) -> None:
    assert parse_callback(data) == expected


def test_callback_data_fits_telegrams_64_bytes(empty_archive) -> None:
    key = empty_archive.save_question("背街小巷" * 250)
    data = page_data(key, conversation.MAX_PAGES - 1)
    assert len(data.encode()) <= 64 and parse_callback(data) == PageRequest(key, conversation.MAX_PAGES - 1)
    assert len(article_data(10**12 - 1).encode()) <= 64
    assert len(export_data(key).encode()) <= 64 and parse_callback(export_data(key)) == ExportRequest(key)


def test_api_file_url_sits_beside_the_method_url() -> None:
    assert (
        BotSettings(token="t", api_base_url="http://127.0.0.1:8081/bot").api_file_url
        == "http://127.0.0.1:8081/file/bot"
    )
    assert BotSettings(token="t").api_file_url is None
    assert "t0ken" not in repr(BotSettings(token="t0ken", webhook_secret="s3cret"))


def test_pages_continue_numbering_and_end(shared_sample_archive) -> None:
    question = "文明城市创建工作"
    first = conversation.ask(shared_sample_archive, question)
    assert isinstance(first, AnswerPage) and first.first_number == 1
    assert len(first.answer.hits) == conversation.PER_PAGE and first.has_more
    second = conversation.ask(shared_sample_archive, question, page=1)
    assert second.first_number == conversation.PER_PAGE + 1
    assert {h.article_id for h in first.answer.hits}.isdisjoint(h.article_id for h in second.answer.hits)
    assert not second.has_more, "the sample archive holds five articles"
    keyboard = answer_keyboard(second, "key")
    labels = [b.text for row in keyboard.inline_keyboard for b in row]
    assert messages.PREVIOUS_BUTTON in labels and messages.MORE_BUTTON not in labels
    assert messages.FULL_TEXT_BUTTON.format(number=4) in labels


def test_greetings_get_the_help_text(shared_sample_archive) -> None:
    assert conversation.ask(shared_sample_archive, "你好！") == Notice(messages.HELP)


@pytest.mark.parametrize("argument", ["2202", "总第2202期", "2022-10", "2022年第10期"])
def test_issue_accepts_every_way_of_naming_it(shared_sample_archive, argument) -> None:
    reply = conversation.issue(shared_sample_archive, argument)
    assert isinstance(reply, IssueView) and reply.issue.ref.total == 2202


def test_unknown_issue_names_the_nearest_held(shared_sample_archive) -> None:
    reply = conversation.issue(shared_sample_archive, "2203")
    assert isinstance(reply, Notice) and "总第2203期" in reply.text and "总第2202期" in reply.text


def test_deep_link_opens_an_issue(shared_sample_archive) -> None:
    reply = conversation.respond(shared_sample_archive, "/start issue_2126")
    assert isinstance(reply, IssueView) and reply.issue.ref.total == 2126


def test_saved_questions_expire(empty_archive, monkeypatch) -> None:
    key = empty_archive.save_question("背街小巷整治")
    assert empty_archive.saved_question(key) == "背街小巷整治"
    import retrieval.archive as archive_module

    monkeypatch.setattr(archive_module.time, "time", lambda: 10**10)
    assert empty_archive.saved_question(key) is None


def test_archive_calls_run_off_the_event_loop_so_other_chats_keep_moving(empty_archive) -> None:
    import asyncio
    import threading

    from replies.worker import ArchiveWorker

    async def scenario() -> tuple[bool, str]:
        worker = ArchiveWorker(empty_archive)
        other_chat_served = threading.Event()

        async def other_chat() -> None:
            await asyncio.sleep(0)  # a turn of the event loop, which a blocking archive call would never give
            other_chat_served.set()

        def busy(archive) -> tuple[bool, str]:
            # The archive thread waits for the loop to serve another chat meanwhile; if the call
            # ran on the loop itself, this would wait the full 5 s and return False.
            return other_chat_served.wait(timeout=5), threading.current_thread().name

        task = asyncio.create_task(other_chat())
        served, thread = await worker.run(busy)
        await task
        worker.close()
        return served, thread

    served, thread = asyncio.run(scenario())
    assert thread.startswith("archive")
    assert served, "the loop kept running while the archive was busy"


# --- 原文 and uploads ------------------------------------------------------------------

REF_2202 = IssueRef(total=2202, number=10, year=2022, date=dt.date(2022, 4, 29), issuer="首都精神文明办")
SHA = "0123456789abcdef" * 4


def source(fmt: str = "pdf", name: str = "2202.pdf", size: int = 1000, sha256: str = SHA) -> SourceFile:
    return SourceFile(sha256=sha256, name=name, format=fmt, size=size, pages=4 if fmt == "pdf" else None)


def stored_issue(file: SourceFile | None) -> StoredIssue:
    article = StoredArticle(id=7, position=0, title="丰台区凝心聚力", source="丰台区文明办", text="正文")
    return StoredIssue(ref=REF_2202, articles=(article,), footer=Footer(), file=file)


class FakeArchive:
    """The two lookups the 原文 button makes; the issue may be gone, or hold no file."""

    def __init__(self, file: SourceFile | None, held: bool = True, data: bytes = b"%PDF-1.7 ..."):
        self.file, self.held, self.data = file, held, data

    def issue(self, total: int) -> StoredIssue:
        if not self.held:
            raise UnknownIssue(f"档案中没有总第{total}期。")
        return stored_issue(self.file)

    def source_file(self, total: int) -> tuple[SourceFile, bytes]:
        if self.file is None:
            raise ArchiveError("这一期是从文本导入的，没有保存原文件。")
        return self.file, self.data


def test_source_data_round_trips_fits_64_bytes_and_names_the_file_version() -> None:
    data = source_data(99999, SHA.upper())
    assert len(data.encode()) <= 64 and parse_callback(data) == SourceRequest(99999, SHA[:16])
    assert parse_callback("f:2202") is None and parse_callback("f:2202:xyz") is None


@pytest.mark.parametrize(
    "fmt, label", [("pdf", "原文（PDF）"), ("docx", "原文（Word）"), ("html", "原文（网页）"), ("txt", "原文（文本）")]
)
def test_an_issue_with_a_stored_file_gets_a_source_button_after_the_full_text_ones(fmt: str, label: str) -> None:
    rows = issue_keyboard(stored_issue(source(fmt))).inline_keyboard
    assert [b.text for b in rows[-1]] == [label]
    assert parse_callback(rows[-1][0].callback_data) == SourceRequest(2202, SHA[:16])
    assert rows[0][0].text.startswith("全文 1")
    assert len(issue_keyboard(stored_issue(None)).inline_keyboard) == 1, "no file, no 原文 button"


def test_the_source_file_is_sent_under_its_own_name() -> None:
    found = conversation.source_file(FakeArchive(source(name="C:\\扫描\\2022/总第2202期.pdf")), 2202, SHA[:16])
    assert isinstance(found, SourceDocument)
    assert found.filename == "总第2202期.pdf" and found.data == b"%PDF-1.7 ..." and found.ref == REF_2202


@pytest.mark.parametrize(
    "archive, expected",
    [
        (FakeArchive(source(), held=False), messages.SOURCE_GONE),
        (FakeArchive(None), messages.SOURCE_NONE),
        (FakeArchive(source(sha256="f" * 64)), messages.SOURCE_REPLACED.format(total=2202)),
        (FakeArchive(source(size=conversation.MAX_SEND_BYTES + 1)), messages.SOURCE_TOO_BIG),
    ],
    ids=["removed", "no-file", "replaced", "over-50MB"],
)
def test_a_source_press_that_cannot_be_served_says_why(archive: FakeArchive, expected: str) -> None:
    assert conversation.source_file(archive, 2202, SHA[:16]) == Notice(expected)
    assert len(expected) <= 200, "an alert holds 200 characters"


def test_upload_progress_wording() -> None:
    assert upload_messages.upload_progress(UploadProgress("a.pdf")) == "正在读取“a.pdf”…"
    assert upload_messages.upload_progress(UploadProgress("a.pdf", queued=True)).startswith("已排队…")
    assert upload_messages.upload_progress(UploadProgress("a.pdf", done=3, total=12)) == "正在读取第 3/12 页…"
    assert upload_messages.upload_progress(UploadProgress("a.pdf", done=3, total=12, ocr=True)) == "正在识别第 3/12 页…"
    assert upload_messages.upload_progress(UploadProgress("a.pdf", done=1, total=1)) == "正在读取“a.pdf”…"


def test_citations_name_the_page_when_the_file_has_pages() -> None:
    assert "第3页" in messages.citation(REF_2202, "丰台区文明办", 3)
    assert "页" not in messages.citation(REF_2202, "丰台区文明办")


class EditRecorder:
    """The two Bot methods a progress message uses; Telegram's refusal of an unchanged edit included."""

    def __init__(self) -> None:
        self.edits: list[tuple[float, str]] = []
        self.text = ""

    async def send_message(self, chat_id: int, text: str) -> SimpleNamespace:
        self.text = text
        return SimpleNamespace(message_id=1)

    async def edit_message_text(self, text: str, chat_id: int, message_id: int) -> None:
        if text == self.text:
            raise BadRequest("Message is not modified")
        self.text = text
        self.edits.append((time.monotonic(), text))


def test_progress_edits_are_throttled_show_the_latest_state_and_never_repeat(monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "EDIT_INTERVAL", 0.3)

    async def scenario() -> tuple[float, EditRecorder, bool]:
        bot = EditRecorder()
        shown = await ProgressMessage.send(bot, 5, "正在读取“a.pdf”…")
        sent_at = time.monotonic()
        shown.show("正在读取“a.pdf”…")  # unchanged: never sent
        for page in range(1, 6):
            shown.show(f"正在识别第 {page}/9 页…")
        await shown._flush  # the one deferred edit
        shown.show("正在识别第 6/9 页…")
        pending = not shown._flush.done()
        await shown.finish("a.pdf: 已导入")  # at once, dropping the pending progress
        await shown.finish("a.pdf: 已导入")  # the same text again: no edit
        return sent_at, bot, pending

    sent_at, bot, pending = asyncio.run(scenario())
    assert [text for _, text in bot.edits] == ["正在识别第 5/9 页…", "a.pdf: 已导入"]
    assert bot.edits[0][0] - sent_at >= 0.3 * 0.9, "no progress edit within the interval of the first message"
    assert pending, "progress right after an edit waits for the interval"
    assert bot.edits[1][0] - bot.edits[0][0] < 0.3, "the result is not held back"


def test_uploads_ahead_put_the_next_one_in_line(tmp_path, tokenizer) -> None:
    uploads = UploadWorker(tmp_path / "archive.db", tokenizer.files)
    with uploads.place() as first, uploads.place() as second:
        assert (first, second) == (False, True)
    with uploads.place() as again:
        assert again is False
    uploads.close()


def test_the_upload_worker_writes_where_the_server_reads_and_replaces_a_dead_worker(tmp_path, tokenizer) -> None:
    db = tmp_path / "archive.db"
    serving = Archive(db, tokenizer)  # the bot's own connection, open throughout
    uploads = UploadWorker(serving.store.path, serving.tokenizer.files)
    later = bulletin(header=HEADER.replace("总第 2165 期", "总第 2170 期").replace("第 6 期", "第 9 期"))
    seen: list[UploadProgress] = []

    async def scenario():
        first = await uploads.ingest(bulletin().encode(), "2165.txt", seen.append)
        [worker] = _processes(uploads._pool)
        worker.kill()  # dies while idle, say by the OOM killer
        worker.join()
        second = await uploads.ingest(later.encode(), "2170.txt", seen.append)
        return first, second

    try:
        first, second = asyncio.run(scenario())
    finally:
        uploads.close()
    assert (first.error, second.error) == (None, None)
    assert seen[0] == UploadProgress("2165.txt"), "its turn came: reading"
    assert {hit.issue.total for hit in serving.ask("朝阳区垃圾分类入户宣传", limit=5).hits} == {2165, 2170}
    assert not _processes(uploads._pool) and uploads._pool is None
    serving.close()


def test_a_result_whose_progress_message_was_deleted_comes_as_a_new_message() -> None:
    class Deleted(EditRecorder):
        async def edit_message_text(self, text: str, chat_id: int, message_id: int) -> None:
            raise BadRequest("Message to edit not found")

    async def scenario() -> Deleted:
        bot = Deleted()
        shown = await ProgressMessage.send(bot, 5, "正在读取“a.pdf”…")
        await shown.finish("a.pdf: 已导入")
        return bot

    assert asyncio.run(scenario()).text == "a.pdf: 已导入"
