"""What a topic's trend costs over a whole archive, in a process of its own:

    python -m benchmarks.trend [--db DB] [--topics 垃圾分类,志愿服务,…] [--repeat 3]

For each topic, in this order: Archive.trend (every passage ranked, the confident tier counted
by year), the bot's PNG chart drawn from it (Pillow), and the web's /trends page (the SVG chart
and its table) in-process, timed from the request's arrival to the last byte of its body by the
same middleware as benchmarks.web_serving. The archive is opened read-only, as the bot and the
web open it, and jieba is loaded first (a serving process loads it at start-up); each figure is
the best of --repeat runs of the topic, and p50 and max are over the topics. Prints one JSON
object, times in milliseconds. By default the 2,500-issue synthetic archive (.bench/archive-2500.db;
see benchmarks/bench.py to build it). Targets: Archive.trend ≤ 300 ms, the page ≤ 400 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

from retrieval.archive import Archive

from .stats import rss_mb, summary
from .web_process import ROOT
from .web_serving import NO_LIMIT, ServerTime, _drive

DEFAULT_DB = ROOT / ".bench" / "archive-2500.db"
# Themes that recur in the bulletins, from one-word topics to phrases, and 文明, which nearly every
# passage holds: the most passages a topic ranks.
TOPICS = (
    "垃圾分类",
    "志愿服务",
    "文明城区创建",
    "背街小巷",
    "控烟",
    "礼让斑马线",
    "接诉即办",
    "文明养犬",
    "学雷锋",
    "新时代文明实践中心",
    "未成年人思想道德建设",
    "光盘行动",
    "文明",
    "创建",
    "丰台区创城工作机制",
)


def run_timed(run, repeat: int) -> tuple[float, float, object]:
    """The first run's time, the fastest run's, and the result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], min(times), result


def measure(db: Path, topics: list[str], repeat: int) -> dict:
    from bot.trend_chart import trend_png
    from web.app import create_app  # the web extra

    per_topic: dict[str, dict] = {}
    with Archive(db, readonly=True) as archive:
        archive.tokenizer.tokens("预热")  # jieba, loaded at start-up in a serving process
        issues = archive.stats().issues
        for topic in topics:
            trend_ms, trend_best, trend = run_timed(lambda t=topic: archive.trend(t), repeat)
            png_ms, png_best, _ = run_timed(lambda t=trend: trend_png(t), repeat)
            per_topic[topic] = {
                "trend_ms": round(trend_ms, 2),
                "trend_best_ms": round(trend_best, 2),
                "png_ms": round(png_ms, 2),
                "png_best_ms": round(png_best, 2),
                "articles": trend.articles,
                "years": len(trend.years),
            }
    archive = Archive(db, readonly=True)
    archive.tokenizer.tokens("预热")
    timed = ServerTime(create_app(archive, ask_rate=NO_LIMIT))
    try:
        asyncio.run(_drive(timed, ["/", "/trends?q=" + quote("预热")]))  # templates, the archive's thread
        for topic in topics:
            times, statuses = asyncio.run(_drive(timed, [f"/trends?q={quote(topic)}"] * repeat))
            assert statuses == [200] * repeat, statuses
            per_topic[topic]["page_ms"] = round(times[0], 2)
            per_topic[topic]["page_best_ms"] = round(min(times), 2)
    finally:
        timed.app.state.worker.close()
    return {
        "db": str(db),
        "issues": issues,
        "topics": len(topics),
        "repeat": repeat,
        **{
            figure: _p50_max([t[figure] for t in per_topic.values()])
            for figure in ("trend_ms", "trend_best_ms", "page_ms", "page_best_ms", "png_ms", "png_best_ms")
        },
        "per_topic": per_topic,
        "peak_rss_mb": round(rss_mb("self", "VmHWM"), 1),
    }


def _p50_max(values: list[float]) -> dict[str, float]:
    figures = summary(values)
    return {"p50": round(figures["p50"], 2), "max": round(figures["max"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.trend", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--topics", default=",".join(TOPICS), help="comma-separated topics")
    parser.add_argument("--repeat", type=int, default=3, help="runs per topic (default 3)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(
            f"{args.db} does not exist: build it with `python -m benchmarks.bench --issues 2500`, or give --db"
        )
    topics = [t.strip() for t in args.topics.split(",") if t.strip()]
    print(json.dumps(measure(args.db, topics, max(1, args.repeat)), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
