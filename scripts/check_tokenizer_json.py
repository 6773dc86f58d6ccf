"""Round trip of HF's wp150k vocabulary through `jikji vocab import` / `export`, checked by HF itself.

For vocab.txt and tokenizer_bert.json as import sources, and for exports with and without the
BertProcessing post-processor, HF's `Tokenizer.from_file` must load Jikji's file and give the same
ids, tokens, offsets, type ids and decodes as HF's own file on every document of
corpora/nsmc/ratings_test.txt; the exported bytes are also compared. Exits non-zero on any difference.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

from tokenizers import Tokenizer


def run(jikji, *args):
    result = subprocess.run([jikji, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"jikji {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def documents(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [row[1] for row in reader]


def compare(name, ours, theirs, texts):
    a = ours.encode_batch(texts)
    b = theirs.encode_batch(texts)
    bad = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if (x.ids, x.tokens, x.offsets, x.type_ids) != (y.ids, y.tokens, y.offsets, y.type_ids):
            bad += 1
            if bad <= 3:
                print(f"  {name}: document {i} differs: {x.tokens} vs {y.tokens}")
    pair = ours.encode(texts[0], texts[1]).ids == theirs.encode(texts[0], texts[1]).ids
    da = ours.decode_batch([e.ids for e in a])
    db = theirs.decode_batch([e.ids for e in b])
    dbad = sum(1 for x, y in zip(da, db) if x != y)
    ok = bad == 0 and dbad == 0 and pair
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(texts)} documents, {bad} encodings differ, "
          f"{dbad} decodes differ, pair encoding {'equal' if pair else 'differs'}")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jikji", required=True)
    parser.add_argument("--reference", default=os.environ.get("JIKJI_REFERENCE_DIR", "../shared/reference"))
    parser.add_argument("--corpus", default="corpora/nsmc/ratings_test.txt")
    args = parser.parse_args()
    ref = os.path.join(args.reference, "hf/wp150k")
    for f in ["vocab.txt", "tokenizer.json", "tokenizer_bert.json"]:
        if not os.path.exists(os.path.join(ref, f)):
            sys.exit(f"missing reference file {os.path.join(ref, f)}: set JIKJI_REFERENCE_DIR")
    texts = documents(args.corpus)
    hf_bert = Tokenizer.from_file(os.path.join(ref, "tokenizer_bert.json"))
    hf_plain = Tokenizer.from_file(os.path.join(ref, "tokenizer.json"))

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "jikji.sqlite")
        run(args.jikji, "vocab", "import", os.path.join(ref, "vocab.txt"), "--name", "from-txt", "--db", db)
        run(args.jikji, "vocab", "import", os.path.join(ref, "tokenizer_bert.json"), "--name", "from-json", "--db", db)
        for source in ["from-txt", "from-json"]:
            for processor, hf, hf_file in [(True, hf_bert, "tokenizer_bert.json"), (False, hf_plain, "tokenizer.json")]:
                out = os.path.join(tmp, f"{source}-{processor}.json")
                extra = [] if processor else ["--no-post-processor"]
                run(args.jikji, "vocab", "export", source, "--format", "tokenizer-json", "--output", out, "--db", db, *extra)
                ours = Tokenizer.from_file(out)
                label = f"{source} exported {'with' if processor else 'without'} BertProcessing vs HF {hf_file}"
                ok &= compare(label, ours, hf, texts)
                same = open(out, "rb").read() == open(os.path.join(ref, hf_file), "rb").read()
                print(f"{'ok  ' if same else 'FAIL'} {label}: bytes {'identical' if same else 'differ'}")
                ok &= same
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
