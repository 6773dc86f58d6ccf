#!/usr/bin/env bash
# Vocabulary training at scale (issue 16): count + merge + train on the review corpus repeated
# 20 times (the `document` column of reviews_train.tsv, one review a line: about 0.9 GB, made in
# .build/bench-scale, never committed), with 1 and with 2 counting processes, against HF
# tokenizers training on the same file (BertWordPieceTokenizer.train(files=…), its streaming file
# path). Every process runs under /usr/bin/time -v: wall time and peak RSS side by side, and the
# vocabularies compared (Jikji's 1- and 2-process runs must be byte-identical to each other and to
# `jikji vocab train` on the file). Also counts one copy of the corpus, to show that the counting
# process's peak memory does not grow with the corpus (it is bounded by distinct words).
#
# Usage: bash bench/vocab-scale.sh   (JIKJI_BENCH_VENV: a venv with tokenizers; default /work/venv, else bench/.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${JIKJI_BENCH_VENV:-/work/venv}
[ -x "$venv/bin/python" ] || venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
python="$venv/bin/python"
"$python" -c "import tokenizers" 2>/dev/null || "$python" -m pip install --quiet "tokenizers==0.23.3"
swift build -c release --product jikji >/dev/null
jikji=$PWD/.build/release/jikji
bash corpora/fetch.sh >/dev/null
work=.build/bench-scale
mkdir -p "$work"
one=$work/reviews1.txt big=$work/reviews20.txt
if [ ! -s "$big" ]; then
    tail -n +2 corpora/nsmc/reviews_train.tsv | cut -f4 > "$one"
    for _ in $(seq 20); do cat "$one"; done > "$big.partial"
    mv "$big.partial" "$big"
fi
settings=(--vocab-size 30000 --min-frequency 2 --limit-alphabet 6000)
rm -f "$work"/*.counts "$work"/*.txt.vocab "$work"/db.sqlite

# Runs a command under /usr/bin/time -v: prints "wall_seconds peak_MiB".
measure() {
    local log=$1; shift
    /usr/bin/time -v "$@" > "$log.out" 2> "$log.time"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
                /Maximum resident set size/ { rss = $2 / 1024 }
                END { printf "%.2f %.1f\n", wall, rss }' "$log.time"
}

echo "uptime before: $(uptime)"
echo "corpus: $big, $(stat -c %s "$big") bytes, $(wc -l < "$big") lines"

# HF tokenizers, its own file training (all cores).
hf=$(measure "$work/hf" "$python" - "$big" "$work/hf.txt.vocab" <<'PY'
import sys
from tokenizers import BertWordPieceTokenizer
source, target = sys.argv[1:3]
tokenizer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
tokenizer.train(files=[source], vocab_size=30000, min_frequency=2, limit_alphabet=6000,
                special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], wordpieces_prefix="##", show_progress=False)
vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
open(target, "w", encoding="utf-8").write("".join(token + "\n" for token, _ in vocab))
PY
)
echo "HF train(files): wall ${hf% *} s, peak ${hf#* } MiB"

# Jikji, one counting process (all cores), then the training from its counts.
c1=$(measure "$work/count1" "$jikji" vocab count --input "$big" --output "$work/one.counts")
t1=$(measure "$work/train1" "$jikji" vocab train --db "$work/db.sqlite" --from-counts "$work/one.counts" --name one \
    --output "$work/one.txt.vocab" "${settings[@]}")
echo "jikji 1 process: count wall ${c1% *} s peak ${c1#* } MiB; train wall ${t1% *} s peak ${t1#* } MiB"

# Jikji, two counting processes at once (one core each), the merge, the training.
start=$(date +%s.%N)
measure "$work/count2a" "$jikji" vocab count --input "$big" --threads 1 --shard 0/2 --output "$work/a.counts" > "$work/c2a.m" &
measure "$work/count2b" "$jikji" vocab count --input "$big" --threads 1 --shard 1/2 --output "$work/b.counts" > "$work/c2b.m" &
wait
counted=$(date +%s.%N)
c2a=$(cat "$work/c2a.m") c2b=$(cat "$work/c2b.m")
m2=$(measure "$work/merge2" "$jikji" vocab merge-counts "$work/b.counts" "$work/a.counts" --output "$work/two.counts")
t2=$(measure "$work/train2" "$jikji" vocab train --db "$work/db.sqlite" --from-counts "$work/two.counts" --name two \
    --output "$work/two.txt.vocab" "${settings[@]}")
countwall=$(echo "$counted - $start" | bc)
echo "jikji 2 processes: count wall $countwall s (peaks ${c2a#* } / ${c2b#* } MiB); merge wall ${m2% *} s peak ${m2#* } MiB; train wall ${t2% *} s peak ${t2#* } MiB"

# One copy of the corpus: the counting process's peak against the 20 copies'.
c0=$(measure "$work/count0" "$jikji" vocab count --input "$one" --output "$work/single-copy.counts")
echo "jikji count of one copy: wall ${c0% *} s, peak ${c0#* } MiB (20 copies: ${c1#* } MiB)"
echo "uptime after: $(uptime)"

cmp "$work/one.txt.vocab" "$work/two.txt.vocab" && echo "vocab: 1-process and 2-process runs byte-identical"
"$python" - "$work/hf.txt.vocab" "$work/one.txt.vocab" <<'PY'
import sys
hf, jk = (open(p, encoding="utf-8").read().split("\n") for p in sys.argv[1:3])
print("vocab vs HF: %d vs %d tokens, %d in common (HF numbers ##x in hash order: ids differ by design)" % (len(hf), len(jk), len(set(hf) & set(jk))))
PY
python3 - "$hf" "$c1" "$t1" "$c2a" "$c2b" "$m2" "$t2" "$countwall" <<'PY'
import sys
hf, c1, t1, c2a, c2b, m2, t2 = ([float(x) for x in a.split()] for a in sys.argv[1:8])
countwall = float(sys.argv[8])
one = c1[0] + t1[0]
two = countwall + m2[0] + t2[0]
peak1 = max(c1[1], t1[1]); peak2 = max(c2a[1], c2b[1], m2[1], t2[1])
print("total wall: HF %.2f s; jikji 1 process %.2f s (%.2fx HF), 2 processes %.2f s (%.2fx HF)" % (hf[0], one, one / hf[0], two, two / hf[0]))
print("largest peak of any jikji process: 1 process %.1f MiB (%.2fx HF's %.1f), 2 processes %.1f MiB (%.2fx)" % (peak1, peak1 / hf[1], hf[1], peak2, peak2 / hf[1]))
PY
