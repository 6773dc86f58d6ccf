#!/usr/bin/env bash
# The main job against PyTorch, side by side in one run (issue 6): jobs/nsmc-sentiment.yaml
# trained by Jikji, and the same model trained by PyTorch on the same tokens, both on all
# 150k training reviews (no held-out validation), evaluated on ratings_test.txt after each epoch.
#
# Environment:
#   JIKJI_BENCH_VENV      virtual environment with torch and tokenizers (default bench/.venv)
#   JIKJI_BENCH_EPOCHS    epochs (default 3)
#   JIKJI_BENCH_THREADS   threads for both (default 2)
#   JIKJI_BENCH_SET       extra job overrides for Jikji, space-separated (e.g. "optim.embedding_update=dense")
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${JIKJI_BENCH_VENV:-bench/.venv}"
epochs="${JIKJI_BENCH_EPOCHS:-3}"
threads="${JIKJI_BENCH_THREADS:-2}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import torch, tokenizers" 2>/dev/null || "$venv/bin/pip" install --quiet torch tokenizers numpy
# Jikji chooses OpenBLAS's kernel for the CPU itself and logs it on the backend line. "auto" makes
# it do so even where the environment pins OPENBLAS_CORETYPE (some pin Haswell, half the sgemm
# speed on AVX-512); set JIKJI_BLAS_KERNEL to a core name to measure another kernel.
export JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}"
export OPENBLAS_NUM_THREADS="$threads"

swift build -c release --product jikji >&2
jikji="$(swift build -c release --show-bin-path)/jikji"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), JIKJI_BLAS_KERNEL=$JIKJI_BLAS_KERNEL OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}" >&2

"$jikji" job run jobs/nsmc-sentiment.yaml --quiet --runs "$work/runs" \
    --set data.valid_ratio=0 --set train.epochs="$epochs" \
    $(for o in ${JIKJI_BENCH_SET:-}; do printf -- '--set %s ' "$o"; done) 2>"$work/jikji.log" >"$work/jikji.out"
grep -E "^step .*test accuracy|^vocabulary|time per epoch" "$work/jikji.log" "$work/jikji.out" >&2 || true
"$jikji" vocab export nsmc-wp30k --format tokenizer-json --no-post-processor --output "$work/tokenizer.json" >&2
OMP_NUM_THREADS="$threads" "$venv/bin/python" bench/nsmc_sentiment_torch.py --tokenizer "$work/tokenizer.json" \
    --train corpora/nsmc/ratings_train.txt --test corpora/nsmc/ratings_test.txt --epochs "$epochs" --threads "$threads" \
    >"$work/torch.jsonl"

python3 - "$work/jikji.log" "$work/jikji.out" "$work/torch.jsonl" <<'PY'
import json, re, sys
log = open(sys.argv[1]).read()
out = open(sys.argv[2]).read()
jikji_acc = [float(m) for m in re.findall(r"^step \d+ \(epoch \d+\): .*test accuracy ([0-9.]+)", log, re.M)]
per_epoch = re.search(r"time per epoch\s+([0-9.]+) s", out)
torch_rows = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
torch_mean = sum(r["seconds"] for r in torch_rows) / len(torch_rows)
print("| | Jikji | PyTorch | ratio (Jikji / PyTorch) |")
print("| --- | --- | --- | --- |")
if per_epoch:
    s = float(per_epoch.group(1))
    print(f"| seconds per epoch | {s:.1f} | {torch_mean:.1f} | {s / torch_mean:.2f} |")
for i, r in enumerate(torch_rows):
    j = jikji_acc[i] if i < len(jikji_acc) else float("nan")
    print(f"| test accuracy after epoch {r['epoch']} | {j:.4f} | {r['test_accuracy']:.4f} | {j - r['test_accuracy']:+.4f} |")
PY
