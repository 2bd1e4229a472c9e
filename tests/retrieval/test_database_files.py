"""The archive file under faults: serving only reads it, bad files get one clear line, a writer
that cannot write undoes everything, backups are consistent while others write, and an id never
names another article."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from benchmarks import synth
from replies import conversation
from retrieval.archive import Archive
from retrieval.errors import DatabaseBusy, DatabaseFull, DatabaseReadOnly
from retrieval.models import IngestStatus
from retrieval.store import connection as store_module
from retrieval.store.database import Store
from retrieval.store.schema import SCHEMA_VERSION
from tests.helpers import ROOT, SAMPLE_ARCHIVE
from tests.helpers.bulletin_text import ARTICLE_RUN_IN, ARTICLE_WITH_HEADING, HEADER, bulletin
from tests.helpers.index_checks import assert_index_matches_passages


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """The sample archive, built once as `run_bot.py ingest` builds it; tests copy it."""
    path = tmp_path_factory.mktemp("built") / "archive.db"
    with Archive(path, tokenizer) as archive:
        assert all(report.ok for report in archive.ingest([SAMPLE_ARCHIVE]))
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "archive.db"
    shutil.copy(built, copy)
    return copy


def files_digest(path: Path) -> dict[str, str]:
    """The archive file and its write-ahead log, byte for byte. Readers map the shared-memory
    index and may create an empty log: neither holds data."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.glob(path.name + "*"))
        if not p.name.endswith("-shm") and p.stat().st_size > 0
    }


def counts(path: Path) -> tuple[int, int, int]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("issues", "articles", "passages"))


def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    return lines[0]


# --- serving reads --------------------------------------------------------------------------


def test_serving_commands_never_write_the_archive(db: Path, run_bot) -> None:
    before = files_digest(db)
    for args in (("ask", "背街小巷整治"), ("latest",), ("issue", "2202"), ("stats",)):
        result = run_bot(*args, "--db", str(db))
        assert result.returncode == 0, result.stderr
    result = run_bot("console", "--db", str(db), stdin="丰台区创城\n/latest\n")
    assert result.returncode == 0, result.stderr
    assert files_digest(db) == before
    assert not db.with_name("archive.state.db").exists()  # nothing to page: no state file either


def test_the_bots_paging_state_is_kept_beside_the_archive_not_in_it(db: Path, tokenizer) -> None:
    before = files_digest(db)
    with Archive(db, tokenizer, readonly=True) as archive:
        answer = archive.ask("背街小巷整治")
        key = archive.save_question(answer.question, owner=42)
        assert archive.saved_question(key, owner=42) == answer.question
        assert archive.saved_question(key, owner=43) is None  # another chat's key finds nothing
    assert files_digest(db) == before
    state = db.with_name("archive.state.db")
    assert state.exists()
    state.unlink()  # state lost: the button asks again, the archive is untouched
    with Archive(db, tokenizer, readonly=True) as archive:
        reply = conversation.turn_page(archive, key, 1, owner=42)
        assert isinstance(reply, conversation.Notice) and "重新提问" in reply.text


def test_a_read_only_archive_refuses_to_ingest_with_one_line(db: Path, tokenizer) -> None:
    with Archive(db, tokenizer, readonly=True) as archive:
        with pytest.raises(DatabaseReadOnly, match="只读"):
            list(archive.ingest([SAMPLE_ARCHIVE]))
        with pytest.raises(DatabaseReadOnly):
            archive.ingest_bytes(bulletin().encode(), "new.txt")


def test_readers_answer_while_a_writer_holds_the_lock_and_see_its_issues_once_committed(
    db: Path, tokenizer, run_bot
) -> None:
    """Serving never waits for an ingest and never sees half of one; a new issue is answerable
    from the next question on, without a restart."""
    with Archive(db, tokenizer, readonly=True) as serving, Archive(db, tokenizer) as writer:
        assert serving.latest().ref.total == 2202
        store = writer.store
        store.db.execute("BEGIN IMMEDIATE")  # an ingest's batch, mid-way
        store.db.execute("UPDATE issues SET issuer = '改动中' WHERE total = 2202")
        # The lock is held throughout: a reader that needed it would fail busy, not answer.
        assert serving.ask("背街小巷整治").hits
        assert serving.latest().ref.issuer != "改动中"
        result = run_bot("ask", "背街小巷整治", "--db", str(db))  # another process, read-only
        assert result.returncode == 0, result.stderr
        store.db.conn.rollback()
        assert writer.ingest_bytes(bulletin(header=HEADER.replace("2165", "2300")).encode(), "new.txt").ok
        assert serving.issue(2300).ref.total == 2300
        assert serving.ask("海淀区文明交通劝导").hits[0].issue.total == 2300


# --- writers that cannot write --------------------------------------------------------------


