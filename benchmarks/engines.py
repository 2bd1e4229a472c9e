"""Search-engine candidates side by side, on the same passages and questions:

    python -m benchmarks.engines --db DB --questions QUESTIONS.jsonl [--json] [--work DIR]

The passages (article title + passage text) and the questions are turned into the project's
character unigrams and bigrams once, in this process; each candidate then builds its index in a
fresh process and answers the questions in another, so that its memory and its cold start are its
own. Candidates, all fed those grams as ready-made tokens:

- brute: every posting of every question gram scored with numpy, in float64, with the project's
  BM25 (retrieval/index/bm25.py: k1 1.2, b 0.9, Lucene's IDF, the question's gram counts as
  weights); ties go to the lower passage id. Its top 10 is the reference.
- project: the project's own engine (retrieval/index/), its tables in an SQLite file of their own.
- bm25s: bm25s's Lucene BM25 (k1 1.2, b 0.9) saved to disk, loaded with mmap=True.
- tantivy: tantivy-py, a whitespace-tokenised field, an OR of boosted term queries.
- fts5: an SQLite FTS5 table (contentless, ascii tokenizer), ranked by the built-in bm25().
- fts5-exact: the same table, ranked by the project's function as an FTS5 auxiliary function in
  Python (apsw), called once per matching passage.

Each index is built without the last NEW passages (an issue's worth), which are then added the
way the candidate allows (a full rebuild where it has no incremental add). A question's time is the
search call alone, from its grams to ten passage ids. Prints a markdown table, or JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from retrieval.index.params import K1, B

from .stats import rss_mb, summary

DEPTH = 10
NEW = 4
CANDIDATES = ("brute", "project", "bm25s", "tantivy", "fts5", "fts5-exact")


def prepare(db: Path, questions: Path, work: Path, limit: int) -> None:
    """The passages' grams (id, then space-joined grams, a line each) and the questions' weighted
    grams, as the project's store and Query see them."""
    from retrieval.answering.query import Query
    from retrieval.store.database import _analysed
    from retrieval.tokenize import Tokenizer

    tokenizer = Tokenizer()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
        ).fetchall()
    analysed = _analysed(rows, tokenizer.passage_grams)
    (work / "ids.json").write_text(json.dumps([pid for pid, _, _ in analysed]))
    with open(work / "corpus.txt", "w", encoding="utf-8") as out:
        for pid, counts, _ in analysed:
            out.write(f"{pid}\t{' '.join(g for g, n in counts.items() for _ in range(n))}\n")
    texts = [json.loads(line)["question"] for line in questions.read_text(encoding="utf-8").splitlines() if line]
    asked = [[[g, w] for g, w in Query.of(tokenizer, q).weights.items()] for q in texts[:limit]]
    (work / "questions.json").write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")


def read_corpus(work: Path) -> tuple[list[int], list[list[str]]]:
    pairs = list(passages(work))
    return [pid for pid, _ in pairs], [doc for _, doc in pairs]


def passages(work: Path) -> Iterator[tuple[int, list[str]]]:
    with open(work / "corpus.txt", encoding="utf-8") as lines:
        for line in lines:
            pid, grams = line.rstrip("\n").split("\t")
            yield int(pid), grams.split()


def best(ids: np.ndarray, scores: np.ndarray) -> list[int]:
    """The DEPTH highest positive scores' passage ids, ties by lower id."""
    hit = np.flatnonzero(scores > 0)
    order = np.lexsort((ids[hit], -scores[hit]))[:DEPTH]
    return ids[hit[order]].tolist()


