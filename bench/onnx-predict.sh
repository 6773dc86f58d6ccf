#!/usr/bin/env bash
# Issue 18: ONNX Runtime's CPU inference on `jikji export --format onnx` beside `jikji predict`
# on the same 1,000 NSMC test reviews, the main job's architecture (bidirectional LSTM 128,
# embedding 128, vocabulary 30k; a short run: speed does not depend on the weights). Alternating
# rounds, `uptime` beside each; ORT with its default threads and with one. Notes:
# bench/notes/onnx-predict.md.
#   bash bench/onnx-predict.sh [rounds]     # needs .build/release/jikji and .build/venv-export (scripts/check-onnx-export.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
JIKJI="$(pwd)/.build/release/jikji"
PY="$(pwd)/.build/venv-export/bin/python"
work="${BENCH_WORK:-$(mktemp -d)}"
nsmc="$(cd corpora/nsmc && pwd)"
head -n 1001 "$nsmc/ratings_test.txt" > "$work/test.txt"
if [ ! -e "$work/runs/1" ]; then
    sed -e "s#corpora/nsmc/#$nsmc/#" -e "s#^  name: nsmc-wp30k#  name: nsmc-wp30k\n  database: $work/vocab.sqlite#" jobs/nsmc-sentiment.yaml > "$work/job.yaml"
    ( cd "$work" && "$JIKJI" job run job.yaml --quiet --set train.epochs=1 --set train.max_steps=200 > train.log 2>&1 )
fi
( cd "$work" && "$JIKJI" export 1 --format onnx --output model.onnx --with-tokenizer > /dev/null )
( cd "$work" && "$JIKJI" predict 1 --input test.txt --text-column document --format jsonl --tokens > predictions.jsonl 2> /dev/null )
echo "uptime: $(uptime)"
for round in $(seq 1 "$rounds"); do
    start=$(date +%s.%N)
    ( cd "$work" && "$JIKJI" predict 1 --input test.txt --text-column document > /dev/null 2>&1 )
    end=$(date +%s.%N)
    echo "round $round jikji predict (whole process: load, encode, classify 1000): $(echo "$end - $start" | bc) s"
    "$PY" bench/onnx_predict_bench.py "$work/model.onnx" "$work/tokenizer.json" "$work/predictions.jsonl" "$round"
    echo "uptime: $(uptime)"
done
echo "work folder: $work"
