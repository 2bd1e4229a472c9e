"""One tokenizer for passages and questions, so both sides of BM25 see the same terms."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path

import jieba
import opencc

from . import word_freq
from .errors import MissingResource

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_USER_DICT = DATA_DIR / "userdict.txt"
DEFAULT_STOPWORDS = DATA_DIR / "stopwords.txt"
# Normalized texts kept (least recently used dropped): a page of answers' passages, many times over.
NORMALIZED_KEPT = 256

# FTS5's unicode61 tokenizer splits on anything that is not a letter or digit; so do we, so that
# the index and our own term statistics agree.
_WORD_PIECES = re.compile(r"[^\W_]+")
# Interrogatives and question particles, longest first so 为什么 goes before 什么 (the plain
# character peer, benchmarks/bm25_peers.py, drops the same): they occur in
# no answer, and as characters they match text that merely asks or counts. Only these leave a
# question's character runs; function words stay, as in the passages (docs/quality.md: removing
# the 148 stop words as well cost 1.2 points of R@1 on CMRC's dev half).
QUESTION_WORDS = (
    "为什么", "有没有", "是不是", "怎么样",
    "什么", "哪些", "哪个", "哪里", "哪儿", "怎么", "怎样", "如何", "多少", "是否", "为何", "何时", "请问",
    "吗", "呢", "哪", "几", "谁",
)  # fmt: skip
_QUESTION_WORD = re.compile("|".join(map(re.escape, QUESTION_WORDS)))


class Tokenizer:
    """NFKC, case folding, traditional->simplified, jieba segmentation with sub-words, stop words out.

    The jieba dictionary (about a second to load) is loaded on first use, not at construction.
    """

    def __init__(self, user_dict: Path = DEFAULT_USER_DICT, stopwords: Path = DEFAULT_STOPWORDS):
        for path in (user_dict, stopwords):
            if not path.is_file():
                raise MissingResource(f"缺少数据文件 {path}，请从代码仓库恢复它。")
        self._user_dict = user_dict
        self.files = (user_dict, stopwords)
        """What the tokenizer was built from: another process builds the same one from it."""
        self.stopwords = frozenset(
            line.strip()
            for line in stopwords.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        )
        self._converter = opencc.OpenCC("t2s")
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        # A question normalizes each passage it shows up to three times (tier, excerpt, words).
        self.normalize = functools.lru_cache(maxsize=NORMALIZED_KEPT)(self._normalize)

    def _normalize(self, text: str) -> str:
        return self._converter.convert(nfkc(text).casefold())

    def normalize_aligned(self, text: str) -> tuple[str, list[int]]:
        """normalize(text) plus, for each of its characters, the index in text it came from.

        NFKC can turn one character into several (㎡ -> m2); traditional-to-simplified keeps the
        length in practice, and when it does not, it is skipped rather than misalign the text.
        """
        # Unified ideographs are their own NFKC form and case fold: most of a passage skips both.
        pieces = [ch if "\u4e00" <= ch <= "\u9fff" else unicodedata.normalize("NFKC", ch).casefold() for ch in text]
        origin = [i for i, piece in enumerate(pieces) for _ in piece]
        folded = "".join(pieces)
        simplified = self._converter.convert(folded)
        return (simplified if len(simplified) == len(folded) else folded), origin

    def tokens(self, text: str) -> list[str]:
        """Terms of text with their sub-words, in order, with repeats (BM25 needs term frequencies)."""
        return self._terms(self._words(text))

    def passage_grams(self, text: str) -> list[str]:
        """A passage's character unigrams and bigrams, with repeats: what the index holds."""
        return char_grams(self.normalize(text))

    def question_grams(self, text: str) -> list[str]:
        """A question's character unigrams and bigrams, with repeats, its interrogatives out (they
        also break its runs, so 多少人 yields no 少人)."""
        return char_grams(_QUESTION_WORD.sub(" ", self.normalize(text)))

    def question_words(self, text: str) -> list[str]:
        """A question's jieba words (with their sub-words), stop words out: what it is about, for
        emphasis and for telling an answer from a passing mention."""
        return self._terms(self._words(text))

    def _words(self, text: str) -> list[str | None]:
        """jieba's words of the normalized text, split into letter-and-digit pieces; None where
        punctuation stood."""
        return self._segment(self.normalize(text))

    def _segment(self, normal: str) -> list[str | None]:
        words: list[str | None] = []
        for word in self._segmenter().cut(normal, HMM=False):
            words.extend(_WORD_PIECES.findall(word) or [None])
        return words

    def _terms(self, words: list[str | None]) -> list[str]:
        out: list[str] = []
        for word in words:
            if word is None or word in self.stopwords:
                continue  # nor its parts: 哪一年 is a question word, its 一年 no topic
            out.extend(term for term in self._with_subwords(word) if term not in self.stopwords)
        return out

    def _with_subwords(self, word: str) -> list[str]:
        """The dictionary words inside a word, shortest first, then the word itself.

        Like jieba's search mode, but with sub-words of every length, not only two and three
        characters: 全国文明城市 also yields 文明城市, which a question may use on its own. They
        are read off jieba's word graph of the word (each start, the dictionary words from it),
        so a long run (a thousand digits) costs time in proportion to its length, not its cube.
        """
        if len(word) <= 2:
            return [word]
        graph = self._segmenter().get_DAG(word)
        spans = sorted(
            (end + 1 - start, start)
            for start, ends in graph.items()
            for end in ends
            if 2 <= end + 1 - start < len(word)
        )
        return [word[start : start + size] for size, start in spans] + [word]

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = word_freq.segmenter(self._user_dict)
        return self._jieba


# Full-width ASCII forms and the ideographic space, which NFKC maps one to one onto ASCII.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_HALF_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster on Chinese text: its full-width punctuation
    (，：（）) is the only change NFKC makes to most of it, and a full NFKC of a long text that
    needs any change costs about 0.2 ms. Those characters are mapped first; only text that then
    still needs NFKC (rare forms, combining marks) goes through it whole."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(lambda found: _HALF_WIDTH[found.group()], text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def char_grams(normal: str) -> list[str]:
    """Character unigrams and bigrams of normalized text, within runs of letters and digits (no
    bigram spans punctuation). Digits and Latin letters are characters like any other: keeping
    numbers whole cost 1.3 points of R@1 on the development archive's dev half (docs/quality.md)."""
    grams: list[str] = []
    for run in _WORD_PIECES.findall(normal):
        grams += run
        grams += (run[i : i + 2] for i in range(len(run) - 1))
    return grams
