"""BM25's arithmetic over character grams: one place for the index, the exhaustive reference and
the answer sentence.

    score(d) = sum over query terms t of  weight(t) * idf(t) * tf * (k1 + 1) / (tf + norm(d))
    norm(d)  = k1 * (1 - b + b * len(d) / mean length)
"""

from __future__ import annotations

import math

import numpy as np

from .params import K1, B

# Bounds are raised by a hair, so that rounding never lets a real contribution exceed its bound.
_SLACK = 1 + 1e-9


def idf(passages: int, df: int) -> float:
    """BM25's IDF (the +1 form Lucene uses: never negative, above 0 for any df)."""
    return math.log(1 + (passages - df + 0.5) / (df + 0.5))


def norms(lengths: np.ndarray, average_length: float) -> np.ndarray:
    """norm(d) of every passage, indexed by passage id."""
    if average_length <= 0:
        return np.full(len(lengths), K1)
    return K1 * (1 - B + B * lengths.astype(np.float64) / average_length)


def impacts(tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """BM25's saturated, length-normalised tf for arrays of postings (norm: their passages')."""
    tf = tf.astype(np.float64)
    return tf * (K1 + 1) / (tf + norm)


def impact(tf: int, length: int, average_length: float, b: float = B) -> float:
    """impacts() for one term in one text (a sentence, when an excerpt is cut, with its own b)."""
    norm = K1 * (1 - b + b * length / average_length) if average_length > 0 else K1
    return tf * (K1 + 1) / (tf + norm)


def impact_bound(max_tf: int, min_length: int, average_length: float) -> float:
    """The largest impact of any posting with tf <= max_tf in a passage of min_length or more."""
    return impact(max_tf, min_length, average_length, B) * _SLACK
