"""The PyTorch side of bench/lm-output.sh: the same cases as Sources/jikji-bench-lm (full softmax
over 30 000 ids against nn.AdaptiveLogSoftmaxWithLoss with cutoffs [2000, 10000], div_value 4, on
4096 rows of width 512; whole training steps of the reviews-lm model, tied full softmax against
the untied adaptive output, optimizer excluded), targets Zipf(1) over ranks. Prints
"torch<TAB>case<TAB>best milliseconds" per case."""
import argparse, time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seconds", type=float, default=1.0)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
B, T, H, V = 64, 64, 512, 30000
N = B * T
weights = 1.0 / torch.arange(1, V + 1, dtype=torch.float64)
targets = torch.multinomial(weights, N, replacement=True).clamp(min=1)
inputs = torch.multinomial(weights, N, replacement=True).clamp(min=1)
hidden = (torch.randn(N, H) * 0.5).requires_grad_()


def measure(name, body):
    body()
    best, runs, start = float("inf"), 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < a.seconds:
        t0 = time.perf_counter()
        body()
        best = min(best, (time.perf_counter() - t0) * 1000)
        runs += 1
    print(f"torch\t{name}\t{best}", flush=True)


full = torch.nn.Linear(H, V)
def full_step():
    torch.nn.functional.cross_entropy(full(hidden), targets).backward()
measure("output full 4096x512 V30000 fwd+bwd", full_step)
adaptive = torch.nn.AdaptiveLogSoftmaxWithLoss(H, V, [2000, 10000], div_value=4.0)
def adaptive_step():
    adaptive(hidden, targets).loss.backward()
measure("output adaptive 4096x512 V30000 [2000,10000] fwd+bwd", adaptive_step)


class LM(torch.nn.Module):
    def __init__(self, adaptive_output):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, H, padding_idx=0)
        self.rnn = torch.nn.LSTM(H, H, batch_first=True)
        self.dropout = torch.nn.Dropout(0.2)
        if adaptive_output:
            self.fc = torch.nn.AdaptiveLogSoftmaxWithLoss(H, V, [2000, 10000], div_value=4.0)
        else:
            self.fc = torch.nn.Linear(H, V)
            self.fc.weight = self.embedding.weight
        self.adaptive = adaptive_output

    def loss(self, ids, target):
        out, _ = self.rnn(self.embedding(ids))
        out = self.dropout(out).reshape(-1, H)
        if self.adaptive:
            return self.fc(out, target.reshape(-1)).loss
        return torch.nn.functional.cross_entropy(self.fc(out), target.reshape(-1), ignore_index=0)


ids, next_ids = inputs.view(B, T), targets.view(B, T)
for name, flag in [("full tied", False), ("adaptive", True)]:
    model = LM(flag)
    def lm_step():
        model.zero_grad(set_to_none=False)
        model.loss(ids, next_ids).backward()
    measure(f"lm step {name} 64x64 fwd+bwd", lm_step)
