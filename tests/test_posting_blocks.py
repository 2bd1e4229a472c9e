"""Posting blocks survive the trip to bytes and back, narrow or wide, one at a time or many."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.posting_blocks import MAX_TF, decode, decode_all, decode_many, encode, encode_many

# Ascending ids with gaps that sometimes exceed 16 bits (a wide block), tf beyond 255 clipped.
lists = st.lists(st.tuples(st.integers(1, 200_000), st.integers(1, 400)), min_size=1, max_size=300).map(
    lambda pairs: (np.cumsum([gap for gap, _ in pairs]).astype(np.int64), np.array([tf for _, tf in pairs]))
)


@settings(max_examples=150, deadline=None)
@given(lists, st.integers(1, 130))
def test_blocks_decode_to_what_was_encoded(postings, block: int) -> None:
    ids, tf = postings
    starts = np.arange(0, len(ids), block)
    ends = np.minimum(starts + block, len(ids))
    encoded = encode_many(ids, tf, starts, ends)
    assert len(encoded) == len(starts)
    for data, a, b in zip(encoded, starts, ends):
        one_ids, one_tf = decode(data)
        assert one_ids.tolist() == ids[a:b].tolist() and one_tf.tolist() == np.minimum(tf[a:b], MAX_TF).tolist()
    all_ids, all_tf = decode_all(encoded, block)
    assert all_ids.tolist() == ids.tolist() and all_tf.tolist() == np.minimum(tf, MAX_TF).tolist()
    many_ids, many_tf, sizes = decode_many(encoded)
    assert many_ids.tolist() == ids.tolist() and sizes.tolist() == (ends - starts).tolist()


def test_a_block_whose_gaps_fit_16_bits_takes_three_bytes_a_posting() -> None:
    ids = np.arange(1000, 1000 + 128 * 7, 7)
    assert len(encode(ids, np.ones(128, int))) == 3 + 3 * 128
    wide = np.array([1, 70_000, 70_001])
    assert len(encode(wide, np.ones(3, int))) == 1 + 5 * 3
    assert decode(encode(wide, np.ones(3, int)))[0].tolist() == wide.tolist()
