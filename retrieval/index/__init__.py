"""The search engine: exact BM25 top-k over character grams, stored in the archive file.

params (the frozen parameters) -> bm25 (the arithmetic) -> lists (the tables) and search (top-k)
-> term_index (what the store and the answering code use)."""
