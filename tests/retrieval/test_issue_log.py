"""What the bot builds its alerts and browsing on: the log of new issues, a topic's hit in one
issue, and the archive by year."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

from retrieval.archive import Archive
from retrieval.ingest.parse import parse_bulletin
from retrieval.models import IngestStatus, Match
from tests.helpers import ISSUE_2202, ROOT
from tests.helpers.bulletin_text import ARTICLE_RUN_IN, ARTICLE_WITH_HEADING, HEADER, bulletin

DEV_BULLETINS = ROOT / "data" / "eval" / "dev-archive" / "bulletins"


def test_only_an_issue_number_stored_for_the_first_time_is_logged(sample_archive: Archive) -> None:
    logged = sample_archive.new_issues_since(0)
    assert [issue.ref.total for _, issue in logged] == [2202, 2126]  # in the order they were stored
    assert sample_archive.issue_log_position() == logged[-1][0]
    position = sample_archive.issue_log_position()
    assert [r.status for r in sample_archive.ingest([ISSUE_2202])] == [IngestStatus.UNCHANGED]
    changed = ISSUE_2202.read_text(encoding="utf-8").replace("凝心聚力", "踔厉奋发")
    assert sample_archive.ingest_bytes(changed.encode(), "2202-v2.txt").status is IngestStatus.REPLACED
    assert sample_archive.issue_log_position() == position, "a repeat or a replacement is not news"
    new = bulletin(header=HEADER.replace("2165", "2203"))
    assert sample_archive.ingest_bytes(new.encode(), "2203.txt").status is IngestStatus.ADDED
    [(after, issue)] = sample_archive.new_issues_since(position)
    assert after > position and issue.ref.total == 2203
    assert sample_archive.new_issues_since(after) == []


def test_a_log_position_is_never_reused_and_readers_see_it_with_its_issue(tmp_path: Path, tokenizer) -> None:
    with Archive(tmp_path / "a.db", tokenizer) as writer, Archive(tmp_path / "a.db", tokenizer, readonly=True) as bot:
        assert bot.issue_log_position() == 0
        writer.ingest_bytes(bulletin().encode(), "2165.txt")
        [(first, issue)] = bot.new_issues_since(0)
        assert issue.ref.total == 2165 and [a.title for a in issue.articles]
        writer.store.db.execute("DELETE FROM issue_log")  # even emptied, the log does not count again
        writer.store.db.conn.commit()
        writer.ingest_bytes(bulletin(header=HEADER.replace("2165", "2166")).encode(), "2166.txt")
        [(second, _)] = bot.new_issues_since(0)
        assert second > first


def test_an_archive_from_before_the_log_announces_nothing_it_already_held(tmp_path: Path, tokenizer) -> None:
    path = tmp_path / "old.db"
    with Archive(path, tokenizer) as archive:
        archive.ingest_bytes(bulletin().encode(), "2165.txt")
    with closing(sqlite3.connect(path)) as db:  # as version 5 left it
        db.execute("DROP TABLE issue_log")
        db.execute("PRAGMA user_version = 5")
        db.commit()
    with Archive(path, tokenizer) as archive:
        assert archive.issue_log_position() == 0 and archive.new_issues_since(0) == []
        archive.reindex()  # a version-5 file's index is rebuilt after its migration
        assert archive.new_issues_since(0) == []
        archive.ingest_bytes(bulletin(header=HEADER.replace("2165", "2166")).encode(), "2166.txt")
        assert [i.ref.total for _, i in archive.new_issues_since(0)] == [2166]


def test_a_topic_hit_is_the_answer_to_the_topic_asked_of_that_issue(sample_archive: Archive) -> None:
    """The same ranking as a question limited to the issue, never widened; only a confident answer
    alerts (asked, a named issue shows weak matches too, under their label)."""
    for topic in ("背街小巷环境整治", "丰台区创城", "志愿服务", "冰雪运动进校园", "你好"):
        for total in (2202, 2126):
            hit = sample_archive.topic_hit(topic, total)
            asked = sample_archive.ask(f"总第{total}期 {topic}", limit=1)
            if asked.match is Match.ANSWER:
                assert (hit.article_id, hit.excerpt) == (asked.hits[0].article_id, asked.hits[0].excerpt)
            else:
                assert hit is None
    assert sample_archive.topic_hit("背街小巷环境整治", 2202) is not None
    assert sample_archive.topic_hit("冰雪运动进校园", 2202) is None


def test_years_and_their_issues_cover_the_dev_archive_in_order(tmp_path: Path, tokenizer) -> None:
    with Archive(tmp_path / "dev.db", tokenizer) as archive:
        assert all(r.ok for r in archive.ingest([DEV_BULLETINS]))
        refs = [parse_bulletin(p.read_text(encoding="utf-8")).ref for p in sorted(DEV_BULLETINS.glob("*.txt"))]
        assert archive.years() == sorted(Counter(r.year for r in refs).items())
        for year, count in archive.years():
            seen = []
            for offset in range(0, count + 3, 3):
                page, held = archive.issues_in_year(year, offset, 3)
                assert held == count
                seen += [i.ref for i in page]
            assert seen == sorted((r for r in refs if r.year == year), key=lambda r: (r.number, r.total))
        assert archive.issues_in_year(1900) == ([], 0)


def test_two_articles_then_one_keep_their_log_entry(empty_archive: Archive) -> None:
    empty_archive.ingest_bytes(bulletin(ARTICLE_WITH_HEADING + "\n\n" + ARTICLE_RUN_IN).encode(), "v1.txt")
    empty_archive.ingest_bytes(bulletin(ARTICLE_WITH_HEADING).encode(), "v2.txt")
    [(_, issue)] = empty_archive.new_issues_since(0)
    assert len(issue.articles) == 1, "the log names the issue; what is announced is its current version"
