#!/usr/bin/env bash
# Attention, losses, embedding, linear and optimizers: Jikji vs PyTorch CPU in one run.
#
# Same cases and sizes on both sides (B=64, T=S=32, H=256; cross-entropy over 2048 rows x 8000
# classes; optimizers over 10M parameters), both frameworks at each thread count, alternating
# rounds; the fastest run of each counts. Prints a Markdown table of milliseconds and the ratio
# PyTorch time / Jikji time (> 1: Jikji is faster).
#
# Environment:
#   JIKJI_BENCH_VENV     virtual environment with torch (created with CPU torch if missing;
#                        default bench/.venv)
#   JIKJI_BENCH_SECONDS  measuring time per case (default 0.5)
#   JIKJI_BENCH_ROUNDS   alternating Jikji/PyTorch rounds per thread count (default 2)
#   JIKJI_BENCH_THREADS  thread counts (default "1 2")
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${JIKJI_BENCH_VENV:-bench/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    "$venv/bin/pip" install --quiet torch
fi
# Jikji chooses OpenBLAS's kernel for the CPU itself and logs it on the backend line. "auto" makes
# it do so even where the environment pins OPENBLAS_CORETYPE (some pin Haswell, half the sgemm
# speed on AVX-512); set JIKJI_BLAS_KERNEL to a core name to measure another kernel.
export JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}"

swift build -c release --product jikji-bench-nn >&2
bench_bin="$(swift build -c release --show-bin-path)/jikji-bench-nn"
seconds="${JIKJI_BENCH_SECONDS:-0.5}"
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for threads in ${JIKJI_BENCH_THREADS:-1 2}; do
    for round in $(seq "${JIKJI_BENCH_ROUNDS:-2}"); do
        echo "# threads $threads, round $round" >&2
        "$bench_bin" --threads "$threads" --seconds "$seconds" | sed "s/^/$threads\t/" >>"$raw"
        OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" \
            "$venv/bin/python" bench/nn_torch.py --threads "$threads" --seconds "$seconds" | sed "s/^/$threads\t/" >>"$raw"
    done
done
python3 - "$raw" <<'PY'
import sys
best = {}
order = []
for line in open(sys.argv[1]):
    threads, side, case, ms = line.rstrip("\n").split("\t")
    key = (int(threads), case)
    if key not in order:
        order.append(key)
    best[key + (side,)] = min(float(ms), best.get(key + (side,), float("inf")))
print("| threads | case | Jikji ms | PyTorch ms | PyTorch / Jikji |")
print("| ---: | --- | ---: | ---: | ---: |")
for threads, case in order:
    j, t = best[(threads, case, "jikji")], best[(threads, case, "torch")]
    print(f"| {threads} | {case} | {j:.2f} | {t:.2f} | {t / j:.2f} |")
PY
