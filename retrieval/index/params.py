"""The index's frozen parameters. The fingerprint (fingerprint.py) covers every one of them, so an
index built with other values is refused with the line that names `reindex`, never mixed.

k1 and b are the plain character BM25's: k1 1.0-1.2 and b 0.9 sit on a flat plateau of the dev
halves; k1 0.6, b 0.75-0.8 and BM25+ each lost there (docs/quality.md). A heading counts once in
each passage of its article, like any of its text: weighing it 2 or 3 times gained on CMRC's dev
half and not on the development archive's.
"""

from __future__ import annotations

K1 = 1.2
B = 0.9
TITLE_WEIGHT = 1
# Postings in a full run of a list; once a term has more than MAX_SMALL_RUNS shorter runs (one per
# write that added to it), they are merged into full ones (lists.py).
CHUNK = 4096
MAX_SMALL_RUNS = 8
# A list of at most this many postings lives in its term's row, and has no runs: most terms are
# rare bigrams, and a row of their own would cost more than their postings.
INLINE = 16
# Passage lengths per row of index_lengths.
LENGTHS_PER_ROW = 4096
# Raised when how postings are laid out in the file changes.
LAYOUT = 1


def as_dict() -> dict[str, float | int]:
    return {
        "k1": K1,
        "b": B,
        "title_weight": TITLE_WEIGHT,
        "chunk": CHUNK,
        "small_runs": MAX_SMALL_RUNS,
        "inline": INLINE,
        "lengths": LENGTHS_PER_ROW,
        "layout": LAYOUT,
    }
