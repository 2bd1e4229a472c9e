"""The top-k is exactly the exhaustive ranking, on real archive files, whichever path it takes and
however the lists are laid out, and paging through answers never skips, repeats or reorders an
article."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import synth
from retrieval.archive import Archive
from retrieval.index import bm25, search
from retrieval.index.search import LOOK_UP_PASSAGES, Search, contribution, order_terms, score_all
from retrieval.models import Footer, IngestStatus, IssueRef
from retrieval.store.database import Store
from retrieval.store.records import ArticleRecord, IssueRecord, PassageRecord
from retrieval.tokenize import Tokenizer
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.index_checks import assert_index_matches_passages, expected_index, layout_counts, small_layout
from tests.helpers.properties import examples

# A small vocabulary: most passages share most terms, and identical passages tie.
VOCABULARY = (
    "文明", "城市", "文明城市", "志愿服务", "志愿者", "创建", "社区", "垃圾分类", "交通", "丰台区",
    "工作机制", "街道", "居民", "环境", "整治", "宣传", "活动", "北京", "文", "明", "城", "区", "新风",
)  # fmt: skip
ABSENT = "冰雪运动"


@pytest.fixture(
    scope="module",
    autouse=True,
    params=[("small", "pruned"), ("small", "exhaustive"), ("default", "pruned"), ("default", "exhaustive")],
    ids=["small-runs-pruned", "small-runs-exhaustive", "default-pruned", "default-exhaustive"],
)
def engine(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Every layout lists have and every way top() ranks. Layout: tiny runs, few small runs before
    a merge and two postings in a row (lists in rows, in runs, in merged runs), or the shipped
    values (short lists in rows). Ranking: the short lists left after the leading terms are added
    whole (exhaustive), or never (pruned: terms added one at a time, then looked up for the
    passages still in the running: one term at a time with the layout of tiny runs, all the terms at
    once with the shipped one). An allowed set of a few passages takes the look-up path in both."""
    layout, ranking = request.param
    with pytest.MonkeyPatch.context() as patch:
        if layout == "small":
            small_layout(patch)
        patch.setattr(search, "SHORT_LISTS", 0 if ranking == "pruned" else 10**9)
        patch.setattr(search, "FEW_PASSAGES", 0 if layout == "small" else 10**9)
        yield layout, ranking


class PathSpy:
    """Which of Search.top's paths ran, counted over a test."""

    def __init__(self, patch: pytest.MonkeyPatch):
        self.counts: Counter[str] = Counter()
        top, whole, contributions, look_up = Search.top, Search._whole_lists, Search._contributions, Search._look_up
        spy = self

        def spied_top(self: Search, k: int, allowed: np.ndarray | None = None):
            if self._ordered and k > 0 and allowed is not None and len(allowed) <= LOOK_UP_PASSAGES * k:
                spy.counts["look up"] += 1
            return top(self, k, allowed)

        def spied_whole(self: Search, terms, rest, k, allowed):
            before = spy.counts["contributions"]
            ids, partial, cover, read = whole(self, terms, rest, k, allowed)
            spy.counts["exhaustive" if read == len(terms) else "pruned"] += 1
            if spy.counts["contributions"] - before > 1:
                spy.counts["added one at a time"] += 1
            self._spy_seen = len(ids)
            return ids, partial, cover, read

        def spied_contributions(self: Search, terms, mask):
            spy.counts["contributions"] += 1
            return contributions(self, terms, mask)

        def spied_look_up(self: Search, terms, ids, partial, cover):
            if len(ids) < getattr(self, "_spy_seen", 0):
                spy.counts["dropped"] += 1
            if len(terms) > 1:
                spy.counts["all at once"] += 1
            return look_up(self, terms, ids, partial, cover)

        patch.setattr(Search, "top", spied_top)
        patch.setattr(Search, "_whole_lists", spied_whole)
        patch.setattr(Search, "_contributions", spied_contributions)
        patch.setattr(Search, "_look_up", spied_look_up)


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> PathSpy:
    return PathSpy(monkeypatch)


