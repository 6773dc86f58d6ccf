#!/usr/bin/env bash
# Runs the Spark recipes of scale/spark in local mode (local[2]) on the NSMC corpora cut into
# several partitions, and checks that the vocabulary and the dataset are byte-identical to the
# single-machine commands' (vocab.txt with cmp; the dataset's ids, labels and splits with
# scale/spark/compare_datasets.py). Needs Java (17 or later) and installs pyspark from PyPI into
# .build/venv-spark (pip's cache in .build/pip-cache); says so on stderr and stops when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v java >/dev/null 2>&1; then
    echo "test-spark: no java on PATH: the Spark recipes are not tested here" >&2
    exit 0
fi
venv=.build/venv-spark
if [ ! -x "$venv/bin/spark-submit" ]; then
    if ! python3 -m venv "$venv" >&2 || ! PIP_CACHE_DIR=.build/pip-cache "$venv/bin/pip" install -q pyspark >&2; then
        echo "test-spark: cannot install pyspark into $venv: the Spark recipes are not tested here" >&2
        exit 0
    fi
fi
bash corpora/fetch.sh >/dev/null
jikji=$root/.build/release/jikji
[ -x "$jikji" ] || swift build -c release
work=$(mktemp -d "${TMPDIR:-/tmp}/jikji-spark-XXXXXX")
trap 'rm -rf "$work"' EXIT
db=$work/jikji.sqlite
submit() {
    # pip's spark-submit finds Spark through the venv's python.
    PATH="$root/$venv/bin:$PATH" PYSPARK_PYTHON="$root/$venv/bin/python" PYSPARK_DRIVER_PYTHON="$root/$venv/bin/python" \
    "$root/$venv/bin/spark-submit" --master 'local[2]' --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false \
        --files "$jikji${1:+,$1}" scale/spark/jikji_spark.py --jikji jikji --driver-jikji "$jikji" "${@:2}" 2> "$work/spark.log" \
        || { tail -40 "$work/spark.log" >&2; exit 1; }
}
train=(--vocab-size 8000 --min-frequency 2)

# 1. The vocabulary: one machine, then Spark piping 5 partitions of the TSV through vocab count.
corpus=$root/corpora/nsmc/ratings_train.txt
"$jikji" vocab train --db "$db" --input "$corpus" --text-column document --name single --output "$work/single.txt" "${train[@]}" >/dev/null
submit "" --partitions 5 --work "$work/pipe" count --pipe --input "$corpus" --text-column document \
    --train-name piped --vocab-txt "$work/piped.txt" --train-option=--db="$db" \
    --train-option=--vocab-size=8000 --train-option=--min-frequency=2 > "$work/pipe.out"
cmp "$work/single.txt" "$work/piped.txt"
echo "test-spark: vocab from 5 piped partitions is byte-identical to vocab train ($(wc -l < "$work/single.txt") tokens)"

# 2. The same with jikji's own byte-range shards over two files (reviews and ratings).
second=$root/corpora/nsmc/reviews_test.tsv
"$jikji" vocab train --db "$db" --input "$corpus" "$second" --text-column document --name single2 --output "$work/single2.txt" "${train[@]}" >/dev/null
submit "" --partitions 3 --work "$work/shard" count --input "$corpus" "$second" --text-column document \
    --train-name sharded --vocab-txt "$work/sharded.txt" --train-option=--db="$db" \
    --train-option=--vocab-size=8000 --train-option=--min-frequency=2 > "$work/shard.out"
cmp "$work/single2.txt" "$work/sharded.txt"
echo "test-spark: vocab from 3 byte-range shards of 2 files is byte-identical to vocab train"

# 3. The dataset: one build, then 4 parts built on executors and merged on the driver.
build=(--text-column document --label-column label --split 0.8,0.2 --seed 5)
"$jikji" dataset build --db "$db" --vocab single --name whole --input "$corpus" "${build[@]}" >/dev/null
submit "$db" --partitions 4 --work "$work/dataset" dataset --db "$db" --vocab single --name merged --input "$corpus" \
    --build-option=--text-column=document --build-option=--label-column=label --build-option=--split=0.8,0.2 \
    --build-option=--seed=5 > "$work/dataset.out"
datasets=$(dirname "$db")/datasets
"$venv/bin/python" scale/spark/compare_datasets.py "$datasets/whole.jkds" "$datasets/merged.jkds"
echo "test-spark: dataset from 4 Spark parts is byte-identical to dataset build (ids, labels, splits)"
