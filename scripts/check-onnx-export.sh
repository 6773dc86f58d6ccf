#!/usr/bin/env bash
# Issue 18: `jikji export RUN --format onnx` checked in ONNX Runtime against Jikji itself.
# - Small NSMC classifiers (LSTM, GRU and RNN cells; bidirectional and stacked; final, mean and max
#   pooling; one-logit and softmax heads): onnx.checker, then 1,000 NSMC test reviews give the
#   probabilities of `jikji predict` within 1e-4 and the same labels (scripts/check_onnx_export.py).
# - Small NSMC language models (a tied full softmax over two LSTM layers; an adaptive softmax with a
#   head bias over a GRU): the one-step graph run step by step from a few prompts, the state carried
#   by the caller, gives the greedy tokens of `jikji generate --temperature 0` and their
#   log-probabilities within 1e-4, and the log-probabilities of the tokens `jikji generate
#   --temperature 1` sampled (scripts/check_onnx_lm.py).
# - Small chatbot encoder-decoders (LSTM with general attention as jobs/chatbot-seq2seq.yaml; a
#   stacked bidirectional GRU encoder, projected bridge, concat attention and input feeding into
#   an LSTM decoder): encoder graph + decoder-step graph decode a batch of questions greedily to the
#   answers of `jikji translate` (scripts/check_onnx_seq2seq.py).
# onnx and onnxruntime come from PyPI into .build/venv-export; skipped (said on stderr) when they
# cannot be installed. Run by .ci/run.
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

# Language models: one-step graphs, driven step by step from prompts.
printf '%s\n' "영화 정말" "이 배우" "최악의 영화" "스토리가 너무" "배우들 연기" > "$work/prompts.txt"
for model in \
    "{kind: language_model, embedding: 32, encoder: {cell: lstm, hidden: 32, layers: 2}, tie_weights: true}" \
    "{kind: language_model, embedding: 24, encoder: {cell: gru, hidden: 32}, output: {kind: adaptive, cutoffs: [300, 1200], div_value: 2, head_bias: true}}" ; do
    run=$((run + 1))
    cat > "$work/job$run.yaml" <<YAML
name: onnx-check-$run
seed: $run
data: {train: train.txt, text_column: document, valid_ratio: 0.05}
vocab: {name: onnx-check, database: vocab.sqlite, vocab_size: 3000, limit_alphabet: 1500}
batching: {batch_size: 32, window: 32}
model: $model
optim: {optimizer: adam, lr: 0.005}
train: {epochs: 1, max_steps: 200, eval_every: 200, hidden_state: document}
YAML
    ( cd "$work" && "$JIKJI" job run "job$run.yaml" --quiet > "job$run.log" 2>&1 ) || { cat "$work/job$run.log" >&2; exit 1; }
    mkdir -p "$work/export$run"
    ( cd "$work" && "$JIKJI" export "$run" --format onnx --output "export$run/model.onnx" > /dev/null \
        && while IFS= read -r prompt; do
               "$JIKJI" generate "$run" --prompt "$prompt" --temperature 0 --max-tokens 20 --format jsonl >> "export$run/generations.jsonl"
               "$JIKJI" generate "$run" --prompt "$prompt" --temperature 1 --seed 7 --max-tokens 20 --format jsonl >> "export$run/sampled.jsonl"
           done < prompts.txt )
    "$VENV_PY" scripts/check_onnx_lm.py --model "$work/export$run/model.onnx" --generations "$work/export$run/generations.jsonl" \
        --sampled "$work/export$run/sampled.jsonl"
done

# Encoder-decoders: the encoder graph and the decoder-step graph, greedy over a batch of questions.
chatbot="$(cd corpora/chatbot && pwd)/ChatbotData.csv"
head -n 4001 "$chatbot" > "$work/chat.csv"
sed -n '4002,4041p' "$chatbot" | cut -d, -f1 > "$work/questions.txt"
for model in \
    "{kind: seq2seq, embedding: 32, encoder: {cell: lstm, hidden: 48}, decoder: {cell: lstm, hidden: 48}, attention: general}" \
    "{kind: seq2seq, embedding: 24, encoder: {cell: gru, hidden: 24, layers: 2, bidirectional: true}, decoder: {cell: lstm, hidden: 32, layers: 2}, attention: concat, input_feeding: true, bridge: project}" ; do
    run=$((run + 1))
    cat > "$work/job$run.yaml" <<YAML
name: onnx-check-$run
seed: $run
data: {train: chat.csv, source_column: Q, target_column: A, valid_ratio: 0.05}
vocab: {name: onnx-check-chat, database: vocab.sqlite, vocab_size: 3000, min_frequency: 2}
batching: {batch_size: 32, max_length: 24}
model: $model
optim: {optimizer: adam, lr: 0.005}
train: {epochs: 3, max_steps: 200, eval_every: 200}
YAML
    ( cd "$work" && "$JIKJI" job run "job$run.yaml" --quiet > "job$run.log" 2>&1 ) || { cat "$work/job$run.log" >&2; exit 1; }
    mkdir -p "$work/export$run"
    ( cd "$work" && "$JIKJI" export "$run" --format onnx --output "export$run/chat.onnx" > /dev/null \
        && "$JIKJI" translate "$run" --input questions.txt --format jsonl > "export$run/translations.jsonl" )
    "$VENV_PY" scripts/check_onnx_seq2seq.py --encoder "$work/export$run/chat.encoder.onnx" \
        --decoder "$work/export$run/chat.decoder.onnx" --translations "$work/export$run/translations.jsonl"
done
