#!/usr/bin/env bash
# The ULMFiT recipe of issue 15 end to end, with its ablation, seeds and learning curve:
# pretraining (forward and backward) -> NSMC language-model fine-tuning -> classifiers, each a
# shipped job run from the CLI, every process timed by /usr/bin/time -v.
#
# Each finished run appends a row to $RUNS/results.tsv; a row already there is not run again, so
# an interrupted script resumes where it stopped (the brief: sessions are cut off). The table of
# every row so far is printed at the end (markdown, for BENCHMARKS.md / bench/notes/ulmfit.md).
#
# Environment:
#   JIKJI_BIN              the jikji binary (default: this checkout's release build, built first)
#   JIKJI_ULMFIT_RUNS      folder of runs and results.tsv (default .build/ulmfit-runs)
#   JIKJI_ULMFIT_STAGES    which stages, in order (default: "lm scratch recipe ablation seeds backward
#                          curve curve-steps")
#   JIKJI_ULMFIT_SET       extra --set overrides for every classifier run, space-separated
#   JIKJI_ULMFIT_JOBS      folder of the job files (default jobs; corpora and vocabulary store
#                          are this checkout's, as the runs folder's datasets expect)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${JIKJI_ULMFIT_RUNS:-.build/ulmfit-runs}"
stages="${JIKJI_ULMFIT_STAGES:-lm scratch recipe ablation seeds backward curve curve-steps}"
if [ -z "${JIKJI_BIN:-}" ]; then
    swift build -c release --product jikji >&2
    JIKJI_BIN="$(swift build -c release --show-bin-path)/jikji"
fi
mkdir -p "$runs/logs"
results="$runs/results.tsv"
jobs="${JIKJI_ULMFIT_JOBS:-jobs}"
[ -s "$results" ] || printf 'tag\tjob\toverrides\ttest_accuracy\tvalid_metric\twall_s\tcpu_s\tpeak_mib\tstarted\tload\n' >"$results"

have() { cut -f1 "$results" | grep -qx "$1"; }

