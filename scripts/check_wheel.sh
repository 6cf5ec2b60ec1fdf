#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the source tree, and use
# it as a user would: the demo headless, then one command of each kind (study, import, code,
# reliability, export, REFI-QDA export and import), all from a folder with no checkout in it and
# no SOCIALCODER_* variable. Proves the wheel carries everything it needs at run time (the
# sample study, the codebook, the migrations). Run from anywhere: scripts/check_wheel.sh
# (PYTHON=python3.12 scripts/check_wheel.sh to use another interpreter). Exits non-zero on the
# first failure; removes everything it made.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d /tmp/socialcoder-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
for v in $(env | grep -o '^SOCIALCODER_[A-Z_]*' || true); do unset "$v"; done

echo "--- building the sdist, then the wheel from it (python -m build: a stale build/ cannot leak in)"
"$python" -m build --version >/dev/null 2>&1 || { echo "needs the 'build' package: pip install build"; exit 1; }
"$python" -m build -q --outdir "$work/dist" "$repo" >/dev/null
wheel=$(ls "$work"/dist/socialcoder-*.whl)
echo "    $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB"

echo "--- installing it into a fresh virtual environment ($work/venv)"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-compile "$wheel"
sc="$work/venv/bin/socialcoder"
mkdir "$work/user"
cd "$work/user"  # no checkout here: nothing may come from the source tree
export HOME="$work/user" XDG_DATA_HOME="$work/user/data" XDG_CONFIG_HOME="$work/user/config"
location=$("$work/venv/bin/python" -c 'import socialcoder; print(socialcoder.__file__)')
case "$location" in "$repo"/*) echo "the installed package resolves into the checkout: $location"; exit 1;; esac

step() { echo "--- $*"; }
step "socialcoder demo (headless: no display)"
env -u DISPLAY -u WAYLAND_DISPLAY "$sc" demo | tee demo.txt
demo=$(sed -n 's/^Built the sample study at //p' demo.txt)
[ -f "$demo" ] || { echo "the demo study was not built"; exit 1; }
grep -q "30 fictional transcripts" demo.txt

step "study: init, info"
"$sc" init trial.scstudy
"$sc" info trial.scstudy >/dev/null

step "import: a transcript file"
cat > session01.txt <<'TXT'
Fictional transcript written for the wheel check.
T: How has the week been with the new routine?
P: Better. I got up at eight every day, even when I felt rough.
T: That is the fixed getting-up time working.
P: I still crashed on Thursday after the shopping.
TXT
"$sc" import trial.scstudy session01.txt --participant P01 --therapist T01 --session 1

step "code: two coders, complete"
"$sc" coders add trial.scstudy ana ben
for coder in ana ben; do
  "$sc" code trial.scstudy --coder "$coder" --transcript session01 --segment 2 \
      --dimension concordance --value 1
  "$sc" complete trial.scstudy --coder "$coder" --transcript session01
done

step "reliability (on the demo study, JSON)"
"$sc" reliability "$demo" --dimension concordance --json > reliability.json
"$work/venv/bin/python" -c 'import json,sys; d=json.load(open("reliability.json")); assert d, d'

step "export: long CSV and SPSS"
"$sc" export trial.scstudy long.csv
"$sc" export "$demo" sessions.sav --layout sessions
[ -s long.csv ] && [ -s sessions.sav ]

step "REFI-QDA: export the demo study, import it as a new study"
"$sc" export "$demo" sample.qdpx
"$sc" import-refi sample.qdpx back.scstudy
"$sc" transcripts back.scstudy | grep -q P02_session04

echo "wheel check passed in $(( $(date +%s) - started )) s"