# --- building real archive files from word lists ---------------------------------------------

Text = list[int]  # indices into VOCABULARY
IssueSpec = list[tuple[Text, list[Text]]]  # articles: a title and its passages


def text_of(words: Text) -> str:
    return "".join(VOCABULARY[i] for i in words)


def issue_record(tokenizer: Tokenizer, total: int, articles: IssueSpec, version: int = 0) -> IssueRecord:
    records = []
    for title_words, passages in articles:
        title = text_of(title_words)
        records.append(
            ArticleRecord(
                title=title,
                source=None,
                text="\n".join(text_of(p) for p in passages),
                title_grams=tuple(tokenizer.passage_grams(title)),
                passages=tuple(PassageRecord(text_of(p), tuple(tokenizer.passage_grams(text_of(p)))) for p in passages),
            )
        )
    ref = IssueRef(
        total=total, number=total, year=2020 + total, date=dt.date(2020 + total, 1, 1), issuer="首都精神文明办"
    )
    return IssueRecord(ref, Footer(), tuple(records), f"{total}:{version}:{articles!r}", f"{total}.txt")


def save(store: Store, tokenizer: Tokenizer, issues: list[IssueRecord]) -> list[IngestStatus]:
    return [r.status for r in store.save_issues(issues, tokenizer.passage_grams, "test")]


texts = st.lists(st.integers(0, len(VOCABULARY) - 1), min_size=1, max_size=12)
titles = st.lists(st.integers(0, len(VOCABULARY) - 1), min_size=1, max_size=3)
articles = st.lists(st.tuples(titles, st.lists(texts, min_size=1, max_size=6)), min_size=1, max_size=3)
issues = st.lists(articles, min_size=2, max_size=5)
query_terms = st.lists(
    st.tuples(
        st.sampled_from(VOCABULARY + ("文明城", "市", ABSENT)),
        st.sampled_from((1.0, 2.0, 0.5, 0.25, 0.1)),
    ),
    min_size=1,
    max_size=8,
)
# Mostly few passages asked for: the k-th best is then reached early and most pruning happens.
ks = st.integers(1, 3) | st.integers(1, 12)


# --- the reference ---------------------------------------------------------------------------


def _reference(store: Store, tokenizer: Tokenizer, weights: dict[str, float]) -> tuple:
    """The question's search as the index gives it, and every passage's score computed from
    posting lists and lengths built by analysing the stored text again (not read from the index)."""
    expected, tokens = expected_index(store, tokenizer.passage_grams)
    passages = store.db.execute("SELECT count(*) FROM passages").fetchone()[0]
    found = store.index.search(weights, store.passage_count())
    lengths = np.zeros(len(found.norms), np.int64)
    for _, postings in expected.values():
        for pid, _, length in postings:
            lengths[pid] = length
    average = tokens / passages
    norms = bm25.norms(lengths, average)
    assert np.array_equal(found.norms, norms)  # to the last bit
    lists = {}
    for term in found.terms:
        df, postings = expected.get(term.term, (0, []))
        assert term.df == df, term.term
        assert term.idf == bm25.idf(passages, df)
        lists[term.term] = (np.array([p for p, _, _ in postings], np.int64), np.array([t for _, t, _ in postings]))
        if df:
            assert (contribution(term, lists[term.term][1], norms[lists[term.term][0]]) <= term.bound).all()
    return found, lists, norms, score_all(found.terms, lists, norms)


def assert_top_k_is_exact(store: Store, tokenizer: Tokenizer, weights: dict, k: int, allowed: list[int] | None) -> None:
    found, lists, _, scores = _reference(store, tokenizer, weights)
    terms = found.terms
    mass = sum(t.scale for t in terms) or 1.0
    got = found.top(k, None if allowed is None else np.array(allowed, np.int64))
    ranked = sorted(
        ((score, pid) for pid, score in scores.items() if allowed is None or pid in set(allowed)),
        key=lambda p: (-p[0], p[1]),
    )
    assert got.ids.tolist() == [pid for _, pid in ranked[:k]]
    assert got.scores.tolist() == [score for score, _ in ranked[:k]]  # to the last bit
    assert got.exhausted == (len(ranked) < k)
    # Coverage: the share of the question's weight each passage holds.
    for pid, cover in zip(got.ids.tolist(), got.coverage.tolist()):
        held = sum(t.scale / mass for t in terms if t.df and pid in set(lists[t.term][0].tolist()))
        assert cover == pytest.approx(held)


