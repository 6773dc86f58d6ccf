#!/usr/bin/env bash
# jobs/chatbot-seq2seq.yaml against PyTorch, side by side in one run (issue 6): Jikji trains the
# job; PyTorch trains the same model (bench/chatbot_seq2seq_torch.py) on the very ids Jikji
# trained on, read from the job's dataset shard (same vocabulary, same train/validation split).
# Both report the training time of every epoch (evaluation excluded) and the validation
# perplexity after it; the table gives the ratios.
#
# Environment:
#   JIKJI_BENCH_VENV      virtual environment with torch and numpy (default bench/.venv)
#   JIKJI_BENCH_EPOCHS    epochs (default 5)
#   JIKJI_BENCH_THREADS   threads for both (default 2)
#   JIKJI_BENCH_SET       extra job overrides for Jikji, space-separated (e.g. "model.input_feeding=true")
#   JIKJI_BENCH_SKIP      "torch" or "jikji" to run one side only (the other column stays empty)
#   JIKJI_BENCH_BIN       a jikji binary to use instead of building this checkout's
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${JIKJI_BENCH_VENV:-bench/.venv}"
epochs="${JIKJI_BENCH_EPOCHS:-5}"
threads="${JIKJI_BENCH_THREADS:-2}"
skip="${JIKJI_BENCH_SKIP:-}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import torch, numpy" 2>/dev/null || "$venv/bin/pip" install --quiet torch numpy
# Jikji chooses OpenBLAS's kernel for the CPU itself and logs it on the backend line. "auto" makes
# it do so even where the environment pins OPENBLAS_CORETYPE (some pin Haswell, half the sgemm
# speed on AVX-512); set JIKJI_BLAS_KERNEL to a core name to measure another kernel.
export JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}"
export OPENBLAS_NUM_THREADS="$threads"

if [ -n "${JIKJI_BENCH_BIN:-}" ]; then
    jikji="$JIKJI_BENCH_BIN"
else
    swift build -c release --product jikji >&2
    jikji="$(swift build -c release --show-bin-path)/jikji"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), JIKJI_BLAS_KERNEL=$JIKJI_BLAS_KERNEL OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}, $threads threads, $epochs epochs" >&2

# Jikji first: it trains the vocabulary and builds the dataset on first use. With the "torch"
# skip it still runs one step, only to make sure the dataset shard exists.
jikji_epochs="$epochs"; [ "$skip" = jikji ] && jikji_epochs=1
"$jikji" job run jobs/chatbot-seq2seq.yaml --quiet --runs "$work/runs" \
    --set train.epochs="$jikji_epochs" --set train.patience=0 \
    $( [ "$skip" = jikji ] && printf -- '--set train.max_steps=1' ) \
    $(for o in ${JIKJI_BENCH_SET:-}; do printf -- '--set %s ' "$o"; done) 2>"$work/jikji.log" >"$work/jikji.out"
grep -E "^vocabulary|^dataset|^training:|^epoch [0-9]+:|^step .*valid perplexity|time per epoch" "$work/jikji.log" "$work/jikji.out" >&2 || true
[ "$skip" = jikji ] && : >"$work/jikji.log"
echo "# load after Jikji: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The shard of the job's dataset: vocab/datasets/<name>.jkds beside the vocabulary database.
dataset="$(grep -oE "dataset job-chatbot-seq2seq-main-[0-9a-f]+" "$work/jikji.out" "$work/jikji.log" 2>/dev/null | head -1 | sed 's/.*dataset //')"
if [ -z "$dataset" ]; then
    "$jikji" job run jobs/chatbot-seq2seq.yaml --quiet --runs "$work/runs" --set train.max_steps=1 2>"$work/probe.log" >/dev/null
    dataset="$(grep -oE "dataset job-chatbot-seq2seq-main-[0-9a-f]+" "$work/probe.log" | head -1 | sed 's/dataset //')"
fi
shard="vocab/datasets/$dataset.jkds"
[ -f "$shard" ] || { echo "no dataset shard at $shard" >&2; exit 1; }

: >"$work/torch.jsonl"
if [ "$skip" != torch ]; then
    OMP_NUM_THREADS="$threads" "$venv/bin/python" bench/chatbot_seq2seq_torch.py --shard "$shard" \
        --epochs "$epochs" --threads "$threads" >"$work/torch.jsonl"
    echo "# load after PyTorch: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
fi

python3 - "$work/jikji.log" "$work/torch.jsonl" <<'PY'
import json, math, re, sys
log = open(sys.argv[1]).read()
seconds = [float(s) for s in re.findall(r"^epoch \d+: ([0-9.]+) s of training", log, re.M)]
ppl = [float(p) for p in re.findall(r"^step \d+ \(epoch \d+\): .*valid perplexity ([0-9.]+)", log, re.M)]
torch_rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
rows = max(len(seconds), len(torch_rows))
nan = float("nan")
print("| epoch | Jikji s | PyTorch s | time ratio | Jikji valid ppl | PyTorch valid ppl | ppl ratio |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for i in range(rows):
    js = seconds[i] if i < len(seconds) else nan
    jp = ppl[i] if i < len(ppl) else nan
    ts = torch_rows[i]["seconds"] if i < len(torch_rows) else nan
    tp = torch_rows[i]["valid_perplexity"] if i < len(torch_rows) else nan
    print(f"| {i + 1} | {js:.1f} | {ts:.1f} | {js / ts:.2f} | {jp:.2f} | {tp:.2f} | {jp / tp:.3f} |")
def mean(v):
    v = [x for x in v if not math.isnan(x)]
    return sum(v) / len(v) if v else nan
js, ts = mean(seconds), mean([r["seconds"] for r in torch_rows])
print(f"| mean | {js:.1f} | {ts:.1f} | {js / ts:.2f} | | | |")
PY
