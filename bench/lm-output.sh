#!/usr/bin/env bash
# Full softmax against adaptive softmax (issue 15): the output layer alone and whole training
# steps of the reviews-lm model (64 x 64 tokens, embedding and LSTM 512, 30 000 ids), Jikji
# (Sources/jikji-bench-lm) and PyTorch (bench/lm_output_torch.py, nn.AdaptiveLogSoftmaxWithLoss)
# alternating in rounds; the fastest run of each case counts, so a loaded machine disturbs the
# figures less than a wall-clock training run. Prints a Markdown table of milliseconds, the speed-up
# of adaptive over full on each side, and PyTorch time / Jikji time.
#
# Environment:
#   JIKJI_BENCH_VENV     virtual environment with torch (default bench/.venv)
#   JIKJI_BENCH_SECONDS  measuring time per case (default 2)
#   JIKJI_BENCH_ROUNDS   alternating rounds (default 2)
#   JIKJI_BENCH_THREADS  threads (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${JIKJI_BENCH_VENV:-bench/.venv}"
seconds="${JIKJI_BENCH_SECONDS:-2}"
rounds="${JIKJI_BENCH_ROUNDS:-2}"
threads="${JIKJI_BENCH_THREADS:-2}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import torch" 2>/dev/null || "$venv/bin/pip" install --quiet torch
export JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}" OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
swift build -c release --product jikji-bench-lm >&2
bin="$(swift build -c release --show-bin-path)/jikji-bench-lm"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "# $(date -u +%FT%TZ), $(nproc) CPUs, $threads threads, $rounds rounds, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
    "$bin" --threads "$threads" --seconds "$seconds" >>"$out"
    "$venv/bin/python" bench/lm_output_torch.py --threads "$threads" --seconds "$seconds" >>"$out"
done
echo "# end load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$out" <<'PY'
import sys
best = {}
for line in open(sys.argv[1]):
    side, case, ms = line.rstrip("\n").split("\t")
    best[(side, case)] = min(float(ms), best.get((side, case), float("inf")))
cases = list(dict.fromkeys(case for _, case in best))
print("| case | Jikji ms | PyTorch ms | PyTorch / Jikji |")
print("| --- | --- | --- | --- |")
for case in cases:
    j, t = best.get(("jikji", case)), best.get(("torch", case))
    print(f"| {case} | {j:.1f} | {t:.1f} | {t / j:.2f} |")
for side in ("jikji", "torch"):
    for pair in (("output full 4096x512 V30000 fwd+bwd", "output adaptive 4096x512 V30000 [2000,10000] fwd+bwd"),
                 ("lm step full tied 64x64 fwd+bwd", "lm step adaptive 64x64 fwd+bwd")):
        print(f"{side}: {pair[0].split(' 4096')[0].split(' 64x64')[0]} -> adaptive speed-up {best[(side, pair[0])] / best[(side, pair[1])]:.2f}x")
PY
