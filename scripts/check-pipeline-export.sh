#!/usr/bin/env bash
# Live check that HF tokenizers encodes a pipeline-carrying `jikji vocab export` exactly as
# `jikji encode` does (scripts/check_pipeline_export.py). Optional in CI: when no virtual
# environment with tokenizers 0.23.3 exists and none can be installed (offline), it says so and
# exits 0.
#
#   scripts/check-pipeline-export.sh                 # builds jikji in release mode if needed
#   JIKJI_BENCH_VENV=/work/venv scripts/check-pipeline-export.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${JIKJI_BENCH_VENV:-bench/.venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import tokenizers" 2>/dev/null; then
    if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet "tokenizers==0.23.3"; }; then
        echo "check-pipeline-export: skipped (no venv with tokenizers 0.23.3 and none could be installed)"
        exit 0
    fi
fi
JIKJI="${JIKJI:-.build/release/jikji}"
if [ ! -x "$JIKJI" ]; then swift build -c release --product jikji; fi
exec "$VENV/bin/python" scripts/check_pipeline_export.py --jikji "$JIKJI"
