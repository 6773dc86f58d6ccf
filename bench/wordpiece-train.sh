#!/usr/bin/env bash
# WordPiece training benchmark: HF tokenizers (BertWordPieceTokenizer.train_from_iterator) vs
# `jikji vocab train`, both as whole processes on the same documents and settings
# (vocab 30000, min frequency 2, limit alphabet 6000, lowercase and strip_accents off), in the
# same run. Prints wall time, CPU time (user + sys) and peak RSS (/usr/bin/time -v) of each and the ratios, then checks
# parity: Jikji given HF's '##x' order (--continuation-order-from) must reproduce HF's vocab.txt.
# Usage: bash bench/wordpiece-train.sh [INPUT.tsv ...]   (JIKJI_BENCH_VENV picks the Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${JIKJI_BENCH_VENV:-bench/.venv}
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
python="$venv/bin/python"
"$python" -c "import tokenizers" 2>/dev/null || "$python" -m pip install --quiet "tokenizers==0.23.3"
swift build -c release --product jikji >/dev/null
out=bench/out/wordpiece-train
mkdir -p "$out"
if [ $# -eq 0 ]; then set -- corpora/nsmc/ratings_train.txt corpora/nsmc/reviews_train.tsv; fi

# Runs a command under /usr/bin/time -v; prints "wall_seconds cpu_seconds peak_rss_kib".
measure() {
    local log="$1"; shift
    /usr/bin/time -v "$@" >"$log.out" 2>"$log.time"
    "$python" - "$log.time" <<'PY'
import sys
wall = rss = None
cpu = 0.0
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("User time (seconds)") or line.startswith("System time (seconds)"):
        cpu += float(line.rsplit(" ", 1)[1])
    elif line.startswith("Elapsed (wall clock) time"):
        parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
        wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    elif line.startswith("Maximum resident set size"):
        rss = int(line.rsplit(" ", 1)[1])
print(f"{wall:.3f} {cpu:.3f} {rss}")
PY
}

status=0
for input in "$@"; do
    name=$(basename "$input" | sed 's/\.[^.]*$//')
    rm -f "$out/$name.sqlite" "$out/$name.sqlite-wal" "$out/$name.sqlite-shm"
    read -r hw hc hr <<<"$(measure "$out/$name.hf" "$python" bench/wordpiece-train-hf.py "$input" document "$out/$name.hf.vocab.txt")"
    read -r jw jc jr <<<"$(measure "$out/$name.jikji" .build/release/jikji vocab train --input "$input" --column document \
        --name "$name" --vocab-size 30000 --min-frequency 2 --limit-alphabet 6000 \
        --db "$out/$name.sqlite" --output "$out/$name.jikji.vocab.txt")"
    # Parity (not timed): HF's ##x order in, HF's vocab.txt out.
    .build/release/jikji vocab train --input "$input" --column document --name "$name-hf-order" \
        --vocab-size 30000 --min-frequency 2 --limit-alphabet 6000 \
        --continuation-order-from "$out/$name.hf.vocab.txt" \
        --db "$out/$name.sqlite" --output "$out/$name.jikji-hf-order.vocab.txt" >/dev/null
    if cmp -s "$out/$name.hf.vocab.txt" "$out/$name.jikji-hf-order.vocab.txt"; then parity="identical"; else parity="DIFFERENT"; status=1; fi
    "$python" - "$input" "$hw" "$hc" "$hr" "$jw" "$jc" "$jr" "$parity" "$out/$name.hf.vocab.txt" "$out/$name.jikji.vocab.txt" <<'PY'
import sys
source, hw, hc, hr, jw, jc, jr, parity, hf_path, jikji_path = sys.argv[1:11]
hw, hc, jw, jc = float(hw), float(hc), float(jw), float(jc)
hr, jr = int(hr) / 1024, int(jr) / 1024
hf = open(hf_path, encoding="utf-8").read().split("\n")
mine = open(jikji_path, encoding="utf-8").read().split("\n")
print(f"input: {source}")
print(f"  hf   : wall {hw:6.2f} s   cpu {hc:6.2f} s   peak RSS {hr:7.1f} MiB")
print(f"  jikji: wall {jw:6.2f} s   cpu {jc:6.2f} s   peak RSS {jr:7.1f} MiB")
print(f"  ratio jikji/hf: wall {jw / hw:.2f}x   cpu {jc / hc:.2f}x   memory {jr / hr:.2f}x")
print(f"  parity with HF's ##x order: {parity}; default order shares {len(set(hf) & set(mine)) - 1} of {len(hf) - 1} tokens")
PY
done
exit $status
