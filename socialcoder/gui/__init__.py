"""The coding workbench (PySide6 Qt Widgets): the only package that imports Qt.

Entry point: :func:`socialcoder.gui.app.run`. Widgets change data only through
:mod:`socialcoder.services` calls, each wrapped in a QUndoCommand (see :mod:`.commands`).
"""
