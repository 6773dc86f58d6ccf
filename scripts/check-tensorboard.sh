#!/usr/bin/env bash
# Issue 18: a small job's TensorBoard events, read by the `tensorboard` package's own event
# reader (PyPI, in .build/venv-export), hold every scalar of the run's metrics.jsonl with its step,
# and the first event carries the file version. Run by .ci/run; skipped (said on stderr) when
# tensorboard cannot be installed.
#   scripts/check-tensorboard.sh        # builds jikji (release) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/export-venv.sh
if ! ensure_export_venv tensorboard; then
    echo "check-tensorboard: skipped (tensorboard could not be installed)" >&2
    exit 0
fi
resolve_jikji
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nsmc="$(cd corpora/nsmc && pwd)"
head -n 1501 "$nsmc/ratings_train.txt" > "$work/train.txt"
head -n 301 "$nsmc/ratings_test.txt" > "$work/test.txt"
cat > "$work/job.yaml" <<YAML
name: tb-check
seed: 3
data: {train: train.txt, test: test.txt, text_column: document, label_column: label, valid_ratio: 0.1}
vocab: {name: tb-check, database: vocab.sqlite, vocab_size: 2000, limit_alphabet: 1000}
batching: {batch_size: 32, max_length: 32}
model: {kind: classifier, embedding: 16, encoder: {cell: gru, hidden: 16}, classes: 2}
optim: {optimizer: adam, lr: 0.005, clip_norm: 1.0}
train: {epochs: 2, eval_every: 20, log_every: 5, metric: accuracy}
YAML
( cd "$work" && "$JIKJI" job run job.yaml --quiet > run.log 2>&1 ) || { cat "$work/run.log" >&2; exit 1; }
run_dir="$(ls -d "$work"/runs/*/ | head -n 1)"
exec "$VENV_PY" scripts/check_tensorboard.py "$run_dir"
