"""Synonym groups: the shipped file, matching, and the errors a bad file gives."""

from __future__ import annotations

import hashlib
import timeit
from pathlib import Path

import pytest

from retrieval.errors import ArchiveError, MissingResource
from retrieval.synonyms import DEFAULT_SYNONYMS, Synonyms
from retrieval.tokenize import Tokenizer


@pytest.fixture(scope="module")
def synonyms(tokenizer: Tokenizer) -> Synonyms:
    return Synonyms.load(normalize=tokenizer.normalize)


def raw_members(path: Path) -> list[str]:
    return [m for line in path.read_text(encoding="utf-8").splitlines() for m in line.split("#", 1)[0].split()]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "synonyms.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_is_simplified_multi_character_and_sized(synonyms: Synonyms, tokenizer: Tokenizer) -> None:
    raws = raw_members(DEFAULT_SYNONYMS)
    # Written as questions are normalized (only case may differ), so a reviewer reads what matches.
    assert [tokenizer.normalize(m) for m in raws] == [m.casefold() for m in raws]
    assert all(len(m) >= 2 for m in raws)
    assert 60 <= len(synonyms.groups) <= 150
    assert sum(map(len, synonyms.groups)) == len(raws)


def test_every_member_brings_in_the_rest_of_its_group(synonyms: Synonyms) -> None:
    for group in synonyms.groups:
        for member in group:
            expected = [other for other in group if other != member and other not in member]
            assert synonyms.alternatives(member) == expected, member


def test_alternatives_come_in_file_order(synonyms: Synonyms) -> None:
    assert synonyms.alternatives("丰台区整治不文明遛狗") == ["养犬", "文明养犬", "犬只", "养狗", "遛犬"]


def test_longest_member_wins(synonyms: Synonyms) -> None:
    alternatives = synonyms.alternatives("回天地区创建全国文明城市测评成绩如何")
    assert "创城" in alternatives and "文明城区创建" in alternatives
    assert "文明城区" not in alternatives  # the 文明城市 group, inside 创建全国文明城市


def test_alternatives_in_the_question_are_not_repeated(synonyms: Synonyms) -> None:
    alternatives = synonyms.alternatives("回天地区的回龙观天通苑")
    assert alternatives == ["回龙观天通苑地区"]
    both = synonyms.alternatives("垃分和垃圾分类")
    assert both == ["生活垃圾分类"]


def test_questions_without_members_bring_nothing(synonyms: Synonyms) -> None:
    assert synonyms.alternatives("") == []
    assert synonyms.alternatives("第2103期发布于哪一天") == []


def test_traditional_characters_in_the_question_still_match(synonyms: Synonyms, tokenizer: Tokenizer) -> None:
    question = tokenizer.normalize("回天地區創建全國文明城市，垃圾分類做得怎樣")
    assert synonyms.alternatives(question) == synonyms.alternatives("回天地区创建全国文明城市,垃圾分类做得怎样")
    assert "垃分" in synonyms.alternatives(question)


def test_latin_members_match_any_case(synonyms: Synonyms, tokenizer: Tokenizer) -> None:
    assert synonyms.alternatives(tokenizer.normalize("ＣＢＤ的文明创建")) == ["中央商务区"]


def test_comments_blank_lines_and_bom_are_ignored(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_bytes("\ufeff# header\n\n創城 文明城市创建  # inline\n垃分\t垃圾分类\n".encode())
    loaded = Synonyms.load(path, normalize=tokenizer.normalize)
    assert loaded.groups == (("创城", "文明城市创建"), ("垃分", "垃圾分类"))
    assert loaded.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_digest_follows_the_file(tmp_path: Path, tokenizer: Tokenizer) -> None:
    first = Synonyms.load(write(tmp_path, "创城 文明城市创建\n"), normalize=tokenizer.normalize).digest
    second = Synonyms.load(write(tmp_path, "创城 文明城区创建\n"), normalize=tokenizer.normalize).digest
    assert first != second


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("创城 文明城市创建\n# note\n垃分\n", "只有一个词“垃分”"),
        ("创城 文明城市创建\n\n垃分 创城\n", "已出现在第 1 行"),
        ("创城 文明城市创建\n\n垃分 垃圾分类 垃分\n", "重复"),
        ("创城 文明城市创建\n\n垃分 垃圾分类 \u200b\n", "规范化后为空"),
        ("创城 垃圾分類\n\n垃分 垃圾分类\n", "已出现在第 1 行"),  # equal once simplified
    ],
)
def test_a_malformed_file_is_one_error_naming_file_and_line(
    tmp_path: Path, tokenizer: Tokenizer, text: str, says: str
) -> None:
    path = write(tmp_path, text)

    def normalize(text: str) -> str:  # a normalizer that drops zero-width spaces
        return tokenizer.normalize(text).replace("\u200b", "")

    with pytest.raises(ArchiveError) as caught:
        Synonyms.load(path, normalize=normalize)
    message = str(caught.value)
    assert type(caught.value) is ArchiveError
    assert str(path) in message and "第 3 行" in message and says in message
    assert "\n" not in message


def test_a_missing_file_names_the_file(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "absent" / "synonyms.txt"
    with pytest.raises(MissingResource, match="synonyms.txt") as caught:
        Synonyms.load(path, normalize=tokenizer.normalize)
    assert str(path) in str(caught.value)


def test_matching_a_question_takes_well_under_a_tenth_of_a_millisecond(synonyms: Synonyms) -> None:
    question = "昌平区回天地区创建全国文明城市期间怎样整治不文明遛狗"  # 26 characters, three members
    assert len(synonyms.alternatives(question)) > 5
    runs = 2000
    best = min(timeit.repeat(lambda: synonyms.alternatives(question), number=runs, repeat=5)) / runs
    assert best < 1e-4, f"{best * 1e6:.1f} µs per question"


def test_a_file_not_in_utf8_names_the_file(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_bytes("创城 文明城市创建\n".encode("gbk"))
    with pytest.raises(ArchiveError, match="UTF-8") as caught:
        Synonyms.load(path, normalize=tokenizer.normalize)
    assert str(path) in str(caught.value)
