"""Joins the Jikji and PyTorch lines of bench/recurrent.sh into a Markdown table.

Input lines (either framework): framework cell hidden dirs mode lengths threads tokens/s gflops
When a configuration was measured several times, the best figure of each framework counts.
"""
import sys
from collections import OrderedDict


def main():
    rows = OrderedDict()
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 9 or parts[0] not in ("jikji", "torch"):
            continue
        framework, cell, hidden, dirs, mode, lengths, threads, tps, gflops = parts
        key = (threads, cell, hidden, dirs, mode, lengths)
        entry = rows.setdefault(key, {})
        best = entry.get(framework)
        if best is None or float(tps) > best[0]:
            entry[framework] = (float(tps), float(gflops))
    print("| threads | cell | H | dirs | pass | lengths | Jikji tok/s | PyTorch tok/s | ratio | Jikji GFLOP/s | PyTorch GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst = None
    for key, value in rows.items():
        j = value.get("jikji")
        t = value.get("torch")
        ratio = j[0] / t[0] if j and t else float("nan")
        if j and t and (worst is None or ratio < worst[0]):
            worst = (ratio, key)
        fmt = lambda x, i: f"{x[i]:.0f}" if x and i == 0 else (f"{x[i]:.1f}" if x else "-")
        threads, cell, hidden, dirs, mode, lengths = key
        print(f"| {threads} | {cell} | {hidden} | {'bi' if dirs == '2' else 'uni'} | {mode} | {lengths} | "
              f"{fmt(j, 0)} | {fmt(t, 0)} | {ratio:.2f} | {fmt(j, 1)} | {fmt(t, 1)} |")
    if worst:
        print(f"\nLowest ratio: {worst[0]:.2f} (threads {' '.join(worst[1])})")


if __name__ == "__main__":
    main()
