"""PyTorch side of bench/nn.sh: the same cases as Sources/jikji-bench-nn/main.swift.

Prints "torch<TAB>case<TAB>best milliseconds" per case.
"""
import argparse
import time

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--seconds", type=float, default=0.3)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)


def measure(name, body):
    body()
    best, runs, start = float("inf"), 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < args.seconds:
        t0 = time.perf_counter()
        body()
        best = min(best, (time.perf_counter() - t0) * 1e3)
        runs += 1
    print(f"torch\t{name}\t{best}", flush=True)


B, T, H = 64, 32, 256
lengths = torch.tensor([8 + i % 25 for i in range(B)])
mask = torch.arange(T)[None, :] < lengths[:, None]
encoder = torch.randn(B, T, H, requires_grad=True)
decoder = torch.randn(B, T, H, requires_grad=True)
upstream = torch.randn(B, T, H)
W_a = {"general": torch.nn.Linear(H, H, bias=False), "concat": torch.nn.Linear(2 * H, H, bias=False)}
v = torch.nn.Linear(H, 1, bias=False)
W_c = torch.nn.Linear(2 * H, H, bias=False)


def attention(score):
    if score == "dot":
        scores = decoder @ encoder.transpose(1, 2)
    elif score == "general":
        scores = W_a["general"](decoder) @ encoder.transpose(1, 2)
    else:
        pairs = torch.cat([decoder[:, :, None, :].expand(B, T, T, H), encoder[:, None, :, :].expand(B, T, T, H)], -1)
        scores = v(torch.tanh(W_a["concat"](pairs))).squeeze(-1)
    scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, -1)
    hidden = torch.tanh(W_c(torch.cat([decoder, weights @ encoder], -1)))
    (hidden * upstream).sum().backward()


for score in ["dot", "general", "concat"]:
    measure(f"attention {score} fwd+bwd", lambda: attention(score))

rows, classes = 2048, 8000
logits = torch.randn(rows, classes, requires_grad=True)
targets = torch.tensor([-100 if i % 10 == 0 else (i * 7919) % classes for i in range(rows)])
measure(f"cross-entropy {rows}x{classes} ls=0.1 fwd+bwd",
        lambda: F.cross_entropy(logits, targets, label_smoothing=0.1).backward())
bce_logits = torch.randn(1 << 20, requires_grad=True)
bce_labels = (torch.arange(1 << 20) % 2).float()
measure("bce-with-logits 1M fwd+bwd",
        lambda: F.binary_cross_entropy_with_logits(bce_logits, bce_labels).backward())

embedding = torch.nn.Embedding(30000, H, padding_idx=0)
ids = torch.tensor([(i * 7919) % 30000 for i in range(B * T)]).reshape(B, T)
embedding_gradient = torch.randn(B, T, H)
measure("embedding 30000x256 fwd+bwd", lambda: embedding(ids).backward(embedding_gradient))

linear = torch.nn.Linear(2 * H, H)
linear_input = torch.randn(B * T, 2 * H, requires_grad=True)
linear_gradient = torch.randn(B * T, H)
measure("linear 2048x512->256 fwd+bwd", lambda: linear(linear_input).backward(linear_gradient))

parameter = torch.nn.Parameter(torch.randn(10_000_000))
parameter.grad = torch.randn(10_000_000)
adamw = torch.optim.AdamW([parameter])
measure("adamw step 10M", adamw.step)
sgd = torch.optim.SGD([parameter], lr=0.01, momentum=0.9)
measure("sgd momentum step 10M", sgd.step)
measure("clip-grad-norm 10M", lambda: torch.nn.utils.clip_grad_norm_([parameter], 1e9))
