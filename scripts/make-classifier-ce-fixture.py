#!/usr/bin/env python3
"""Writes Tests/JikjiModelsTests/Fixtures/classifier_bilstm_ce.json: a two-class classifier with a
cross-entropy head (`model.loss: cross_entropy`), computed by PyTorch.

Embedding(20, 6, padding_idx=0) -> bidirectional LSTM(6, 5) over packed sequences -> concat(final
forward h, final backward h) -> Linear(10, 2) -> F.cross_entropy (mean). Every expected value
(logits, loss, gradients) comes from PyTorch; Jikji only reads the file.

Run with the project's virtual environment: /work/venv/bin/python scripts/make-classifier-ce-fixture.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_num_threads(1)

VOCAB, EMBEDDING, HIDDEN = 20, 6, 5


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(VOCAB, EMBEDDING, padding_idx=0)
        self.rnn = torch.nn.LSTM(EMBEDDING, HIDDEN, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(2 * HIDDEN, 2)

    def forward(self, ids, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True,
                                                         enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))


def tensor_entry(t):
    t = t.detach()
    values = t.flatten().tolist()
    return {"shape": list(t.shape), "data": values}


def main():
    model = Classifier()
    ids = torch.tensor([[4, 9, 2, 0, 0], [7, 7, 3, 11, 19], [5, 0, 0, 0, 0], [13, 1, 8, 6, 0]])
    lengths = torch.tensor([3, 5, 1, 4])
    labels = torch.tensor([1, 0, 1, 0])
    logits = model(ids, lengths)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors = {"ids": tensor_entry(ids), "lengths": tensor_entry(lengths), "labels": tensor_entry(labels),
               "logits": tensor_entry(logits), "loss": tensor_entry(loss.reshape(1))}
    for name, parameter in model.state_dict(keep_vars=True).items():
        tensors[name] = tensor_entry(parameter)
        tensors["grad." + name] = tensor_entry(parameter.grad)
    fixture = {
        "description": "Embedding(20,6,padding_idx=0) -> bidirectional LSTM(6,5) over packed sequences -> "
                       "concat(final forward h, final backward h) -> Linear(10,2) -> cross_entropy (mean). "
                       f"torch {torch.__version__}, CPU, float32, manual_seed(1234), one thread.",
        "config": {"cell": "lstm", "vocab": VOCAB, "embedding": EMBEDDING, "hidden": HIDDEN, "classes": 2},
        "tensors": tensors,
    }
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/JikjiModelsTests/Fixtures/classifier_bilstm_ce.json"
    out.write_text(json.dumps(fixture, indent=None) + "\n")
    print(out)


if __name__ == "__main__":
    main()