def test_a_busy_archive_says_try_again_not_delete(db: Path, tokenizer, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "WRITE_BUSY_MS", 200)
    with closing(sqlite3.connect(db)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        with Archive(db, tokenizer) as archive, pytest.raises(DatabaseBusy) as caught:
            archive.ingest_bytes(bulletin(header=HEADER.replace("2165", "2301")).encode(), "new.txt")
        holder.rollback()
    message = str(caught.value)
    assert "稍后再试" in message and "删除" not in message and "\n" not in message
    assert counts(db) == (2, 5, counts(db)[2])


def test_a_full_disk_undoes_the_whole_batch(db: Path, tokenizer) -> None:
    """SQLite's max_page_count stands in for a full disk: the batch that hits it leaves nothing."""
    before = counts(db)
    with Archive(db, tokenizer) as archive:
        pages = archive.store.db.execute("PRAGMA page_count").fetchone()[0]
        archive.store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
        body = "\n\n".join(f"第{i}篇 {ARTICLE_WITH_HEADING}" for i in range(40))
        with pytest.raises(DatabaseFull) as caught:
            archive.ingest_bytes(bulletin(body, header=HEADER.replace("2165", "2302")).encode(), "big.txt")
        assert "磁盘空间不足" in str(caught.value) and "\n" not in str(caught.value)
    assert counts(db) == before
    with closing(Store(db)) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert_index_matches_passages(store)


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """A file nobody may write, root included (chattr +i), or read-only for an ordinary user."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def write_newer(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()


def corrupt(path: Path) -> None:
    """Pages past the first overwritten: SQLite reads the schema, then finds the tables broken."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    data[page:] = b"\xa5" * (len(data) - page)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("fault", "command", "expected"),
    [
        ("not a database", "ask", "不是本程序的档案"),
        ("not a database", "ingest", "不是本程序的档案"),
        ("corrupt", "ask", "已损坏"),
        ("corrupt", "ingest", "已损坏"),
        ("newer schema", "ask", "更新版本"),
        ("newer schema", "ingest", "更新版本"),
        ("read-only", "ingest", "只读"),
        ("missing", "ask", "不存在"),
    ],
)
def test_a_bad_database_file_is_one_clear_line(db: Path, fault: str, command: str, expected: str, run_bot) -> None:
    if fault == "not a database":
        db.write_bytes(b"this is not a database" * 200)
    elif fault == "corrupt":
        corrupt(db)
    elif fault == "newer schema":
        write_newer(db)
    elif fault == "missing":
        db.unlink()
    args = ("ask", "背街小巷整治") if command == "ask" else ("ingest", str(SAMPLE_ARCHIVE / ".." / "raw"))
    if fault == "read-only":
        # A new issue to store (the sample's two are held already and would be "unchanged").
        extra = db.parent / "new.txt"
        extra.write_text(bulletin(header=HEADER.replace("2165", "2303")), encoding="utf-8")
        args = ("ingest", str(extra))
        with immutable(db):
            result = run_bot(*args, "--db", str(db))
    else:
        before = db.read_bytes() if db.exists() else None
        result = run_bot(*args, "--db", str(db))
        assert (db.read_bytes() if db.exists() else None) == before, "a refused file must be left as it was"
    assert result.returncode == 1
    line = one_clear_line(result.stderr)
    assert expected in line, line
    if fault != "not a database" and fault != "corrupt":
        assert "删除" not in line


# --- backup -----------------------------------------------------------------------------------


