"""How a block of postings is stored: ids and term frequencies, three bytes a posting when it can.

A posting is a passage id and its tf; the passage's length is not repeated in every list (the
index keeps one length array per field). A block's ids ascend: when every gap fits in 16 bits
(nearly always), the block is its first id and the gaps; otherwise the ids whole. tf is clipped
to 255.

    narrow: b"\\x01" + first id (int32) + gaps (uint16 x n-1) + tf (uint8 x n)
    wide:   b"\\x00" + ids (int32 x n) + tf (uint8 x n)

Blocks are encoded and decoded many at a time with array operations: a batch of issues writes
hundreds of thousands of them, and a question reads hundreds.
"""

from __future__ import annotations

import numpy as np

MAX_TF = 255
_WIDE, _NARROW = 0, 1


def encode(ids: np.ndarray, tf: np.ndarray) -> bytes:
    return encode_many(ids, tf, np.zeros(1, np.int64), np.array([len(ids)]))[0]


def encode_many(ids: np.ndarray, tf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[bytes]:
    """Each block [starts[i], ends[i]) of the ascending ids (and their tf), encoded."""
    if not len(starts):
        return []
    ids = ids.astype(np.int64)
    tf = np.minimum(tf, MAX_TF).astype(np.uint8)
    sizes = ends - starts
    gaps = np.diff(ids, prepend=ids[:1])
    gaps[starts] = 0
    narrow = np.maximum.reduceat(gaps, starts) < 1 << 16
    width = np.where(narrow, 3 + 3 * sizes, 1 + 5 * sizes)
    offsets = np.concatenate([[0], np.cumsum(width)])
    buffer = np.zeros(int(offsets[-1]), np.uint8)
    buffer[offsets[:-1]] = narrow.astype(np.uint8)
    block = np.repeat(np.arange(len(starts)), sizes)
    local = np.arange(len(ids)) - starts[block]
    base = offsets[block]
    is_narrow = narrow[block]
    # tf: after the ids, in both layouts.
    tf_at = np.where(is_narrow, base + 5 + 2 * (sizes[block] - 1), base + 1 + 4 * sizes[block]) + local
    buffer[tf_at] = tf
    # ids: the first of a narrow block, and every id of a wide one, as four little-endian bytes.
    whole = ~is_narrow | (local == 0)
    id_at = np.where(is_narrow, base + 1, base + 1 + 4 * local)[whole]
    id_bytes = ids[whole].astype("<i4").view(np.uint8).reshape(-1, 4)
    for byte in range(4):
        buffer[id_at + byte] = id_bytes[:, byte]
    # gaps of narrow blocks, as two little-endian bytes.
    gapped = is_narrow & (local > 0)
    gap_at = (base + 5 + 2 * (local - 1))[gapped]
    gap_bytes = gaps[gapped].astype("<u2").view(np.uint8).reshape(-1, 2)
    buffer[gap_at] = gap_bytes[:, 0]
    buffer[gap_at + 1] = gap_bytes[:, 1]
    data = buffer.tobytes()
    return [data[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The ids (int64) and tf (uint8) of one block."""
    if not data:
        return np.zeros(0, np.int64), np.zeros(0, np.uint8)
    if data[0] == _NARROW:
        n = (len(data) - 3) // 3
        ids = np.empty(n, np.int64)
        ids[0] = int.from_bytes(data[1:5], "little", signed=True)
        np.cumsum(np.frombuffer(data, "<u2", n - 1, 5), out=ids[1:])
        ids[1:] += ids[0]
        return ids, np.frombuffer(data, np.uint8, n, 5 + 2 * (n - 1))
    n = (len(data) - 1) // 5
    return np.frombuffer(data, "<i4", n, 1).astype(np.int64), np.frombuffer(data, np.uint8, n, 1 + 4 * n)


def decode_all(blocks: list[bytes], full: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """The ids (int64) and tf (uint8) of consecutive blocks, in order.

    Full narrow blocks of `full` postings (nearly all blocks but a list's last) share one layout,
    so a run of them is decoded as one matrix; any other block on its own.
    """
    size = 3 + 3 * full
    ids_parts, tf_parts = [], []
    run: list[bytes] = []

    def flush() -> None:
        if run:
            matrix = np.frombuffer(b"".join(run), np.uint8).reshape(len(run), size)
            first = matrix[:, 1:5].copy().view("<i4").astype(np.int64)
            gaps = matrix[:, 5 : 5 + 2 * (full - 1)].copy().view("<u2")
            ids = np.empty((len(run), full), np.int64)
            ids[:, :1] = first
            np.cumsum(gaps, axis=1, out=ids[:, 1:])
            ids[:, 1:] += first
            ids_parts.append(ids.ravel())
            tf_parts.append(matrix[:, 5 + 2 * (full - 1) :].ravel())
            run.clear()

    for block in blocks:
        if len(block) == size and block[0] == _NARROW:
            run.append(block)
        elif block:
            flush()
            ids, tf = decode(block)
            ids_parts.append(ids)
            tf_parts.append(tf)
    flush()
    if not ids_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint8)
    if len(ids_parts) == 1:
        return ids_parts[0], tf_parts[0]
    return np.concatenate(ids_parts), np.concatenate(tf_parts)


def decode_many(blocks: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids and tf of many blocks of any size, concatenated, and each block's count: one pass
    of array operations for the tails of a whole batch's terms."""
    blocks = [b for b in blocks]
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.int64)
    buffer = np.frombuffer(b"".join(blocks), np.uint8)
    width = np.fromiter(map(len, blocks), np.int64, len(blocks))
    offsets = np.concatenate([[0], np.cumsum(width)[:-1]])
    present = width > 0
    narrow = np.zeros(len(blocks), bool)
    narrow[present] = buffer[offsets[present]] == _NARROW
    sizes = np.where(present, np.where(narrow, (width - 3) // 3, (width - 1) // 5), 0)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    block = np.repeat(np.arange(len(blocks)), sizes)
    local = np.arange(int(sizes.sum())) - starts[block]
    base = offsets[block]
    is_narrow = narrow[block]
    tf = buffer[np.where(is_narrow, base + 5 + 2 * (sizes[block] - 1), base + 1 + 4 * sizes[block]) + local]
    whole = ~is_narrow | (local == 0)
    id_at = np.where(is_narrow, base + 1, base + 1 + 4 * local)[whole]
    values = np.zeros(len(local), np.int64)
    values[whole] = buffer[id_at[:, None] + np.arange(4)].copy().view("<i4").ravel()
    gapped = is_narrow & (local > 0)
    gap_at = (base + 5 + 2 * (local - 1))[gapped]
    values[gapped] = buffer[gap_at].astype(np.int64) | (buffer[gap_at + 1].astype(np.int64) << 8)
    # Narrow blocks: a running sum of the gaps from each block's first id.
    running = np.cumsum(np.where(is_narrow, values, 0))
    first = np.flatnonzero(local == 0)
    ids = np.where(is_narrow, running - (running[first] - values[first])[block], values)
    return ids, tf, sizes
