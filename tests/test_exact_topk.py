"""The pruned top-k is exactly the exhaustive ranking, on real archive files, and paging through
answers never skips, repeats or reorders an article."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_ARCHIVE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_term_index import assert_index_matches_passages, expected_index

from benchmarks import synth
from retrieval import index_postings, scoring, term_index
from retrieval.archive import Archive
from retrieval.models import Footer, IngestStatus, IssueRef
from retrieval.scoring import CHARS, FIELDS, POSTING, FieldStats, QueryTerm, score_all, top_k
from retrieval.store import ArticleRecord, IssueRecord, PassageRecord, Store
from retrieval.tokenize import Tokenizer

# Small blocks, so that a few dozen passages make lists of many blocks and block-max pruning bites.
SMALL_BLOCK = 4
# A small vocabulary: most passages share most terms, and identical passages tie.
VOCABULARY = (
    "文明", "城市", "文明城市", "志愿服务", "志愿者", "创建", "社区", "垃圾分类", "交通", "丰台区",
    "工作机制", "街道", "居民", "环境", "整治", "宣传", "活动", "北京", "文", "明", "城", "区", "新风",
)  # fmt: skip
ABSENT = "冰雪运动"


@pytest.fixture(
    scope="module",
    autouse=True,
    params=[(0, 0.25, 0), (0, 0.25, 10**12), (10**12, 2.0, 0), (10**12, 0.0, 0)],
    ids=["pruned-blocks", "pruned-whole-lists", "whole-lists", "whole-dense-lists"],
)
def small_blocks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every way top_k ranks: pruning with lists looked up in the blocks needed or read whole,
    adding short lists whole through their ids, and adding them as one impact per passage."""
    dense_postings, dense_share, whole_list_postings = request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scoring, "BLOCK", SMALL_BLOCK)
        patch.setattr(term_index, "BLOCK", SMALL_BLOCK)
        patch.setattr(scoring, "DENSE_POSTINGS", dense_postings)
        patch.setattr(scoring, "DENSE_SHARE", dense_share)
        patch.setattr(index_postings, "WHOLE_LIST_POSTINGS", whole_list_postings)
        yield


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
issues = st.lists(articles, min_size=2, max_size=4)
query_terms = st.lists(
    st.tuples(
        st.sampled_from(FIELDS),
        st.sampled_from(VOCABULARY + ("文明城", "市", ABSENT)),
        st.sampled_from((1.0, 0.5, 0.25, 0.1)),
    ),
    min_size=1,
    max_size=8,
)
# Mostly few passages asked for: the k-th best is then reached early and most pruning happens.
ks = st.integers(1, 3) | st.integers(1, 12)


# --- the reference ---------------------------------------------------------------------------


def reference(
    store: Store, tokenizer: Tokenizer, weights: dict[tuple[int, str], float]
) -> tuple[list[QueryTerm], object, dict[int, FieldStats], dict[int, float]]:
    """The question's terms as the index gives them, and every passage's score computed from
    posting lists built by analysing the stored text again (not read from the index)."""
    return _reference(store, tokenizer, weights)[:4]


def _reference(store: Store, tokenizer: Tokenizer, weights: dict[tuple[int, str], float]) -> tuple:
    expected, tokens = expected_index(store, tokenizer.passage_grams)
    passages = store.db.execute("SELECT count(*) FROM passages").fetchone()[0]
    stats = store.index.field_stats(store.passage_count())
    assert stats == {f: FieldStats(passages, tokens[f] / passages) for f in FIELDS}
    terms, source = store.index.query_terms(weights, stats)
    lists = {}
    for term in terms:
        df, postings = expected.get(term.key, (0, []))
        assert term.df == df, term.key
        lists[term.key] = np.array(postings, dtype=POSTING)
    return terms, source, stats, score_all(terms, lists, stats), expected


def assert_top_k_is_exact(store: Store, tokenizer: Tokenizer, weights: dict, k: int, allowed: list[int] | None) -> None:
    terms, source, _, scores, expected = _reference(store, tokenizer, weights)
    mass = sum(t.weight * t.idf for t in terms) or 1.0
    got = top_k(terms, k, source, lambda t: t.weight * t.idf / mass, None if allowed is None else np.array(allowed))
    ranked = sorted(
        ((score, pid) for pid, score in scores.items() if allowed is None or pid in set(allowed)),
        key=lambda p: (-p[0], p[1]),
    )
    assert got.ids.tolist() == [pid for _, pid in ranked[:k]]
    assert got.scores.tolist() == [score for score, _ in ranked[:k]]  # to the last bit
    assert got.exhausted == (len(ranked) < k)
    # Coverage: the share of the question's weight each passage holds.
    for pid, cover in zip(got.ids.tolist(), got.coverage.tolist()):
        held = sum(t.weight * t.idf / mass for t in terms if t.df and pid in {p for p, _, _ in expected[t.key][1]})
        assert cover == pytest.approx(held)


