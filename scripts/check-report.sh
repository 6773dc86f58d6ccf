#!/usr/bin/env bash
# Issue 18: a small classifier job's HTML report, rendered by headless Chromium (Debian's
# `chromium`, installed with apt-get when missing), has curves (SVG polylines of more than one
# point) for the training loss, learning rate, tokens/s and accuracy, the confusion matrix and
# per-class rows, sample predictions, throughput and the vocabulary link; a screenshot is taken.
# Run by .ci/run; skipped (said on stderr) where Chromium cannot be installed.
#   scripts/check-report.sh [SCREENSHOT.png]   # builds jikji (release) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/export-venv.sh
browser="$(command -v chromium || true)"
if [ -z "$browser" ]; then
    echo "check-report: installing Debian's chromium (about 100 MB)" >&2
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
            >/dev/null 2>&1 || true
    fi
    browser="$(command -v chromium || true)"
fi
if [ -z "$browser" ]; then
    echo "check-report: skipped (chromium is not installed and could not be installed)" >&2
    exit 0
fi
resolve_jikji
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nsmc="$(cd corpora/nsmc && pwd)"
head -n 1501 "$nsmc/ratings_train.txt" > "$work/train.txt"
head -n 301 "$nsmc/ratings_test.txt" > "$work/test.txt"
cat > "$work/job.yaml" <<YAML
name: report-check
seed: 3
data: {train: train.txt, test: test.txt, text_column: document, label_column: label, valid_ratio: 0.1}
vocab: {name: report-check, database: vocab.sqlite, vocab_size: 2000, limit_alphabet: 1000}
batching: {batch_size: 32, max_length: 32}
model: {kind: classifier, embedding: 16, encoder: {cell: gru, hidden: 16}, classes: 2}
optim: {optimizer: adam, lr: 0.005, clip_norm: 1.0}
train: {epochs: 2, eval_every: 20, log_every: 5, metric: accuracy}
YAML
( cd "$work" && "$JIKJI" job run job.yaml --quiet > run.log 2>&1 ) || { cat "$work/run.log" >&2; exit 1; }
report="$(ls "$work"/runs/*/report.html | head -n 1)"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage)
"$browser" "${flags[@]}" --dump-dom "file://$report" > "$work/dom.html" 2> "$work/chromium.log" \
    || { cat "$work/chromium.log" >&2; exit 1; }
python3 scripts/check_report_dom.py "$work/dom.html" 2
if [ $# -ge 1 ]; then
    "$browser" "${flags[@]}" --hide-scrollbars --window-size=1150,2600 --screenshot="$work/shot.png" "file://$report" \
        2>> "$work/chromium.log" && cp "$work/shot.png" "$1" && echo "screenshot: $1"
fi
