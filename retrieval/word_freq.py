"""jieba's word frequencies read through a memory map, so a fresh process segments its first
question without first building a dict of half a million words (0.7 s of a cold `ask`).

jieba looks words up in `Tokenizer.FREQ` (`in`, `[]`, `.get`) and nowhere else when it cuts
without its HMM, as the tokenizer does. The frequencies jieba ends with after its dictionary and
ours are written once per machine to files of sorted UTF-8 keys and their counts (in the temporary
folder, as jieba keeps its own cache, named by what they were built from); words are then looked
up by binary search, and each one looked up is kept, so a server's questions soon find theirs in
a dict again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import jieba
import numpy as np

# Keys of up to this many UTF-8 bytes (eight Chinese characters) go in the sorted array; the few
# longer words (about 0.2%) in a dict beside it.
KEY_BYTES = 24
# Raised when the files' layout changes.
LAYOUT = 1
# Words kept once looked up (about 100 bytes each); past this many they are dropped all at once,
# so a server that runs for months keeps a bounded set, the words its recent questions use.
SEEN_WORDS = 200_000
_MISSING = object()


class FrozenFrequencies:
    """The part of a dict jieba uses, over the files' arrays."""

    def __init__(self, stem: Path):
        self.keys = np.load(f"{stem}.keys.npy", mmap_mode="r")
        self.counts = np.load(f"{stem}.counts.npy", mmap_mode="r")
        meta = json.loads(Path(f"{stem}.json").read_text(encoding="utf-8"))
        self.total: int = meta["total"]
        self._long: dict[str, int] = meta["long"]
        self._seen: dict[str, int | None] = {}

    def get(self, word: str, default: object = None) -> object:
        found = self._seen.get(word, _MISSING)
        if found is _MISSING:
            if len(self._seen) >= SEEN_WORDS:
                self._seen.clear()
            found = self._seen[word] = self._look_up(word)
        return default if found is None else found

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found  # type: ignore[return-value]

    def _look_up(self, word: str) -> int | None:
        key = word.encode("utf-8")
        if len(key) > KEY_BYTES:
            return self._long.get(word)
        at = int(np.searchsorted(self.keys, key))
        return int(self.counts[at]) if at < len(self.keys) and self.keys[at] == key else None


def segmenter(user_dict: Path) -> jieba.Tokenizer:
    """A jieba tokenizer with its dictionary and `user_dict`, its frequencies read from the files
    (written first when this machine has none for these dictionaries); without a writable
    temporary folder, jieba's own, loaded into memory."""
    stem = _stem(user_dict)
    try:
        if not Path(f"{stem}.json").exists():
            _write(stem, user_dict)
    except OSError:
        return _loaded(user_dict)
    cutter = jieba.Tokenizer()
    frequencies = FrozenFrequencies(stem)
    cutter.FREQ, cutter.total, cutter.initialized = frequencies, frequencies.total, True
    return cutter


def _stem(user_dict: Path) -> Path:
    made_from = hashlib.sha256()
    made_from.update(f"{LAYOUT} {version('jieba')} {KEY_BYTES}".encode())
    made_from.update(user_dict.read_bytes())
    return Path(tempfile.gettempdir()) / f"capital-bulletin-words-{made_from.hexdigest()[:16]}"


def _loaded(user_dict: Path) -> jieba.Tokenizer:
    """jieba as it loads itself: both dictionaries in a dict in memory."""
    full = jieba.Tokenizer()
    full.initialize()
    full.load_userdict(str(user_dict))
    return full


def _write(stem: Path, user_dict: Path) -> None:
    """jieba's frequencies after both dictionaries, as files; each written beside its name and
    renamed over it, the JSON last, so a reader never sees a part of them."""
    full = _loaded(user_dict)
    short = sorted((w.encode("utf-8"), n) for w, n in full.FREQ.items() if len(w.encode("utf-8")) <= KEY_BYTES)
    keys = np.array([k for k, _ in short], dtype=f"S{KEY_BYTES}")
    counts = np.array([n for _, n in short], dtype=np.int64)
    long = {w: n for w, n in full.FREQ.items() if len(w.encode("utf-8")) > KEY_BYTES}
    token = f".{os.getpid()}.partial"
    for suffix, array in ((".keys.npy", keys), (".counts.npy", counts)):
        with open(f"{stem}{suffix}{token}", "wb") as out:
            np.save(out, array)
        os.replace(f"{stem}{suffix}{token}", f"{stem}{suffix}")
    Path(f"{stem}.json{token}").write_text(json.dumps({"total": full.total, "long": long}), encoding="utf-8")
    os.replace(f"{stem}.json{token}", f"{stem}.json")
