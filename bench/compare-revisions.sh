#!/usr/bin/env bash
# Before/after speed comparison of two revisions of this repository, side by side in one run.
#
# Builds OLD_REV and NEW_REV in release mode, each in its own scratch worktree with its own
# build folder (bench/out/rev-<commit>; `git worktree add --detach`, git-ignored), then runs the
# same Jikji commands with each binary on the real corpora, alternating OLD and NEW for several
# rounds (the order flips every round, so a load change hits both sides alike), and prints a
# table: benchmark, OLD mean ± sd, NEW mean ± sd, NEW/OLD. The table, the two revisions, the date
# and the load average before and after are also written to bench/out/compare-<UTC time>.md.
# Outputs that should not change (cleaned TSV, vocab.txt, ids, batch checksums) are compared
# between the two sides and reported.
#
# Usage: bash bench/compare-revisions.sh OLD_REV NEW_REV      (e.g. main my-branch)
#
# Environment:
#   JIKJI_COMPARE_ROUNDS     alternating OLD/NEW rounds (default 5)
#   JIKJI_COMPARE_RUNS       runs per side and round of each timed command (hyperfine --runs; default 1)
#   JIKJI_COMPARE_BENCH      benchmarks to run, space-separated (default all):
#                            clean vocab-train encode dataset recurrent job
#   JIKJI_COMPARE_THREADS    threads for vocab train (--threads), the recurrent layers and the job
#                            (OPENBLAS_NUM_THREADS) (default 2); encode and dataset build use all cores
#   JIKJI_COMPARE_JOB_STEPS  training steps of the jobs/nsmc-sentiment.yaml run (default 1000)
#   JIKJI_COMPARE_RECURRENT  jikji-bench-recurrent configurations, separated by commas, each a
#                            --filter text "cell H directions pass lengths" (default: four of
#                            bench/recurrent.sh's grid, see below)
#   JIKJI_COMPARE_SECONDS    measuring time per recurrent configuration (default 0.3)
#   JIKJI_COMPARE_DRY_RUN    set to 1: build, print each side's commands (flags as each binary
#                            spells them) and stop, without running or timing anything
#   JIKJI_COMPARE_OUT        scratch folder (default bench/out)
#   JIKJI_REFERENCE_DIR      reference folder with hf/wp150k/vocab.txt (default ../shared/reference)
#   JIKJI_OPENBLAS_CORETYPE  OpenBLAS kernel of both sides; default SkylakeX on AVX-512 CPUs (older
#                            revisions do not choose it themselves); "none": each side's own choice
#
# The scratch worktrees stay for the next comparison (their builds are incremental); remove one
# with `git worktree remove --force bench/out/rev-<commit>`.
#
# Flags the two revisions spell differently (for example --column / --text-column) are looked up
# in each binary's --help, so both sides run the same work under their own spelling.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -eq 2 ] || usage
case "$1" in -h|--help) usage ;; esac

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
cd "$repo"

rounds=${JIKJI_COMPARE_ROUNDS:-5}
runs=${JIKJI_COMPARE_RUNS:-1}
benchmarks=${JIKJI_COMPARE_BENCH:-clean vocab-train encode dataset recurrent job}
threads=${JIKJI_COMPARE_THREADS:-2}
job_steps=${JIKJI_COMPARE_JOB_STEPS:-1000}
recurrent_configs=${JIKJI_COMPARE_RECURRENT:-lstm 128 2 forward+backward full,lstm 256 1 forward full,gru 256 1 forward+backward packed,rnn 512 1 forward full}
recurrent_seconds=${JIKJI_COMPARE_SECONDS:-0.3}
dry_run=${JIKJI_COMPARE_DRY_RUN:-}
out=${JIKJI_COMPARE_OUT:-bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
reference=${JIKJI_REFERENCE_DIR:-../shared/reference}
reference=$(cd "$reference" 2>/dev/null && pwd) || { echo "compare-revisions: no reference folder ${JIKJI_REFERENCE_DIR:-../shared/reference}" >&2; exit 1; }
hf_vocab="$reference/hf/wp150k/vocab.txt"

for b in $benchmarks; do
    case "$b" in clean|vocab-train|encode|dataset|recurrent|job) ;;
        *) echo "compare-revisions: unknown benchmark '$b' (clean vocab-train encode dataset recurrent job)" >&2; exit 2 ;;
    esac
