#!/usr/bin/env bash
# The review language model against PyTorch, side by side in one run (issue 6): jobs/reviews-lm.yaml
# trained by Jikji, and the same model trained by PyTorch (bench/reviews_lm_torch.py) on the same
# tokens in the same stream layout (64 contiguous rows, windows of 64, state carried across
# windows), both for the same fixed number of steps, then evaluated on the same validation
# documents (the first JIKJI_BENCH_VALID reviews of reviews_test.tsv). Prints training tokens/s of
# both, their ratio, and validation perplexity of both.
#
# Environment:
#   JIKJI_BENCH_VENV      virtual environment with torch and tokenizers (default bench/.venv)
#   JIKJI_BENCH_STEPS     training steps for both (default 150)
#   JIKJI_BENCH_VALID     validation documents (default 5000)
#   JIKJI_BENCH_THREADS   threads for both (default 2)
#   JIKJI_BENCH_SEED      seed of both: Jikji's job seed, and PyTorch's initialisation, dropout and (reproducing
#                         Jikji's shuffle) document order (default 42, the job's)
#   JIKJI_BENCH_START     same (default): PyTorch starts from Jikji's checkpoint after step 1 (weights, Adam
#                         state, carried state), so the two differ only in dropout masks and rounding;
#                         own: PyTorch draws its own initial weights from the seed
#   JIKJI_BENCH_EVAL_EVERY  also evaluate both every N steps (untimed), printed as a perplexity curve
#   JIKJI_BENCH_SET       extra job overrides for Jikji, space-separated
#   JIKJI_BENCH_PRECISION fp32 (default) or bf16: Jikji with optim.precision=bf16 (AMX tiles), PyTorch with
#                         its forward passes under torch.autocast("cpu", dtype=torch.bfloat16)
#   JIKJI_BENCH_OUTPUT    full (default: the job's tied full softmax) or adaptive: untied, with
#                         model.output {kind: adaptive, cutoffs: JIKJI_BENCH_CUTOFFS, div_value 4}
#                         for Jikji and nn.AdaptiveLogSoftmaxWithLoss on the same ranks for PyTorch
#   JIKJI_BENCH_CUTOFFS   adaptive cutoffs, comma-separated (default 2000,10000)
#   JIKJI_BENCH_BIN       a jikji binary to measure instead of building this checkout's release product
#   JIKJI_BENCH_TORCH     run (default) or skip: Jikji alone (e.g. the full softmax beside an adaptive run)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${JIKJI_BENCH_VENV:-bench/.venv}"
steps="${JIKJI_BENCH_STEPS:-150}"
valid_docs="${JIKJI_BENCH_VALID:-5000}"
threads="${JIKJI_BENCH_THREADS:-2}"
seed="${JIKJI_BENCH_SEED:-42}"
start="${JIKJI_BENCH_START:-same}"
eval_every="${JIKJI_BENCH_EVAL_EVERY:-0}"
output="${JIKJI_BENCH_OUTPUT:-full}"
cutoffs="${JIKJI_BENCH_CUTOFFS:-2000,10000}"
run_torch="${JIKJI_BENCH_TORCH:-run}"
case "$start" in same|own) ;; *) echo "JIKJI_BENCH_START must be same or own, not '$start'" >&2; exit 2;; esac
precision="${JIKJI_BENCH_PRECISION:-fp32}"
case "$precision" in fp32|bf16) ;; *) echo "JIKJI_BENCH_PRECISION must be fp32 or bf16, not '$precision'" >&2; exit 2;; esac
case "$output" in full|adaptive) ;; *) echo "JIKJI_BENCH_OUTPUT must be full or adaptive, not '$output'" >&2; exit 2;; esac
case "$run_torch" in run|skip) ;; *) echo "JIKJI_BENCH_TORCH must be run or skip, not '$run_torch'" >&2; exit 2;; esac
overrides="${JIKJI_BENCH_SET:-} optim.precision=$precision"
[ "$output" = adaptive ] && overrides="$overrides model.tie_weights=false model.output.kind=adaptive model.output.cutoffs=[$cutoffs] model.output.div_value=4"
sets=$(for o in $overrides; do printf -- '--set %s ' "$o"; done)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import torch, tokenizers, safetensors" 2>/dev/null || "$venv/bin/pip" install --quiet torch tokenizers numpy safetensors
# Jikji chooses OpenBLAS's kernel for the CPU itself and logs it on the backend line. "auto" makes
# it do so even where the environment pins OPENBLAS_CORETYPE (some pin Haswell, half the sgemm
# speed on AVX-512); set JIKJI_BLAS_KERNEL to a core name to measure another kernel.
export JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}"
export OPENBLAS_NUM_THREADS="$threads"
[ -e corpora/nsmc/reviews_train.tsv ] || bash corpora/fetch.sh

if [ -n "${JIKJI_BENCH_BIN:-}" ]; then
    jikji="$JIKJI_BENCH_BIN"   # a jikji binary built beforehand (a copy, while the checkout changes)
else
    swift build -c release --product jikji >&2
    jikji="$(swift build -c release --show-bin-path)/jikji"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
head -n "$((valid_docs + 1))" corpora/nsmc/reviews_test.tsv >"$work/valid.tsv"

# The vocabulary (trained by the job when missing) and the datasets are prepared by a one-step
# run first, so the timed runs below only train and evaluate. Its checkpoint is the state after
# step 1 of the timed run too (same job, seed and threads: Jikji's runs are repeatable), where
# PyTorch starts with JIKJI_BENCH_START=same.
"$jikji" job run jobs/reviews-lm.yaml --quiet --runs "$work/prepare" --set data.valid="$work/valid.tsv" \
    --set data.valid_ratio=0 --set 'data.test=[]' --set train.max_steps=1 --set seed="$seed" $sets \
    --set train.keep_best=false >/dev/null 2>"$work/prepare.log" \
    || { cat "$work/prepare.log" >&2; exit 1; }