def assert_within_bounds(store: Store, tokenizer: Tokenizer, weights: dict) -> None:
    """Every posting's contribution is at most its block's bound, which is at most the term's."""
    store.index.forget_lengths()
    terms, source, stats, _ = reference(store, tokenizer, weights)
    for term in terms:
        if not term.df:
            continue
        blocks = source.blocks(term)
        assert len(blocks.last_ids) > 0
        previous = 0
        for index, (last, bound) in enumerate(zip(blocks.last_ids.tolist(), blocks.bounds.tolist())):
            postings = source.postings_at(term, np.array([index]))
            assert postings["id"].min() > previous and postings["id"].max() == last
            assert (scoring.contribution(term, postings, stats) <= bound).all(), (term.key, index)
            assert bound <= term.bound
            previous = last
        everything = source.full(term)
        assert len(everything) == term.df
        assert scoring.contribution(term, everything, stats).max() <= term.bound


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(archive=issues, replacement=articles, data=st.data())
def test_top_k_is_the_exhaustive_ranking(
    tokenizer: Tokenizer, archive: list[IssueSpec], replacement: IssueSpec, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "archive.db")
        try:
            assert save(store, tokenizer, [issue_record(tokenizer, n + 1, a) for n, a in enumerate(archive)]) == [
                IngestStatus.ADDED
            ] * len(archive)

            def check(label: str) -> None:
                ids = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
                for _ in range(2):
                    weights = {(f, t): w for f, t, w in data.draw(query_terms, label=f"query {label}")}
                    k = data.draw(ks, label="k")
                    allowed = data.draw(
                        st.none() | st.lists(st.sampled_from(ids), unique=True).map(sorted), label="allowed"
                    )
                    assert_top_k_is_exact(store, tokenizer, weights, k, allowed)

            check("after ingest")
            # A new version of one issue: its passages leave the index, the new ones come in at the end.
            total = data.draw(st.integers(1, len(archive)), label="replaced issue")
            assert save(store, tokenizer, [issue_record(tokenizer, total, replacement, version=1)]) == [
                IngestStatus.REPLACED
            ]
            check("after replace")
            # An issue cut down to one short passage: most of its postings go, blocks empty out.
            total = data.draw(st.integers(1, len(archive)), label="cut issue")
            assert save(store, tokenizer, [issue_record(tokenizer, total, [([0], [[1]])], version=2)]) == [
                IngestStatus.REPLACED
            ]
            check("after cut")
            assert_index_matches_passages(store, tokenizer.passage_grams)
        finally:
            store.close()


@pytest.fixture(scope="module")
def block_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Iterator[Store]:
    """The sample archive plus a synthetic issue of many short passages, in small blocks."""
    with Archive(tmp_path_factory.mktemp("blocks") / "archive.db", tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        many = [([4, 1], [[i % len(VOCABULARY), (3 * i) % len(VOCABULARY), 0] for i in range(250)])]
        record = issue_record(tokenizer, 1, many)
        assert (
            archive.store.save_issues([record], tokenizer.passage_grams, archive.fingerprint)[0].status
            is IngestStatus.ADDED
        )
        yield archive.store


def test_no_contribution_exceeds_its_block_bound(block_archive: Store, tokenizer: Tokenizer) -> None:
    """Over every term of the index, both fields: each block's bound holds for every posting in it."""
    keys = [tuple(r) for r in block_archive.db.execute("SELECT field, term FROM index_terms")]
    assert len(keys) > 1000
    assert_within_bounds(block_archive, tokenizer, {key: 1.0 for key in keys})


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(FIELDS),
    postings=st.lists(st.tuples(st.integers(1, 300), st.integers(1, 3000)), min_size=1, max_size=20),
    average=st.floats(0.5, 2000),
)
def test_a_bound_holds_for_any_tf_and_length(field: int, postings: list[tuple[int, int]], average: float) -> None:
    tf = np.array([p[0] for p in postings], dtype=np.uint16)
    length = np.array([max(p) for p in postings], dtype=np.uint16)  # a text holds at least tf terms
    bound = scoring.impact_bound(field, tf.max(keepdims=True), length.min(keepdims=True), average)[0]
    assert (scoring.impacts(field, tf, length, average) <= bound).all()