done
wants() { [[ " $benchmarks " == *" $1 "* ]]; }

old_sha=$(git rev-parse --verify "$1^{commit}") || { echo "compare-revisions: no revision $1" >&2; exit 2; }
new_sha=$(git rev-parse --verify "$2^{commit}") || { echo "compare-revisions: no revision $2" >&2; exit 2; }
old_name=$1
new_name=$2

command -v hyperfine >/dev/null || {
    echo "compare-revisions: installing hyperfine" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get install -y -qq hyperfine >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq hyperfine >/dev/null; }
}
[ -e corpora/nsmc ] || bash corpora/fetch.sh
corpora_nsmc=$(cd corpora/nsmc && pwd -P)
if wants encode || wants dataset; then
    [ -f "$hf_vocab" ] || { echo "compare-revisions: $hf_vocab is missing" >&2; exit 1; }
fi
# Pinned on purpose: both revisions must run the same OpenBLAS kernel, and revisions before
# Jikji chose the kernel itself (issue 14) would otherwise run OpenBLAS 0.3.21's SSE3 fallback on
# CPUs it does not recognise. Set JIKJI_OPENBLAS_CORETYPE=none to compare each side's own choice.
if [ "${JIKJI_OPENBLAS_CORETYPE:-}" = none ]; then
    unset OPENBLAS_CORETYPE
elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE="${JIKJI_OPENBLAS_CORETYPE:-SkylakeX}"
fi

# --- Build each revision in its own worktree (one build when both are the same commit) --------
products=(jikji)
if wants recurrent; then products+=(jikji-bench-recurrent); fi

# Prints the worktree of a commit, creating or moving it as needed.
worktree_of() {
    local sha=$1 dir="$out/rev-${1:0:12}"
    if [ ! -e "$dir/.git" ]; then
        git worktree add --detach "$dir" "$sha" >&2
    elif [ "$(git -C "$dir" rev-parse HEAD)" != "$sha" ]; then
        git -C "$dir" checkout --quiet --detach "$sha"
    fi
    # Package.resolved is not committed; this checkout's copy lets SwiftPM resolve offline from its cache.
    [ -e "$dir/Package.resolved" ] || [ ! -e Package.resolved ] || cp Package.resolved "$dir/"
    echo "$dir"
}

build() { # worktree, label; prints the release bin folder
    local dir=$1 label=$2
    local log="$out/build-${label}.log"
    echo "# building $label ($(git -C "$dir" rev-parse --short HEAD)) in $dir (log: $log)" >&2
    local product
    for product in "${products[@]}"; do
        if ! (cd "$dir" && swift build -c release --product "$product") >>"$log" 2>&1; then
            if [ "$product" = jikji-bench-recurrent ]; then
                echo "# $label has no buildable jikji-bench-recurrent; the recurrent benchmark is skipped for it" >&2
                continue
            fi
            tail -30 "$log" >&2; echo "compare-revisions: release build of $label failed" >&2; exit 1
        fi
    done
    (cd "$dir" && swift build -c release --show-bin-path) | tail -1
}

old_tree=$(worktree_of "$old_sha")
old_bin=$(build "$old_tree" old)
if [ "$new_sha" = "$old_sha" ]; then
    echo "# OLD and NEW are the same commit: one build serves both sides" >&2
    new_tree=$old_tree; new_bin=$old_bin
else
    new_tree=$(worktree_of "$new_sha")
    new_bin=$(build "$new_tree" new)
fi

# --- Per-side scratch folders and commands ----------------------------------------------------
work="$out/compare"
rm -rf "$work"
mkdir -p "$work/raw"
raw="$work/raw"
results="$raw/results.tsv"
: >"$results"

q() { printf '%q ' "$@"; }

