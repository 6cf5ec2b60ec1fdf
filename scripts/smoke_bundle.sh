#!/usr/bin/env bash
# Smoke test of a built bundle (scripts/build_bundle.sh runs it): the bundled command line
# answers, builds the sample study and reports on it; the bundled window opens offscreen on the
# sample study (gui --check); the desktop entry installs. Uses a throwaway HOME, so the user's
# settings and menu are untouched. Prints the start-up times.
#
#   scripts/smoke_bundle.sh BUNDLE_DIR
set -euo pipefail
bundle=$(cd "$1" && pwd)
sc="$bundle/socialcoder"
work=$(mktemp -d /tmp/socialcoder-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$HOME"
cd "$work"
for v in $(env | grep -o '^SOCIALCODER_[A-Z_]*' || true); do unset "$v"; done
seconds() { python3 -c 'import sys,time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }

echo "--- the bundled command line"
t=$(date +%s.%N); "$sc" --version; echo "    --version answered in $(seconds "$t") s"
"$sc" demo --no-gui --path "$work/sample.scstudy" | head -2
"$sc" reliability "$work/sample.scstudy" --dimension concordance --json > reliability.json
python3 -c 'import json; assert json.load(open("reliability.json"))'

echo "--- the bundled window, offscreen, on the sample study"
for run in first second; do
  t=$(date +%s.%N)
  QT_QPA_PLATFORM=offscreen timeout 300 "$sc" gui "$work/sample.scstudy" --coder ana --check 2>err.txt \
      || { cat err.txt; echo "the window did not open"; exit 1; }
  echo "    $run start to window shown and closed: $(seconds "$t") s"
done

echo "--- the desktop entry"
"$bundle/install-desktop.sh" >/dev/null
grep -q "^Exec=$sc gui %f$" "$XDG_DATA_HOME/applications/socialcoder.desktop"
"$bundle/install-desktop.sh" remove >/dev/null
[ ! -e "$XDG_DATA_HOME/applications/socialcoder.desktop" ]
echo "bundle smoke test passed"
