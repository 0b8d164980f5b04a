"""The one exception hierarchy of planwatch (each class lives with the layer that raises it).

    PlanwatchError                       extract.errors: every error planwatch raises on purpose
    ├── ConfigError                      extract.errors: a config file or setting is wrong (names file, key and fix;
    │   │                                here because extract reads the taxonomy YAML itself)
    │   └── ConfigErrors                 several at once: ``planwatch check`` lists every one
    ├── FetchError                       extract.errors: an outside fetch failed; ``str()`` says where:
    │   │                                "fetch: access forbidden (403)"
    │   ├── BlockedURL                   scheme not http(s), or the address is private/loopback/... and not allowed
    │   ├── ResponseTooLarge             the (decompressed) body passed the cap
    │   ├── FetchTimeout                 connect, read or total deadline passed (also stalled or dripping servers)
    │   ├── FetchDeferred                a host's or the run's fetch time budget was spent: waits for the next run
    │   ├── TooManyRedirects
    │   └── HTTPStatusError              the server answered with an error status (``status`` holds it)
    ├── StoreError                       store.errors: the store cannot do its job: "store: ..."
    │   ├── StoreBusy                    another process holds the store's lock past the lock timeout
    │   └── StoreUnavailable             unreachable, read-only, or not a planwatch store
    ├── PollFailed                       extract.errors: all, or more than the allowed share, of a poll's feeds failed
    ├── DeliveryError                    alerts.errors: sending an alert failed: "smtp: recipient refused (550)"
    └── StageFailure                     planwatch.budget: one page broke a stage (quarantined, the run goes on)
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


class ConfigErrors(ConfigError):
    """Every mistake found in the configuration; ``errors`` lists them, ``str()`` has one line each."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        self.file = self.key = self.fix = None
        PlanwatchError.__init__(self, f"{len(self.errors)} config errors:\n" + "\n".join(f"  {e}" for e in self.errors))


def raise_all(errors: list[ConfigError]) -> None:
    """Raise nothing, the one error, or all of them as ConfigErrors."""
    flat = [e for err in errors for e in (err.errors if isinstance(err, ConfigErrors) else [err])]
    if len(flat) == 1:
        raise flat[0]
    if flat:
        raise ConfigErrors(flat)
class PollFailed(PlanwatchError):
    """Too many of the feeds a poll task polled failed; their state is recorded, the task must fail."""


class FetchError(PlanwatchError):
    """An outside fetch failed."""

    transient: bool = True

    def __init__(self, message: str, *, url: str | None = None):
        from extract.urls import redact  # a URL's credentials never reach an error text

        self.url = url
        super().__init__(f"fetch: {redact(message)}")


class BlockedURL(FetchError):
    transient = False


class ResponseTooLarge(FetchError):
    transient = False


class FetchTimeout(FetchError):
    pass


class FetchDeferred(FetchError):
    """Not fetched (or cut) because a fetch time budget was spent; not an attempt, the next run tries again."""


class TooManyRedirects(FetchError):
    transient = False


class HTTPStatusError(FetchError):
    def __init__(self, message: str, *, status: int, url: str | None = None):
        self.status = status
        super().__init__(message, url=url)

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return self.status in (408, 425, 429) or self.status >= 500
