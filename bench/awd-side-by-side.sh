#!/usr/bin/env bash
# Side by side: jobs/reviews-lm-pretrain.yaml with its AWD-LSTM regularisation (this checkout) and
# without it (the same job with `model.dropout: 0.2` in place of `model.regularisation`, as before
# issue 15's AWD work), same seed, same windows, alternating the two runs (rounds), N steps each;
# prints validation perplexity after N steps and the training tokens/s the run logged
# (metrics.jsonl, tokens_per_second). Run from the checkout's root after `swift build -c release`.
#
#   JIKJI_BENCH_STEPS   training steps per run (default 300)
#   JIKJI_BENCH_ROUNDS  alternations (default 1)
#   JIKJI_BENCH_VALID   validation ratio (default the job's 0.02)
set -euo pipefail
steps="${JIKJI_BENCH_STEPS:-300}"
rounds="${JIKJI_BENCH_ROUNDS:-1}"
valid="${JIKJI_BENCH_VALID:-0.02}"
jikji="${JIKJI_BIN:-.build/release/jikji}"
work="$(mktemp -d /tmp/awd-bench.XXXXXX)"
# The job without AWD: its regularisation block replaced by the plain output dropout it had.
awk '/^  regularisation:/{print "  dropout: 0.2"; skip=1; next} skip && /^    /{next} {skip=0; print}' \
    jobs/reviews-lm-pretrain.yaml > "$work/plain.yaml"
cp jobs/reviews-lm-pretrain.yaml "$work/awd.yaml"
grep -q "^  regularisation:" "$work/plain.yaml" && { echo "could not strip the regularisation block" >&2; exit 1; }
echo "steps $steps, rounds $rounds, valid_ratio $valid, work $work" >&2
for round in $(seq 1 "$rounds"); do
    for variant in plain awd; do
        echo "== round $round $variant, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        start=$(date +%s)
        "$jikji" job run "$work/$variant.yaml" --quiet --runs "$work/runs-$variant-$round" \
            --set train.max_steps="$steps" --set train.eval_every="$steps" --set train.log_every=25 \
            --set data.valid_ratio="$valid" > "$work/$variant-$round.out" 2> "$work/$variant-$round.err" || {
            cat "$work/$variant-$round.err" >&2; exit 1; }
        end=$(date +%s)
        metrics=$(find "$work/runs-$variant-$round" -name metrics.jsonl | head -1)
        perplexity=$(grep '"split":"valid"' "$metrics" | grep '"perplexity"' | tail -1 | sed -E 's/.*"value":([0-9.e+-]+).*/\1/')
        rate=$(grep '"tokens_per_second"' "$metrics" | sed -E 's/.*"value":([0-9.e+-]+).*/\1/' \
               | awk '{s += $1; n++} END {if (n) printf "%.1f", s / n}')
        echo "round $round $variant: valid perplexity $perplexity, mean training tokens/s $rate, wall $((end - start)) s, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
