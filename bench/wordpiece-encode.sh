#!/usr/bin/env bash
# WordPiece encoding and decoding, HF tokenizers vs Jikji, as whole processes, on the same files.
#
# Encodes every document of corpora/nsmc/reviews_train.tsv (567k) with HF's wp150k vocabulary
# (lowercase=False, strip_accents=False, [CLS]/[SEP] added): HF with encode_batch on all threads,
# Jikji with `jikji encode`. Checks that the ids are identical, then decodes those ids both ways
# (skip_special_tokens=True) and checks the texts are identical. Prints wall time, peak memory,
# MB/s, tokens/s and the ratios.
#
# usage: bench/wordpiece-encode.sh [TSV] [VOCAB_TXT]
#   JIKJI_BENCH_VENV   virtual environment with tokenizers (default bench/.venv; created if missing)
#   JIKJI_REFERENCE_DIR reference folder (default ../shared/reference)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TSV=${1:-corpora/nsmc/reviews_train.tsv}
VOCAB=${2:-${JIKJI_REFERENCE_DIR:-../shared/reference}/hf/wp150k/vocab.txt}
VENV=${JIKJI_BENCH_VENV:-bench/.venv}
OUT=bench/out/wordpiece-encode
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "tokenizers==0.23.3"
fi
"$VENV/bin/python" -c "import tokenizers" 2>/dev/null || "$VENV/bin/pip" install --quiet "tokenizers==0.23.3"
PY="$VENV/bin/python"

swift build -c release --product jikji >/dev/null
JIKJI="$ROOT/.build/release/jikji"

# HF reads the same column: documents are the `document` field of each line after the header.
cat > "$OUT/hf_encode.py" <<'PY'
import sys
from tokenizers import BertWordPieceTokenizer
tsv, vocab, out = sys.argv[1:4]
with open(tsv, encoding="utf-8", newline="\n") as f:
    header = f.readline().rstrip("\r\n").split("\t")
    col = header.index("document")
    docs = [line.rstrip("\r\n").split("\t")[col] for line in f]
tok = BertWordPieceTokenizer(vocab, lowercase=False, strip_accents=False)
encodings = tok.encode_batch(docs)
with open(out, "w", encoding="utf-8") as f:
    for e in encodings:
        f.write(" ".join(map(str, e.ids)))
        f.write("\n")
PY
cat > "$OUT/hf_decode.py" <<'PY'
import sys
from tokenizers import BertWordPieceTokenizer
ids_file, vocab, out = sys.argv[1:4]
with open(ids_file, encoding="utf-8") as f:
    ids = [[int(x) for x in line.split()] for line in f]
tok = BertWordPieceTokenizer(vocab, lowercase=False, strip_accents=False)
texts = tok.decode_batch(ids, skip_special_tokens=True)
with open(out, "w", encoding="utf-8") as f:
    for t in texts:
        f.write(t)
        f.write("\n")
PY

# Runs a command under /usr/bin/time; prints "wall_seconds max_rss_kib cpu_seconds" (cpu = user + sys,
# which stays meaningful when other work shares the machine).
measure() {
    local log="$OUT/time.log"
    /usr/bin/time -f "%e %M %U %S" -o "$log" "$@"
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$log"
}

BYTES=$(tail -n +2 "$TSV" | cut -f "$(head -1 "$TSV" | tr '\t' '\n' | grep -nx document | cut -d: -f1)" | wc -c)
DOCS=$(($(wc -l < "$TSV") - 1))
BYTES=$((BYTES - DOCS))   # without the newlines

echo "corpus: $TSV ($DOCS documents, $BYTES bytes of text); vocabulary: $VOCAB; $(nproc) cores"
read -r HF_ENC_S HF_ENC_KB HF_ENC_CPU < <(measure "$PY" "$OUT/hf_encode.py" "$TSV" "$VOCAB" "$OUT/hf.ids")
read -r JK_ENC_S JK_ENC_KB JK_ENC_CPU < <(measure sh -c "\"$JIKJI\" encode --vocab \"$VOCAB\" --input \"$TSV\" --column document > \"$OUT/jikji.ids\"")
TOKENS=$(wc -w < "$OUT/hf.ids")
if cmp -s "$OUT/hf.ids" "$OUT/jikji.ids"; then IDS="identical"; else IDS="DIFFERENT"; fi

read -r HF_DEC_S HF_DEC_KB HF_DEC_CPU < <(measure "$PY" "$OUT/hf_decode.py" "$OUT/hf.ids" "$VOCAB" "$OUT/hf.txt")
read -r JK_DEC_S JK_DEC_KB JK_DEC_CPU < <(measure sh -c "\"$JIKJI\" decode --vocab \"$VOCAB\" --skip-special-tokens --input \"$OUT/hf.ids\" > \"$OUT/jikji.txt\"")
if cmp -s "$OUT/hf.txt" "$OUT/jikji.txt"; then TEXTS="identical"; else TEXTS="DIFFERENT"; fi

"$PY" - "$BYTES" "$TOKENS" "$HF_ENC_S" "$HF_ENC_KB" "$HF_ENC_CPU" "$JK_ENC_S" "$JK_ENC_KB" "$JK_ENC_CPU" \
    "$HF_DEC_S" "$HF_DEC_KB" "$HF_DEC_CPU" "$JK_DEC_S" "$JK_DEC_KB" "$JK_DEC_CPU" "$IDS" "$TEXTS" <<'PY'
import sys
b, t = int(sys.argv[1]), int(sys.argv[2])
he, hem, hec, je, jem, jec, hd, hdm, hdc, jd, jdm, jdc = map(float, sys.argv[3:15])
ids, texts = sys.argv[15], sys.argv[16]
row = "| {:<6} | {:<5} | {:>7.2f} s | {:>7.2f} s | {:>6.0f} MiB | {:>7.2f} MB/s | {:>10,.0f} tokens/s |"
print("| task   | tool  |  wall     |  cpu      |  peak mem  |  text (wall) |  tokens (wall)      |")
print("|--------|-------|-----------|-----------|------------|--------------|---------------------|")
print(row.format("encode", "HF", he, hec, hem / 1024, b / he / 1e6, t / he))
print(row.format("encode", "Jikji", je, jec, jem / 1024, b / je / 1e6, t / je))
print(row.format("decode", "HF", hd, hdc, hdm / 1024, b / hd / 1e6, t / hd))
print(row.format("decode", "Jikji", jd, jdc, jdm / 1024, b / jd / 1e6, t / jd))
print(f"encode: Jikji {he / je:.1f}x HF's throughput (wall), {hec / jec:.1f}x less CPU; ids {ids} ({t:,} tokens)")
print(f"decode: Jikji {hd / jd:.1f}x HF's throughput (wall), {hdc / jdc:.1f}x less CPU; texts {texts}")
PY
[ "$IDS" = identical ] && [ "$TEXTS" = identical ]
# HF loads the tokenizer.json Jikji exports and encodes every ratings_test document identically.
JIKJI_BENCH_VENV="$VENV" bash scripts/check-tokenizer-json.sh
