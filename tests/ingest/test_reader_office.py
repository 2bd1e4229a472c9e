"""Word and web-page bulletins: read from their bytes, parsed, and compared with the issue they
were built from; the broken ones refused with the right error and a Chinese message."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

import pytest

from retrieval.errors import DamagedFile, NotABulletin, UnreadableFile, UnsupportedFormat
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import detect_format, read_document
from retrieval.ingest.readers.html_chrome import drop_boilerplate
from retrieval.ingest.readers.html_tree import decode_html
from retrieval.models import BULLETIN_TITLE
from retrieval.text import CJK
from tests.helpers import office

TABLE_ROWS = ("区，志愿者人数，活动场次。", "东城区，1200，35。", "西城区，980，28。")
SPACE_BETWEEN_CHINESE = re.compile(rf"[{CJK}][ \t\u00a0\u3000]+[{CJK}]")
# Words of the site's chrome that the bulletin's own text never uses.
BOILERPLATE = ("您当前的位置", "工作简报", "文明动态", "相关链接", "分享到", "微信", "微博", "QQ空间", "打印", "关闭",
               "字号", "ICP", "版权所有", "公网安备", "网站标识码", "主办单位", "网站地图", "上一篇", "发布时间",
               "浏览次数", "首都文明网", "第16期", "第9期")  # fmt: skip


def expected_articles(issue) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """The source issue's articles with the data table's rows after the first paragraph of
    article TABLE_ARTICLE, where both builders set the table."""
    articles = [(a.title, a.source, a.paragraphs) for a in issue.articles]
    title, source, paragraphs = articles[office.TABLE_ARTICLE]
    articles[office.TABLE_ARTICLE] = (title, source, paragraphs[:1] + TABLE_ROWS + paragraphs[1:])
    return articles


def articles_of(parsed) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(a.title, a.source, a.paragraphs) for a in parsed.articles]


def assert_chinese_message(error: BaseException) -> None:
    message = str(error)
    assert re.search(f"[{CJK}]", message) and "\n" not in message, message


# --- Word -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def word_issue():
    return office.load_issue(office.ISSUE_2126_TEXT)


@pytest.fixture(scope="module")
def word_document(word_issue):
    return read_document(office.bulletin_docx(word_issue))


def test_word_bulletin_parses_to_the_issue_it_was_built_from(word_issue, word_document) -> None:
    parsed = parse_bulletin(word_document.text)
    assert (parsed.ref.total, parsed.ref.number, parsed.ref.date, parsed.ref.issuer) == (
        2126, 17, word_issue.ref.date, "首都精神文明办",
    )  # fmt: skip
    assert [a.title for a in parsed.articles] == [
        "首都精神文明建设工作暨背街小巷环境精细化整治提升动员部署大会召开",
        "2020年首都精神文明建设工作聚焦四个方面23项重点任务",
    ]
    assert [a.source for a in parsed.articles] == ["本刊", "本刊"]
    assert parsed.footer == word_issue.footer


def test_word_table_rows_and_text_box_sit_in_their_articles_in_document_order(word_issue, word_document) -> None:
    parsed = parse_bulletin(word_document.text)
    assert articles_of(parsed) == expected_articles(word_issue)
    boxed = word_issue.articles[office.TEXT_BOX_ARTICLE].paragraphs[office.TEXT_BOX_PARAGRAPH]
    assert word_document.text.count(boxed) == 1  # Word stores the box twice (DrawingML and VML)


def test_word_masthead_table_comes_out_as_header_lines(word_document) -> None:
    assert word_document.text.splitlines()[:5] == [
        BULLETIN_TITLE,
        "第17期",
        "（总第2126期）",
        "首都精神文明办",
        "2020年4月24日",
    ]
    assert (word_document.format, word_document.page_starts, word_document.pages) == ("docx", (), None)


def test_word_soft_line_breaks_and_boxed_footer_rows_are_lines_of_their_own(word_document) -> None:
    lines = word_document.text.splitlines()
    assert lines[-8:] == [
        "责编：梅雪峰", "核稿：田文松", "电话：55569506", "传真：55569505", "邮箱：jswmzhxhc@163.com",
        "报：中央文明办,首都文明委主任、副主任,市委、市人大、市政府、市政协。",
        "送：首都文明委委员,市委、市政府各部委办局,各总公司、高等院校,市级群众团体。",
        "发：各区委书记、区长、宣传部长,各区文明办,有关新闻单位。",
    ]  # fmt: skip


def test_word_text_has_no_space_between_chinese_characters(word_document) -> None:
    assert not SPACE_BETWEEN_CHINESE.search(word_document.text)
    parsed = parse_bulletin(word_document.text)
    for article in parsed.articles:
        assert not SPACE_BETWEEN_CHINESE.search(article.title + article.text)


def test_word_edits_fields_content_controls_nested_tables_and_word_art_are_read_as_shown() -> None:
    assert tuple(read_document(office.edited_docx()).text.splitlines()) == office.EDITED_LINES


def test_empty_word_document_is_refused_as_having_no_text() -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_document(office.empty_docx())
    assert type(caught.value) is UnreadableFile and "没有文字" in str(caught.value)
    assert_chinese_message(caught.value)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.98])
def test_truncated_word_document_is_damaged(fraction: float) -> None:
    data = office.bulletin_docx()
    with pytest.raises(DamagedFile) as caught:
        read_document(data[: int(len(data) * fraction)])
    assert str(caught.value) == "Word 文档已损坏或不完整，请重新导出后再导入。"


def test_word_document_with_a_corrupted_part_is_damaged() -> None:
    data = bytearray(office.bulletin_docx())
    start = data.index(b"word/document.xml") + len("word/document.xml")  # the part's data follows its local header
    data[start + 200 : start + 260] = bytes(60)
    with pytest.raises(DamagedFile):
        read_document(bytes(data))


def test_word_document_whose_relationship_lost_its_target_is_damaged() -> None:
    """A one-byte slip in word/_rels/document.xml.rels leaves a relationship without a target:
    python-docx then fails with a TypeError, which must read as a damaged file, not a crash."""
    source = zipfile.ZipFile(io.BytesIO(office.bulletin_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = re.sub(rb' Target="[^"]*"', b"", data, count=1)
            damaged.writestr(item, data)
    with pytest.raises(DamagedFile):
        read_document(out.getvalue())


def test_zip_that_holds_no_word_document_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        read_document(office.plain_zip())
    assert "压缩包" in str(caught.value) and "不是 Word 文档" in str(caught.value)
    assert_chinese_message(caught.value)


@pytest.mark.parametrize(("kind", "says"), [("ratio", "压缩炸弹"), ("total", "50 MB"), ("members", "文件数异常")])
def test_zip_bomb_is_refused_before_it_is_inflated(kind: str, says: str) -> None:
    data = office.zip_bomb_docx(kind)
    assert len(data) < 1024 * 1024
    with pytest.raises(UnreadableFile) as caught:
        read_document(data)
    # Inflated, the "ratio" bomb's document.xml of zeros would fail as damaged XML instead.
    assert type(caught.value) is UnreadableFile and says in str(caught.value)
    assert_chinese_message(caught.value)


def test_word_document_that_is_no_bulletin_is_read_and_then_refused_by_the_parser() -> None:
    document = read_document(office.meeting_notice_docx())
    assert document.text.splitlines()[0] == "关于召开2022年首都精神文明建设工作会议的通知"
    with pytest.raises(NotABulletin):
        parse_bulletin(document.text)


# --- web page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_issue():
    return office.load_issue(office.ISSUE_2202_TEXT)


PAGE_LAYOUTS = [("title", False), ("title", True), ("content", False), ("content", True)]


@pytest.mark.parametrize(("header_in", "chrome_in_content"), PAGE_LAYOUTS)
def test_web_page_bulletin_parses_to_the_issue_it_was_built_from(web_issue, header_in, chrome_in_content) -> None:
    document = read_document(office.bulletin_html(web_issue, header_in=header_in, chrome_in_content=chrome_in_content))
    assert document.format == "html" and document.page_starts == ()
    parsed = parse_bulletin(document.text)
    assert (parsed.ref.total, parsed.ref.number, parsed.ref.date, parsed.ref.issuer) == (
        2202, 10, web_issue.ref.date, "首都精神文明办",
    )  # fmt: skip
    assert [a.title for a in parsed.articles] == [
        "驻京部队官兵积极参加首都地区文明城区创建工作",
        "全市认真贯彻落实中央文明办《关于2021年全国文明城市年度测评结果通报》精神",
        "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗",
    ]
    assert [a.source for a in parsed.articles] == [
        "中央军委政治工作部群众工作局", "精神文明综合协调处、精神文明创建活动指导处", "丰台区文明办",
    ]  # fmt: skip
    assert articles_of(parsed) == expected_articles(web_issue)  # the table's rows in order, nothing else
    assert parsed.footer == web_issue.footer  # no related links or ICP line glued onto 发：


@pytest.mark.parametrize(("header_in", "chrome_in_content"), PAGE_LAYOUTS)
def test_web_page_keeps_no_site_boilerplate_and_no_space_between_chinese(
    web_issue, header_in: str, chrome_in_content: bool
) -> None:
    text = read_document(office.bulletin_html(web_issue, header_in=header_in, chrome_in_content=chrome_in_content)).text
    source = office.ISSUE_2202_TEXT.read_text(encoding="utf-8")
    for word in BOILERPLATE:
        assert word not in source  # else the check below proves nothing
        assert word not in text, word
    assert not SPACE_BETWEEN_CHINESE.search(text)


def test_masthead_outside_the_content_block_is_put_back_in_order(web_issue) -> None:
    lines = read_document(office.bulletin_html(web_issue, header_in="title")).text.splitlines()
    assert lines[:3] == [BULLETIN_TITLE, "第10期（总第2202期）", "首都精神文明办2022年4月29日"]


def test_bulletin_name_only_in_the_page_title_is_taken_from_there() -> None:
    page = (
        f"<html><head><meta charset='utf-8'><title>{BULLETIN_TITLE}（第6期）_工作简报_某区文明网</title></head><body>"
        "<div id='content'><p>第6期（总第2165期）</p><p>首都精神文明办</p><p>2021年3月12日</p>"
        "<p>朝阳区推进垃圾分类入户宣传</p><p>朝阳区组织志愿者深入社区，开展垃圾分类入户宣传，覆盖居民十二万户。"
        "各街道建立桶前值守制度，引导居民正确投放。</p><p>（朝阳区文明办）</p><p>责编：梅雪峰</p></div></body></html>"
    )
    parsed = parse_bulletin(read_document(page.encode("utf-8")).text)
    assert (parsed.ref.total, parsed.ref.number) == (2165, 6)
    assert [(a.title, a.source) for a in parsed.articles] == [("朝阳区推进垃圾分类入户宣传", "朝阳区文明办")]


def test_web_page_that_is_no_bulletin_is_read_and_then_refused_by_the_parser() -> None:
    document = read_document(office.news_html())
    assert "二百余名志愿者" in document.text and "京ICP备" not in document.text
    with pytest.raises(NotABulletin):
        parse_bulletin(document.text)


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
        b"<html><head><script src='/app.js'></script></head>"
        b"<body><div id='app'></div><script>render()</script></body></html>",
    ],
)
def test_web_page_without_text_is_refused(page: bytes) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_document(page)
    assert "没有正文文字" in str(caught.value)
    assert_chinese_message(caught.value)


def test_boilerplate_filter_drops_site_lines_and_keeps_every_bulletin_line() -> None:
    bulletin_lines = [
        BULLETIN_TITLE, "第10期（总第2202期）", "首都精神文明办2022年4月29日", "丰台区凝心聚力打好创建全国文明城市主动仗",
        "区委主要领导高频调度，区分管领导每周现场督导。", "东城区，1200，35。", "（丰台区文明办）",
        "责编：梅雪峰", "报：中央文明办,首都文明委主任、副主任。", "发：各区文明办,有关新闻单位。",
    ]  # fmt: skip
    site_lines = [
        "您当前的位置：首页 > 工作简报 > 正文", "当前位置：首页>>工作简报", "首页 | 文明动态 | 工作简报",
        "发布时间：2022-04-29 来源：首都文明网", "【字号：大 中 小】", "分享到：微信 微博 QQ空间", "微信 微博",
        "【打印】【关闭】", "[打印本页] [关闭窗口]", "上一篇：首都精神文明建设情况简报（第9期）",
        "京ICP备05012345号", "京公网安备11010502030001号", "网站标识码：1100000001",
        "主办单位：首都精神文明建设委员会办公室", "版权所有：首都文明网", "关于我们 | 网站地图 | 联系我们",
    ]  # fmt: skip
    related = ["相关链接", "首都精神文明建设情况简报（第16期）2022-04-15", "东城区开展“文明过马路”主题宣传活动"]
    lines = site_lines[:5] + bulletin_lines[:5] + site_lines[5:10] + bulletin_lines[5:] + related + site_lines[10:]
    assert drop_boilerplate(lines) == bulletin_lines


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ('<meta charset="gb2312"><p>朱镕基</p>'.encode("gb18030"), "朱镕基"),  # 镕 is outside GB2312
        ('<meta http-equiv="Content-Type" content="text/html; charset=GBK"><p>首都</p>'.encode("gbk"), "首都"),
        ("<html><p>首都文明</p></html>".encode(), "首都文明"),
        ("<html><p>首都文明</p></html>".encode("gb18030"), "首都文明"),
        ('<meta charset="iso-8859-1"><p>首都文明</p>'.encode(), "首都文明"),  # mislabelled
        (codecs.BOM_UTF16_LE + "<html><p>首都文明</p></html>".encode("utf-16-le"), "首都文明"),
        ("<html><p>首都文明</p></html>".encode("utf-16-le"), "首都文明"),  # no BOM
        ('<?xml version="1.0" encoding="gb2312"?><html><p>首都文明</p></html>'.encode("gb18030"), "首都文明"),
    ],
)
def test_web_page_charset_comes_from_bom_declaration_or_content(data: bytes, text: str) -> None:
    assert text in decode_html(data)


def test_web_page_with_a_few_broken_bytes_is_still_read(web_issue) -> None:
    data = office.bulletin_html(web_issue)
    cut = data.index("丰台区凝心聚力".encode("gb18030"))
    damaged = data[:cut] + b"\xff" + data[cut:]  # a stray byte no encoding reads
    parsed = parse_bulletin(read_document(damaged).text)
    assert (parsed.ref.total, len(parsed.articles)) == (2202, 3)


def test_web_page_of_binary_junk_is_refused_as_undecodable() -> None:
    junk = b"\xff\x80" * 2000  # neither byte starts a character in UTF-8 or GB18030
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"<html><body>" + junk)
    assert "编码" in str(caught.value)


def test_web_page_saved_as_utf16_without_bom_is_read() -> None:
    page = f"<html><body><p>{BULLETIN_TITLE}</p><p>第6期（总第2165期）</p></body></html>".encode("utf-16-le")
    assert read_document(page).text.splitlines() == [BULLETIN_TITLE, "第6期（总第2165期）"]


# --- format from bytes ------------------------------------------------------------


@pytest.mark.parametrize(("build", "fmt"), [(office.bulletin_docx, "docx"), (office.bulletin_html, "html")])
def test_format_comes_from_the_bytes_whatever_the_file_is_named(tmp_path: Path, build, fmt: str) -> None:
    path = tmp_path / "第10期简报.txt"
    path.write_bytes(build())
    data = path.read_bytes()
    assert detect_format(data) == fmt
    document = read_document(data)
    assert document.format == fmt
    assert parse_bulletin(document.text).articles
