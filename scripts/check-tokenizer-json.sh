#!/usr/bin/env bash
# Checks that HF `tokenizers` loads the tokenizer.json `jikji vocab export` writes and encodes
# and decodes exactly as with HF's own file, on every document of ratings_test.txt.
#
#   scripts/check-tokenizer-json.sh            # builds jikji in release mode if needed
#   JIKJI_BENCH_VENV=/work/venv scripts/check-tokenizer-json.sh
#
# The virtual environment (default bench/.venv) is created with `tokenizers` when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${JIKJI_BENCH_VENV:-bench/.venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import tokenizers" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "tokenizers==0.23.3"
fi
JIKJI="${JIKJI:-.build/release/jikji}"
if [ ! -x "$JIKJI" ]; then swift build -c release --product jikji; fi
exec "$VENV/bin/python" scripts/check_tokenizer_json.py --jikji "$JIKJI" "$@"