# The --help text of BIN SUBCOMMAND..., cached.
help_text() {
    local bin=$1; shift
    local file
    file="$raw/help-$(printf '%s ' "$bin" "$@" | md5sum | cut -c1-12).txt"
    [ -f "$file" ] || "$bin" "$@" --help >"$file" 2>&1 || true
    cat "$file"
}
# Whether BIN "SUBCOMMAND..." lists FLAG in its --help.
has_flag() {
    local bin=$1 sub=$2 flag=$3
    # shellcheck disable=SC2086 # the subcommand words split on purpose
    help_text "$bin" $sub | grep -qE -- "(^|[][[:space:],])${flag}([][[:space:]=,<]|$)"
}
# The first of the candidate flags that BIN "SUBCOMMAND..." accepts.
pick_flag() {
    local bin=$1 sub=$2 flag; shift 2
    for flag in "$@"; do
        if has_flag "$bin" "$sub" "$flag"; then echo "$flag"; return 0; fi
    done
    echo "compare-revisions: '$bin $sub' accepts none of: $*" >&2
    return 1
}

declare -A CMD PREP
order=()      # timed benchmarks, in table order
add_timed() { # name; the commands are set per side by setup_side
    local name=$1
    [[ " ${order[*]-} " == *" $name "* ]] || order+=("$name")
}

setup_side() { # side (old/new), bin folder, worktree
    local side=$1 bindir=$2 tree=$3
    local bin="$bindir/jikji" dir="$work/side-$side"
    mkdir -p "$dir/corpora" "$dir/out" "$dir/scratch"
    ln -s "$corpora_nsmc" "$dir/corpora/nsmc"
    local col
    if wants clean; then
        local pipeline="$tree/bench/clean_pipeline.yaml"
        [ -f "$pipeline" ] || pipeline="$repo/bench/clean_pipeline.yaml"
        col=$(pick_flag "$bin" clean --column --text-column)
        CMD["$side.clean"]="$(q "$bin" clean --pipeline "$pipeline" "$col" document \
            --input corpora/nsmc/reviews_train.tsv --output out/clean.tsv)"
        add_timed clean
    fi
    if wants vocab-train; then
        col=$(pick_flag "$bin" "vocab train" --column --text-column)
        local db; db=$(pick_flag "$bin" "vocab train" --db --database)
        local extra=()
        has_flag "$bin" "vocab train" --threads && extra=(--threads "$threads")
        local corpus name
        for corpus in ratings_train.txt reviews_train.tsv; do
            name="vocab-train ${corpus%%.*}"
            CMD["$side.$name"]="$(q "$bin" vocab train --input "corpora/nsmc/$corpus" "$col" document --name bench \
                --vocab-size 30000 --min-frequency 2 --limit-alphabet 6000 "${extra[@]}" \
                "$db" scratch/vocab-train.sqlite --output "out/${corpus%%.*}.vocab.txt")"
            PREP["$side.$name"]="rm -f scratch/vocab-train.sqlite scratch/vocab-train.sqlite-wal scratch/vocab-train.sqlite-shm"
            add_timed "$name"
        done
    fi
    if wants encode || wants dataset; then
        # A stored copy of HF's wp150k vocabulary, and (encode) one with a cleaning pipeline.
        local db; db=$(pick_flag "$bin" "vocab import" --db --database)
        if [ -z "$dry_run" ]; then
            (cd "$dir" && "$bin" vocab import "$hf_vocab" --name wp150k "$db" setup.sqlite) >"$raw/setup-$side.log" 2>&1 \
                || { cat "$raw/setup-$side.log" >&2; exit 1; }
        fi
    fi
    if wants encode; then
        col=$(pick_flag "$bin" encode --column --text-column)
        local db; db=$(pick_flag "$bin" encode --db --database)
        CMD["$side.encode vocab.txt"]="$(q "$bin" encode --vocab "$hf_vocab" --input corpora/nsmc/reviews_train.tsv "$col" document) >out/encode-file.ids"
        CMD["$side.encode stored"]="$(q "$bin" encode --vocab wp150k "$db" setup.sqlite --input corpora/nsmc/reviews_train.tsv "$col" document) >out/encode-stored.ids"
        add_timed "encode vocab.txt"; add_timed "encode stored"
        if has_flag "$bin" "vocab train" --pipeline; then
            local pipeline="$tree/bench/clean_pipeline.yaml"
            [ -f "$pipeline" ] || pipeline="$repo/bench/clean_pipeline.yaml"
            local tcol tdb
            tcol=$(pick_flag "$bin" "vocab train" --column --text-column)
            tdb=$(pick_flag "$bin" "vocab train" --db --database)
            if [ -z "$dry_run" ]; then
                (cd "$dir" && "$bin" vocab train --input corpora/nsmc/ratings_train.txt "$tcol" document --name wp-cleaned \
                    --vocab-size 30000 --min-frequency 2 --limit-alphabet 6000 --pipeline "$pipeline" "$tdb" setup.sqlite) \
                    >>"$raw/setup-$side.log" 2>&1 || { cat "$raw/setup-$side.log" >&2; exit 1; }
            fi
            CMD["$side.encode stored+pipeline"]="$(q "$bin" encode --vocab wp-cleaned "$db" setup.sqlite --input corpora/nsmc/reviews_train.tsv "$col" document) >out/encode-pipeline.ids"
            add_timed "encode stored+pipeline"
        fi
    fi
    if wants dataset; then
        local tcol lcol pool db
        tcol=$(pick_flag "$bin" "dataset build" --text-column --column)
        lcol=$(pick_flag "$bin" "dataset build" --label-column --label)
        db=$(pick_flag "$bin" "dataset build" --db --database)
        CMD["$side.dataset build"]="$(q "$bin" dataset build --input corpora/nsmc/ratings_train.txt "$tcol" document \
            "$lcol" label --split 0.8,0.2 --seed 42 --vocab wp150k --name nsmc "$db" setup.sqlite --replace)"
        add_timed "dataset build"
        pool=$(pick_flag "$bin" "dataset batches" --bucket-pool --pool)
        db=$(pick_flag "$bin" "dataset batches" --db --database)
        CMD["$side.batches"]="$(q "$bin" dataset batches nsmc --batch-size 64 --max-length 64 "$pool" 100 "$db" setup.sqlite)"
    fi
    if wants job; then
        local jobfile="$tree/jobs/nsmc-sentiment.yaml"
        local quiet=()
        has_flag "$bin" "job run" --quiet && quiet=(--quiet)
        local base
        base="OPENBLAS_NUM_THREADS=$threads $(q "$bin" job run "$jobfile" "${quiet[@]}" --runs runs --set train.epochs=1 --set data.valid_ratio=0)"
        # Untimed first run: trains the vocabulary and builds the dataset the timed runs reuse.
        if [ -z "$dry_run" ]; then
            (cd "$dir" && eval "$base --set train.max_steps=1") >"$raw/setup-job-$side.log" 2>&1 \
                || { tail -30 "$raw/setup-job-$side.log" >&2; exit 1; }
        fi
        CMD["$side.job"]="$base --set train.max_steps=$job_steps"
        PREP["$side.job"]="rm -rf runs"
        add_timed "job nsmc-sentiment"
    fi
}

