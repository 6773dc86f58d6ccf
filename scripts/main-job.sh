#!/usr/bin/env bash
# Command 1 of the README: set up a fresh machine and run the main job end to end:
# jobs/nsmc-sentiment.yaml (vocabulary trained when missing, datasets built and cached, a
# bidirectional LSTM trained, evaluated and tested; accuracy printed, HTML report written).
# Arguments go to `jikji job run` (for example --quick, or --set train.epochs=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product jikji
# OpenBLAS's AVX-512 kernel is much faster than the Haswell one some environments pin.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE="${JIKJI_OPENBLAS_CORETYPE:-SkylakeX}"; fi
exec "$(swift build -c release --show-bin-path)/jikji" job run jobs/nsmc-sentiment.yaml "$@"
