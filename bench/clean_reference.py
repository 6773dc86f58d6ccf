#!/usr/bin/env python3
"""Python reference for `jikji clean` on one column of a TSV file, with the benchmark pipeline
steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace] -- what the seed recipe's
tools (unicodedata.normalize and re) do, written the straightforward way.

Usage: clean_reference.py INPUT.tsv OUTPUT.tsv COLUMN
Prints the CPU seconds spent (process time, I/O included) as `cpu_seconds=<float>`.
"""
import re
import sys
import time
import unicodedata

# html-tags: comments and tags whose name starts with a Latin letter (so "<영화>" stays).
TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
# repeat-limit 2: a unit of 1-3 characters (not digits: 5000 stays) repeated 3+ times -> 2 times.
REPEAT = re.compile(r"([^\d]{1,3}?)\1{2,}")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = TAG.sub(" ", text)
    text = REPEAT.sub(r"\1\1", text)
    return " ".join(text.split())  # collapse-whitespace


def main() -> None:
    source, target, column = sys.argv[1], sys.argv[2], sys.argv[3]
    started = time.process_time()
    with open(source, encoding="utf-8", newline="") as inp, open(target, "w", encoding="utf-8", newline="") as out:
        header = inp.readline().rstrip("\r\n")
        index = header.split("\t").index(column)
        out.write(header + "\n")
        for line in inp:
            fields = line.rstrip("\n").removesuffix("\r").split("\t")
            fields[index] = clean(fields[index])
            out.write("\t".join(fields) + "\n")
    print(f"cpu_seconds={time.process_time() - started:.3f}")


if __name__ == "__main__":
    main()
