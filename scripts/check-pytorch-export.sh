#!/usr/bin/env bash
# Issue 18: `jikji export RUN --format pytorch --output DIR` of a small NSMC classifier, language
# model and chatbot encoder-decoder (scripts/check_pytorch_export.py):
# - always (no torch needed): model.py and predict.py compile, and model.py's own STATE_DICT table
#   (read from its source, not imported) names every tensor of model.safetensors with its shape;
# - where a PyTorch environment exists ($JIKJI_TORCH_PYTHON, else .build/venv-export or /work/venv
#   when it imports torch): model.load() loads with strict=True and matches `jikji predict` on 200
#   NSMC test reviews (probabilities within 1e-4, same labels), `jikji generate`'s greedy tokens
#   and log-probabilities (and those of its sampled tokens), and `jikji translate`'s greedy
#   answers; predict.py gives jikji predict's labels.
# JIKJI_INSTALL_TORCH=1 first installs the CPU-only torch wheel (about 200 MB) into
# .build/venv-export. Run by .ci/run (static checks only unless torch is there).
#   scripts/check-pytorch-export.sh        # builds jikji (release) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/export-venv.sh
resolve_jikji
if [ "${JIKJI_INSTALL_TORCH:-0}" = 1 ] && ensure_export_venv numpy && ! "$VENV_PY" -c "import torch" 2>/dev/null; then
    # A CPU-only wheel: one pip's find-links folder holds, else PyTorch's CPU index (the CUDA build
    # PyPI serves by default is several gigabytes).
    wheel="$(ls ${PIP_FIND_LINKS:-/nonexistent}/torch-*+cpu-*.whl 2>/dev/null | tail -n 1 || true)"
    if [ -n "$wheel" ]; then
        "$VENV_PY" -m pip install --quiet "$wheel" || echo "check-pytorch-export: could not install $wheel" >&2
    else
        "$VENV_PY" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
            --extra-index-url https://pypi.org/simple || echo "check-pytorch-export: could not install torch" >&2
    fi
fi
TORCH_PY=""
for candidate in "${JIKJI_TORCH_PYTHON:-}" "$EXPORT_VENV/bin/python" /work/venv/bin/python; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "import torch" 2>/dev/null; then TORCH_PY="$candidate"; break; fi
done
[ -n "$TORCH_PY" ] || echo "check-pytorch-export: no PyTorch environment; checking compilation and the state_dict table only" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nsmc="$(cd corpora/nsmc && pwd)"
chatbot="$(cd corpora/chatbot && pwd)/ChatbotData.csv"
head -n 4001 "$nsmc/ratings_train.txt" > "$work/train.txt"
head -n 201 "$nsmc/ratings_test.txt" > "$work/test.txt"
head -n 4001 "$chatbot" > "$work/chat.csv"
sed -n '4002,4041p' "$chatbot" | cut -d, -f1 > "$work/questions.txt"
printf '%s\n' "영화 정말" "이 배우" "최악의 영화" > "$work/prompts.txt"
common="optim: {optimizer: adam, lr: 0.005}"
cat > "$work/job1.yaml" <<YAML
name: pytorch-check-classifier
seed: 1
data: {train: train.txt, test: test.txt, text_column: document, label_column: label, valid_ratio: 0.1}
vocab: {name: pytorch-check, database: vocab.sqlite, vocab_size: 3000, limit_alphabet: 1500}
batching: {batch_size: 32, max_length: 40}
model: {kind: classifier, embedding: 24, encoder: {cell: lstm, hidden: 16, layers: 2, bidirectional: true}, pooling: mean, classes: 2}
$common
train: {epochs: 1, max_steps: 100}
YAML
cat > "$work/job2.yaml" <<YAML
name: pytorch-check-lm
seed: 2
data: {train: train.txt, text_column: document, valid_ratio: 0.05}
vocab: {name: pytorch-check, database: vocab.sqlite, vocab_size: 3000, limit_alphabet: 1500}
batching: {batch_size: 32, window: 32}
model: {kind: language_model, embedding: 24, encoder: {cell: lstm, hidden: 32}, output: {kind: adaptive, cutoffs: [300, 1200], div_value: 2}}
$common
train: {epochs: 1, max_steps: 100, hidden_state: document}
YAML
cat > "$work/job3.yaml" <<YAML
name: pytorch-check-seq2seq
seed: 3
data: {train: chat.csv, source_column: Q, target_column: A, valid_ratio: 0.05}
vocab: {name: pytorch-check-chat, database: vocab.sqlite, vocab_size: 3000, min_frequency: 2}
batching: {batch_size: 32, max_length: 24}
model: {kind: seq2seq, embedding: 24, encoder: {cell: gru, hidden: 24, bidirectional: true}, decoder: {cell: lstm, hidden: 32}, attention: general, input_feeding: true}
$common
train: {epochs: 2, max_steps: 100}
YAML
for run in 1 2 3; do
    ( cd "$work" && "$JIKJI" job run "job$run.yaml" --quiet > "job$run.log" 2>&1 ) || { cat "$work/job$run.log" >&2; exit 1; }
    ( cd "$work" && "$JIKJI" export "$run" --format pytorch --output "export$run" > /dev/null )
done
( cd "$work" && "$JIKJI" predict 1 --input test.txt --text-column document --format jsonl --tokens > reference1.jsonl 2> /dev/null
  while IFS= read -r prompt; do
      "$JIKJI" generate 2 --prompt "$prompt" --temperature 0 --max-tokens 20 --format jsonl >> reference2.jsonl
      "$JIKJI" generate 2 --prompt "$prompt" --temperature 1 --seed 7 --max-tokens 20 --format jsonl >> sampled2.jsonl
  done < prompts.txt
  "$JIKJI" translate 3 --input questions.txt --format jsonl > reference3.jsonl )
python="${TORCH_PY:-$(command -v python3)}"
for run in 1 2 3; do
    if [ -n "$TORCH_PY" ]; then
        sampled=(); [ "$run" = 2 ] && sampled=(--sampled "$work/sampled2.jsonl")
        "$TORCH_PY" scripts/check_pytorch_export.py "$work/export$run" --reference "$work/reference$run.jsonl" "${sampled[@]}"
    else
        "$python" scripts/check_pytorch_export.py "$work/export$run" --static
    fi
done
# predict.py, the example a user starts from (tokenizers encodes the texts), where torch and
# tokenizers are both there: the same labels as jikji predict.
if [ -n "$TORCH_PY" ] && "$TORCH_PY" -c "import tokenizers" 2>/dev/null; then
    tail -n +2 "$work/test.txt" | cut -f2 > "$work/documents.txt"
    ( cd "$work/export1" && "$TORCH_PY" predict.py < "$work/documents.txt" > "$work/predict.tsv" )
    "$TORCH_PY" - "$work/predict.tsv" "$work/reference1.jsonl" <<'PY'
import json, sys
mine = [int(line.split("\t")[0]) for line in open(sys.argv[1], encoding="utf-8")]
jikji = [json.loads(line)["label"] for line in open(sys.argv[2], encoding="utf-8")]
differ = sum(a != b for a, b in zip(mine, jikji))
if len(mine) != len(jikji) or differ:
    sys.exit(f"check-pytorch-export: predict.py gave {len(mine)} labels for {len(jikji)} reviews, {differ} differ from jikji predict")
print(f"check-pytorch-export: predict.py (tokenizers + model.py) labels the {len(mine)} reviews as jikji predict does")
PY
fi
