#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers that read user files: safetensors, tokenizer.json,
# vocab.txt, job and pipeline files, TSV/CSV/JSONL records, and the encoder on arbitrary bytes.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 600 seconds shared by all 7 targets
#
# Builds jikji-fuzz with -sanitize=fuzzer in its own build folder (.build-fuzz, release), seeds each
# target's corpus from the project's real files (reference tokenizer.json and vocab.txt files, jobs/,
# pipelines, corpus lines, a classifier's model.safetensors), runs each target for its share of
# SECONDS and prints the inputs tried and the crashes of each. After a crash a target starts again
# for the rest of its time (at most 5 crashes each). Crash inputs are kept in
# .build-fuzz/findings/TARGET/; a fixed one goes, minimized, to Tests/JikjiFuzzTests/Regressions/.
# Exit status: 1 when any target crashed (or hung past -timeout, or ran out of memory).
# .ci/run runs it for 60 seconds; the corpora grown by libFuzzer stay in .build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
all=(safetensors tokenizer-json vocab-txt job-yaml pipeline-yaml records encoder)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
case "$seconds" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac

scratch=.build-fuzz
echo "fuzz: building jikji-fuzz with libFuzzer in $scratch" >&2
build_started=$(date +%s)
swift build -c release --product jikji-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DJIKJI_LIBFUZZER >&2
echo "fuzz: built in $(( $(date +%s) - build_started )) s" >&2
binary="$scratch/release/jikji-fuzz"

share=$(( seconds / ${#targets[@]} ))
[ "$share" -lt 1 ] && share=1
logs="$scratch/logs"
mkdir -p "$logs"
total_runs=0
total_crashes=0
passed=0 failed=0
summary=()
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    findings="$scratch/findings/$target"
    mkdir -p "$findings"
    JIKJI_FUZZ_TARGET="$target" JIKJI_FUZZ_WRITE_SEEDS="$corpus" "$binary" >&2
    runs=0 crashes=0 timeouts=0 ooms=0
    deadline=$(( $(date +%s) + share ))
    while true; do
        remaining=$(( deadline - $(date +%s) ))
        [ "$remaining" -lt 1 ] && break
        log="$logs/$target.$(date +%s%N).log"
        status=0
        # -timeout: one input running this long is a hang (reported like a crash);
        # -rss_limit_mb: the same for memory. -use_value_profile: comparisons guide the search
        # (field names, enum spellings, numbers).
        # SWIFT_BACKTRACE=enable=no: a trap reaches libFuzzer's handler, which keeps the input.
        SWIFT_BACKTRACE=enable=no JIKJI_FUZZ_TARGET="$target" "$binary" "$corpus" -dict="$corpus.dict" -max_total_time="$remaining" \
            -artifact_prefix="$findings/" -print_final_stats=1 -timeout=25 -rss_limit_mb=4096 \
            -use_value_profile=1 -print_pcs=0 >"$log" 2>&1 || status=$?
        executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        if [ -z "$executed" ]; then
            # No final statistics after a crash: the last status line gives the count.
            executed=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
        fi
        runs=$(( runs + ${executed:-0} ))
        [ "$status" -eq 0 ] && break
        artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        case "$artifact" in
            *timeout-*) timeouts=$(( timeouts + 1 )) ;;
            *oom-*) ooms=$(( ooms + 1 )) ;;
            *) crashes=$(( crashes + 1 )) ;;
        esac
        echo "fuzz: $target: finding $artifact (log $log):" >&2
        grep -E "Fatal error|ERROR: libFuzzer|SUMMARY|==[0-9]+==|#[0-9]+ +0x" "$log" | head -20 >&2 || true
        if [ -n "$artifact" ] && [ -f "$artifact" ]; then
            echo "fuzz: input ($(wc -c <"$artifact") bytes, first 512 shown):" >&2
            head -c 512 "$artifact" | od -A d -c | head -20 >&2
        fi
        [ $(( crashes + timeouts + ooms )) -ge 5 ] && break
    done
    found=$(( crashes + timeouts + ooms ))
    if [ "$found" -eq 0 ]; then passed=$(( passed + 1 )); else failed=$(( failed + 1 )); fi
    total_runs=$(( total_runs + runs ))
    total_crashes=$(( total_crashes + found ))
    summary+=("$(printf '%-15s %12d inputs tried  %d crashes  %d timeouts  %d out-of-memory  (%d s)' \
        "$target" "$runs" "$crashes" "$timeouts" "$ooms" "$share")")
done

echo "fuzz: libFuzzer, $seconds s over ${#targets[@]} targets:"
for line in "${summary[@]}"; do echo "  $line"; done
echo "  total: $total_runs inputs tried, $total_crashes findings"
# One line per target without a finding, in the plain form test runners close with.
echo "fuzz: $passed passed, $failed failed"
[ "$total_crashes" -eq 0 ]
