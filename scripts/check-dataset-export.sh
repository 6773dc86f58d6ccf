#!/usr/bin/env bash
# Issue 18: `jikji dataset export` read by python/jikji_dataset.py (NumPy only, in .build/venv-export)
# reproduces `jikji dataset batches` for two epochs — every batch's ids, lengths and labels, and each
# epoch's checksum — on NSMC datasets: a classifier (npy and safetensors, bucketed, token budget) and
# a language model; and, where a PyTorch environment exists (/work/venv, or $JIKJI_TORCH_PYTHON),
# python/jikji_torch.py's DataLoader gives the same batches. Run by .ci/run; skipped (said on
# stderr) when NumPy cannot be installed.
#   scripts/check-dataset-export.sh        # builds jikji (release) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/export-venv.sh
if ! ensure_export_venv numpy; then
    echo "check-dataset-export: skipped (numpy could not be installed)" >&2
    exit 0
fi
resolve_jikji
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/jikji.sqlite"
# 8,000 NSMC reviews: many pools of bucketed batches, and well under a minute of Python.
head -n 8001 corpora/nsmc/ratings_train.txt > "$work/train.txt"
"$JIKJI" vocab train --input "$work/train.txt" --text-column document --name dsx --vocab-size 3000 \
    --limit-alphabet 2000 --db "$db" > /dev/null
"$JIKJI" dataset build --input "$work/train.txt" --text-column document --label-column label --split 0.8,0.1,0.1 \
    --vocab dsx --name nsmc-cls --db "$db" > /dev/null
"$JIKJI" dataset build --input "$work/train.txt" --text-column document --kind lm --split 0.9,0.1 \
    --vocab dsx --name nsmc-lm --db "$db" > /dev/null
"$JIKJI" dataset export nsmc-cls --db "$db" --format npy --output "$work/cls-npy" > /dev/null
"$JIKJI" dataset export nsmc-cls --db "$db" --format safetensors --output "$work/cls-st" > /dev/null
"$JIKJI" dataset export nsmc-lm --db "$db" --format safetensors --split train --output "$work/lm-st" > /dev/null
check() { "$VENV_PY" scripts/check_dataset_export.py "$JIKJI" "$db" "$@"; }
check nsmc-cls "$work/cls-npy" --batch-size 64 --max-length 64 --bucket-pool 100 --cls-sep --sort-within-batch
check nsmc-cls "$work/cls-st" --token-budget 2048 --max-length 48 --pad-to-multiple-of 8 --bucket-pool 20 --seed 7
check nsmc-cls "$work/cls-npy" --batch-size 50 --max-length 32 --fixed-length --pad-side pre --truncate-side pre \
    --no-shuffle --drop-last --split valid
check nsmc-lm "$work/lm-st" --batch-size 32 --window 64 --seed 3
torch_python="${JIKJI_TORCH_PYTHON:-/work/venv/bin/python}"
if [ -x "$torch_python" ] && "$torch_python" -c "import torch, numpy" 2>/dev/null; then
    "$torch_python" scripts/check_dataset_torch.py "$work/cls-npy" --batch-size 64 --max-length 64 --bucket-pool 100 \
        --cls-sep --sort-within-batch
else
    echo "check-dataset-export: the torch DataLoader check skipped (no Python with torch at $torch_python)" >&2
fi
