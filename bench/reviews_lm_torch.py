"""The PyTorch side of bench/reviews-lm.sh: the reviews-lm job's language model, trained the
PyTorch way on the same tokens (HF tokenizers with the vocabulary Jikji exported), in the same
stream layout, for training tokens/s and validation perplexity.

Embedding(V, 512, padding_idx=[PAD]) -> LSTM(512) -> dropout 0.2 -> Linear(512, V) whose weight
is the embedding table (tied) -> cross-entropy ignoring [PAD]; Adam 1e-3; clip_grad_norm 1.0;
batch 64, window 64.

The stream is what Jikji's `train.hidden_state: carry` batching builds: the training documents
(rows whose text is blank or encodes to nothing are left out, as Jikji's dataset builder does) in
the order of Jikji's seeded shuffle for epoch 0 (SplitMix64, reproduced below), each followed by
[SEP], cut into 64 contiguous rows (word_language_model's `batchify`); batch k is window k of every
row. With --state carry each window starts from the previous window's final (h, c), detached.
Validation: the validation documents in file order, laid out the same way, the state carried from
zeros through each row; perplexity = exp(mean cross-entropy over every target).

With --start-from DIR (a Jikji checkpoint folder: model.safetensors, state.safetensors) PyTorch starts
where Jikji's run was after that checkpoint's step: the same weights, Adam moments and step count,
and carried (h, c); it skips the windows already trained and runs the rest up to --steps. Both sides
then differ only in their dropout masks (and rounding).

With --output adaptive the output layer is nn.AdaptiveLogSoftmaxWithLoss(512, V, --cutoffs,
div_value=--div-value) over frequency ranks, untied, as Jikji's `model.output: {kind: adaptive}`: the
ids are ranked by how often each is a target of the training stream (document tokens plus one [SEP]
per document, ties in id order), the order Jikji saves as `frequency_order` (checked against it
with --start-from).

Prints one JSON line: {"steps", "tokens", "seconds", "tokens_per_second", "valid_tokens",
"valid_loss", "valid_perplexity", "train_stream_tokens"}.
"""
import argparse, json, math, sys, time

import torch
from tokenizers import Tokenizer

MASK64 = (1 << 64) - 1


class SplitMix64:
    """Jikji's data-order generator (Sources/JikjiData/SplitMix64.swift), bit for bit."""

    def __init__(self, seed, stream=None):
        if stream is None:
            self.state = seed & MASK64
            return
        mixer = SplitMix64(seed ^ 0x6A09E667F3BCC909)
        a = mixer.next()
        second = SplitMix64((stream + a) & MASK64)
        self.state = second.next() ^ a

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_index(self, bound):
        # Lemire's multiply-and-reject, as in Swift's multipliedFullWidth version.
        product = self.next() * bound
        low = product & MASK64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK64
        return product >> 64

    def shuffle(self, items):
        i = len(items) - 1
        while i > 0:
            j = self.next_index(i + 1)
            items[i], items[j] = items[j], items[i]
            i -= 1


def read_documents(path, column):
    texts = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        index = header.index(column)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(header) or not parts[index].strip():
                continue
            texts.append(parts[index])
    return texts


def encode(tokenizer, texts):
    return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False) if e.ids]


def stream_rows(documents, order, separator, rows):
    stream = []
    for i in order:
        stream += documents[i]
        stream.append(separator)
    length = len(stream) // rows
    data = torch.tensor(stream[:length * rows], dtype=torch.long).view(rows, length)
    return data, len(stream)


def windows(data, window):
    inputs = data.size(1) - 1
    for start in range(0, inputs, window):
        width = min(window, inputs - start)
        yield data[:, start:start + width], data[:, start + 1:start + 1 + width]


class LanguageModel(torch.nn.Module):
    def __init__(self, vocab, size, dropout, pad, cutoffs=None, div_value=4.0):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, size, padding_idx=pad)
        self.rnn = torch.nn.LSTM(size, size, batch_first=True)
        self.dropout = torch.nn.Dropout(dropout)
        self.adaptive = cutoffs is not None
        if self.adaptive:
            self.fc = torch.nn.AdaptiveLogSoftmaxWithLoss(size, vocab, cutoffs, div_value=div_value)
        else:
            self.fc = torch.nn.Linear(size, vocab)
            self.fc.weight = self.embedding.weight

    def forward(self, ids, state):
        """Logits (full softmax) or the dropped top-layer outputs (adaptive: the loss applies fc)."""
        output, state = self.rnn(self.embedding(ids), state)
        output = self.dropout(output)
        return (output if self.adaptive else self.fc(output)), state

    def summed_loss(self, out, targets, rank, pad):
        """The summed next-token cross-entropy of a window (targets equal to pad ignored)."""
        flat = targets.reshape(-1)
        if not self.adaptive:
            return torch.nn.functional.cross_entropy(out.reshape(-1, out.size(-1)), flat, ignore_index=pad, reduction="sum")
        keep = flat != pad
        hidden = out.reshape(-1, out.size(-1))[keep]
        return -self.fc(hidden, rank[flat[keep]]).output.sum()


def frequency_rank(documents, separator, vocab):
    """rank[id]: ids by target count in the training stream (tokens + one separator per document), ties by id."""
    counts = [0] * vocab
    for doc in documents:
        for i in doc:
            counts[i] += 1
    counts[separator] += len(documents)
    order = sorted(range(vocab), key=lambda i: (-counts[i], i))
    rank = torch.empty(vocab, dtype=torch.long)
    rank[torch.tensor(order)] = torch.arange(vocab)
    return order, rank


