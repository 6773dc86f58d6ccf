#!/usr/bin/env bash
# Data-parallel training (issue 17): jobs/nsmc-sentiment.yaml and jobs/reviews-lm.yaml with one
# process and with `mpirun -np 2` (one OpenBLAS thread per rank, TCP over loopback), alternated
# in one run, shortened to JIKJI_BENCH_STEPS steps of the jobs' own configuration. Reports the
# training tokens/s of each (global tokens: both ranks' rows), the scaling efficiency
# (tokens/s with 2 ranks / (2 × with 1)), the bytes each rank sent per step with the row-sparse
# embedding reduction and with a dense one, and a paper estimate for 8 and 64 machines over 10 GbE
# from the measured per-step compute and gradient sizes (bench/mpi_estimate.py).
#
# Environment:
#   JIKJI_BENCH_STEPS    classifier training steps per run (default 150)
#   JIKJI_BENCH_LM_STEPS language-model training steps per run (default 40)
#   JIKJI_BENCH_ROUNDS   alternations of 1 and 2 ranks (default 2; JIKJI_BENCH_LM_ROUNDS for the language model)
#   JIKJI_BENCH_BIN      a jikji binary to use instead of building this checkout's
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${JIKJI_BENCH_ROUNDS:-2}"
if [ -n "${JIKJI_BENCH_BIN:-}" ]; then
    jikji="$JIKJI_BENCH_BIN"
else
    swift build -c release --product jikji >&2
    jikji="$(swift build -c release --show-bin-path)/jikji"
fi
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 JIKJI_BLAS_KERNEL="${JIKJI_BLAS_KERNEL:-auto}"
mpi=(mpirun -np 2 --oversubscribe --bind-to none --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo
     -x OPENBLAS_NUM_THREADS -x JIKJI_BLAS_KERNEL)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), 1 OpenBLAS thread per rank, $rounds rounds" >&2

results="$work/results.tsv"
: >"$results"
for job in nsmc-sentiment reviews-lm; do
    case "$job" in
        nsmc-sentiment) steps="${JIKJI_BENCH_STEPS:-150}"; job_rounds="$rounds" ;;
        reviews-lm) steps="${JIKJI_BENCH_LM_STEPS:-40}"; job_rounds="${JIKJI_BENCH_LM_ROUNDS:-$rounds}" ;;
    esac
    set_steps=(--set train.max_steps="$steps" --set train.eval_every=0 --set train.patience=0)
    # Vocabulary and datasets first (trained or built once, then loaded by every run).
    "$jikji" job run "jobs/$job.yaml" --quiet --runs "$work/prepare" --set train.max_steps=1 >/dev/null 2>"$work/prepare.log" \
        || { cat "$work/prepare.log" >&2; exit 1; }
    for round in $(seq 1 "$job_rounds"); do
        for ranks in 1 2; do
            log="$work/$job-$ranks-$round.log"
            if [ "$ranks" -eq 1 ]; then
                "$jikji" job run "jobs/$job.yaml" --quiet --runs "$work/runs-$job-$ranks-$round" "${set_steps[@]}" >"$log" 2>&1
            else
                "${mpi[@]}" "$jikji" job run "jobs/$job.yaml" --quiet --runs "$work/runs-$job-$ranks-$round" "${set_steps[@]}" >"$log" 2>&1
            fi
            rate="$(grep -oE 'training tokens/s +[0-9]+' "$log" | grep -oE '[0-9]+$' || true)"
            traffic="$(grep -oE 'gradients: .*' "$log" || true)"
            model="$(ls "$work/runs-$job-$ranks-$round"/1/checkpoints/*/model.safetensors | tail -1)"
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$ranks" "$round" "$rate" "$model" "$traffic" >>"$results"
            echo "# $job, $ranks rank(s), round $round: $rate tokens/s; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        done
    done
done
python3 bench/mpi_estimate.py "$results"
