"""Summarises bench/mpi.sh's runs and estimates the scaling on 8 and 64 machines over 10 GbE.

Input: results.tsv rows of job, ranks, round, training tokens/s, last model.safetensors, and
rank 0's traffic line ("gradients: X KB sent per step and rank (Y KB with dense embedding
reduction); per step T tokens, A values allreduced, G embedding values gathered").

The estimate (on paper, no cluster was run): each of N machines trains the job's batch of rows
(the global batch grows N-fold), in the measured one-rank time per step t_c; then the gradients
are reduced, not overlapped with compute (Jikji reduces after the backward pass). A ring
allreduce of n bytes sends 2(N-1)/N n per machine in 2(N-1) messages; the row-sparse embedding
rows are an allgather of N blocks of the rows one batch touches, (N-1) blocks sent per machine;
each embedding table goes the cheaper way, as the reducer decides. 10 GbE: 1.25 GB/s, 50 us per
message. The rows one machine's batch touches are those the two 32-row shares touched together
at N = 2 (an upper bound of a 64-row batch's distinct rows).
"""
import json
import re
import struct
import sys
from collections import defaultdict

BANDWIDTH = 1.25e9  # bytes/s, 10 GbE
LATENCY = 50e-6     # s per message


def parameter_count(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    return sum(
        (v["data_offsets"][1] - v["data_offsets"][0]) // 4 for k, v in header.items() if k != "__metadata__"
    )


# Optional JOB=TOKENS_PER_S arguments: a one-machine rate measured on a quiet machine, used for the
# estimate's compute time instead of this run's (which load may inflate).
quiet_rates = dict((a.split("=")[0], float(a.split("=")[1])) for a in sys.argv[2:])
rates = defaultdict(list)
traffic = {}
params = {}
for line in open(sys.argv[1], encoding="utf-8"):
    job, ranks, _round, rate, model, line_traffic = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
    if rate:
        rates[(job, int(ranks))].append(float(rate))
    params[job] = parameter_count(model)
    m = re.search(r"gradients: ([\d.]+) KB sent .*\(([\d.]+) KB with dense.*per step (\d+) tokens, (\d+) values allreduced, (\d+) embedding", line_traffic)
    if m:
        traffic[job] = dict(sent=float(m[1]) * 1024, dense=float(m[2]) * 1024, tokens=int(m[3]), reduced=int(m[4]), gathered=int(m[5]))

print("| job | tokens/s, 1 process | tokens/s, 2 ranks | scaling efficiency | bytes/step/rank sparse | dense | parameters |")
print("|---|---|---|---|---|---|---|")
for job in sorted({j for j, _ in rates}):
    one, two = rates.get((job, 1), []), rates.get((job, 2), [])
    r1 = sum(one) / len(one) if one else float("nan")
    r2 = sum(two) / len(two) if two else float("nan")
    t = traffic.get(job, {})
    print(f"| {job} | {r1:.0f} ({', '.join(f'{x:.0f}' for x in one)}) | {r2:.0f} ({', '.join(f'{x:.0f}' for x in two)}) | "
          f"{r2 / (2 * r1):.2f} | {t.get('sent', 0) / 1024:.0f} KB | {t.get('dense', 0) / 1024:.0f} KB | {params[job]:,} |")

print()
print("Paper estimate, 10 GbE (1.25 GB/s, 50 us/message), each machine the job's batch, no compute/communication overlap"
      + (f"; compute from {quiet_rates} tokens/s" if quiet_rates else "; compute from this run's one-process tokens/s") + ":")
print()
print("| job | compute/step (1 machine) | N | bytes/step/machine | communication | efficiency |")
print("|---|---|---|---|---|---|")
for job in sorted(traffic):
    t = traffic[job]
    one = rates.get((job, 1), [])
    if not one:
        continue
    compute = t["tokens"] / quiet_rates.get(job, sum(one) / len(one))
    total = params[job]
    reduced = t["reduced"] - 4                 # the flat buffer's count, loss, tokens and stop
    table = total - reduced                    # values of the tables reduced row-sparse at N = 2
    rows = t["gathered"]                       # one machine's batch: rows × width it touches
    for n in (8, 64):
        flat = 2 * (n - 1) / n * reduced * 4
        sparse = (n - 1) * rows * 4
        dense_table = 2 * (n - 1) / n * table * 4
        bytes_sent = flat + min(sparse, dense_table) if table > 0 else flat
        messages = 2 * (n - 1) + ((n - 1) if table > 0 and sparse < dense_table else 0)
        comm = bytes_sent / BANDWIDTH + messages * LATENCY
        print(f"| {job} | {compute * 1000:.0f} ms | {n} | {bytes_sent / 1e6:.2f} MB | {comm * 1000:.0f} ms | {compute / (compute + comm):.2f} |")
