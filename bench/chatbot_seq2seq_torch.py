"""The PyTorch side of bench/chatbot-seq2seq.sh: the chatbot-seq2seq job's model, trained the
PyTorch way on exactly the ids Jikji trains on (read from the job's dataset shard, so the
tokenisation and the train/validation split are identical), for time per epoch and validation
perplexity after each epoch.

Model (the same as Jikji's Seq2Seq with the job's settings; module names are Jikji's state_dict
names):
  src_embedding Embedding(V, 128, padding_idx=pad) -> encoder LSTM(128, 256) over packed source
  lengths; its final (h, c) start the decoder directly (widths agree: the "project" bridge is
  the identity); tgt_embedding Embedding(V, 128, padding_idx=pad) -> decoder LSTM(128, 256)
  over [CLS] + answer (teacher forcing, all steps in one call); Luong general attention:
  score(h_t, h_s) = h_s . W_a h_t (W_a: Linear(256, 256, bias=False)), softmax over the
  source's real steps, context c_t, attentional state tanh(W_c [h_t; c_t]) (W_c: Linear(512,
  256, bias=False)) -> dropout 0.2 -> out Linear(256, V) -> cross-entropy against answer +
  [SEP], pad ignored, mean over real target tokens.
Adam 1e-3, gradient norm clipped to 5, batch 64, length-bucketed (pools of 50 batches sorted by
row length, batch order shuffled), source and decoder rows at most 32 ids.

Validation perplexity = exp(sum of token losses / number of real target tokens) over the
validation split, as Jikji computes it. Prints one JSON line per epoch:
{"epoch", "seconds", "tokens_per_second", "valid_loss", "valid_perplexity"}.
"""
import argparse, json, math, random, struct, time

import numpy as np
import torch


def read_shard(path):
    """A Jikji dataset shard (JKDS v1): info JSON, then sections of (u64 count, values, pad to 8)."""
    raw = open(path, "rb").read()
    if raw[:4] != b"JKDS":
        raise SystemExit(f"{path} is not a Jikji dataset shard")
    (length,) = struct.unpack_from("<I", raw, 8)
    info = json.loads(raw[12:12 + length])
    cursor = (12 + length + 7) & ~7

    def section(dtype):
        nonlocal cursor
        (count,) = struct.unpack_from("<Q", raw, cursor)
        cursor += 8
        values = np.frombuffer(raw, dtype=dtype, count=count, offset=cursor)
        cursor = (cursor + values.nbytes + 7) & ~7
        return values

    source_offsets, source_ids = section("<u4"), section("<u4")
    target_offsets, target_ids = section("<u4"), section("<u4")
    section("<i4")  # labels (none for pairs)
    splits = section("u1")
    sources = [source_ids[source_offsets[i]:source_offsets[i + 1]].astype(np.int64) for i in range(len(splits))]
    targets = [target_ids[target_offsets[i]:target_offsets[i + 1]].astype(np.int64) for i in range(len(splits))]
    return info, sources, targets, splits


class Example:
    """One pair as Jikji's batching lays it out: source truncated to max_length; decoder input
    [CLS] + answer and output answer + [SEP], both truncated to max_length."""
    __slots__ = ("source", "decoder_input", "decoder_output", "row_length")

    def __init__(self, source, target, start, end, max_length):
        self.source = source[:max_length]
        kept = target[:max_length - 1]
        self.decoder_input = np.concatenate([[start], kept])
        self.decoder_output = np.concatenate([kept, [end]])
        self.row_length = max(len(self.source), len(self.decoder_input))


def bucketed_batches(examples, batch_size, pool, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    batches = []
    chunk = batch_size * pool
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: examples[i].row_length)
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def tensors(examples, batch, pad):
    rows = [examples[i] for i in batch]
    s = max(len(e.source) for e in rows)
    t = max(len(e.decoder_input) for e in rows)
    source = np.full((len(rows), s), pad, dtype=np.int64)
    dec_in = np.full((len(rows), t), pad, dtype=np.int64)
    dec_out = np.full((len(rows), t), pad, dtype=np.int64)
    for r, e in enumerate(rows):
        source[r, :len(e.source)] = e.source
        dec_in[r, :len(e.decoder_input)] = e.decoder_input
        dec_out[r, :len(e.decoder_output)] = e.decoder_output
    lengths = torch.tensor([max(1, len(e.source)) for e in rows])
    return torch.from_numpy(source), lengths, torch.from_numpy(dec_in), torch.from_numpy(dec_out)


