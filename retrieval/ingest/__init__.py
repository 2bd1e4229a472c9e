"""Files -> issues: readers per format, parsing into articles, passages, the batch pipeline."""
