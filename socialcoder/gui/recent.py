"""The studies opened recently, newest first (File > Recent studies, the start page), and the
last one opened, kept in the user's settings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

MAX_RECENT = 8


def recent_studies(settings: QSettings) -> list[str]:
    value = settings.value("recent", [])
    return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]


def remember_study(settings: QSettings, path: str) -> None:
    """``path`` becomes the newest recent study and the last one opened."""
    recent = [path] + [p for p in recent_studies(settings) if p != path]
    settings.setValue("recent", recent[:MAX_RECENT])
    settings.setValue("last/study", path)
