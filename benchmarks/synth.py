"""Synthetic bulletins at archive scale, in the archive's own text format.

    python -m benchmarks.synth --issues 2500 --out .bench/synth-2500

Each issue has the real header (title, 第N期, 总第N期, issuer, date), three to five articles with a
heading line, paragraphs and an attribution, and the real footer, so the parser, chunker and
tokenizer all do their real work. Words are drawn from two Zipf-like pools: jieba's dictionary
weighted by its corpus frequencies, and the words of the sample bulletins weighted by how often
they occur there (the archive's own vocabulary: 文明, 创建, 志愿服务 …).

Everything is seeded. An issue's text depends only on the seed and its 总期号, so the first 2,500
issues of a 25,000-issue archive are the 2,500-issue archive. Questions are written alongside
(.questions.jsonl): words taken from a sentence of a random article, with the article they came
from, plus the domain evaluation set's real questions.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import itertools
import json
import multiprocessing
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jieba

SYNTH_VERSION = 3
DEFAULT_SEED = 2202
ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARCHIVE = ROOT / "data" / "raw"
DOMAIN_QUERIES = ROOT / "data" / "eval" / "domain" / "queries.jsonl"
# Hidden, so that ingesting the folder (which reads every file but hidden ones) sees bulletins only.
MANIFEST = ".synth.json"
QUESTIONS = ".questions.jsonl"

FIRST_YEAR = 1990
YEARS = 36
# Share of words drawn from the bulletins' own vocabulary rather than the general dictionary.
DOMAIN_SHARE = 0.4
SOURCES = (
    "东城区文明办", "西城区文明办", "朝阳区文明办", "海淀区文明办", "丰台区文明办", "石景山区文明办",
    "门头沟区文明办", "房山区文明办", "通州区文明办", "顺义区文明办", "昌平区文明办", "大兴区文明办",
    "怀柔区文明办", "平谷区文明办", "密云区文明办", "延庆区文明办", "市志愿服务联合会", "本刊",
)  # fmt: skip
DISTRICTS = tuple(s.removesuffix("文明办") for s in SOURCES if s.endswith("区文明办"))
QUESTION_ENDINGS = ("？", "的情况？", "有哪些做法？", "是怎么开展的？", "")
FOOTER = (
    "责编:梅雪峰\n\n核稿:田文松\n\n电话:55569506\n\n传真:55569505\n\n邮箱:jswmzhxhc@163.com\n\n"
    "报:中央文明办,首都文明委主任、副主任,市委、市人大、市政府、市政协。\n\n"
    "送:首都文明委委员,市委、市政府各部委办局,各总公司、高等院校,市级群众团体。\n\n"
    "发:各区委书记、区长、宣传部长,各区文明办,有关新闻单位。\n"
)
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class Pool:
    """Words with cumulative weights, for drawing many at once."""

    words: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weights: dict[str, float]) -> Pool:
        words = tuple(sorted(weights, key=lambda w: (-weights[w], w)))
        return cls(words, tuple(itertools.accumulate(weights[w] for w in words)))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


@dataclass(frozen=True)
class Vocabulary:
    general: Pool
    domain: Pool

    @classmethod
    def load(cls) -> Vocabulary:
        return cls(general=Pool.of(_jieba_frequencies()), domain=Pool.of(_sample_frequencies()))

    def words(self, rng: random.Random, k: int) -> list[str]:
        general = self.general.draw(rng, k)
        domain = self.domain.draw(rng, k)
        return [d if rng.random() < DOMAIN_SHARE else g for g, d in zip(general, domain)]


@dataclass(frozen=True)
class SynthArticle:
    title: str
    paragraphs: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class SynthIssue:
    total: int
    number: int
    date: dt.date
    articles: tuple[SynthArticle, ...]

    @property
    def text(self) -> str:
        header = (
            f"首都精神文明建设情况简报\n\n第 {self.number} 期\n\n(总第 {self.total} 期)\n\n首都精神文明办\n\n"
            f"{self.date.year} 年 {self.date.month} 月 {self.date.day} 日\n\n"
        )
        body = "\n\n".join(
            "\n\n".join((a.title, *a.paragraphs, f"({a.source})")) for a in self.articles
        )  # fmt: skip
        return header + body + "\n\n" + FOOTER


def _jieba_frequencies() -> dict[str, float]:
    """jieba's dictionary: Chinese words and their corpus frequencies, a Zipf-like distribution."""
    weights: dict[str, float] = {}
    with open(jieba.get_dict_file().name, encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if len(word) <= 4 and _CJK_WORD.match(word) and int(freq) > 0:
                weights[word] = float(freq)
    return weights


def _sample_frequencies() -> dict[str, float]:
    """Words of the sample bulletins, counted: the archive's own vocabulary."""
    jieba.setLogLevel(60)
    counts: Counter[str] = Counter()
    for path in sorted(SAMPLE_ARCHIVE.glob("*.txt")):
        counts.update(w for w in jieba.lcut(path.read_text(encoding="utf-8"), HMM=False) if _CJK_WORD.match(w))
    return {w: float(n) for w, n in counts.items()}


def issue_date(total: int, issues: int) -> tuple[dt.date, int]:
    """Date and 期号 of an issue: the archive spread evenly over YEARS years, numbered within each."""
    per_year = -(-issues // YEARS)
    year, index = divmod(total - 1, per_year)
    day = index * 365 // per_year
    return dt.date(FIRST_YEAR + year, 1, 1) + dt.timedelta(days=day), index + 1


def make_issue(vocabulary: Vocabulary, seed: int, total: int, issues: int) -> SynthIssue:
    rng = random.Random(f"{seed}:{total}")
    date, number = issue_date(total, issues)
    articles = tuple(_article(vocabulary, rng) for _ in range(rng.randint(3, 5)))
    return SynthIssue(total=total, number=number, date=date, articles=articles)


def _article(vocabulary: Vocabulary, rng: random.Random) -> SynthArticle:
    # A heading starts with a district's name: a line of words alone, never an enumeration (一是…).
    heading = rng.choice(DISTRICTS) + "".join(w for w in vocabulary.words(rng, rng.randint(3, 6)))[:36]
    paragraphs = tuple(_paragraph(vocabulary, rng) for _ in range(rng.randint(3, 5)))
    return SynthArticle(title=heading, paragraphs=paragraphs, source=rng.choice(SOURCES))


def _paragraph(vocabulary: Vocabulary, rng: random.Random) -> str:
    return "".join(_sentence(vocabulary, rng) for _ in range(rng.randint(5, 14)))


def _sentence(vocabulary: Vocabulary, rng: random.Random) -> str:
    words = vocabulary.words(rng, rng.randint(6, 22))
    clauses, start = [], 0
    while start < len(words):
        end = start + rng.randint(3, 8)
        clauses.append("".join(words[start:end]))
        start = end
    return "，".join(clauses) + "。"


def make_questions(vocabulary: Vocabulary, seed: int, issues: int, count: int) -> list[dict]:
    """Questions made of words from one sentence of a random article (with that article as the
    expected answer), then up to a fifth of the count from the domain set's real questions."""
    rng = random.Random(f"{seed}:questions")
    real = [json.loads(line)["question"] for line in DOMAIN_QUERIES.read_text(encoding="utf-8").splitlines() if line]
    synthetic_count = count - min(len(real), count // 5)
    questions = []
    for _ in range(synthetic_count):
        total = rng.randint(1, issues)
        issue = make_issue(vocabulary, seed, total, issues)
        position = rng.randrange(len(issue.articles))
        paragraph = rng.choice(issue.articles[position].paragraphs)
        sentence = rng.choice([s for s in paragraph.split("。") if s])
        words = [w for w in jieba.lcut(sentence.replace("，", ""), HMM=False) if len(w) >= 2]
        picked = sorted(rng.sample(range(len(words)), min(len(words), rng.randint(2, 4))))
        text = "".join(words[i] for i in picked) + rng.choice(QUESTION_ENDINGS)
        questions.append({"question": text, "total": total, "position": position})
    questions += [
        {"question": q, "total": None, "position": None}
        for q in itertools.islice(itertools.cycle(real), count - synthetic_count)
    ]
    return questions


def write_archive(out: Path, issues: int, seed: int = DEFAULT_SEED, questions: int = 500, progress=None) -> bool:
    """Write issues 1..N and their questions to out; False when out already holds exactly that."""
    manifest = {"version": SYNTH_VERSION, "issues": issues, "seed": seed, "questions": questions}
    if _read_manifest(out) == manifest:
        return False
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # written last, so a half-written folder is never reused
    for stale in out.glob("*.txt"):
        stale.unlink()
    vocabulary = Vocabulary.load()
    for total in range(1, issues + 1):
        (out / f"{total:06d}.txt").write_text(make_issue(vocabulary, seed, total, issues).text, encoding="utf-8")
        if progress:
            progress(total, issues)
    lines = (json.dumps(q, ensure_ascii=False) for q in make_questions(vocabulary, seed, issues, questions))
    (out / QUESTIONS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    return True


def read_questions(out: Path) -> list[dict]:
    """The questions written with an archive: {question, total, position}, total and position
    naming the article a question was drawn from (None for the domain set's real questions)."""
    return read_questions_file(out / QUESTIONS)


def read_questions_file(path: Path) -> list[dict]:
    """A questions file, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _read_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def warm_up(synthetic: Path, count: int, measured: list[str]) -> list[str]:
    """`count` questions of the synthetic archive's kind that are not among the measured ones.
    Made in a child process: the generator's vocabulary (about 100 MB) must not count in the
    memory of the process that measures."""
    manifest = _read_manifest(synthetic) if count else None
    if not manifest:
        return []
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        made = child.submit(_questions, manifest["seed"] + 1, manifest["issues"], count).result()
    return [q for q in dict.fromkeys(made) if q not in set(measured)]


def _questions(seed: int, issues: int, count: int) -> list[str]:
    return [m["question"] for m in make_questions(Vocabulary.load(), seed, issues, count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, required=True, help="number of bulletins to write")
    parser.add_argument("--out", type=Path, required=True, help="folder to write them to")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--questions", type=int, default=500, help="questions to write to .questions.jsonl")
    args = parser.parse_args(argv)
    if args.issues < 1 or args.questions < 0:
        parser.error("--issues must be at least 1 and --questions at least 0")
    written = write_archive(args.out, args.issues, args.seed, args.questions)
    state = "wrote" if written else "already holds"
    print(
        f"{args.out}: {state} {args.issues} issues (seed {args.seed}) and {args.questions} questions", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
