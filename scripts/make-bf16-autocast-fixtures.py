#!/usr/bin/env python3
"""Writes Tests/JikjiRecurrentTests/Fixtures/autocast_*.json: PyTorch bf16 autocast references for
Jikji's bf16 products (`optim.precision: bf16`, `MatrixProducts.precision = .bf16`).

- autocast_lstm_bf16.json: a bidirectional LSTM(24, 32) layer over a full-length batch [6, 10, 24]
  with h0 and c0; outputs, final states and every gradient (input, h0, c0, weights, biases).
- autocast_classifier_bf16.json: one classifier step, Embedding(50, 16, padding_idx=0) ->
  bidirectional LSTM(16, 32) over packed sequences -> concat(final forward h, final backward h) ->
  Linear(64, 1) -> binary cross-entropy with logits (mean): logits, loss and every gradient.

The forward runs under torch.autocast("cpu", dtype=torch.bfloat16), backward outside it (as the
autocast documentation says); weights, inputs and gradients are stored as float32. Every expected
value comes from PyTorch; Jikji only reads the files.

The tolerance is stored in each fixture ("tolerance": the largest relative RMS difference,
|actual - expected| / |expected| over a whole tensor, allowed for each tensor): 2^-5 for the
layer, 2^-4 for the classifier step. Why: bf16
keeps 8 significant bits, so rounding an input costs at most 2^-8 of it (2^-9 on average) and a
product of two rounded inputs about 2^-8 relative; summed over K terms of random sign the error
of a product's output stays near 2^-8 of its RMS (it grows like sqrt(K), as the output does).
Two bf16 implementations that round at different points (oneDNN keeps some activations in bf16,
Jikji keeps every activation fp32) may each be that far from the fp32 value in different
directions, and a recurrent layer carries the error through its steps: 2^-5 leaves a factor 6
above what the script measures between the layer's autocast and fp32 values (also stored,
"fp32_deviation"). The classifier's bias gradients are sums whose terms nearly cancel (the fc
bias gradient is the mean of sigmoid(z) - y over 8 rows), so their relative error is larger
(autocast is 0.019 from fp32 on it): 2^-4 there. Both are far below the error of a wrong
product (a transposed or shifted operand gives a relative RMS near 1).

Run with the project's virtual environment: /work/venv/bin/python scripts/make-bf16-autocast-fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/JikjiRecurrentTests/Fixtures"

torch.set_num_threads(1)


def tensor_entry(t):
    t = t.detach().float()
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def relative_rms(a, b):
    a, b = a.detach().float(), b.detach().float()
    return ((a - b).norm() / b.norm().clamp_min(1e-30)).item()


def write(name, description, config, tensors, deviation, tolerance):
    worst = max(deviation.values())
    assert worst < tolerance / 1.5, f"{name}: autocast is {worst} from fp32, too close to the tolerance {tolerance}"
    config = dict(config, tolerance=tolerance, fp32_deviation=worst)
    fixture = {"description": description, "config": config, "tensors": tensors}
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(fixture, indent=None) + "\n")
    print(path, "largest autocast vs fp32 relative RMS:", f"{worst:.4g}")


def lstm_layer():
    torch.manual_seed(2026)
    E, H, B, T = 24, 32, 6, 10
    layer = torch.nn.LSTM(E, H, batch_first=True, bidirectional=True)
    x = torch.randn(B, T, E)
    h0, c0 = torch.randn(2, B, H) * 0.5, torch.randn(2, B, H) * 0.5
    dy, dh, dc = torch.randn(B, T, 2 * H), torch.randn(2, B, H), torch.randn(2, B, H)

    def run(autocast):
        layer.zero_grad()
        inputs = [t.clone().requires_grad_(True) for t in (x, h0, c0)]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            y, (hn, cn) = layer(inputs[0], (inputs[1], inputs[2]))
        torch.autograd.backward([y.float(), hn.float(), cn.float()], [dy, dh, dc])
        values = {"output": y, "h_n": hn, "c_n": cn, "grad.input": inputs[0].grad, "grad.h0": inputs[1].grad,
                  "grad.c0": inputs[2].grad}
        for name, p in layer.named_parameters():
            values["grad." + name] = p.grad.clone()
        return {k: v.detach().float().clone() for k, v in values.items()}

    fp32, bf16 = run(False), run(True)
    assert bf16["output"].dtype == torch.float32
    tensors = {"input": tensor_entry(x), "h0": tensor_entry(h0), "c0": tensor_entry(c0), "grad_output": tensor_entry(dy),
               "grad_h_n": tensor_entry(dh), "grad_c_n": tensor_entry(dc)}
    for name, p in layer.named_parameters():
        tensors[name] = tensor_entry(p)
    for key, value in bf16.items():
        tensors[key] = tensor_entry(value)
    deviation = {k: relative_rms(bf16[k], fp32[k]) for k in bf16}
    write("autocast_lstm_bf16",
          f"bidirectional LSTM({E},{H}), input [{B},{T},{E}] full length, h0/c0 given; forward under "
          f"torch.autocast('cpu', bfloat16), backward outside; torch {torch.__version__}, one thread, manual_seed(2026).",
          {"kind": "lstm", "input_size": E, "hidden_size": H, "bidirectional": True}, tensors, deviation,
          tolerance=2.0 ** -5)


class Classifier(torch.nn.Module):
    def __init__(self, vocab, embedding, hidden):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embedding, padding_idx=0)
        self.rnn = torch.nn.LSTM(embedding, hidden, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(2 * hidden, 1)

    def forward(self, ids, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True,
                                                         enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.fc(torch.cat([h[-2], h[-1]], dim=1)).squeeze(1)


def classifier_step():
    torch.manual_seed(1414)
    V, E, H, B, T = 50, 16, 32, 8, 9
    model = Classifier(V, E, H)
    lengths = torch.tensor([9, 4, 7, 1, 9, 3, 6, 2])
    ids = torch.randint(1, V, (B, T))
    for b in range(B):
        ids[b, lengths[b]:] = 0
    labels = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0], dtype=torch.float32)

    def run(autocast):
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            logits = model(ids, lengths)
            loss = F.binary_cross_entropy_with_logits(logits.float(), labels)
        loss.backward()
        values = {"logits": logits, "loss": loss.reshape(1)}
        for name, p in model.named_parameters():
            values["grad." + name] = p.grad.clone()
        return {k: v.detach().float().clone() for k, v in values.items()}

    fp32, bf16 = run(False), run(True)
    tensors = {"ids": tensor_entry(ids), "lengths": tensor_entry(lengths), "labels": tensor_entry(labels)}
    for name, p in model.named_parameters():
        tensors[name] = tensor_entry(p)
    for key, value in bf16.items():
        tensors[key] = tensor_entry(value)
    deviation = {k: relative_rms(bf16[k], fp32[k]) for k in bf16}
    write("autocast_classifier_bf16",
          f"Embedding({V},{E},padding_idx=0) -> bidirectional LSTM({E},{H}) over packed sequences -> concat(final "
          f"forward h, final backward h) -> Linear({2 * H},1) -> BCE with logits (mean); forward under "
          f"torch.autocast('cpu', bfloat16), backward outside; torch {torch.__version__}, one thread, manual_seed(1414).",
          {"cell": "lstm", "vocab": V, "embedding": E, "hidden": H}, tensors, deviation,
          tolerance=2.0 ** -4)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    lstm_layer()
    classifier_step()
