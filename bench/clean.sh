#!/usr/bin/env bash
# Cleaning benchmark: `jikji clean` vs Python (unicodedata + re) on the document column of
# corpora/nsmc/reviews_train.tsv with steps [nfkc, html-tags, {repeat-limit: 2},
# collapse-whitespace], in the same run. Prints both throughputs (MB/s of input, wall and CPU),
# the ratio, and whether the outputs are byte-identical (counting and showing differing lines).
# Usage: bash bench/clean.sh [INPUT.tsv] [COLUMN]   (JIKJI_BENCH_VENV picks the Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-corpora/nsmc/reviews_train.tsv}
column=${2:-document}
venv=${JIKJI_BENCH_VENV:-bench/.venv}
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
python="$venv/bin/python"
swift build -c release --product jikji >/dev/null
out=bench/out
mkdir -p "$out"
bytes=$(stat -c %s "$input")

# Jikji: CPU time from the kernel's accounting of the child (user + sys), and wall time.
jikji_stats=$("$python" - "$input" "$column" "$out/clean.jikji.tsv" <<'PY'
import resource, subprocess, sys, time
inp, col, target = sys.argv[1:4]
wall = time.perf_counter()
subprocess.run([".build/release/jikji", "clean", "--pipeline", "bench/clean_pipeline.yaml",
                "--column", col, "--input", inp, "--output", target], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - wall
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {usage.ru_utime + usage.ru_stime:.3f}")
PY
)
# Python: the same job in one process.
python_stats=$("$python" - "$input" "$column" "$out/clean.python.tsv" <<'PY'
import subprocess, sys, time
inp, col, target = sys.argv[1:4]
wall = time.perf_counter()
result = subprocess.run([sys.executable, "bench/clean_reference.py", inp, target, col],
                        check=True, capture_output=True, text=True)
wall = time.perf_counter() - wall
cpu = float(result.stdout.strip().split("=")[1])
print(f"{wall:.3f} {cpu:.3f}")
PY
)
read -r jw jc <<<"$jikji_stats"
read -r pw pc <<<"$python_stats"
"$python" - "$bytes" "$jw" "$jc" "$pw" "$pc" "$out/clean.jikji.tsv" "$out/clean.python.tsv" "$input" <<'PY'
import sys
size, jw, jc, pw, pc = int(sys.argv[1]), *map(float, sys.argv[2:6])
jikji_path, python_path, source = sys.argv[6:9]
mb = size / 1e6
print(f"input: {source} ({mb:.1f} MB)")
print(f"jikji : wall {jw:6.2f} s = {mb / jw:6.1f} MB/s   cpu {jc:6.2f} s = {mb / jc:6.1f} MB/s")
print(f"python: wall {pw:6.2f} s = {mb / pw:6.1f} MB/s   cpu {pc:6.2f} s = {mb / pc:6.1f} MB/s")
print(f"ratio (jikji / python throughput): wall {pw / jw:.1f}x, cpu {pc / jc:.1f}x")
with open(jikji_path, "rb") as a, open(python_path, "rb") as b:
    left, right = a.read().split(b"\n"), b.read().split(b"\n")
diff = [(i + 1, x, y) for i, (x, y) in enumerate(zip(left, right)) if x != y]
if len(left) != len(right):
    print(f"line counts differ: jikji {len(left)}, python {len(right)}")
print(f"differing lines: {len(diff)} of {max(len(left), len(right)) - 1}")
for number, x, y in diff[:10]:
    print(f"  line {number}:\n    jikji : {x.decode('utf-8', 'replace')}\n    python: {y.decode('utf-8', 'replace')}")
sys.exit(1 if diff or len(left) != len(right) else 0)
PY
