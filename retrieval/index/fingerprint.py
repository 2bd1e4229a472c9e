"""What the stored index was built with: when it changes, the stored index is stale.

The index holds character grams of normalized text, so what shapes its terms is the analysis
itself (its version) and the traditional-to-simplified table (OpenCC's version); what shapes its
scores and layout is the frozen parameters (params.py), every one of them. Questions are
analysed at query time, so the jieba dictionary and the stop words, which shape only a question's
words (for emphasis and tiers), need no rebuild. It is recorded in the database with the index,
and compared when the database is opened.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

from . import params

# Raise when the analysis itself changes (how character grams are cut, or the fields).
PIPELINE_VERSION = 7

_PARTS = {
    "pipeline": "分析流程版本",
    "index": "索引参数",
    "opencc": "OpenCC 版本",
    "jieba": "jieba 版本",
    "userdict": "用户词典",
    "stopwords": "停用词表",
    "synonyms": "同义词表",
}


def fingerprint() -> str:
    parts = {"pipeline": PIPELINE_VERSION, "opencc": _version("opencc"), "index": params.as_dict()}
    return json.dumps(parts, sort_keys=True)


def changed_parts(held: str, current: str) -> list[str]:
    """What differs between two fingerprints, named for a user (Chinese)."""
    try:
        before = json.loads(held)
    except (json.JSONDecodeError, TypeError):
        before = {}
    after = json.loads(current)
    return [_PARTS.get(key, key) for key in after if before.get(key) != after[key]]


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
