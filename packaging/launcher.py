"""The bundle's entry point: the ``socialcoder`` command line; started with no arguments (a
double-click, the menu entry) it opens the window (``socialcoder gui``: the last study, or the
start page)."""

import multiprocessing
import sys

from socialcoder.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main(sys.argv[1:] or ["gui"]))
