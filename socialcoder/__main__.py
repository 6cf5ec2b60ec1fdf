"""`python -m socialcoder` runs the command line."""

from socialcoder.cli import main

raise SystemExit(main())
