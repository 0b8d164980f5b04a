"""The error of the alerts layer (its place in the hierarchy: extract/errors.py)."""

from __future__ import annotations

from extract.errors import PlanwatchError

__all__ = ["MAY_HAVE_ARRIVED", "DeliveryError"]

# in a delivery's last_error: the channel gave no answer after the message went out, so a resend may repeat it
MAY_HAVE_ARRIVED = "the message may have arrived"


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