echo "# setting up the scratch folders in $work" >&2
setup_side old "$old_bin" "$old_tree"
setup_side new "$new_bin" "$new_tree"
if [ -n "$dry_run" ]; then
    for side in old new; do
        echo "# $side side (in $work/side-$side):"
        for key in "${!CMD[@]}"; do [[ "$key" == "$side."* ]] && echo "  ${key#"$side".}: ${CMD[$key]}"; done | sort
    done
    echo "# dry run: nothing was run or timed"
    exit 0
fi

# --- Measuring ---------------------------------------------------------------------------------
record() { # metric, unit, better (lower/higher), side, round, value
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"
}

# Times one command of one side with hyperfine; records wall and CPU seconds.
timed() { # name, side, round, command key
    local name=$1 side=$2 round=$3 key=$4
    local dir="$work/side-$side" tag="$raw/${name// /_}.$side.$round"
    local cmd="${CMD["$side.$key"]-}"
    if [ -z "$cmd" ]; then echo "# $name: not available on $side, skipped" >&2; return 0; fi
    [[ "$cmd" == *">out/"* ]] || cmd="$cmd >$tag.out"
    cmd="$cmd 2>$tag.err"
    local prep=()
    if [ -n "${PREP["$side.$key"]-}" ]; then prep=(--prepare "${PREP["$side.$key"]}"); fi
    if ! (cd "$dir" && hyperfine --style none --runs "$runs" "${prep[@]}" --export-json "$tag.json" "$cmd") >"$tag.hyperfine" 2>&1; then
        echo "compare-revisions: $name failed on $side:" >&2
        tail -5 "$tag.hyperfine" >&2; [ -f "$tag.err" ] && tail -20 "$tag.err" >&2
        exit 1
    fi
    python3 - "$tag.json" <<'PY' | while read -r wall cpu; do
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
for t in r["times"]:
    print(f"{t:.4f} {r['user'] + r['system']:.4f}")
PY
        record "$name: wall" s lower "$side" "$round" "$wall"
        record "$name: CPU (user+sys)" s lower "$side" "$round" "$cpu"
    done
}

