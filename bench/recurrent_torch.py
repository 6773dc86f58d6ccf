"""PyTorch half of bench/recurrent.sh: the same configurations as jikji-bench-recurrent.

Prints one tab-separated line per configuration:
  framework cell hidden directions mode lengths threads tokens_per_second gflops
Usage: python recurrent_torch.py --threads N [--seconds S] [--filter TEXT]
"""
import argparse
import sys
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def packed_lengths(batch, steps):
    # Same formula as the Swift benchmark: spread over 1..T, mean about T/2.
    return [1 + (b * 37) % steps for b in range(batch)]


def measure(minimum, body, clock=time.perf_counter):
    """The fastest of repeated calls after warm-up, over at least `minimum` seconds (the
    machine is shared; the minimum is least disturbed by other processes)."""
    warm_start = time.perf_counter()
    while time.perf_counter() - warm_start < 0.1:
        body()
    calls = 0
    best = float("inf")
    start = time.perf_counter()
    while True:
        t0 = clock()
        body()
        best = min(best, clock() - t0)
        calls += 1
        if time.perf_counter() - start >= minimum and calls >= 5:
            return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=0.3)
    parser.add_argument("--filter", default="")
    # bf16: every configuration under torch.autocast("cpu", dtype=torch.bfloat16) (framework
    # "torch-bf16" in the output), the one line a PyTorch user adds for bf16 training.
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    # cpu: the process's CPU time per call (least disturbed on a loaded machine at one thread).
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    framework = "torch" if args.precision == "fp32" else "torch-bf16"
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    print(f"backend: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"mkldnn={torch.backends.mkldnn.is_available()}", file=sys.stderr)
    B, T, E = 64, 32, 128
    x = torch.rand(B, T, E) * 2 - 1
    classes = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    gates = {"rnn": 1, "lstm": 4, "gru": 3}
    for cell in ["rnn", "lstm", "gru"]:
        for hidden in [128, 256, 512]:
            for bidirectional in [False, True]:
                D = 2 if bidirectional else 1
                layer = classes[cell](E, hidden, batch_first=True, bidirectional=bidirectional)
                dy = torch.rand(B, T, D * hidden) * 2 - 1
                for mode in ["forward", "forward+backward"]:
                    for packed in [False, True]:
                        name = f"{cell}\t{hidden}\t{D}\t{mode}\t{'packed' if packed else 'full'}"
                        if args.filter and args.filter not in name.replace("\t", " "):
                            continue
                        lengths = packed_lengths(B, T) if packed else None
                        tokens = sum(lengths) if packed else B * T
                        backward = mode != "forward"

                        def body():
                            inp = x.detach().requires_grad_(backward)
                            with torch.set_grad_enabled(backward), \
                                    torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
                                if packed:
                                    p = pack_padded_sequence(inp, torch.tensor(lengths), batch_first=True,
                                                             enforce_sorted=False)
                                    out, _ = layer(p)
                                    out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
                                else:
                                    out, _ = layer(inp)
                            if backward:
                                out.backward(dy)

                        seconds = measure(args.seconds, body, time.process_time if args.clock == "cpu" else time.perf_counter)
                        flops = 2 * gates[cell] * hidden * (E + hidden) * D * (3 if backward else 1)
                        tps = tokens / seconds
                        print(f"{framework}\t{name}\t{args.threads}\t{tps:.0f}\t{tps * flops / 1e9:.1f}", flush=True)


if __name__ == "__main__":
    main()
