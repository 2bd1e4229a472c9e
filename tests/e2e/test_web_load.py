"""The web app under many clients at once, through uvicorn in a process of its own: a small,
bounded version of benchmarks/web_load.py against the sample and dev bulletins. Every request is
answered, and every answer is whole; speed is measured by the benchmark, never asserted here."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from benchmarks import web_load
from benchmarks.web_process import DEV_ARCHIVE, SAMPLE_ARCHIVE, WebApp, build_archive

CLIENTS = 50
REQUESTS = 4


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("web-load") / "archive.db"
    build_archive(db, SAMPLE_ARCHIVE, DEV_ARCHIVE)
    return db


def dev_questions() -> list[str]:
    lines = (DEV_ARCHIVE.parent / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line]


def test_fifty_clients_at_once_get_whole_pages_and_no_error(archive_db: Path) -> None:
    questions = dev_questions()
    result = web_load.run(archive_db, questions, CLIENTS, REQUESTS, deadline=240)
    assert result["requests"] == CLIENTS * REQUESTS
    assert result["answered"] == CLIENTS * REQUESTS, result
    assert result["errors"] == 0, result["error_samples"]
    assert result["statuses"] == {"200": CLIENTS * REQUESTS}
    assert set(result["kinds"]) == {"ask", "api_ask", "issue", "article"}
    assert result["server_tracebacks"] == 0


def test_an_incomplete_page_counts_as_an_error() -> None:
    """The load run's check is real: a page cut short, or missing its hits, is not a success."""
    page = httpx.Response(200, text='<html><body><ol class="hits"></ol></body></html>')
    assert web_load.complete("ask", page) is None
    assert web_load.complete("ask", httpx.Response(200, text='<html><body><ol class="hits">')) is not None
    assert web_load.complete("article", page) is not None
    assert web_load.complete("api_ask", httpx.Response(200, text="{}")) is not None


def test_a_client_past_the_question_limit_is_told_to_wait(archive_db: Path, tmp_path: Path) -> None:
    """Why the load run lifts the limit: at the app's own, a burst of questions meets 429s."""
    runs = web_load.plan(dev_questions(), [2202], [1], clients=1, per_client=1)
    with WebApp(archive_db, tmp_path / "web.log", "--ask-rate", "2/60") as app:
        statuses = asyncio.run(_burst(app.url, runs[0][0].path, 5))
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]


async def _burst(url: str, path: str, count: int) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return [(await client.get(path)).status_code for _ in range(count)]