def test_top_k_is_the_exhaustive_ranking(tokenizer: Tokenizer, engine: tuple[str, str], paths: PathSpy) -> None:
    """Random archives written in random batches (each a run per term), a replace and a cut-down
    replace; after each, random questions at random k, over everything or an allowed set."""
    layouts: Counter[str] = Counter()

    # Full count in every profile: the check below that each path was taken needs this many archives.
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(archive=issues, replacement=articles, data=st.data())
    def check_archive(archive: list[IssueSpec], replacement: IssueSpec, data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory() as folder, closing(Store(Path(folder) / "archive.db")) as store:
            records = [issue_record(tokenizer, n + 1, a) for n, a in enumerate(archive)]
            while records:
                batch = data.draw(st.integers(1, len(records)), label="issues in one write")
                assert save(store, tokenizer, records[:batch]) == [IngestStatus.ADDED] * batch
                records = records[batch:]

            def check(label: str) -> None:
                ids = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
                for _ in range(2):
                    weights = dict(data.draw(query_terms, label=f"query {label}"))
                    k = data.draw(ks, label="k")
                    allowed = data.draw(
                        st.none() | st.lists(st.sampled_from(ids), unique=True).map(sorted), label="allowed"
                    )
                    assert_top_k_is_exact(store, tokenizer, weights, k, allowed)

            check("after ingest")
            layouts.update(name for name, n in layout_counts(store).items() if n)
            # A new version of one issue: its passages leave the index, the new ones come in at the end.
            total = data.draw(st.integers(1, len(archive)), label="replaced issue")
            assert save(store, tokenizer, [issue_record(tokenizer, total, replacement, version=1)]) == [
                IngestStatus.REPLACED
            ]
            check("after replace")
            # An issue cut down to one short passage: most of its postings go, runs empty out.
            total = data.draw(st.integers(1, len(archive)), label="cut issue")
            assert save(store, tokenizer, [issue_record(tokenizer, total, [([0], [[1]])], version=2)]) == [
                IngestStatus.REPLACED
            ]
            check("after cut")
            assert_index_matches_passages(store, tokenizer.passage_grams)

    check_archive()
    # Each path, and each layout, was taken at least once.
    layout, ranking = engine
    assert paths.counts["look up"] > 0, paths.counts
    if ranking == "pruned":
        assert paths.counts["pruned"] and paths.counts["added one at a time"], paths.counts
        assert paths.counts["dropped" if layout == "small" else "all at once"], paths.counts
    else:
        assert paths.counts["exhaustive"] and not paths.counts["pruned"], paths.counts
    assert layouts["inline"] > 0
    if layout == "small":
        assert layouts["runs"] > 0, layouts


@pytest.fixture(scope="module")
def large_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer, engine: tuple) -> Iterator[Store]:
    """The sample archive plus a synthetic issue of many short passages."""
    with Archive(tmp_path_factory.mktemp("large") / "archive.db", tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        many = [([4, 1], [[i % len(VOCABULARY), (3 * i) % len(VOCABULARY), 0] for i in range(250)])]
        record = issue_record(tokenizer, 1, many)
        assert (
            archive.store.save_issues([record], tokenizer.passage_grams, archive.fingerprint)[0].status
            is IngestStatus.ADDED
        )
        yield archive.store


def test_no_contribution_exceeds_its_term_bound(large_archive: Store, tokenizer: Tokenizer) -> None:
    """Over every term of the index: each posting's contribution is within its term's bound
    (_reference checks it, with lengths from the text analysed again)."""
    terms = [r[0] for r in large_archive.db.execute("SELECT term FROM index_terms")]
    assert len(terms) > 1000
    _reference(large_archive, tokenizer, dict.fromkeys(terms, 1.0))


@settings(max_examples=examples(200), deadline=None)
@given(
    postings=st.lists(st.tuples(st.integers(1, 255), st.integers(1, 65535)), min_size=1, max_size=20),
    average=st.floats(0.5, 5000),
)
def test_a_bound_holds_for_any_tf_and_length(postings: list[tuple[int, int]], average: float) -> None:
    tf = np.array([p[0] for p in postings], dtype=np.uint8)
    length = np.array([max(p) for p in postings], dtype=np.uint16)  # a text holds at least tf terms
    bound = bm25.impact_bound(int(tf.max()), int(length.min()), average)
    assert (bm25.impacts(tf, bm25.norms(length, average)) <= bound).all()


@settings(max_examples=examples(25), deadline=None)
@given(weights=query_terms, k=st.integers(1, 3), data=st.data())
def test_top_k_within_a_large_allowed_set_is_exact(
    large_archive: Store, tokenizer: Tokenizer, weights: list, k: int, data: st.DataObject
) -> None:
    """More passages allowed than top() looks up one by one: the lists are read and masked."""
    ids = [r[0] for r in large_archive.db.execute("SELECT id FROM passages ORDER BY id")]
    left_out = data.draw(st.sets(st.sampled_from(ids), max_size=len(ids) - k * LOOK_UP_PASSAGES - 1), label="left out")
    allowed = [i for i in ids if i not in left_out]
    assert len(allowed) > k * LOOK_UP_PASSAGES
    assert_top_k_is_exact(large_archive, tokenizer, dict(weights), k, allowed)


def test_a_common_term_is_looked_up_not_added_whole_when_pruning(
    large_archive: Store, tokenizer: Tokenizer, engine: tuple, paths: PathSpy
) -> None:
    """A rare term and a very common one: when pruning, the common list is only looked up for the
    passages the rare term found, and the answer is still the exhaustive one."""
    weights = {"背街": 1.0, "文": 1.0}
    found, _, _, scores = _reference(large_archive, tokenizer, weights)
    common = next(t for t in found.terms if t.term == "文")
    rare = next(t for t in found.terms if t.term == "背街")
    assert common.df > 100 * rare.df
    paths.counts.clear()
    got = found.top(2)
    ranked = sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:2]
    assert list(zip(got.ids.tolist(), got.scores.tolist())) == ranked
    if engine[1] == "pruned":
        assert paths.counts == Counter({"pruned": 1, "contributions": 1}), paths.counts
    else:
        assert paths.counts["exhaustive"] == 1


