"""Checks one `jikji export --format pytorch` folder.

Without torch (--static): model.py and predict.py compile (py_compile), and the STATE_DICT table of
model.py, read from its source with ast (no import), names exactly the tensors of model.safetensors
with their shapes (read from the file's JSON header).

With torch: model.load() loads model.safetensors with strict=True, and the module agrees with Jikji:
a classifier's probabilities with `jikji predict --format jsonl --tokens` within 1e-4 (same labels),
a language model's greedy tokens and their log-probabilities with `jikji generate --format jsonl`,
and the log-probabilities of the tokens it sampled, an encoder-decoder's greedy answers with `jikji translate --format jsonl` (all sources in one batch).
"""
import argparse
import ast
import importlib.util
import json
import py_compile
import struct
import sys
from pathlib import Path


def static_check(folder):
    for name in ("model.py", "predict.py"):
        py_compile.compile(str(folder / name), doraise=True)
    tree = ast.parse((folder / "model.py").read_text(encoding="utf-8"))
    table = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "STATE_DICT" for t in node.targets))
    data = (folder / "model.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    checkpoint = {name: entry["shape"] for name, entry in header.items()}
    if table != checkpoint:
        missing = sorted(set(checkpoint) - set(table))
        extra = sorted(set(table) - set(checkpoint))
        shapes = sorted(n for n in set(table) & set(checkpoint) if table[n] != checkpoint[n])
        sys.exit(f"{folder}: STATE_DICT differs from model.safetensors: missing {missing}, extra {extra}, shapes {shapes}")
    return len(table)


def module(folder):
    spec = importlib.util.spec_from_file_location("exported_model", folder / "model.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def check_classifier(m, model, rows):
    import torch
    vocab = json.load(open(m.Path(m.__file__).parent / "tokenizer.json", encoding="utf-8"))["model"]["vocab"]
    worst, differ = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(rows), 64):
            chunk = rows[start:start + 64]
            ids = [[vocab[t] for t in r["tokens"]] for r in chunk]
            steps = max(len(x) for x in ids)
            padded = torch.zeros(len(ids), steps, dtype=torch.long)
            for i, x in enumerate(ids):
                padded[i, :len(x)] = torch.tensor(x)
            probabilities = model.probabilities(model(padded, torch.tensor([len(x) for x in ids])))
            for r, p in zip(chunk, probabilities):
                worst = max(worst, max(abs(float(a) - b) for a, b in zip(p, r["probabilities"])))
                top_two = sorted(r["probabilities"])[-2:]
                differ += int(torch.argmax(p)) != r["label"] and top_two[1] - top_two[0] > 2e-4
    if worst > 1e-4 or differ:
        sys.exit(f"classifier: probabilities differ by {worst:.2e}, {differ} labels differ")
    return f"{len(rows)} reviews: same labels, probabilities within {worst:.1e}"


def check_language_model(m, model, rows, sampled):
    import torch
    worst, tokens = 0.0, 0
    # Sampled continuations: Jikji's draws fed in one call ([1, steps]), each token's log-probability compared.
    with torch.no_grad():
        for r in sampled:
            sequence = r["context"] + r["ids"][:-1]
            log_probabilities, _ = model(torch.tensor([sequence]))
            first = len(r["context"]) - 1
            scores = [float(log_probabilities[0, first + k, token]) for k, token in enumerate(r["ids"])]
            worst = max([worst] + [abs(a - b) for a, b in zip(scores, r["log_probabilities"])])
            tokens += len(scores)
    for r in rows:
        produced, scores = model.generate(r["context"], max_tokens=len(r["ids"]))
        if produced != r["ids"]:
            sys.exit(f"language model: greedy tokens differ for {r['context']}:\n  jikji {r['ids']}\n  torch {produced}")
        worst = max([worst] + [abs(a - b) for a, b in zip(scores, r["log_probabilities"])])
        tokens += len(produced)
    if worst > 1e-4:
        sys.exit(f"language model: log-probabilities differ by {worst:.2e}")
    return (f"{len(rows)} prompts: the same greedy tokens; {tokens} tokens ({len(sampled)} sampled continuations) "
            f"with log-probabilities within {worst:.1e}")


def check_seq2seq(m, model, rows, max_length):
    import torch
    sources = [r["source"] for r in rows]
    steps = max(len(s) for s in sources)
    ids = torch.zeros(len(sources), steps, dtype=torch.long)
    for i, s in enumerate(sources):
        ids[i, :len(s)] = torch.tensor(s)
    answers, scores = model.greedy(ids, torch.tensor([len(s) for s in sources]), max_length=max_length)
    worst = 0.0
    for r, answer, score in zip(rows, answers, scores):
        best = r["hypotheses"][0]
        if answer != best["ids"]:
            sys.exit(f"seq2seq: greedy answer differs for {r['source']}:\n  jikji {best['ids']}\n  torch {answer}")
        worst = max(worst, abs(score - best["log_probability"]))
    if worst > 1e-4:
        sys.exit(f"seq2seq: log-probabilities differ by {worst:.2e}")
    return f"{len(rows)} sources in one batch: the same {sum(map(len, answers))} greedy tokens, log-probabilities within {worst:.1e}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--static", action="store_true", help="only the checks that need no torch")
    parser.add_argument("--reference", help="JSON Lines of jikji predict/generate/translate --format jsonl")
    parser.add_argument("--sampled", help="language models: JSON Lines of jikji generate --temperature 1 --format jsonl")
    parser.add_argument("--max-length", type=int, default=50)
    args = parser.parse_args()
    folder = Path(args.folder)
    count = static_check(folder)
    if args.static:
        print(f"check-pytorch-export: {folder}: model.py and predict.py compile; STATE_DICT names the {count} tensors "
              f"of model.safetensors with their shapes")
        return
    m = module(folder)
    model = m.load(folder)
    rows = [json.loads(line) for line in open(args.reference, encoding="utf-8")]
    kind = type(model).__name__
    if kind == "JikjiClassifier":
        result = check_classifier(m, model, rows)
    elif kind == "JikjiLanguageModel":
        sampled = [json.loads(line) for line in open(args.sampled, encoding="utf-8")] if args.sampled else []
        result = check_language_model(m, model, rows, sampled)
    else:
        result = check_seq2seq(m, model, rows, args.max_length)
    print(f"check-pytorch-export: {folder}: {kind} loaded with strict=True ({count} tensors); {result}")


if __name__ == "__main__":
    main()
