"""What a channel accepted while the store could not record it, kept outside the store until it can.

The outbox commits ``sent`` the moment a server accepts a message. When that commit fails (the store
turned read-only, went away, or stayed locked past the outbox's patience) the accepted deliveries are
appended here, one JSON line per message, to a file of this user's temp folder named for the store
(mode 0600). Before the next send, ``replay`` marks them sent, so they are never sent again. Only a
lost temp folder (a reboot in between) makes such a delivery a duplicate; none is ever lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["journal_path", "record", "replay"]


def journal_path(url: str) -> Path:
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"planwatch-sent-{os.getuid()}-{digest}.jsonl"


def record(url: str, token: str, ids: Sequence[int], mode: str, now: dt.datetime) -> None:
    """Append one accepted message whose 'sent' commit failed."""
    line = json.dumps({"token": token, "ids": list(ids), "mode": mode, "at": now.isoformat()}) + "\n"
    fd = os.open(journal_path(url), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def replay(url: str, mark: Callable[[str, Sequence[int], str, dt.datetime], int]) -> int:
    """Mark every journalled delivery sent with ``mark(token, ids, mode, at)``; returns how many rows it marked.

    If the store still cannot take it, the journal is kept whole and the store's error is raised."""
    path = journal_path(url)
    taken = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        os.replace(path, taken)
    except FileNotFoundError:
        return 0
    lines = [json.loads(line) for line in taken.read_text(encoding="utf-8").splitlines() if line.strip()]
    done = 0
    for n, entry in enumerate(lines):
        try:
            done += mark(entry["token"], entry["ids"], entry["mode"], dt.datetime.fromisoformat(entry["at"]))
        except BaseException:
            for rest in lines[n:]:
                record(url, rest["token"], rest["ids"], rest["mode"], dt.datetime.fromisoformat(rest["at"]))
            taken.unlink(missing_ok=True)
            raise
    taken.unlink(missing_ok=True)
    return done
