"""Archive core: parse bulletins, store them in SQLite, and answer questions with cited excerpts."""