class Seq2Seq(torch.nn.Module):
    def __init__(self, vocab, pad, embedding=128, hidden=256, dropout=0.2):
        super().__init__()
        self.src_embedding = torch.nn.Embedding(vocab, embedding, padding_idx=pad)
        self.encoder = torch.nn.LSTM(embedding, hidden, batch_first=True)
        self.tgt_embedding = torch.nn.Embedding(vocab, embedding, padding_idx=pad)
        self.decoder = torch.nn.LSTM(embedding, hidden, batch_first=True)
        self.W_a = torch.nn.Linear(hidden, hidden, bias=False)
        self.W_c = torch.nn.Linear(2 * hidden, hidden, bias=False)
        self.dropout = torch.nn.Dropout(dropout)
        self.out = torch.nn.Linear(hidden, vocab)

    def forward(self, source, lengths, decoder_input):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.src_embedding(source), lengths, batch_first=True,
                                                         enforce_sorted=False)
        encoded, state = self.encoder(packed)
        memory, _ = torch.nn.utils.rnn.pad_packed_sequence(encoded, batch_first=True, total_length=source.shape[1])
        decoded, _ = self.decoder(self.tgt_embedding(decoder_input), state)      # [B, T, H]
        scores = torch.bmm(self.W_a(decoded), memory.transpose(1, 2))           # [B, T, S]
        valid = torch.arange(source.shape[1])[None, :] < lengths[:, None]       # [B, S]
        scores = scores.masked_fill(~valid[:, None, :], float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), memory)              # [B, T, H]
        attentional = torch.tanh(self.W_c(torch.cat([decoded, context], dim=-1)))
        return self.out(self.dropout(attentional))                              # [B, T, V]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shard", required=True, help="the job's dataset shard (.jkds)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-length", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--bucket-pool", type=int, default=50)
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (0: all)")
    p.add_argument("--seed", type=int, default=42, help="seed of the initial weights, dropout and batch order")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    info, sources, targets, splits = read_shard(a.shard)
    specials = info["specialTokens"]
    pad, start, end = specials["pad"], specials["cls"], specials["sep"]
    vocab = info["vocabularySize"]
    train = [Example(sources[i], targets[i], start, end, a.max_length) for i in range(len(splits)) if splits[i] == 0]
    valid = [Example(sources[i], targets[i], start, end, a.max_length) for i in range(len(splits)) if splits[i] == 1]
    model = Seq2Seq(vocab, pad)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=pad)
    sum_loss_fn = torch.nn.CrossEntropyLoss(ignore_index=pad, reduction="sum")
    for epoch in range(1, a.epochs + 1):
        model.train()
        begin, tokens = time.perf_counter(), 0
        for step, batch in enumerate(bucketed_batches(train, a.batch_size, a.bucket_pool, rng)):
            if a.max_steps and step >= a.max_steps:
                break
            source, lengths, dec_in, dec_out = tensors(train, batch, pad)
            optimizer.zero_grad()
            logits = model(source, lengths, dec_in)
            loss = loss_fn(logits.reshape(-1, vocab), dec_out.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            tokens += int(lengths.sum()) + int((dec_out != pad).sum())
        seconds = time.perf_counter() - begin
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for s in range(0, len(valid), 256):
                batch = list(range(s, min(s + 256, len(valid))))
                source, lengths, dec_in, dec_out = tensors(valid, batch, pad)
                logits = model(source, lengths, dec_in)
                total += float(sum_loss_fn(logits.reshape(-1, vocab), dec_out.reshape(-1)))
                count += int((dec_out != pad).sum())
        mean = total / count
        print(json.dumps({"epoch": epoch, "seconds": round(seconds, 2), "tokens_per_second": round(tokens / seconds),
                          "valid_loss": round(mean, 5), "valid_perplexity": round(math.exp(mean), 3)}), flush=True)


if __name__ == "__main__":
    main()