"$jikji" vocab export reviews-wp30k --format tokenizer-json --no-post-processor --output "$work/tokenizer.json" >&2

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# $(date -u +%FT%TZ), $(nproc) CPUs, JIKJI_BLAS_KERNEL=$JIKJI_BLAS_KERNEL OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}, $steps steps, $threads threads, seed $seed, precision $precision, output $output" >&2
jikji_load="$(load)"
"$jikji" job run jobs/reviews-lm.yaml --quiet --runs "$work/runs" --set data.valid="$work/valid.tsv" \
    --set data.valid_ratio=0 --set 'data.test=[]' --set train.max_steps="$steps" --set seed="$seed" $sets \
    $( [ "$eval_every" -gt 0 ] && printf -- '--set train.eval_every=%s' "$eval_every") 2>"$work/jikji.log" >"$work/jikji.out" \
    || { cat "$work/jikji.log" >&2; exit 1; }
torch_load="$(load)"
if [ "$run_torch" = skip ]; then
    python3 - "$work/jikji.out" "$jikji_load" "$torch_load" "$work/runs/jikji-runs.sqlite" "$output" <<'PY'
import re, sqlite3, sys
out = open(sys.argv[1]).read()
rate = float(re.search(r"training tokens/s\s+([0-9.]+)", out).group(1))
ppl = float(re.search(r"valid\.perplexity\s+([0-9.]+)", out).group(1))
print(f"Jikji alone ({sys.argv[5]} output); load before {sys.argv[2]}, after {sys.argv[3]}")
print(f"| training tokens/s | {rate:.0f} |")
print(f"| validation perplexity | {ppl:.2f} |")
for step, value in sqlite3.connect(sys.argv[4]).execute(
        "SELECT step, value FROM run_metrics WHERE split = 'valid' AND name = 'perplexity' ORDER BY step"):
    print(f"| step {step} perplexity | {value:.2f} |")
PY
    exit 0
fi
# The same initialisation and output dropout as the job Jikji just ran (its resolved model.init_range
# and model.dropout).
init_range="$(awk '$1 == "init_range:" { print $2 }' "$work/runs/1/job.yaml")"
dropout="$(awk '/^  dropout:/ { print $2; exit }' "$work/runs/1/job.yaml")"
OMP_NUM_THREADS="$threads" "$venv/bin/python" bench/reviews_lm_torch.py --tokenizer "$work/tokenizer.json" \
    --train corpora/nsmc/reviews_train.tsv --valid "$work/valid.tsv" --steps "$steps" --threads "$threads" --seed "$seed" \
    --init-range "${init_range:-0}" --dropout "${dropout:-0.2}" --eval-every "$eval_every" --precision "$precision" \
    --output "$output" --cutoffs "$cutoffs" \
    $( [ "$start" = same ] && printf -- '--start-from %s' "$work/prepare/1/checkpoints/step-1") \
    >"$work/torch.json" 2>"$work/torch.curve" || { cat "$work/torch.curve" >&2; exit 1; }
end_load="$(load)"

python3 - "$work/jikji.log" "$work/jikji.out" "$work/torch.json" "$jikji_load" "$torch_load" "$end_load" \
    "$work/runs/jikji-runs.sqlite" "$work/torch.curve" "$start" <<'PY'
import json, re, sqlite3, sys
log, out = open(sys.argv[1]).read(), open(sys.argv[2]).read()
torch = json.load(open(sys.argv[3]))
rate = float(re.search(r"training tokens/s\s+([0-9.]+)", out).group(1))
ppl = float(re.search(r"valid\.perplexity\s+([0-9.]+)", out).group(1))
print(f"load before Jikji {sys.argv[4]}, before PyTorch {sys.argv[5]}, at the end {sys.argv[6]}")
print(f"steps {torch['steps']}, validation targets {torch['valid_tokens']}")
print("| | Jikji | PyTorch | ratio (Jikji / PyTorch) |")
print("| --- | --- | --- | --- |")
print(f"| training tokens/s | {rate:.0f} | {torch['tokens_per_second']:.0f} | {rate / torch['tokens_per_second']:.2f} |")
print(f"| validation perplexity | {ppl:.2f} | {torch['valid_perplexity']:.2f} | {ppl / torch['valid_perplexity']:.3f} |")
print("PyTorch started from " + ("Jikji's state after step 1" if sys.argv[9] == "same" else "its own initial weights"))
jikji_curve = dict(sqlite3.connect(sys.argv[7]).execute(
    "SELECT step, value FROM run_metrics WHERE split = 'valid' AND name = 'perplexity' ORDER BY step"))
torch_curve = {r["step"]: r["valid_perplexity"] for r in (json.loads(l) for l in open(sys.argv[8]) if l.startswith("{"))
               if r.get("valid_perplexity") is not None}
torch_curve[torch["steps"]] = torch["valid_perplexity"]
common = sorted(set(jikji_curve) & set(torch_curve))
if len(common) > 1:
    print("| step | Jikji perplexity | PyTorch perplexity | ratio |")
    print("| --- | --- | --- | --- |")
    for step in common:
        print(f"| {step} | {jikji_curve[step]:.2f} | {torch_curve[step]:.2f} | {jikji_curve[step] / torch_curve[step]:.3f} |")
PY
