"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on CPython 3.11 dropped a
reference to ``None`` on every void call and to ``True`` on every ``emit()``, which aborts the
interpreter within minutes of coding ("deallocating None"). pyproject.toml keeps 3.11 below
6.12; this checks the binding installed, so that a binding with the leak fails here rather
than in a coder's session."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(bool)


def test_void_calls_and_emits_keep_the_reference_counts_of_none_and_true() -> None:
    probe, emitter = QObject(), _Emitter()
    emitter.ping.connect(lambda _flag: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(5000):
        probe.setObjectName("probe")  # a void method
        emitter.ping.emit(True)
    # other threads may take or drop a few references meanwhile; a leak drops thousands
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