class Brute:
    """Postings in memory (a CSC matrix by hand): built from the grams at every start."""

    def build(self, pairs: Iterable[tuple[int, list[str]]]) -> None:
        vocab: dict[str, int] = {}
        ids, lengths, terms, rows, tfs = [], [], [], [], []
        for row, (pid, doc) in enumerate(pairs):
            ids.append(pid)
            lengths.append(len(doc))
            for gram, n in Counter(doc).items():
                terms.append(vocab.setdefault(gram, len(vocab)))
                rows.append(row)
                tfs.append(n)
        order = np.argsort(np.array(terms), kind="stable")
        self.rows, self.tf = np.array(rows)[order], np.array(tfs, np.float64)[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(np.array(terms), minlength=len(vocab)))])
        self.vocab, self.ids = vocab, np.array(ids)
        self.lengths = np.array(lengths, np.float64)
        self.avgdl = self.lengths.mean()

    def search(self, weights: list[tuple[str, float]]) -> list[int]:
        from retrieval.index.bm25 import idf, impacts, norms

        scores = np.zeros(len(self.ids))
        norm = norms(self.lengths, self.avgdl)
        for gram, weight in weights:
            term = self.vocab.get(gram)
            if term is None:
                continue
            span = slice(self.indptr[term], self.indptr[term + 1])
            rows = self.rows[span]
            scores[rows] += weight * idf(len(self.ids), len(rows)) * impacts(self.tf[span], norm[rows])
        return best(self.ids, scores)


def run_build(name: str, work: Path) -> dict:
    """Index all but the last NEW passages, then add those: times, and the index's size."""
    ids, docs = read_corpus(work) if name != "brute" else ([], [])
    path = work / name
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    add_note = "rebuild"
    if name == "brute":
        total = sum(1 for _ in passages(work))
        Brute().build(pair for i, pair in enumerate(passages(work)) if i < total - NEW)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        Brute().build(passages(work))
    elif name == "project":
        from retrieval.index.lists import create_tables
        from retrieval.index.term_index import TermIndex

        path.mkdir()
        conn = sqlite3.connect(path / "index.db")
        create_tables(conn)
        index = TermIndex(conn)
        terms = [(pid, Counter(doc), len(doc)) for pid, doc in zip(ids, docs)]
        with conn:
            index.add(terms[:-NEW])
        build_s = time.perf_counter() - started
        started, add_note = time.perf_counter(), "add + commit"
        with conn:
            index.add(terms[-NEW:])
        conn.close()
    elif name == "bm25s":
        import bm25s

        def index(n: int) -> None:
            retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
            retriever.index(docs[:n], show_progress=False)
            retriever.save(str(path))

        index(len(docs) - NEW)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        index(len(docs))  # bm25s has no add: the whole index again
    elif name == "tantivy":
        import tantivy

        schema = (
            tantivy.SchemaBuilder()
            .add_text_field("grams", tokenizer_name="whitespace", index_option="freq")
            .add_unsigned_field("id", stored=True, indexed=True, fast=True)
            .build()
        )
        path.mkdir()
        writer = tantivy.Index(schema, path=str(path)).writer(heap_size=200_000_000, num_threads=1)

        def add(pairs) -> None:
            for pid, doc in pairs:
                document = tantivy.Document()  # a Python int given by keyword is an i64, not a u64
                document.add_unsigned("id", pid)
                document.add_text("grams", " ".join(doc))
                writer.add_document(document)
            writer.commit()
            writer.wait_merging_threads()

        add(zip(ids[:-NEW], docs[:-NEW]))
        build_s = time.perf_counter() - started
        writer = tantivy.Index.open(str(path)).writer(heap_size=50_000_000, num_threads=1)
        started, add_note = time.perf_counter(), "add + commit"
        add(zip(ids[-NEW:], docs[-NEW:]))
    else:  # fts5 (fts5-exact reads the same table)
        path.mkdir()
        conn = sqlite3.connect(path / "fts.db")
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(grams, content='', tokenize='ascii')")
        conn.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row')")
        rows = [(pid, " ".join(doc)) for pid, doc in zip(ids, docs)]
        with conn:
            conn.executemany("INSERT INTO fts (rowid, grams) VALUES (?, ?)", rows[:-NEW])
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        build_s = time.perf_counter() - started
        started, add_note = time.perf_counter(), "insert + commit"
        with conn:
            conn.executemany("INSERT INTO fts (rowid, grams) VALUES (?, ?)", rows[-NEW:])
        conn.close()
    add_s = time.perf_counter() - started
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0
    return {"build_s": build_s, "add_s": add_s, "add": add_note, "index_mb": size / 2**20}


