"""How often an article's related articles are on its theme, on the development archive:

    python -m benchmarks.related_eval [--db DB] [--cut R]

The dev archive's README lists, per recurring theme, the issues that report on it. In each such
issue the article on the theme is the one naming the theme's words most (the patterns below, read
off the bulletins); an article may carry two themes (2210's 核酸 volunteers: 疫情志愿者 and
志愿服务). For each labelled article, its related list (Archive.related) is scored against the
labelled articles of other issues sharing a theme: precision of the list, recall of up to five of
them, and whether the first is on the theme. The themes are split in two halves (alternate rows of
the table) so a candidate lever can be read off one and checked on the other; `--cut R` keeps only
related articles scoring at least R times the first's, a lever measured here and not adopted
(docs/quality.md, "Related articles"). The labels are a keyword proxy, not a reading of each list.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from retrieval.archive import Archive

from .web_process import DEV_ARCHIVE

# theme -> (issues from the dev archive's README, words that name it)
THEMES = {
    "垃圾分类": ((2108, 2131, 2250, 2315), "垃圾分类"),
    "创城测评": ((2103, 2149, 2158, 2174, 2210, 2231, 2237, 2270, 2302), "测评|创城|文明城区|文明城市"),
    "志愿服务": ((2114, 2149, 2158, 2162, 2195, 2198, 2210, 2237, 2258, 2281, 2327), "志愿"),
    "背街小巷": ((2103, 2174, 2231, 2292), "背街小巷"),
    "礼让斑马线": ((2108, 2186, 2270), "斑马线"),
    "光盘/文明餐桌": ((2140, 2186, 2250, 2302), "光盘|餐桌"),
    "文明实践": ((2103, 2162, 2237, 2302), "文明实践"),
    "道德模范/文明家庭": ((2108, 2186, 2198, 2210, 2219, 2292, 2315), "道德模范|文明家庭|榜样|最美|家风|好人"),
    "冬奥": ((2158, 2195, 2198), "冬奥"),
    "疫情志愿者": ((2114, 2158, 2210), "疫情|核酸|抗疫|防控"),
    "接诉即办": ((2108, 2174, 2258, 2327), "接诉即办|12345|诉求|热线"),
    "养犬": ((2149, 2231, 2327), "养犬|犬"),
    "控烟": ((2131, 2219, 2281), "控烟|吸烟"),
    "阅读": ((2174, 2250, 2315), "阅读"),
}
SHOWN = 5


def labels(archive: Archive) -> dict[int, set[str]]:
    """article id -> its themes: in each theme's issue, the article naming the theme most."""
    held: dict[int, set[str]] = {}
    for theme, (issues, words) in THEMES.items():
        for total in issues:
            named = [(len(re.findall(words, a.title + a.text)), a.id) for a in archive.issue(total).articles]
            count, best = max(named)
            if count == 0:
                raise ValueError(f"no article of {total} names {theme}")
            held.setdefault(best, set()).add(theme)
    return held


def measure(archive: Archive, cut: float = 0.0) -> dict:
    themed = labels(archive)
    issue_of = {article: archive.article(article)[1].total for article in themed}
    names = list(THEMES)
    halves = {"half_a": set(names[0::2]), "half_b": set(names[1::2])}
    result = {}
    for half, themes_in in halves.items():
        precision = recall = first = 0.0
        counted = 0
        for article, themes in themed.items():
            if not themes & themes_in:
                continue
            mates = {b for b, t in themed.items() if t & themes and issue_of[b] != issue_of[article]}
            if not mates:
                continue
            hits = archive.related(article, SHOWN)
            shown = [h.article_id for h in hits if h.score >= cut * hits[0].score] if hits else []
            on_theme = [a for a in shown if a in mates]
            precision += len(on_theme) / len(shown) if shown else 0.0
            recall += len(on_theme) / min(SHOWN, len(mates))
            first += bool(shown) and shown[0] in mates
            counted += 1
        result[half] = {
            "articles": counted,
            "precision": round(precision / counted, 3),
            "recall_at_5": round(recall / counted, 3),
            "first_on_theme": round(first / counted, 3),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.related_eval", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db", type=Path, help="an archive holding the dev bulletins (default: built in a temp folder)"
    )
    parser.add_argument("--cut", type=float, default=0.0, help="keep related articles scoring >= CUT x the first's")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db
        if db is None:
            db = Path(folder) / "archive.db"
            with Archive(db) as archive:
                list(archive.ingest([DEV_ARCHIVE]))
        with Archive(db, readonly=True) as archive:
            print(json.dumps({"cut": args.cut, **measure(archive, args.cut)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
