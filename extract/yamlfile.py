"""Reading an operator's YAML file: every way it can be unreadable is a ConfigError with the fix."""

from __future__ import annotations

from pathlib import Path

import yaml

from extract.errors import ConfigError

__all__ = ["read_yaml"]


def read_yaml(path: str | Path, setting: str):
    """The parsed file; ``setting`` is the variable that points at it (named in the fix)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror or exc})", file=str(path),
                          fix=f"point {setting} at an existing file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line})", file=str(path),
                          fix="save the file as UTF-8 (it looks like Latin-1 or another legacy encoding)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML{where}: {problem}", file=str(path), fix="correct the YAML syntax") from None
