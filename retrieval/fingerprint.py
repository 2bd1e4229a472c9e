"""What the stored index was built with: when any of it changes, the stored terms are stale.

The analysis version, jieba's version, and a hash of each data file that shapes terms (the user
dictionary, the stop words) or questions (the synonyms). It is recorded in the database with the
index, and compared when the database is opened.
"""

from __future__ import annotations

import hashlib
import json

import jieba

from .synonyms import Synonyms
from .tokenize import Tokenizer

# Raise when the analysis itself changes (how words or character grams are cut, or the fields).
PIPELINE_VERSION = 6

_PARTS = {
    "pipeline": "分析流程版本",
    "jieba": "jieba 版本",
    "userdict": "用户词典",
    "stopwords": "停用词表",
    "synonyms": "同义词表",
}


def fingerprint(tokenizer: Tokenizer, synonyms: Synonyms) -> str:
    user_dict, stopwords = tokenizer.files
    parts = {
        "pipeline": PIPELINE_VERSION,
        "jieba": jieba.__version__,
        "userdict": _sha256(user_dict.read_bytes()),
        "stopwords": _sha256(stopwords.read_bytes()),
        "synonyms": synonyms.digest,
    }
    return json.dumps(parts, sort_keys=True)


def changed_parts(held: str, current: str) -> list[str]:
    """What differs between two fingerprints, named for a user (Chinese)."""
    try:
        before = json.loads(held)
    except (json.JSONDecodeError, TypeError):
        before = {}
    after = json.loads(current)
    return [_PARTS.get(key, key) for key in after if before.get(key) != after[key]]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
