#!/usr/bin/env python3
"""Writes Tests/JikjiModelsTests/Fixtures/classifier_concat.json and classifier_attention.json:
classifiers with ULMFiT's concat pooling and with self-attention pooling, computed by PyTorch.

concat: Embedding(20, 6, padding_idx=0) -> bidirectional 2-layer LSTM(6, 5) over packed sequences
  -> cat(final forward h, final backward h | max over valid steps | mean over valid steps) (30 wide)
  -> Linear(30, 3) -> F.cross_entropy (mean).
attention: Embedding(20, 6, padding_idx=0) -> bidirectional GRU(6, 3) over packed sequences
  -> score_t = context . tanh(weight h_t + bias) (attention size 4), softmax over valid steps only,
  sum_t alpha_t h_t -> Linear(6, 1) -> BCEWithLogits (mean).

Padded ids are non-zero on purpose (they must not matter). Every expected value (logits, loss,
gradients) comes from PyTorch; Jikji only reads the files.

Run: python scripts/make-classifier-pooling-fixtures.py  (with torch installed)
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(4321)
torch.set_num_threads(1)

VOCAB, EMBEDDING = 20, 6


class Attention(torch.nn.Module):
    """One-head self-attention pooling; state_dict weight [A, DH], bias [A], context [A]."""

    def __init__(self, width, size):
        super().__init__()
        bound = 1 / width ** 0.5
        self.weight = torch.nn.Parameter(torch.empty(size, width).uniform_(-bound, bound))
        self.bias = torch.nn.Parameter(torch.empty(size).uniform_(-bound, bound))
        self.context = torch.nn.Parameter(torch.empty(size).uniform_(-1 / size ** 0.5, 1 / size ** 0.5))

    def forward(self, output, valid):
        scores = torch.tanh(output @ self.weight.T + self.bias) @ self.context
        alpha = torch.softmax(scores.masked_fill(~valid, float("-inf")), dim=1)
        return (alpha[..., None] * output).sum(1)


class Classifier(torch.nn.Module):
    def __init__(self, cell, hidden, layers, pooling, classes, attention_size=None):
        super().__init__()
        self.pooling = pooling
        self.embedding = torch.nn.Embedding(VOCAB, EMBEDDING, padding_idx=0)
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = rnn(EMBEDDING, hidden, num_layers=layers, batch_first=True, bidirectional=True)
        width = 2 * hidden
        if pooling == "attention":
            self.attention = Attention(width, attention_size)
        self.fc = torch.nn.Linear(3 * width if pooling == "concat" else width, classes)

    def forward(self, ids, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True,
                                                         enforce_sorted=False)
        output, state = self.rnn(packed)
        output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=ids.shape[1])
        valid = torch.arange(ids.shape[1])[None, :] < lengths[:, None]
        if self.pooling == "concat":
            h = state[0] if isinstance(state, tuple) else state
            final = torch.cat([h[-2], h[-1]], dim=1)
            highest = output.masked_fill(~valid[..., None], float("-inf")).max(1).values
            mean = (output * valid[..., None]).sum(1) / lengths[:, None].to(output.dtype)
            pooled = torch.cat([final, highest, mean], dim=1)
        else:
            pooled = self.attention(output, valid)
        return self.fc(pooled)


def tensor_entry(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def write(name, model, config, labels, description):
    ids = torch.tensor([[4, 9, 2, 17, 3], [7, 7, 3, 11, 19], [5, 12, 12, 1, 8], [13, 1, 8, 6, 2]])
    lengths = torch.tensor([3, 5, 1, 4])
    logits = model(ids, lengths)
    if config["classes"] == 2 and logits.shape[1] == 1:
        loss = F.binary_cross_entropy_with_logits(logits[:, 0], labels.to(logits.dtype))
    else:
        loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors = {"ids": tensor_entry(ids), "lengths": tensor_entry(lengths), "labels": tensor_entry(labels),
               "logits": tensor_entry(logits), "loss": tensor_entry(loss.reshape(1))}
    for key, parameter in model.state_dict(keep_vars=True).items():
        tensors[key] = tensor_entry(parameter)
        tensors["grad." + key] = tensor_entry(parameter.grad)
    fixture = {"description": description + f" torch {torch.__version__}, CPU, float32, manual_seed(4321), one thread.",
               "config": config, "tensors": tensors}
    out = pathlib.Path(__file__).resolve().parent.parent / f"Tests/JikjiModelsTests/Fixtures/{name}.json"
    out.write_text(json.dumps(fixture, indent=None) + "\n")
    print(out)


def main():
    concat = Classifier("lstm", 5, 2, "concat", 3)
    write("classifier_concat", concat,
          {"cell": "lstm", "vocab": VOCAB, "embedding": EMBEDDING, "hidden": 5, "layers": 2, "pooling": "concat",
           "classes": 3, "loss": "cross_entropy"},
          torch.tensor([2, 0, 1, 0]),
          "Embedding(20,6,padding_idx=0) -> bidirectional 2-layer LSTM(6,5), packed -> cat(final h fwd/bwd, max, mean "
          "over valid steps) -> Linear(30,3) -> cross_entropy (mean).")
    attention = Classifier("gru", 3, 1, "attention", 1, attention_size=4)
    write("classifier_attention", attention,
          {"cell": "gru", "vocab": VOCAB, "embedding": EMBEDDING, "hidden": 3, "layers": 1, "pooling": "attention",
           "classes": 2, "loss": "bce", "attention_size": 4},
          torch.tensor([1, 0, 1, 0]),
          "Embedding(20,6,padding_idx=0) -> bidirectional GRU(6,3), packed -> softmax over valid steps of "
          "context . tanh(weight h + bias) (size 4), weighted sum -> Linear(6,1) -> BCEWithLogits (mean).")


if __name__ == "__main__":
    main()
