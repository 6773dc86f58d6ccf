#!/usr/bin/env bash
# Tokenizer speed per core: Jikji, HF tokenizers `encode_batch` and `encode_batch_fast`, and
# BlingFire (English only: its bundled bert_base_tok.bin is the bert-base-uncased vocabulary), side
# by side on the same files, at 1 and 2 threads (taskset + RAYON_NUM_THREADS), whole processes
# with start-up and I/O. Every tool's ids are compared with HF encode_batch's (BlingFire's without
# [CLS]/[SEP], as the share of identical lines). Then decoding: Jikji and HF decode_batch of HF's ids.
#
#   korean:  all documents of corpora/nsmc/reviews_train.tsv (`document` column), the 30k NSMC
#            vocabulary ../shared/reference/hf/wp567k/vocab.txt, lowercase=False, strip_accents=False
#   english: bench/out/tokenizer-speed/english.txt, made by bench/english_text.py (docstrings of the
#            bench interpreter's standard library and site-packages, 29 MB), with the
#            bert-base-uncased vocabulary of ../shared/reference/hf/minilm/tokenizer.json
#            (lowercase + strip accents), truncation and padding off
#
# usage: bench/tokenizer-speed.sh [korean|english|all]
#   JIKJI_BENCH_VENV  virtual environment with tokenizers and blingfire (default /work/venv if it
#                     exists, else bench/.venv, created)
#   ROUNDS            alternating rounds (default 1); MB/s are of the fastest round
#   JIKJI_BIN         measure this jikji binary (default: build this checkout in release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WHICH=${1:-all}
REF=${JIKJI_REFERENCE_DIR:-../shared/reference}
ROUNDS=${ROUNDS:-1}
if [ -z "${JIKJI_BENCH_VENV:-}" ]; then
    if [ -x /work/venv/bin/python ]; then JIKJI_BENCH_VENV=/work/venv; else JIKJI_BENCH_VENV=bench/.venv; fi
fi
VENV=$JIKJI_BENCH_VENV
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import tokenizers" 2>/dev/null || "$VENV/bin/pip" install --quiet "tokenizers==0.23.3"
"$VENV/bin/python" -c "import blingfire" 2>/dev/null || "$VENV/bin/pip" install --quiet "blingfire==0.1.8"
PY="$VENV/bin/python"
OUT=bench/out/tokenizer-speed
mkdir -p "$OUT"
# JIKJI_BIN: a jikji binary to measure instead of this checkout's release build.
if [ -n "${JIKJI_BIN:-}" ]; then JIKJI=$JIKJI_BIN; else
    swift build -c release --product jikji >/dev/null
    JIKJI="$ROOT/.build/release/jikji"
fi

# "wall cpu" seconds of a command (cpu = user + sys).
measure() {
    /usr/bin/time -f "%e %U %S" -o "$OUT/time.log" "$@"
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$OUT/time.log"
}

# Fraction of identical lines of two id files (a, b), b's lines stripped of a first and last id
# when $3 is "strip".
same_lines() {
    "$PY" - "$1" "$2" "${3:-}" <<'PY'
import sys
a = open(sys.argv[1]).read().split("\n")
b = open(sys.argv[2]).read().split("\n")
if sys.argv[3] == "strip":
    a = [" ".join(x.split()[1:-1]) for x in a]
n = max(len(a), len(b)) - 1
same = sum(x == y for x, y in zip(a, b))
print("identical" if a == b else f"{100.0 * (same - 1) / n:.2f}% of lines identical")
PY
}

