"""Question -> answer: filters, terms, the ranked hits, their excerpts and marks."""