def test_a_passage_holding_only_a_weaker_term_at_its_bound_still_wins(tmp_path: Path, tokenizer: Tokenizer) -> None:
    """The strongest term's bound comes from two passages (a short one, and one where it is
    frequent but long), so none reaches it; the weaker term's bound is reached by a short passage
    without the strongest term. The best passage of the first list scores close to, but under, that
    bound: stopping after the first list would lose the right answer."""
    filler = "社区居民环境整治宣传活动" * 8
    texts = ["垃圾分类", "垃圾分类" * 3 + filler, "志愿服务" * 2, "志愿服务" + filler, filler, filler]
    articles = []
    for text in texts:
        title, body = tokenizer.passage_grams("通知"), tokenizer.passage_grams(text)
        passage = PassageRecord(text, tuple(body))
        articles.append(ArticleRecord("通知", None, text, tuple(title), (passage,)))
    ref = IssueRef(total=1, number=1, year=2021, date=dt.date(2021, 1, 1), issuer="首都精神文明办")
    with closing(Store(tmp_path / "weaker.db")) as store:
        store.save_issues([IssueRecord(ref, Footer(), tuple(articles), "1", "1.txt")], tokenizer.passage_grams, "test")
        weights = {"垃圾": 1.0, "志愿": 1.0}
        found, lists, norms, scores = _reference(store, tokenizer, weights)
        strong, weak = order_terms(found.terms)
        ids, tf = lists[strong.term]
        best_strong = contribution(strong, tf, norms[ids]).max()
        assert (strong.term, weak.term) == ("垃圾", "志愿")
        assert best_strong < weak.bound <= strong.bound and best_strong > 0.8 * weak.bound
        (winner,) = store.db.execute("SELECT id FROM passages WHERE text = ?", [texts[2]]).fetchone()
        assert min(scores, key=lambda pid: (-scores[pid], pid)) == winner
        assert found.top(1).ids.tolist() == [winner]
        for k in (1, 2, 3):
            assert_top_k_is_exact(store, tokenizer, weights, k, None)


