#!/usr/bin/env bash
# Datasets and batching benchmark (issue 4): builds the ratings_train.txt dataset (150k reviews,
# 0.8/0.2 split) and iterates one epoch of bucketed batches (batch 64, max length 64) with Jikji
# and with the Python path (HF tokenizers encode_batch + NumPy padding and sorting), in one run.
# Usage: bench/dataset_bench.sh   (JIKJI_BENCH_VENV=/path/to/venv to reuse a virtual environment)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${JIKJI_BENCH_VENV:-bench/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "tokenizers==0.23.3" numpy
fi
swift build -c release --product jikji >/dev/null
exec "$VENV/bin/python" bench/dataset_bench.py --jikji .build/release/jikji "$@"
