"""jieba's frequencies read from files segment exactly as jieba's own dict does, are written once
per dictionary, and a machine without a writable temporary folder still segments."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import jieba
import pytest

from retrieval import word_freq
from retrieval.tokenize import DEFAULT_USER_DICT, Tokenizer
from tests.helpers import SAMPLE_ARCHIVE


@pytest.fixture(scope="module")
def full() -> jieba.Tokenizer:
    cutter = jieba.Tokenizer()
    cutter.initialize()
    cutter.load_userdict(str(DEFAULT_USER_DICT))
    return cutter


def test_every_lookup_and_every_cut_is_jiebas(full: jieba.Tokenizer) -> None:
    frozen = word_freq.segmenter(DEFAULT_USER_DICT)
    assert frozen.total == full.total
    words = sorted(full.FREQ)
    sample = random.Random(7).sample(words, 20_000) + [w for w in words if len(w.encode()) > word_freq.KEY_BYTES]
    assert [frozen.FREQ.get(w) for w in sample] == [full.FREQ[w] for w in sample]
    for absent in ("文明城市创建工作怎么样", "zzzz", "的的的的的的的的的的"):
        assert (absent in frozen.FREQ) == (absent in full.FREQ)
    lines = [line for path in sorted(SAMPLE_ARCHIVE.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    assert len(lines) > 20
    for line in lines:
        assert list(frozen.cut(line, HMM=False)) == list(full.cut(line, HMM=False))
        assert frozen.get_DAG(line) == full.get_DAG(line)


def test_words_kept_once_looked_up_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_freq, "SEEN_WORDS", 50)
    frequencies = word_freq.segmenter(DEFAULT_USER_DICT).FREQ
    for n in range(500):
        assert frequencies.get(f"词{n}") is None
    assert 0 < len(frequencies._seen) <= 50
    assert frequencies.get("文明") == frequencies._look_up("文明") and frequencies.get("文明")


def test_another_user_dictionary_gets_files_of_its_own(tmp_path: Path) -> None:
    extra = tmp_path / "userdict.txt"
    extra.write_text(DEFAULT_USER_DICT.read_text(encoding="utf-8") + "踔厉奋发向未来 10000 n\n", encoding="utf-8")
    assert word_freq._stem(extra) != word_freq._stem(DEFAULT_USER_DICT)
    cutter = word_freq.segmenter(extra)
    assert "踔厉奋发向未来" in list(cutter.cut("我们踔厉奋发向未来", HMM=False))
    assert "踔厉奋发向未来" not in list(word_freq.segmenter(DEFAULT_USER_DICT).cut("我们踔厉奋发向未来", HMM=False))


def test_without_a_writable_temporary_folder_jieba_loads_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone"
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(missing))
    extra = tmp_path / "userdict.txt"
    extra.write_text(DEFAULT_USER_DICT.read_text(encoding="utf-8") + "新名词测试 10 n\n", encoding="utf-8")
    tokenizer = Tokenizer(user_dict=extra)
    assert "新名词测试" in tokenizer.question_words("新名词测试是什么")
    assert not missing.exists()