def test_tied_passages_rank_by_id_whatever_k(tmp_path: Path, tokenizer: Tokenizer) -> None:
    same = [1, 3, 5]
    with closing(Store(tmp_path / "ties.db")) as store:
        save(store, tokenizer, [issue_record(tokenizer, 1, [([2], [same] * 9 + [[1, 4]])])])
        save(store, tokenizer, [issue_record(tokenizer, 2, [([2], [same] * 5)])])
        weights = {"志愿": 1.0, "城": 1.0}
        ids = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
        for k in (1, 3, 7, 14, 20):
            assert_top_k_is_exact(store, tokenizer, weights, k, None)
        for k in (1, 3, 7):
            assert_top_k_is_exact(store, tokenizer, weights, k, ids[5:])


# --- paging through answers ------------------------------------------------------------------

SYNTH_ISSUES = 40
PAGE = 2


@pytest.fixture(scope="module")
def many_articles(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer, engine: tuple) -> Iterator[Archive]:
    """The sample archive and synthetic issues written from the bulletins' own vocabulary: many
    articles answer the same question with close scores."""
    folder = tmp_path_factory.mktemp("synth")
    synth.write_archive(folder, issues=SYNTH_ISSUES, questions=6)
    with Archive(tmp_path_factory.mktemp("paging") / "archive.db", tokenizer) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE, folder]))
        assert all(r.ok for r in reports) and len(reports) == SYNTH_ISSUES + 2
        archive.synth_questions = [q["question"] for q in synth.read_questions(folder)]  # type: ignore[attr-defined]
        yield archive


def pages(archive: Archive, question: str) -> list:
    out = []
    for number in range(100):
        page = archive.ask(question, limit=PAGE, offset=PAGE * number)
        out.append(page)
        if not page.more:
            return out
    raise AssertionError("paging never ended")


@pytest.mark.parametrize(
    "question",
    [
        "文明城市创建工作",
        "志愿服务活动有哪些",
        "背街小巷环境精细化整治",
        "synth:0",
        "synth:3",
    ],
)
def test_pages_add_up_to_one_long_answer(many_articles: Archive, question: str) -> None:
    if question.startswith("synth:"):
        question = many_articles.synth_questions[int(question[6:])]  # type: ignore[attr-defined]
    whole = many_articles.ask(question, limit=500)
    assert not whole.more
    ids = [h.article_id for h in whole.hits]
    assert len(ids) == len(set(ids))
    assert len(ids) > PAGE, f"{question}: the test wants several pages, got {len(ids)} hits"
    paged = pages(many_articles, question)
    assert [h.article_id for p in paged for h in p.hits] == ids
    assert [(h.score, h.excerpt) for p in paged for h in p.hits] == [(h.score, h.excerpt) for h in whole.hits]
    assert [len(p.hits) for p in paged[:-1]] == [PAGE] * (len(paged) - 1)
    assert 0 < len(paged[-1].hits) <= PAGE
    assert [p.more for p in paged] == [True] * (len(paged) - 1) + [False]
    assert {p.relaxed for p in paged} == {whole.relaxed}


@pytest.mark.parametrize(
    "question",
    [
        "志愿服务活动有哪些",
        "1995年志愿服务",
    ],
)
def test_a_page_past_the_last_one_is_empty(many_articles: Archive, question: str) -> None:
    paged = pages(many_articles, question)
    after = many_articles.ask(question, limit=PAGE, offset=PAGE * len(paged))
    assert after.hits == () and not after.more
