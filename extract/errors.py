"""The one exception hierarchy of planwatch.

    PlanwatchError
    ├── ConfigError          a config file or setting is wrong (names file, key and fix)
    ├── PollFailed           all, or more than the allowed share, of a poll's feeds failed (names them)
    └── FetchError           an outside fetch failed; ``str()`` says where: "fetch: access forbidden (403)"
        ├── BlockedURL       scheme not http(s), or the address is private/loopback/... and not allowed
        ├── ResponseTooLarge the (decompressed) body passed the cap
        ├── FetchTimeout     connect, read or total deadline passed (also stalled or dripping servers)
        ├── TooManyRedirects
        └── HTTPStatusError  the server answered with an error status (``status`` holds it)
"""

from __future__ import annotations


class PlanwatchError(Exception):
    """Base of every error planwatch raises on purpose."""


class ConfigError(PlanwatchError, ValueError):
    """A configuration file or setting is invalid."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None, fix: str | None = None):
        self.file, self.key, self.fix = file, key, fix
        parts = [p for p in (file and f"{file}", key and f"key '{key}'") if p]
        where = ": ".join(parts)
        text = f"{where}: {message}" if where else message
        if fix:
            text += f" (fix: {fix})"
        super().__init__(text)


class PollFailed(PlanwatchError):
    """Too many of the feeds a poll task polled failed; their state is recorded, the task must fail."""


class FetchError(PlanwatchError):
    """An outside fetch failed."""

    transient: bool = True

    def __init__(self, message: str, *, url: str | None = None):
        self.url = url
        super().__init__(f"fetch: {message}")


class BlockedURL(FetchError):
    transient = False


class ResponseTooLarge(FetchError):
    transient = False


class FetchTimeout(FetchError):
    pass


class TooManyRedirects(FetchError):
    transient = False


class HTTPStatusError(FetchError):
    def __init__(self, message: str, *, status: int, url: str | None = None):
        self.status = status
        super().__init__(message, url=url)

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return self.status in (408, 425, 429) or self.status >= 500


class DeliveryError(PlanwatchError):
    """Sending an alert failed; ``str()`` says where: "smtp: recipient refused (550)".

    ``transient`` failures are retried on a later run (``retry_after`` seconds at the earliest, if the
    server said so); permanent ones mark the delivery failed. ``channel_down`` means the channel cannot
    take more messages in this run (unreachable server, rate limit), so the rest wait for the next run.
    """

    def __init__(self, channel: str, message: str, *, transient: bool, code: int | None = None,
                 retry_after: float | None = None, channel_down: bool = False):
        self.channel, self.transient, self.code = channel, transient, code
        self.retry_after, self.channel_down = retry_after, channel_down
        super().__init__(f"{channel}: {message}")
