"""The bot's settings, built once at the entry point from flags and the environment."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BotSettings:
    """What `serve` needs beyond the archive. Secrets stay out of repr, and so out of logs."""

    token: str = field(repr=False)
    api_base_url: str | None = None
    """A Bot API server other than Telegram's, e.g. http://127.0.0.1:8081/bot."""
    admin_ids: frozenset[int] = frozenset()
    questions_per_minute: int = 10
    send_rate: int = 30
    """Messages per second across all chats: Telegram's limit for bots. 0 leaves sending
    unthrottled, for a Bot API server that sets no such limit (a local stand-in)."""
    channel_id: str | None = None
    """A channel (-100… id or @username) every new issue is also posted to; the bot must be its admin."""
    webhook_url: str | None = None
    """Receive updates by webhook at this public URL instead of long polling."""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)

    @property
    def api_file_url(self) -> str | None:
        """Files are served beside the methods: .../bot<token>/m -> .../file/bot<token>/path."""
        if self.api_base_url is None:
            return None
        base = self.api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if tail.startswith("bot") else f"{base}/file/bot"