def open_searcher(name: str, work: Path):
    """The candidate's index opened from disk (brute: built in memory), and its search function
    from [(gram, weight)] to passage ids."""
    path = work / ("fts5" if name.startswith("fts5") else name)
    if name == "brute":
        brute = Brute()
        brute.build(passages(work))
        return brute.search
    if name == "project":
        from retrieval.index.term_index import TermIndex

        conn = sqlite3.connect(f"{(path / 'index.db').resolve().as_uri()}?mode=ro", uri=True)
        index = TermIndex(conn)
        count = len(json.loads((work / "ids.json").read_text()))

        def search(weights):
            with conn:  # one read transaction per question, as the archive reads
                conn.execute("BEGIN")
                return index.search(dict(weights), count).top(DEPTH).ids.tolist()

        return search
    if name == "bm25s":
        import bm25s

        retriever = bm25s.BM25.load(str(path), mmap=True, show_progress=False)
        vocab, ids = retriever.vocab_dict, np.arange(retriever.scores["num_docs"])
        # bm25s numbers documents from 0, in corpus order: order[i] is the passage id.
        order = np.array(json.loads((work / "ids.json").read_text()))

        def search(weights):
            known = [vocab[g] for g, w in weights if g in vocab for _ in range(int(w))]
            return order[best(ids, retriever.get_scores_from_ids(known))].tolist() if known else []

        return search
    if name == "tantivy":
        import tantivy

        index = tantivy.Index.open(str(path))
        searcher, schema = index.searcher(), index.schema
        Q, should = tantivy.Query, tantivy.Occur.Should

        def search(weights):
            query = Q.boolean_query(
                [(should, Q.boost_query(Q.term_query(schema, "grams", g, index_option="freq"), w)) for g, w in weights]
            )
            return [searcher.doc(address)["id"][0] for _, address in searcher.search(query, DEPTH).hits]

        return search
    if name == "fts5":
        conn = sqlite3.connect(path / "fts.db")
        sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts), rowid LIMIT ?"
        return lambda weights: [
            r[0] for r in conn.execute(sql, [" OR ".join(f'"{g}"' for g, w in weights for _ in range(int(w))), DEPTH])
        ]
    import apsw

    conn = apsw.Connection(str(path / "fts.db"))
    count = conn.execute("SELECT count(*) FROM fts_docsize").get
    avgdl = conn.execute("SELECT sum(cnt) FROM vocab").get / count
    scale: list[float] = []

    def exact(api: apsw.FTS5ExtensionApi) -> float:
        norm = K1 * (1 - B + B * api.column_size(0) / avgdl)
        score = 0.0
        for phrase, c in enumerate(scale):
            tf = len(api.phrase_column_offsets(phrase, 0))
            if tf:
                score += c * tf * (K1 + 1) / (tf + norm)
        return score

    conn.register_fts5_function("exact", exact)
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY exact(fts) DESC, rowid LIMIT ?"

    def search(weights):
        grams = [g for g, _ in weights]
        df = dict(conn.execute(f"SELECT term, doc FROM vocab WHERE term IN ({','.join('?' * len(grams))})", grams))
        kept = [(g, w) for g, w in weights if df.get(g)]
        scale[:] = [w * math.log(1 + (count - df[g] + 0.5) / (df[g] + 0.5)) for g, w in kept]
        if not kept:
            return []
        return [r[0] for r in conn.execute(sql, [" OR ".join(f'"{g}"' for g, _ in kept), DEPTH])]

    return search


