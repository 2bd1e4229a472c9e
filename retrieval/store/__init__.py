"""The archive file: its tables, writes and reads, and the bot's small state file."""
