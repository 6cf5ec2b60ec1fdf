"""The coding workbench (PySide6 Qt Widgets): the only package that imports Qt.

Entry point: :func:`socialcoder.gui.app.run`. Widgets change data only through
:mod:`socialcoder.services` calls, each wrapped in a QUndoCommand (see :mod:`.commands`).
Importing the package applies :mod:`.compat` (a reference-count guard PySide6 6.12 needs on
CPython 3.11).
"""

from socialcoder.gui import compat as _compat  # noqa: F401
