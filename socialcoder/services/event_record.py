"""What a study event records (who, where, when, what), without the database library: the
one place that makes an event's row, whether it is written through the engine
(:mod:`socialcoder.services.audit_events`) or through a plain connection
(:mod:`socialcoder.services.study_summary`, ``socialcoder info``)."""

from __future__ import annotations

import getpass
import json
import os
import socket
from datetime import UTC, datetime
from typing import Any


def now() -> datetime:
    return datetime.now(UTC)


def machine_name() -> str:
    """This computer's name (from the operating system; no network lookup)."""
    return socket.gethostname() or "unknown"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def event_row(kind: str, actor: str | None, role: str, detail: dict[str, Any]) -> dict[str, Any]:
    """The columns of a ``study_events`` row (``id`` aside)."""
    return {
        "at": now(),
        "kind": kind,
        "actor": (actor or os_user())[:100],
        "role": role,
        "machine": machine_name()[:255],
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    }


def opened_detail(program: str) -> dict[str, Any]:
    """The detail of an 'opened' event recorded by a command (``program``: which one)."""
    return {"program": program} if program else {}