@settings(max_examples=25, deadline=None)
@given(weights=query_terms, k=st.integers(1, 3), data=st.data())
def test_top_k_within_a_large_allowed_set_is_exact(
    block_archive: Store, tokenizer: Tokenizer, weights: list, k: int, data: st.DataObject
) -> None:
    """More passages allowed than top_k looks up one by one: the lists are read and filtered."""
    ids = [r[0] for r in block_archive.db.execute("SELECT id FROM passages ORDER BY id")]
    left_out = data.draw(st.sets(st.sampled_from(ids), max_size=len(ids) - k * 64 - 1), label="left out")
    allowed = [i for i in ids if i not in left_out]
    assert len(allowed) > k * 64
    assert_top_k_is_exact(block_archive, tokenizer, {(f, t): w for f, t, w in weights}, k, allowed)


def test_a_common_term_is_read_only_in_the_blocks_that_can_matter(
    block_archive: Store, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare term and a very common one: the common list is not read from the file whole, only
    the blocks of the passages the rare term found, and the answer is still the exhaustive one."""
    monkeypatch.setattr(scoring, "DENSE_POSTINGS", 0)  # lists this short are otherwise added whole
    monkeypatch.setattr(index_postings, "WHOLE_LIST_POSTINGS", 0)  # and read whole, being short
    weights = {(CHARS, "背街"): 1.0, (CHARS, "文"): 1.0}
    terms, source, _, scores = reference(block_archive, tokenizer, weights)
    common = next(t for t in terms if t.term == "文")
    assert common.df > 10 * SMALL_BLOCK
    block_archive.index.forget_lengths()  # nothing kept from earlier questions
    terms, source = block_archive.index.query_terms(weights, source.stats)
    index = block_archive.index
    whole: list[str] = []
    blocks: dict[str, int] = {}
    read_list, read_blocks = index.read_list, index.read_blocks

    def counted_list(field, term, lengths):
        whole.append(next(t.term for t in terms if source.held.get(t.key) and source.held[t.key].held is term))
        return read_list(field, term, lengths)

    def counted_blocks(field, term, positions, lengths):
        name = next(t.term for t in terms if source.held.get(t.key) and source.held[t.key].held is term)
        blocks[name] = blocks.get(name, 0) + len(positions)
        return read_blocks(field, term, positions, lengths)

    monkeypatch.setattr(index, "read_list", counted_list)
    monkeypatch.setattr(index, "read_blocks", counted_blocks)
    got = top_k(terms, 2, source, lambda t: 0.5)
    ranked = sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:2]
    assert list(zip(got.ids.tolist(), got.scores.tolist())) == ranked
    assert whole == ["背街"]
    assert 0 < blocks["文"] < len(source.blocks(common).last_ids) / 2


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
        weights = {(CHARS, "垃圾"): 1.0, (CHARS, "志愿"): 1.0}
        terms, source, stats, scores = reference(store, tokenizer, weights)
        strong, weak = scoring.order_terms(terms)
        best_strong = scoring.contribution(strong, source.full(strong), stats).max()
        assert (strong.term, weak.term) == ("垃圾", "志愿")
        assert best_strong < weak.bound <= strong.bound and best_strong > 0.8 * weak.bound
        (winner,) = store.db.execute("SELECT id FROM passages WHERE text = ?", [texts[2]]).fetchone()
        assert min(scores, key=lambda pid: (-scores[pid], pid)) == winner
        assert top_k(terms, 1, source, lambda t: 0.5).ids.tolist() == [winner]
        for k in (1, 2, 3):
            assert_top_k_is_exact(store, tokenizer, weights, k, None)


def test_tied_passages_rank_by_id_whatever_k(tmp_path: Path, tokenizer: Tokenizer) -> None:
    store = Store(tmp_path / "ties.db")
    same = [1, 3, 5]
    try:
        save(store, tokenizer, [issue_record(tokenizer, 1, [([2], [same] * 9 + [[1, 4]])])])
        save(store, tokenizer, [issue_record(tokenizer, 2, [([2], [same] * 5)])])
        weights = {(CHARS, "志愿"): 1.0, (CHARS, "城"): 1.0}
        ids = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
        for k in (1, 3, 7, 14, 20):
            assert_top_k_is_exact(store, tokenizer, weights, k, None)
        for k in (1, 3, 7):
            assert_top_k_is_exact(store, tokenizer, weights, k, ids[5:])
    finally:
        store.close()


# --- paging through answers ------------------------------------------------------------------

SYNTH_ISSUES = 40
PAGE = 2


@pytest.fixture(scope="module")
def many_articles(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Iterator[Archive]:
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