# run TAG JOB [--set k=v ...]: runs one job unless TAG is already in results.tsv.
run() {
    local tag=$1 job=$jobs/${2#jobs/}; shift 2
    if have "$tag"; then echo "ulmfit: $tag already done (results.tsv)" >&2; return 0; fi
    local started load
    started="$(date -u +%FT%TZ)"; load="$(cut -d' ' -f1 /proc/loadavg)"
    echo "ulmfit: $tag: $job $* (start $started, load $load)" >&2
    if ! /usr/bin/time -v "$JIKJI_BIN" job run "$job" "$@" --runs "$runs" --quiet \
        >"$runs/logs/$tag.out" 2>"$runs/logs/$tag.err"; then
        echo "ulmfit: $tag failed; see $runs/logs/$tag.err" >&2
        tail -5 "$runs/logs/$tag.err" >&2
        return 1
    fi
    python3 - "$tag" "$job" "$*" "$runs/logs/$tag.out" "$runs/logs/$tag.err" "$started" "$load" >>"$results" <<'PY'
import re, sys
tag, job, overrides, out, err, started, load = sys.argv[1:]
text = open(out, encoding="utf-8").read()
timing = open(err, encoding="utf-8").read()
def last(pattern, source):
    found = re.findall(pattern, source, re.M)
    return found[-1] if found else ""
test = last(r"^\s*test\.accuracy\s+([0-9.]+)", text)
valid = last(r"^\s*valid\.(?:accuracy|perplexity)\s+([0-9.]+)", text)
wall = last(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", timing)
parts = [float(p) for p in wall.split(":")] if wall else [0]
seconds = 0.0
for p in parts:
    seconds = seconds * 60 + p
cpu = float(last(r"User time \(seconds\): ([0-9.]+)", timing) or 0) + float(last(r"System time \(seconds\): ([0-9.]+)", timing) or 0)
peak = int(last(r"Maximum resident set size \(kbytes\): (\d+)", timing) or 0) / 1024
print("\t".join([tag, job, overrides.replace("--set ", ""), test, valid, f"{seconds:.0f}", f"{cpu:.0f}", f"{peak:.0f}", started, load]))
PY
    tail -1 "$results" >&2
}

# run_id TAG: the run id a finished TAG's job printed ("run N completed after ...").
run_id() { sed -n 's/^run \([0-9][0-9]*\) .*/\1/p' "$runs/logs/$1.out" | tail -1; }

# predict TAG INPUT RUN_TAG...: the accuracy of one classifier run (or the --ensemble of several)
# on a labelled TSV, by `jikji predict`, as a results.tsv row (job column: the runs it used).
predict() {
    local tag=$1 input=$2; shift 2
    if have "$tag"; then echo "ulmfit: $tag already done (results.tsv)" >&2; return 0; fi
    local ids=() from
    for from in "$@"; do
        have "$from" || { echo "ulmfit: $tag needs the run $from first" >&2; return 1; }
        ids+=("$(run_id "$from")")
    done
    local flags=(); [ $# -gt 1 ] && flags=(--ensemble)
    local started load
    started="$(date -u +%FT%TZ)"; load="$(cut -d' ' -f1 /proc/loadavg)"
    echo "ulmfit: $tag: jikji predict ${ids[*]} ${flags[*]} --input $input (start $started, load $load)" >&2
    if ! /usr/bin/time -v "$JIKJI_BIN" predict "${ids[@]}" "${flags[@]}" --input "$input" --text-column document \
        --runs "$runs" >/dev/null 2>"$runs/logs/$tag.err"; then
        echo "ulmfit: $tag failed; see $runs/logs/$tag.err" >&2; tail -5 "$runs/logs/$tag.err" >&2; return 1
    fi
    local accuracy wall
    accuracy="$(sed -n 's/^accuracy \([0-9.]*\) .*/\1/p' "$runs/logs/$tag.err" | tail -1)"
    wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$runs/logs/$tag.err" | awk -F: '{s=0; for(i=1;i<=NF;i++) s=s*60+$i; printf "%.0f", s}')"
    printf '%s\t%s\t%s\t%s\t\t%s\t\t\t%s\t%s\n' "$tag" "predict $* ($input)" "runs ${ids[*]}" "$accuracy" "$wall" "$started" "$load" >>"$results"
    tail -1 "$results" >&2
}

classifier_sets=()
for o in ${JIKJI_ULMFIT_SET:-}; do classifier_sets+=(--set "$o"); done

for stage in $stages; do
    case "$stage" in
    lm)
        # The language models: forward pretraining, its NSMC fine-tuning; the backward pair.
        run pretrain-forward jobs/reviews-lm-pretrain.yaml
        run lm-finetune-forward jobs/nsmc-lm-finetune.yaml
        run pretrain-backward jobs/reviews-lm-pretrain-backward.yaml
        run lm-finetune-backward jobs/nsmc-lm-finetune-backward.yaml
        ;;
    scratch)
        # From scratch: the main job's bidirectional LSTM with concat pooling (target >= 0.865).
        run scratch-concat jobs/nsmc-sentiment.yaml --set model.pooling=concat "${classifier_sets[@]}"
        run scratch-attention jobs/nsmc-sentiment.yaml --set model.pooling=attention "${classifier_sets[@]}"
        # A larger from-scratch model: two 256 layers each way, more dropout, bf16 products.
        run scratch-attention-large jobs/nsmc-sentiment.yaml --set model.pooling=attention --set model.embedding=256 \
            --set model.encoder.hidden=256 --set model.encoder.layers=2 --set model.encoder.dropout=0.3 --set model.dropout=0.5 \
            --set optim.precision=bf16 "${classifier_sets[@]}"
        ;;
    recipe)
        # The shipped fine-tuned classifier, seed 42: every option of the recipe.
        run ulmfit-seed42 jobs/nsmc-sentiment-ulmfit.yaml "${classifier_sets[@]}"
        ;;
    ablation)
        # What each piece adds, in ULMFiT's order (the shipped job with pieces taken away).
        plain=(--set model.pooling=final --set optim.layer_lr_decay=1 --set optim.schedule=constant --set 'train.unfreeze=[]')
        run ablate-lm-finetune jobs/nsmc-sentiment-ulmfit.yaml "${plain[@]}" "${classifier_sets[@]}"
        run ablate-concat jobs/nsmc-sentiment-ulmfit.yaml --set model.pooling=concat --set optim.layer_lr_decay=1 --set optim.schedule=constant --set 'train.unfreeze=[]' "${classifier_sets[@]}"
        run ablate-pretrain-only jobs/nsmc-sentiment-ulmfit.yaml --set model.encoder.init.from=reviews-lm-pretrain "${plain[@]}" "${classifier_sets[@]}"
        run ablate-discriminative jobs/nsmc-sentiment-ulmfit.yaml --set optim.schedule=constant --set 'train.unfreeze=[]' "${classifier_sets[@]}"
        # + slanted triangular schedule is the shipped job itself (ulmfit-seed42); + gradual unfreezing:
        run ablate-unfreeze jobs/nsmc-sentiment-ulmfit.yaml --set 'train.unfreeze=[2,3]' "${classifier_sets[@]}"
        ;;
    seeds)
        run ulmfit-seed43 jobs/nsmc-sentiment-ulmfit.yaml --set seed=43 "${classifier_sets[@]}"
        run ulmfit-seed44 jobs/nsmc-sentiment-ulmfit.yaml --set seed=44 "${classifier_sets[@]}"
        ;;
    backward)
        run ulmfit-backward-seed42 jobs/nsmc-sentiment-ulmfit-backward.yaml "${classifier_sets[@]}"
        run ulmfit-backward-seed43 jobs/nsmc-sentiment-ulmfit-backward.yaml --set seed=43 "${classifier_sets[@]}"
        run ulmfit-backward-seed44 jobs/nsmc-sentiment-ulmfit-backward.yaml --set seed=44 "${classifier_sets[@]}"
        # The forward + backward ensemble (ULMFiT's best figures), one per seed pair.
        for seed in 42 43 44; do
            predict "ensemble-seed$seed" corpora/nsmc/ratings_test.txt "ulmfit-seed$seed" "ulmfit-backward-seed$seed"
        done
        ;;
    curve)
        # Labelled reviews used: fine-tuned vs from scratch (the 150k points are the rows above).
        for n in 1000 5000 20000; do
            run "curve-ulmfit-$n" jobs/nsmc-sentiment-ulmfit.yaml --set data.train_limit=$n "${classifier_sets[@]}"
            run "curve-scratch-$n" jobs/nsmc-sentiment.yaml --set model.pooling=concat --set data.train_limit=$n "${classifier_sets[@]}"
        done
        ;;
    curve-steps)
        # The same subsets trained longer (150,000 / n epochs, at most 30: about 2,300 steps at 5,000
        # and 20,000 labels, as many as the full set's first epoch): with 3 epochs a 5,000-label run
        # stops after 234 steps, far from converged.
        for n in 1000 5000 20000; do
            epochs=$(( 150000 / n )); [ "$epochs" -gt 30 ] && epochs=30
            run "curve-ulmfit-$n-e$epochs" jobs/nsmc-sentiment-ulmfit.yaml --set data.train_limit=$n --set train.epochs=$epochs "${classifier_sets[@]}"
            run "curve-scratch-$n-e$epochs" jobs/nsmc-sentiment.yaml --set model.pooling=concat --set data.train_limit=$n --set train.epochs=$epochs "${classifier_sets[@]}"
        done
        ;;
    *) echo "ulmfit: unknown stage '$stage' (lm scratch recipe ablation seeds backward curve curve-steps)" >&2; exit 2 ;;
    esac
done

python3 - "$results" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8"), delimiter="\t"))
print("| run | job | overrides | test accuracy | valid | wall | CPU | peak | started (load) |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['tag']} | `{r['job']}` | {r['overrides'] or '—'} | {r['test_accuracy'] or '—'} | {r['valid_metric']} | "
          f"{int(r['wall_s'])//60} min {int(r['wall_s'])%60} s | {r['cpu_s']} s | {r['peak_mib']} MiB | {r['started']} ({r['load']}) |")
for prefix, what in (("ulmfit-seed", "fine-tuned classifier"), ("ulmfit-backward-seed", "backward classifier"),
                     ("ensemble-seed", "forward + backward ensemble")):
    seeds = [float(r["test_accuracy"]) for r in rows if r["tag"].startswith(prefix) and r["test_accuracy"]]
    if seeds:
        print(f"\n{what}, {len(seeds)} seed(s): mean test accuracy {sum(seeds)/len(seeds):.4f} ({', '.join(f'{s:.4f}' for s in seeds)})")
PY