run_side() { # side, round
    local side=$1 round=$2 name key
    for name in "${order[@]}"; do
        case "$name" in
            clean) timed clean "$side" "$round" clean ;;
            "vocab-train "*|"encode "*) timed "$name" "$side" "$round" "$name" ;;
            "dataset build")
                timed "$name" "$side" "$round" "dataset build"
                local log="$raw/batches.$side.$round.out"
                (cd "$work/side-$side" && eval "${CMD["$side.batches"]}") >"$log" 2>&1 \
                    || { tail -20 "$log" >&2; exit 1; }
                local seconds
                seconds=$(sed -nE 's/^epoch 0: .*padding [0-9.]+%, ([0-9.]+) s.*/\1/p' "$log" | head -1)
                if [ -n "$seconds" ]; then record "dataset batches: one bucketed epoch" s lower "$side" "$round" "$seconds"
                else echo "# could not read the epoch time from $log" >&2; fi
                ;;
            "job nsmc-sentiment")
                timed "$name" "$side" "$round" job
                local rate
                rate=$(sed -nE 's/^ *training tokens\/s +([0-9.]+).*/\1/p' "$raw/job_nsmc-sentiment.$side.$round.out" | tail -1)
                if [ -n "$rate" ]; then record "job nsmc-sentiment: training tokens/s" "tokens/s" higher "$side" "$round" "$rate"
                else echo "# could not read training tokens/s from the $side job output" >&2; fi
                ;;
        esac
    done
    if wants recurrent; then
        local rbin="$old_bin/jikji-bench-recurrent"
        [ "$side" = new ] && rbin="$new_bin/jikji-bench-recurrent"
        if [ -x "$rbin" ]; then
            local config log
            IFS=, read -r -a configs <<<"$recurrent_configs"
            for config in "${configs[@]}"; do
                config=$(echo "$config" | xargs)
                log="$raw/recurrent_${config// /_}.$side.$round.out"
                "$rbin" --threads "$threads" --seconds "$recurrent_seconds" --filter "$config" >"$log" 2>&1 \
                    || { tail -20 "$log" >&2; exit 1; }
                awk -F'\t' '$1 == "jikji" { print $2" "$3" "$4" "$5" "$6"\t"$8 }' "$log" | while IFS=$'\t' read -r what rate; do
                    record "recurrent $what ($threads threads)" "tokens/s" higher "$side" "$round" "$rate"
                done
            done
        fi
    fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%FT%TZ)
echo "# $started: $rounds rounds, benchmarks: $benchmarks; load before: $load_before" >&2
for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then sides=(old new); else sides=(new old); fi
    echo "# round $round of $rounds (${sides[*]}), load $(cut -d' ' -f1 /proc/loadavg)" >&2
    for side in "${sides[@]}"; do run_side "$side" "$round"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
finished=$(date -u +%FT%TZ)

