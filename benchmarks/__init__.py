"""Commands that measure the project: retrieval quality now, speed later."""