def start_from(folder, model, optimizer):
    """Loads a Jikji checkpoint into `model` and `optimizer`; returns the carried state and the step."""
    from safetensors.numpy import load_file
    weights = load_file(f"{folder}/model.safetensors")
    saved = load_file(f"{folder}/state.safetensors")
    if getattr(model, "order", None) is not None:
        saved_order = [int(v) for v in weights["frequency_order"]]
        if saved_order != model.order:
            raise SystemExit("Jikji's frequency_order differs from the order counted here")
    done = int(saved["optimizer.step"][0])
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_(torch.from_numpy(weights[name]))
    for name, parameter in model.named_parameters():
        optimizer.state[parameter] = {
            "step": torch.tensor(float(done)),
            "exp_avg": torch.from_numpy(saved[f"optimizer.{name}.exp_avg"].copy()),
            "exp_avg_sq": torch.from_numpy(saved[f"optimizer.{name}.exp_avg_sq"].copy())}
    state = None
    if "task.lm_state.hidden" in saved:
        state = (torch.from_numpy(saved["task.lm_state.hidden"].copy()), torch.from_numpy(saved["task.lm_state.cell"].copy()))
    return state, done


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--column", default="document")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--state", choices=["carry", "reset"], default="carry")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init-range", type=float, default=0.0,
                   help="the job's model.init_range: > 0 redraws the (tied) embedding uniformly in [-r, r], padding row zero")
    p.add_argument("--dropout", type=float, default=0.2, help="the job's model.dropout")
    p.add_argument("--start-from", help="a Jikji checkpoint folder to continue from (weights, Adam state, carried state)")
    p.add_argument("--eval-every", type=int, default=0, help="also evaluate every N steps (untimed; JSON lines on stderr)")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: forward passes (training and evaluation) under torch.autocast('cpu', dtype=torch.bfloat16)")
    p.add_argument("--output", choices=["full", "adaptive"], default="full", help="the job's model.output.kind")
    p.add_argument("--cutoffs", default="2000,10000", help="adaptive: comma-separated frequency ranks")
    p.add_argument("--div-value", type=float, default=4.0, help="adaptive: div_value")
    a = p.parse_args()
    if a.state != "carry":
        raise SystemExit("only --state carry reproduces Jikji's stream layout here")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tokenizer = Tokenizer.from_file(a.tokenizer)
    pad, separator = tokenizer.token_to_id("[PAD]"), tokenizer.token_to_id("[SEP]")
    train = encode(tokenizer, read_documents(a.train, a.column))
    valid = encode(tokenizer, read_documents(a.valid, a.column))
    order = list(range(len(train)))
    SplitMix64(a.seed, 0).shuffle(order)
    train_rows, train_stream = stream_rows(train, order, separator, a.batch)
    valid_rows, _ = stream_rows(valid, range(len(valid)), separator, a.batch)

    vocab = tokenizer.get_vocab_size()
    adaptive = a.output == "adaptive"
    model = LanguageModel(vocab, 512, a.dropout, pad, [int(c) for c in a.cutoffs.split(",")] if adaptive else None, a.div_value)
    model.order, rank = frequency_rank(train, separator, vocab) if adaptive else (None, None)
    if a.init_range > 0:
        # As Jikji's model.init_range (and word_language_model): after the modules' own draws.
        with torch.no_grad():
            model.embedding.weight.uniform_(-a.init_range, a.init_range)
            model.embedding.weight[pad].zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    state, done = None, 0
    if a.start_from:
        state, done = start_from(a.start_from, model, optimizer)

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16")

    def evaluate():
        model.eval()
        total, count, state = 0.0, 0, None
        with torch.no_grad():
            for ids, targets in windows(valid_rows, a.window):
                with autocast():
                    out, state = model(ids, state)
                    total += float(model.summed_loss(out, targets, rank, pad).float())
                count += int((targets != pad).sum())
        model.train()
        return total / count, count

    model.train()
    steps, tokens, seconds = done, 0, 0.0
    for index, (ids, targets) in enumerate(windows(train_rows, a.window)):
        if index < done:
            continue
        if steps >= a.steps:
            break
        start = time.perf_counter()
        if state is not None:
            state = tuple(s.detach() for s in state)
        optimizer.zero_grad()
        with autocast():
            out, state = model(ids, state)
            loss = model.summed_loss(out, targets, rank, pad) / int((targets != pad).sum())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        steps += 1
        tokens += targets.numel()
        seconds += time.perf_counter() - start
        if a.eval_every and steps % a.eval_every == 0 and steps < a.steps:
            valid_loss, _ = evaluate()
            print(json.dumps({"step": steps, "train_loss": round(loss.item(), 4), "valid_loss": round(valid_loss, 4),
                              "valid_perplexity": round(math.exp(valid_loss), 2)}), file=sys.stderr, flush=True)

    loss, count = evaluate()
    print(json.dumps({"steps": steps, "tokens": tokens, "seconds": round(seconds, 2),
                      "tokens_per_second": round(tokens / seconds, 1), "valid_tokens": count,
                      "valid_loss": round(loss, 5), "valid_perplexity": round(math.exp(loss), 3),
                      "train_stream_tokens": train_stream}), flush=True)


if __name__ == "__main__":
    main()
