"""A work-around for the Qt binding on CPython 3.11.

PySide6 6.12 (built for CPython 3.12+, where ``None``, ``True`` and ``False`` are immortal)
returns them without a new reference: every call of a ``void`` Qt method from Python drops one
reference to ``None`` and every ``signal.emit()`` one to ``True``. On CPython 3.11 the
interpreter aborts after a few thousand calls ("none_dealloc: deallocating None"), i.e. within
minutes of coding. :func:`guard_singletons` measures the leak once and, only when it is
there, gives these three singletons a reference count so large that the leak can never reach
zero -- which is what CPython 3.12 does for them anyway.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

_HEADROOM = 1 << 40
_guarded = False


def _leaks_none() -> bool:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(32):
        probe.setObjectName("probe")  # a void method
    return sys.getrefcount(None) < before - 16


def guard_singletons() -> bool:
    """Apply the work-around if this interpreter and binding need it; True if applied."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _guarded
    if _leaks_none():
        for singleton in (None, True, False):
            # ob_refcnt is the first field of every CPython object
            ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
        _guarded = True
    return _guarded


guard_singletons()