# Outputs that must not depend on the revision.
same_outputs=()
check_same() { # label, file in each side's folder
    local a="$work/side-old/$2" b="$work/side-new/$2"
    [ -f "$a" ] && [ -f "$b" ] || return 0
    if cmp -s "$a" "$b"; then same_outputs+=("$1: identical"); else same_outputs+=("$1: DIFFERENT"); fi
}
check_same "clean output" out/clean.tsv
check_same "vocab.txt (ratings_train)" out/ratings_train.vocab.txt
check_same "vocab.txt (reviews_train)" out/reviews_train.vocab.txt
check_same "encode ids (vocab.txt)" out/encode-file.ids
check_same "encode ids (stored)" out/encode-stored.ids
check_same "encode ids (stored+pipeline)" out/encode-pipeline.ids
if wants dataset; then
    sum_old=$(sed -nE 's/^epoch 0: .*checksum ([0-9a-f]+).*/\1/p' "$raw/batches.old.1.out" | head -1)
    sum_new=$(sed -nE 's/^epoch 0: .*checksum ([0-9a-f]+).*/\1/p' "$raw/batches.new.1.out" | head -1)
    if [ -n "$sum_old" ] && [ "$sum_old" = "$sum_new" ]; then same_outputs+=("batch checksum: identical ($sum_old)")
    else same_outputs+=("batch checksum: old ${sum_old:-?}, new ${sum_new:-?}"); fi
fi

report="$out/compare-$(date -u +%Y%m%dT%H%M%SZ).md"
{
    echo "## $old_name → $new_name, $(date -u +%F)"
    echo
    echo "- OLD: $old_name = $(git log -1 --format='%h %s' "$old_sha")"
    echo "- NEW: $new_name = $(git log -1 --format='%h %s' "$new_sha")"
    echo "- $started … $finished on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); load average before $load_before, after $load_after"
    echo "- $rounds rounds alternating OLD/NEW (order flipped every round), $runs run(s) per side and round; threads $threads; job steps $job_steps; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
    if [ ${#same_outputs[@]} -gt 0 ]; then
        echo "- outputs OLD vs NEW: $(printf '%s; ' "${same_outputs[@]}" | sed 's/; $//')"
    fi
    echo
    python3 - "$results" <<'PY'
import math, sys
rows, order = {}, []
for line in open(sys.argv[1], encoding="utf-8"):
    metric, unit, better, side, _round, value = line.rstrip("\n").split("\t")
    if metric not in rows:
        rows[metric] = {"unit": unit, "better": better, "old": [], "new": []}
        order.append(metric)
    rows[metric][side].append(float(value))

def stats(values):
    if not values:
        return None, None
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return mean, sd

def fmt(mean, sd, unit):
    if mean is None:
        return "—"
    digits = 0 if unit == "tokens/s" else 3
    return f"{mean:,.{digits}f} ± {sd:,.{digits}f} {unit}"

print("| benchmark | OLD mean ± sd | NEW mean ± sd | NEW/OLD | better when | verdict |")
print("| --- | --- | --- | --- | --- | --- |")
for metric in order:
    r = rows[metric]
    (mo, so), (mn, sn) = stats(r["old"]), stats(r["new"])
    ratio = mn / mo if mo and mn is not None else float("nan")
    if mo is None or mn is None:
        verdict = "—"
    elif abs(mn - mo) <= so + sn:
        verdict = "within noise"
    else:
        faster = mn < mo if r["better"] == "lower" else mn > mo
        verdict = "NEW better" if faster else "NEW worse"
    print(f"| {metric} | {fmt(mo, so, r['unit'])} | {fmt(mn, sn, r['unit'])} | {ratio:.3f} | {r['better']} | {verdict} |")
print()
print("n = %d per side; 'within noise': the means differ by no more than the sum of the two standard deviations."
      % max((len(rows[m]["old"]) for m in order), default=0))
PY
    echo
    echo "Commands (NEW side; run in $work/side-new, OLD the same with its own binary and spelling):"
    echo
    for name in "${order[@]}"; do
        key=$name
        case "$name" in "dataset build") ;; "job nsmc-sentiment") key=job ;; esac
        echo "- $name: \`${CMD["new.$key"]-}\`"
        if [ "$name" = "dataset build" ]; then echo "- dataset batches: \`${CMD["new.batches"]-}\`"; fi
    done
    if wants recurrent; then
        echo "- recurrent: \`jikji-bench-recurrent --threads $threads --seconds $recurrent_seconds --filter CONFIG\` for CONFIG in: $recurrent_configs"
    fi
} >"$report"
cat "$report"
echo "# written to $report" >&2