def test_backups_taken_during_an_ingest_are_consistent_and_restore(tmp_path: Path, run_bot) -> None:
    """Backups taken while another process ingests each hold whole issues with an index that
    agrees with them; one restored in the archive's place serves the same counts."""
    synth.write_archive(tmp_path / "incoming", issues=40, questions=0)
    db = tmp_path / "archive.db"
    assert run_bot("ingest", str(SAMPLE_ARCHIVE), "--db", str(db)).returncode == 0
    ingest = subprocess.Popen(
        [sys.executable, str(ROOT / "run_bot.py"), "ingest", "--db", str(db), str(tmp_path / "incoming")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    copies = []
    try:
        while ingest.poll() is None or not copies:
            target = tmp_path / f"backup-{len(copies)}.db"
            result = run_bot("backup", str(target), "--db", str(db))
            assert result.returncode == 0, result.stderr
            copies.append((target, result.stderr))
    finally:
        ingest.wait(timeout=600)
    assert ingest.returncode == 0
    checked = set()
    for target, printed in copies:
        issues, articles, passages = counts(target)
        assert f"{issues} 期，{articles} 篇，{passages} 段" in printed
        with closing(Store(target, readonly=True)) as copy:
            assert copy.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # Copies of one committed state (a backup sees no half-written transaction) are the
            # same file's content: its index is checked once.
            if (issues, articles, passages) not in checked:
                checked.add((issues, articles, passages))
                assert_index_matches_passages(copy)
            # Every issue held is whole: as many passages as its articles' texts were cut into.
            assert (
                copy.db.execute(
                    "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.article_id = a.id)"
                ).fetchone()[0]
                == 0
            )
    restored = tmp_path / "restored" / "archive.db"
    restored.parent.mkdir()
    shutil.copy(copies[-1][0], restored)
    stats = json.loads(run_bot("stats", "--json", "--db", str(restored)).stdout)
    assert (stats["issues"], stats["articles"], stats["passages"]) == counts(copies[-1][0])
    assert run_bot("ask", "背街小巷整治", "--db", str(restored)).returncode == 0


def test_a_backup_holds_the_index_and_answers_as_the_archive(tmp_path: Path, tokenizer) -> None:
    """archive.backup copies the index with the passages: the copy needs no reindex, its index
    matches its passages, and it answers every question exactly as the archive does."""
    questions = ("丰台区创城建立了哪些工作机制", "背街小巷环境精细化整治", "志愿服务", "文明城市 创建")
    with Archive(tmp_path / "archive.db", tokenizer) as archive:
        assert all(r.ok for r in archive.ingest([SAMPLE_ARCHIVE]))
        text = (SAMPLE_ARCHIVE / "000_f4e19954fc935b60.txt").read_text(encoding="utf-8")
        assert archive.ingest_bytes(text.replace("凝心聚力", "踔厉奋发").encode(), "v2.txt").ok  # a replace
        before = [[(h.article_id, h.score, h.excerpt) for h in archive.ask(q).hits] for q in questions]
        archive.backup(tmp_path / "copy.db")
    assert all(before)
    with Archive(tmp_path / "copy.db", tokenizer) as copy:
        assert copy.stale is None
        assert_index_matches_passages(copy.store)
        assert [[(h.article_id, h.score, h.excerpt) for h in copy.ask(q).hits] for q in questions] == before


def test_a_backup_never_overwrites_without_force_nor_the_archive_itself(db: Path, tmp_path: Path, run_bot) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    result = run_bot("backup", str(target), "--db", str(db))
    assert result.returncode == 2 and "--force" in one_clear_line(result.stderr)
    assert target.read_bytes() == b"an older backup"
    assert run_bot("backup", str(target), "--force", "--db", str(db)).returncode == 0
    assert counts(target) == counts(db)
    result = run_bot("backup", str(db), "--force", "--db", str(db))
    assert result.returncode == 2 and "档案本身" in one_clear_line(result.stderr)


# --- stable ids -------------------------------------------------------------------------------


def test_a_button_of_a_replaced_article_says_it_is_gone_not_another_article(empty_archive: Archive) -> None:
    """The reproduction: an issue with two articles, replaced by a one-article version, then
    another issue ingested. The old second article's button must not open the new issue's."""
    two = bulletin(ARTICLE_WITH_HEADING + "\n\n" + ARTICLE_RUN_IN)
    assert empty_archive.ingest_bytes(two.encode(), "v1.txt").status is IngestStatus.ADDED
    old_ids = [a.id for a in empty_archive.issue(2165).articles]
    assert len(old_ids) == 2
    one = bulletin(ARTICLE_WITH_HEADING.replace("十二万户", "十三万户"))
    assert empty_archive.ingest_bytes(one.encode(), "v2.txt").status is IngestStatus.REPLACED
    other = bulletin(ARTICLE_RUN_IN + "\n\n" + ARTICLE_WITH_HEADING, header=HEADER.replace("2165", "2166"))
    assert empty_archive.ingest_bytes(other.encode(), "other.txt").status is IngestStatus.ADDED
    for old in old_ids:
        reply = conversation.article(empty_archive, old)
        assert isinstance(reply, conversation.Notice), f"article {old} opened another article"
        assert "已不在档案中" in reply.text


def test_a_backup_taken_while_the_bot_serves_holds_what_it_serves(db: Path, tmp_path: Path, run_bot) -> None:
    from tests.bot_api_standin import BotApiStandIn
    from tests.helpers.bot_process import TOKEN, replies, start_bot

    with BotApiStandIn(TOKEN) as standin:
        bot = start_bot(standin, db, tmp_path / "bot.log")
        try:
            mark = standin.mark()
            standin.push_message(7001, "背街小巷环境精细化整治")
            result = run_bot("backup", str(tmp_path / "copy.db"), "--db", str(db))  # while it answers
            assert result.returncode == 0, result.stderr
            [answer] = replies(standin, 7001, mark, 1)
            assert "总第2202期" in answer.params["text"]
        finally:
            bot.terminate()
            bot.wait(30)
    assert counts(tmp_path / "copy.db") == counts(db)
    restored = tmp_path / "restored.db"
    shutil.copy(tmp_path / "copy.db", restored)
    assert "总第2202期" in run_bot("ask", "背街小巷环境精细化整治", "--db", str(restored)).stdout
