#!/usr/bin/env python3
"""Live check: HF tokenizers loads a tokenizer.json that `jikji vocab export` wrote for a vocabulary
trained with a cleaning pipeline, and encodes every line exactly as `jikji encode` does.

usage: check_pipeline_export.py --jikji .build/release/jikji
The pipeline and the lines (NSMC test reviews and lines that hit every step) are those of
Tests/JikjiWordPieceTests/Fixtures/pipeline.json(l.gz) (scripts/hf_pipeline_cases.py).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/JikjiWordPieceTests/Fixtures")


def run(jikji, *args, check=True):
    r = subprocess.run([jikji, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"jikji {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jikji", required=True)
    jikji = os.path.abspath(parser.parse_args().jikji)
    with open(os.path.join(FIXTURES, "pipeline.json"), encoding="utf-8") as f:
        meta = json.load(f)
    with gzip.open(os.path.join(FIXTURES, "pipeline.jsonl.gz"), "rt", encoding="utf-8") as f:
        # One text per line: lines holding other line breaks would be split by the reader.
        lines = [t for t in (json.loads(row)["text"] for row in f) if not any(c in t for c in "\r\x0b\x0c\x85\u2028\u2029")]
    with tempfile.TemporaryDirectory() as tmp:
        db, corpus = os.path.join(tmp, "db.sqlite"), os.path.join(tmp, "lines.txt")
        pipeline, export = os.path.join(tmp, "pipeline.yaml"), os.path.join(tmp, "piped.json")
        with open(corpus, "w", encoding="utf-8") as f:
            f.writelines(t + "\n" for t in lines)
        with open(pipeline, "w", encoding="utf-8") as f:
            f.write(meta["pipeline_yaml"])
        run(jikji, "vocab", "train", "--input", corpus, "--name", "piped", "--pipeline", pipeline, "--vocab-size", "3000",
            "--limit-alphabet", "1000", "--db", db)
        run(jikji, "vocab", "export", "piped", "--format", "tokenizer-json", "--output", export, "--db", db)
        ours = run(jikji, "encode", "--vocab", "piped", "--db", db, "--input", corpus).stdout.splitlines()
        hf = Tokenizer.from_file(export)
        theirs = [" ".join(map(str, e.ids)) for e in hf.encode_batch(lines)]
        equal = sum(a == b for a, b in zip(ours, theirs))
        print(f"HF loading jikji's export: {equal} of {len(lines)} lines encode as jikji encode does")
        for a, b, t in [(a, b, t) for a, b, t in zip(ours, theirs, lines) if a != b][:5]:
            print(f"  differs: {t!r}\n    jikji {a}\n    HF    {b}")
        # A pipeline HF cannot express is refused, not dropped.
        run(jikji, "vocab", "train", "--input", corpus, "--name", "web", "--pipeline", "korean-web", "--vocab-size", "3000",
            "--limit-alphabet", "1000", "--db", db)
        refused = run(jikji, "vocab", "export", "web", "--format", "tokenizer-json", "--output", export, "--db", db, check=False)
        ok = equal == len(lines) == len(ours) and refused.returncode != 0 and "repeat-limit" in refused.stderr
        if refused.returncode == 0:
            print("the korean-web pipeline was exported although HF cannot express repeat-limit")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
