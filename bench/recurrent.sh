#!/usr/bin/env bash
# Recurrent layers, Jikji vs PyTorch CPU, side by side in one run (issue 5).
#
# One layer, batch-first B=64, T=32, E=128; RNN (tanh), LSTM, GRU; H 128/256/512; uni- and
# bidirectional; forward and forward+backward; full-length and packed (variable) lengths;
# both frameworks at 1 and 2 threads. Prints tokens/s, the ratio and GFLOP/s as a Markdown
# table (forward FLOPs per token per direction 2*G*H*(E+H), x3 for forward+backward).
#
# Environment:
#   JIKJI_BENCH_VENV     virtual environment with torch (created with CPU torch if missing;
#                        default bench/.venv)
#   JIKJI_BENCH_SECONDS  measuring time per configuration (default 0.3; the fastest call counts)
#   JIKJI_BENCH_ROUNDS   alternating Jikji/PyTorch sweeps per thread count; the best of them
#                        counts (default 2), so that load from other processes hits both alike
#   JIKJI_BENCH_THREADS  thread counts (default "1 2")
#   JIKJI_BENCH_FILTER   only configurations containing this text, e.g. "lstm 256"
#   JIKJI_BLAS_KERNEL    OpenBLAS kernel (a core name, e.g. Haswell); default auto: Jikji's choice
#                        for the CPU, logged on the "backend:" line
#   JIKJI_BENCH_PRECISIONS  "fp32 bf16" (default) or one of them: bf16 runs Jikji with
#                        --precision bf16 (AMX tiles) and PyTorch under torch.autocast("cpu",
#                        dtype=torch.bfloat16), in the same alternating sweep as fp32
#   JIKJI_BENCH_BIN      a jikji-bench-recurrent binary to measure instead of building this checkout's
#                        release product
#   JIKJI_BENCH_CLOCK    wall (default) or cpu: each call timed by the process's CPU time instead
#                        (both frameworks), the figure a loaded machine disturbs least at 1 thread
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

if [ -n "${JIKJI_BENCH_BIN:-}" ]; then
    bench_bin="$JIKJI_BENCH_BIN"   # a jikji-bench-recurrent built beforehand (a copy, while the checkout changes)
else
    swift build -c release --product jikji-bench-recurrent >&2
    bench_bin="$(swift build -c release --show-bin-path)/jikji-bench-recurrent"
fi

seconds="${JIKJI_BENCH_SECONDS:-0.3}"
clock="${JIKJI_BENCH_CLOCK:-wall}"
rounds="${JIKJI_BENCH_ROUNDS:-2}"
filter="${JIKJI_BENCH_FILTER:-}"
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
echo "# clock: $clock"  >&2
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for threads in ${JIKJI_BENCH_THREADS:-1 2}; do
    for round in $(seq "$rounds"); do
        echo "# threads $threads, round $round" >&2
        for precision in ${JIKJI_BENCH_PRECISIONS:-fp32 bf16}; do
            "$bench_bin" --threads "$threads" --seconds "$seconds" --filter "$filter" --precision "$precision" --clock "$clock" >>"$raw"
            OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" \
                "$venv/bin/python" bench/recurrent_torch.py --threads "$threads" --seconds "$seconds" \
                --filter "$filter" --precision "$precision" --clock "$clock" >>"$raw"
        done
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 bench/recurrent_table.py <"$raw"