run_kind() {
    local kind=$1 input vocab bytes jk_args=()
    if [ "$kind" = korean ]; then
        input=corpora/nsmc/reviews_train.tsv
        vocab=$REF/hf/wp567k/vocab.txt
        jk_args=(--text-column document)
        bytes=$(tail -n +2 "$input" | cut -f4 | wc -c)
        bytes=$((bytes - $(tail -n +2 "$input" | wc -l)))
    else
        input=$OUT/english.txt
        [ -s "$input" ] || "$PY" bench/english_text.py "$input" 29000000 >/dev/null
        vocab=$REF/hf/minilm/tokenizer.json
        jk_args=(--no-truncation --no-padding)
        bytes=$(($(wc -c < "$input") - $(wc -l < "$input")))
    fi
    echo "== $kind: $input ($bytes bytes of text), vocabulary $vocab; $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"
    declare -A best_wall best_cpu
    local tools=(jikji hf-batch-fast hf-batch)
    [ "$kind" = english ] && tools+=(blingfire)
    for round in $(seq "$ROUNDS"); do
        for threads in 1 2; do
            local cpus=0; [ "$threads" = 2 ] && cpus=0,1
            for tool in "${tools[@]}"; do
                local ids="$OUT/$kind.$tool.$threads.ids" wall cpu
                if [ "$tool" = jikji ]; then
                    read -r wall cpu < <(measure taskset -c "$cpus" sh -c "\"$JIKJI\" encode --vocab \"$vocab\" --input \"$input\" ${jk_args[*]} > \"$ids\"")
                else
                    read -r wall cpu < <(RAYON_NUM_THREADS=$threads measure taskset -c "$cpus" "$PY" bench/tokenizer_speed.py "$tool" "$kind" "$input" "$vocab" "$ids" "$threads")
                fi
                local key="$tool.$threads"
                if [ -z "${best_wall[$key]:-}" ] || awk "BEGIN{exit !($wall < ${best_wall[$key]})}"; then
                    best_wall[$key]=$wall; best_cpu[$key]=$cpu
                fi
            done
        done
    done
    local reference="$OUT/$kind.hf-batch.1.ids"
    printf "%-14s %7s %8s %8s %10s %12s  %s\n" tool threads wall_s cpu_s "MB/s" "MB/s/cpu-s" "ids vs HF encode_batch"
    for tool in "${tools[@]}"; do
        for threads in 1 2; do
            local key="$tool.$threads" check
            if [ "$tool" = blingfire ]; then check=$(same_lines "$reference" "$OUT/$kind.$key.ids" strip)
            else check=$(same_lines "$reference" "$OUT/$kind.$key.ids"); fi
            awk -v t="$tool" -v n="$threads" -v w="${best_wall[$key]}" -v c="${best_cpu[$key]}" -v b="$bytes" -v k="$check" \
                'BEGIN { printf "%-14s %7d %8.2f %8.2f %10.2f %12.2f  %s\n", t, n, w, c, b / w / 1e6, b / c / 1e6, k }'
        done
    done
    awk -v a="${best_wall[jikji.1]}" -v b="${best_wall[jikji.2]}" 'BEGIN { printf "jikji: 2 threads %.2fx 1 thread (wall)\n", a / b }'
    # Decoding HF's ids back to text (skip special tokens), one core.
    local dwall dcpu hwall hcpu
    read -r dwall dcpu < <(measure taskset -c 0 sh -c "\"$JIKJI\" decode --skip-special-tokens --vocab \"$vocab\" --input \"$reference\" > \"$OUT/$kind.jikji.txt\"")
    read -r hwall hcpu < <(RAYON_NUM_THREADS=1 measure taskset -c 0 "$PY" bench/tokenizer_speed.py hf-decode "$kind" "$reference" "$vocab" "$OUT/$kind.hf.txt" 1)
    local out_bytes=$(($(wc -c < "$OUT/$kind.hf.txt") - $(wc -l < "$OUT/$kind.hf.txt")))
    if cmp -s "$OUT/$kind.jikji.txt" "$OUT/$kind.hf.txt"; then local texts=identical; else local texts=DIFFERENT; fi
    awk -v jw="$dwall" -v jc="$dcpu" -v hw="$hwall" -v hc="$hcpu" -v b="$out_bytes" -v t="$texts" 'BEGIN {
        printf "decode (1 core, %d bytes of text out): jikji %.2f s wall %.2f s cpu = %.2f MB/s (%.2f per cpu-s); HF decode_batch %.2f s wall = %.2f MB/s; texts %s\n",
            b, jw, jc, b / jw / 1e6, b / jc / 1e6, hw, b / hw / 1e6, t }'
}

case "$WHICH" in
    korean|english) run_kind "$WHICH" ;;
    all) run_kind korean; run_kind english ;;
    *) echo "usage: $0 [korean|english|all]" >&2; exit 2 ;;
esac
