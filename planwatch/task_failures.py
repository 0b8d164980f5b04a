"""How a stage fails as an Airflow task: a failure that a retry cannot fix fails the task at once."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

from extract.errors import ConfigError, PollFailed

log = logging.getLogger("planwatch")
T = TypeVar("T")

FINAL = (ConfigError, PollFailed)  # a typo does not fix itself; a failed poll is judged again by the next run


def run_task(stage: Callable[..., T], *args, **kwargs) -> T:
    """Run ``stage``; a ConfigError or PollFailed is logged first (message only) and fails without retries."""
    try:
        return stage(*args, **kwargs)
    except FINAL as exc:
        from airflow.sdk.exceptions import AirflowFailException

        log.error("planwatch: %s", exc)
        raise AirflowFailException(str(exc)) from None
