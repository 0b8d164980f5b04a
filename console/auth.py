"""Who may see and who may change: Airflow's own security dependencies, no user store of our own.

Reading needs any logged-in Airflow user (the ``_token`` cookie of the UI, or a Bearer token from
``POST /auth/token``). Writing (poll now, retry a delivery) changes what feeds the ``planwatch://facts``
Asset, so it needs the right to create Asset events: the op and admin roles of SimpleAuthManager, and
whatever the configured auth manager grants for that.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_asset

__all__ = ["Reader", "Writer"]


def _reader(user: GetUserDep):
    return user


def _same_origin(request: Request) -> None:
    """A form post must come from this site (the token cookie would go along with a forged one)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "console: cross-site request refused")


Reader = Depends(_reader)
Writer = [Depends(requires_access_asset("POST")), Depends(_same_origin)]
