#!/usr/bin/env bash
# Command 1 of the README: set up a fresh machine and run the main job end to end:
# jobs/nsmc-sentiment.yaml (vocabulary trained when missing, datasets built and cached, a
# bidirectional LSTM trained, evaluated and tested; accuracy printed, HTML report written).
# Arguments go to `jikji job run` (for example --quick, or --set train.epochs=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product jikji
# No BLAS variables: jikji chooses OpenBLAS's kernel for the CPU itself and logs it on the
# "training:" line (JIKJI_BLAS_KERNEL overrides; README, "OpenBLAS kernel").
exec "$(swift build -c release --show-bin-path)/jikji" job run jobs/nsmc-sentiment.yaml "$@"
