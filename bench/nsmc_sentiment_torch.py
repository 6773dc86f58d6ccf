"""The PyTorch side of bench/nsmc-sentiment.sh: the nsmc-sentiment job's model, trained the
PyTorch way on the same tokens (HF tokenizers with the same vocabulary), for time per epoch
and test accuracy after each epoch.

Embedding(30000, 128, padding_idx=0) -> bidirectional LSTM(128) over packed sequences ->
concat(final forward h, final backward h) -> dropout 0.3 -> Linear(256, 1) -> BCEWithLogits;
Adam 1e-3, batch 64, max length 64 without [CLS]/[SEP], length-bucketed batches.
Prints one JSON line per epoch: {"epoch", "seconds", "tokens_per_second", "test_accuracy"}.
"""
import argparse, json, random, time

import numpy as np
import torch
from tokenizers import Tokenizer


def read_tsv(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[1].strip():
                continue
            texts.append(parts[1])
            labels.append(int(parts[2]))
    return texts, labels


def encode(tokenizer, texts, max_length):
    out = tokenizer.encode_batch(texts, add_special_tokens=False)
    return [e.ids[:max_length] or [0] for e in out]


def bucketed_batches(lengths, batch_size, pool, rng):
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    chunk = batch_size * pool
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: lengths[i])
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


class Classifier(torch.nn.Module):
    def __init__(self, vocab, embedding=128, hidden=128, dropout=0.3):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embedding, padding_idx=0)
        self.rnn = torch.nn.LSTM(embedding, hidden, batch_first=True, bidirectional=True)
        self.dropout = torch.nn.Dropout(dropout)
        self.fc = torch.nn.Linear(2 * hidden, 1)

    def forward(self, ids, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.fc(self.dropout(torch.cat([h[-2], h[-1]], dim=1))).squeeze(1)


def tensors(sequences, labels, batch):
    width = max(len(sequences[i]) for i in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    for r, i in enumerate(batch):
        ids[r, :len(sequences[i])] = sequences[i]
    lengths = torch.tensor([len(sequences[i]) for i in batch])
    return torch.from_numpy(ids), lengths, torch.tensor([float(labels[i]) for i in batch])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (0: all)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    rng = random.Random(42)
    tokenizer = Tokenizer.from_file(a.tokenizer)
    train_texts, train_labels = read_tsv(a.train)
    test_texts, test_labels = read_tsv(a.test)
    train = encode(tokenizer, train_texts, 64)
    test = encode(tokenizer, test_texts, 64)
    model = Classifier(tokenizer.get_vocab_size())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    lengths = [len(s) for s in train]
    for epoch in range(1, a.epochs + 1):
        model.train()
        start, tokens = time.perf_counter(), 0
        for step, batch in enumerate(bucketed_batches(lengths, 64, 100, rng)):
            if a.max_steps and step >= a.max_steps:
                break
            ids, lens, y = tensors(train, train_labels, batch)
            optimizer.zero_grad()
            loss = loss_fn(model(ids, lens), y)
            loss.backward()
            optimizer.step()
            tokens += int(lens.sum())
        seconds = time.perf_counter() - start
        model.eval()
        correct = 0
        with torch.no_grad():
            order = sorted(range(len(test)), key=lambda i: len(test[i]))
            for s in range(0, len(order), 256):
                batch = order[s:s + 256]
                ids, lens, y = tensors(test, test_labels, batch)
                correct += int(((model(ids, lens) > 0).float() == y).sum())
        print(json.dumps({"epoch": epoch, "seconds": round(seconds, 2), "tokens_per_second": round(tokens / seconds),
                          "test_accuracy": round(correct / len(test), 4)}), flush=True)


if __name__ == "__main__":
    main()
