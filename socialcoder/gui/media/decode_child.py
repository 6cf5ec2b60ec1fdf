"""Decode a recording's loudness overview in a process of its own, at low priority:

    python -m socialcoder.gui.media.decode_child RECORDING OUT.npy

QtMultimedia's QAudioDecoder hands over audio in small buffers (one per 20 ms Opus packet), and
each needs a little Python; done in the window's process that work would compete with the
coding keys for the interpreter lock and for the CPU. Here it competes with nothing: the child
lowers its own priority (nice 15) and the window only waits for the file. Writes OUT.npy
(:func:`socialcoder.gui.media.overview.save_overview`); exit status 2 with one line on stderr when
the file cannot be decoded.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: decode_child RECORDING OUT.npy", file=sys.stderr)
        return 2
    source, out = Path(argv[0]), Path(argv[1])
    with contextlib.suppress(AttributeError, OSError):
        os.nice(15)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    from PySide6.QtCore import QCoreApplication

    from socialcoder.gui.media.overview import DecoderWorker, save_overview
    from socialcoder.media.overview import Overview

    app = QCoreApplication([sys.argv[0]])
    worker = DecoderWorker(source, 0)
    result: dict[str, object] = {}

    def done(item: tuple[int, object]) -> None:
        result["overview"] = item[1]
        app.quit()

    def failed(item: tuple[int, str]) -> None:
        result["error"] = item[1]
        app.quit()

    worker.done.connect(done)
    worker.failed.connect(failed)
    worker.start()  # a file that cannot be opened fails at once, before the loop runs
    if not result:  # (quit() before exec() does nothing: the child would wait forever)
        app.exec()
    if "overview" not in result:
        print(f"cannot decode {source.name}: {result.get('error', 'no audio')}", file=sys.stderr)
        return 2
    overview = result["overview"]
    assert isinstance(overview, Overview)
    save_overview(out, overview)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
