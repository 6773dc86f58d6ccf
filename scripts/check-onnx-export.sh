#!/usr/bin/env bash
# Issue 18: `jikji export RUN --format onnx` of small NSMC classifiers (LSTM, GRU and RNN cells;
# bidirectional and stacked; final, mean and max pooling; one-logit and softmax heads) is valid
# for onnx.checker and, run by ONNX Runtime on 1,000 NSMC test reviews, gives the probabilities
# of `jikji predict` within 1e-4 and the same labels (scripts/check_onnx_export.py). onnx and
# onnxruntime come from PyPI into .build/venv-export; skipped (said on stderr) when they cannot
# be installed. Run by .ci/run.
#   scripts/check-onnx-export.sh        # builds jikji (release) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/export-venv.sh
if ! ensure_export_venv onnx onnxruntime numpy; then
    echo "check-onnx-export: skipped (onnx and onnxruntime could not be installed)" >&2
    exit 0
fi
resolve_jikji
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nsmc="$(cd corpora/nsmc && pwd)"
head -n 4001 "$nsmc/ratings_train.txt" > "$work/train.txt"
head -n 1001 "$nsmc/ratings_test.txt" > "$work/test.txt"
run=0
for model in \
    "{kind: classifier, embedding: 24, encoder: {cell: lstm, hidden: 16, layers: 2, bidirectional: true}, pooling: mean, classes: 2}" \
    "{kind: classifier, embedding: 24, encoder: {cell: gru, hidden: 16, bidirectional: true}, pooling: final, classes: 2, loss: cross_entropy}" \
    "{kind: classifier, embedding: 24, encoder: {cell: rnn, hidden: 16}, pooling: max, classes: 3, loss: cross_entropy}" ; do
    run=$((run + 1))
    cat > "$work/job$run.yaml" <<YAML
name: onnx-check-$run
seed: $run
data: {train: train.txt, test: test.txt, text_column: document, label_column: label, valid_ratio: 0.1}
vocab: {name: onnx-check, database: vocab.sqlite, vocab_size: 3000, limit_alphabet: 1500}
batching: {batch_size: 32, max_length: 40}
model: $model
optim: {optimizer: adam, lr: 0.005}
train: {epochs: 1, max_steps: 60}
YAML
    ( cd "$work" && "$JIKJI" job run "job$run.yaml" --quiet > "job$run.log" 2>&1 ) || { cat "$work/job$run.log" >&2; exit 1; }
    mkdir -p "$work/export$run"
    ( cd "$work" && "$JIKJI" export "$run" --format onnx --output "export$run/model.onnx" --with-tokenizer > /dev/null \
        && "$JIKJI" predict "$run" --input test.txt --text-column document --format jsonl --tokens \
           > "export$run/predictions.jsonl" 2> /dev/null )
    "$VENV_PY" scripts/check_onnx_export.py --model "$work/export$run/model.onnx" \
        --tokenizer "$work/export$run/tokenizer.json" --predictions "$work/export$run/predictions.jsonl"
done