def run_search(name: str, work: Path) -> dict:
    """Open the index, answer every question twice (cold, then warm); the first pass's rankings
    go to a file for the comparison with brute."""
    started = time.perf_counter()
    search = open_searcher(name, work)
    open_s = time.perf_counter() - started
    questions = [[(g, float(w)) for g, w in q] for q in json.loads((work / "questions.json").read_text("utf-8"))]
    passes = []
    for _ in range(2):
        times, rankings = [], []
        for weights in questions:
            started = time.perf_counter()
            rankings.append(search(weights) if weights else [])
            times.append((time.perf_counter() - started) * 1000)
        passes.append((times, rankings))
    (work / f"{name}.top.json").write_text(json.dumps(passes[0][1]))
    return {
        "open_s": open_s,
        "first_ms": passes[0][0][0],
        "cold_ms": summary(passes[0][0]),
        "warm_ms": summary(passes[1][0]),
        "peak_rss_mb": rss_mb("self", "VmHWM"),
    }


def child(role: str, name: str, work: Path) -> dict:
    """One role of one candidate in a fresh interpreter; its JSON result, or why it failed."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.engines", "--role", role, "--candidate", name, "--work", str(work)],
        capture_output=True,
        check=False,
        text=True,
    )
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(name: str, work: Path) -> dict:
    mine, ref = (json.loads((work / f"{n}.top.json").read_text()) for n in (name, "brute"))
    same = sum(a == b for a, b in zip(mine, ref))
    overlap = [len(set(a) & set(b)) / len(b) for a, b in zip(mine, ref) if b]
    return {"exact_top10": same / len(ref), "overlap_top10": sum(overlap) / len(overlap)}


def table(results: dict[str, dict]) -> str:
    head = (
        "| engine | build s | add 4 s | index MB | open s | first q ms | cold p50 / p99 ms | warm p99 ms"
        " | peak RSS MB | same top 10 | top-10 overlap |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | failed: {r['error']} |")
            continue
        lines.append(
            f"| {name} | {r['build_s']:.1f} | {r['add_s']:.3f} ({r['add']}) | {r['index_mb']:.1f} | {r['open_s']:.2f}"
            f" | {r['first_ms']:.1f} | {r['cold_ms']['p50']:.2f} / {r['cold_ms']['p99']:.1f} | {r['warm_ms']['p99']:.1f}"
            f" | {r['peak_rss_mb']:.0f} | {r['exact_top10']:.1%} | {r['overlap_top10']:.1%} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON, not a markdown table")
    parser.add_argument("--work", type=Path, help="where the indexes go (default: a temporary folder)")
    parser.add_argument("--limit", type=int, default=500, help="questions asked (the file's first)")
    parser.add_argument("--candidates", nargs="+", choices=CANDIDATES, default=list(CANDIDATES))
    parser.add_argument("--role", choices=("build", "search"), help=argparse.SUPPRESS)
    parser.add_argument("--candidate", choices=CANDIDATES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        print(json.dumps((run_build if args.role == "build" else run_search)(args.candidate, args.work)))
        return 0
    if not (args.db and args.questions):
        parser.error("--db and --questions are required")
    work = args.work or Path(tempfile.mkdtemp(prefix="engines-"))
    work.mkdir(parents=True, exist_ok=True)
    prepare(args.db, args.questions, work, args.limit)
    results: dict[str, dict] = {}
    for name in ["brute", *(c for c in args.candidates if c != "brute")]:
        # fts5-exact ranks the fts5 table: built once, by whichever of the two comes first.
        built = results["fts5"] if name == "fts5-exact" and "fts5" in results else None
        built = built or child("build", "fts5" if name == "fts5-exact" else name, work)
        found = child("search", name, work) if "error" not in built else {}
        results[name] = {**built, **found}
        if "error" not in results[name] and name != "brute":
            results[name].update(compare(name, work))
        elif name == "brute" and "error" not in results[name]:
            results[name].update(exact_top10=1.0, overlap_top10=1.0)
    print(json.dumps(results, indent=2) if args.json else table(results))
    if not args.work:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
