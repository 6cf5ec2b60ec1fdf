#!/usr/bin/env bash
# Build SocialCoder's self-contained Linux bundle (PyInstaller, one folder) and smoke-test it.
#
#   scripts/build_bundle.sh [OUT]        (default OUT: dist/bundle in the checkout)
#
# Builds the wheel (sdist -> wheel, so the bundle holds exactly what a pip user gets), installs
# it with PyInstaller into a throwaway virtual environment, runs packaging/socialcoder.spec, adds
# the desktop files (share/: for a system-wide install under /opt/socialcoder; and
# install-desktop.sh, for one user wherever the folder is), packs OUT/socialcoder-VERSION-linux-
# ARCH.tar.gz, then runs scripts/smoke_bundle.sh on the result. PYTHON=... picks the interpreter.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist/bundle}" && cd "${1:-$repo/dist/bundle}" && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d /tmp/socialcoder-bundle.XXXXXX)
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

echo "--- wheel"
"$python" -m build --version >/dev/null 2>&1 || { echo "needs the 'build' package: pip install build"; exit 1; }
"$python" -m build -q --outdir "$work/dist" "$repo" >/dev/null
echo "--- build environment (the wheel and PyInstaller)"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-compile "$work"/dist/socialcoder-*.whl "pyinstaller>=6.10,<7"
version=$("$work/venv/bin/python" -c 'import socialcoder; print(socialcoder.__version__)')

echo "--- PyInstaller (one folder)"
rm -rf "$out/socialcoder"
(cd "$work" && "$work/venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$out" --workpath "$work/build" "$repo/packaging/socialcoder.spec")
bundle="$out/socialcoder"
cp "$repo/packaging/install-desktop.sh" "$bundle/"
"$work/venv/bin/python" - "$bundle/share" <<'PY'
import sys
from pathlib import Path
from socialcoder import desktop
desktop.install(Path(sys.argv[1]), ["/opt/socialcoder/socialcoder"], refresh=False)
PY
cat > "$bundle/README.txt" <<TXT
SocialCoder $version, self-contained for Linux ($(uname -m)).

Run:            ./socialcoder            (the window; the command line: ./socialcoder --help)
Menu entry:     ./install-desktop.sh     (this user; ./install-desktop.sh remove undoes it)
System-wide:    copy this folder to /opt/socialcoder, then: cp -r share/* /usr/share/ ;
                update-mime-database /usr/share/mime ; update-desktop-database
The sample study: ./socialcoder demo (fictional data). No network connections, no telemetry.
TXT
archive="$out/socialcoder-$version-linux-$(uname -m).tar.gz"
tar -C "$out" -czf "$archive" socialcoder
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1)); archive: $archive ($(du -sh "$archive" | cut -f1))"
echo "built in $(( $(date +%s) - started )) s"

"$repo/scripts/smoke_bundle.sh" "$bundle"
