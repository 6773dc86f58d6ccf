"""Fixtures/cli-cases.json (imported by make-hf-fixtures.py): pairs, truncation strategies, stride
with overflow, and padding to the longest of a batch, as `jikji encode` expresses them with
--pair-column, --truncation-strategy, --stride and --padding longest --batch-size.

The tokenizer is all-MiniLM-L6-v2's tokenizer.json with its own truncation and padding switched
off; each run sets HF's truncation and padding as the CLI flags do, and encodes the rows of a
small TSV one at a time (`encode`), or a batch at a time (`encode_batch`) when padding to the
longest. A row HF refuses (a truncation that cannot work) is stored as its error.
"""
import os

from tokenizers import Tokenizer

ROWS = [
    ["How are you?", "I am fine, thank you."],
    ["What is the capital of France?", "Paris is the capital and most populous city of France."],
    ["", "an empty first text"],
    ["a question without an answer", ""],
    ["The quick brown fox jumps over the lazy dog again and again and again", "short"],
    ["short", "The quick brown fox jumps over the lazy dog again and again and again"],
    ["Café naïve résumé", "UNAFFABLE [MASK] tokens, y'all!"],
    ["one two three four five six seven eight nine ten eleven twelve",
     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"],
    ["Hello, world!", "Bonjour le monde, ça va?"],
    ["tokenization of unbelievably long words", "antidisestablishmentarianism"],
]

# (name, pair, max_length, stride, strategy, padding batch size or None)
RUNS = [
    ("pairs as they are", True, None, None, None, None),
    ("pairs longest_first 16", True, 16, None, None, None),
    ("pairs longest_first 16 stride 2", True, 16, 2, None, None),
    ("pairs only_first 20 stride 1", True, 20, 1, "only_first", None),
    ("pairs only_second 20 stride 3", True, 20, 3, "only_second", None),
    ("pairs only_second 12 (too short)", True, 12, None, "only_second", None),
    ("pairs longest_first 24, padded to the longest of 3", True, 24, None, None, 3),
    ("pairs longest_first 14 stride 4, padded to the longest of 4", True, 14, 4, None, 4),
    ("texts 8 stride 3", False, 8, 3, None, None),
    ("texts 10 stride 2, padded to the longest of 4", False, 10, 2, None, 4),
    ("texts padded to the longest of 5", False, None, None, None, 5),
    ("texts only_first 9 stride 5", False, 9, 5, "only_first", None),
]


def tokenizer(path, max_length, stride, strategy, padded):
    t = Tokenizer.from_file(path)
    t.no_truncation()
    t.no_padding()
    if max_length is not None:
        t.enable_truncation(max_length, stride=stride or 0, strategy=strategy or "longest_first")
    if padded:
        t.enable_padding(pad_id=t.token_to_id("[PAD]"), pad_token="[PAD]")
    return t


def main(out_dir, ref, encoding, write_json):
    path = os.path.join(ref, "hf/minilm/tokenizer.json")
    runs = []
    for name, pair, max_length, stride, strategy, batch in RUNS:
        t = tokenizer(path, max_length, stride, strategy, batch is not None)
        inputs = [tuple(r) if pair else r[0] for r in ROWS]
        outputs = []
        if batch is None:
            for x in inputs:
                try:
                    e = t.encode(*x) if pair else t.encode(x)
                    outputs.append(encoding(e))
                except Exception as error:  # HF's own refusal, kept as the expected outcome
                    outputs.append({"error": str(error)})
        else:
            for start in range(0, len(inputs), batch):
                outputs += [encoding(e) for e in t.encode_batch(inputs[start:start + batch])]
        runs.append({"name": name, "pair": pair, "max_length": max_length, "stride": stride, "strategy": strategy,
                     "batch_size": batch, "outputs": outputs})
    write_json("cli-cases.json", {"header": ["Q", "A"], "rows": ROWS, "runs": runs})
    print(f"cli cases: {len(runs)} runs of {len(ROWS)} rows")
