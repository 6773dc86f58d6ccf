"""Joins the Jikji and PyTorch lines of bench/recurrent.sh into a Markdown table.

Input lines (any framework): framework cell hidden dirs mode lengths threads tokens/s gflops, where
framework is jikji, torch, jikji-bf16 (--precision bf16) or torch-bf16 (torch.autocast bfloat16).
When a configuration was measured several times, the best figure of each framework counts. With
bf16 lines present, a second table compares Jikji bf16 with PyTorch autocast and with Jikji fp32.
"""
import sys
from collections import OrderedDict


def main():
    rows = OrderedDict()
    peaks = {}
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4 and parts[0] == "peak":
            peaks[parts[2]] = max(peaks.get(parts[2], 0.0), float(parts[3]))
            continue
        if len(parts) != 9 or parts[0] not in ("jikji", "torch", "jikji-bf16", "torch-bf16"):
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
    if any("jikji-bf16" in value or "torch-bf16" in value for value in rows.values()):
        print("\n| threads | cell | H | dirs | pass | lengths | Jikji bf16 tok/s | PyTorch autocast tok/s | bf16 ratio "
              "| Jikji bf16 / Jikji fp32 | PyTorch autocast / PyTorch fp32 |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        worst_bf16 = None
        for key, value in rows.items():
            jb, tb, j, t = value.get("jikji-bf16"), value.get("torch-bf16"), value.get("jikji"), value.get("torch")
            ratio = jb[0] / tb[0] if jb and tb else float("nan")
            if jb and tb and (worst_bf16 is None or ratio < worst_bf16[0]):
                worst_bf16 = (ratio, key)
            gain = f"{jb[0] / j[0]:.2f}" if jb and j else "-"
            torch_gain = f"{tb[0] / t[0]:.2f}" if tb and t else "-"
            threads, cell, hidden, dirs, mode, lengths = key
            print(f"| {threads} | {cell} | {hidden} | {'bi' if dirs == '2' else 'uni'} | {mode} | {lengths} | "
                  f"{jb[0] if jb else 0:.0f} | {tb[0] if tb else 0:.0f} | {ratio:.2f} | {gain} | {torch_gain} |")
        if worst_bf16:
            print(f"\nLowest bf16 ratio: {worst_bf16[0]:.2f} (threads {' '.join(worst_bf16[1])})")
    for threads, gflops in sorted(peaks.items()):
        print(f"\nOpenBLAS sgemm 1536^3 (practical peak) at {threads} thread(s): {gflops:.1f} GFLOP/s")
    if worst:
        print(f"\nLowest ratio: {worst[0]:.2f} (threads {' '.join(worst[1])})")


if __name__ == "__main__":
    main()
