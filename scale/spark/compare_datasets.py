"""Compares two Jikji dataset files (.jkds) byte for byte after their info block: the source
and target ids and offsets, labels and splits. The info block differs by design (name, build
time, the fingerprints of the parts read); its counts are compared too.

    python compare_datasets.py whole.jkds merged.jkds
"""
import json
import struct
import sys


def sections(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"JKDS":
        sys.exit("%s: not a Jikji dataset file" % path)
    (length,) = struct.unpack_from("<I", data, 8)
    info = json.loads(data[12:12 + length])
    start = (12 + length + 7) & ~7
    return info, data[start:]


def main():
    a_info, a = sections(sys.argv[1])
    b_info, b = sections(sys.argv[2])
    keys = ["examples", "labelCounts", "rowsRead", "skipped", "sourceTokens", "targetTokens", "kind", "vocabulary", "spec"]
    for key in keys:
        if a_info.get(key) != b_info.get(key):
            sys.exit("datasets differ in %s: %r vs %r" % (key, a_info.get(key), b_info.get(key)))
    if a != b:
        first = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if len(a) == len(b) else min(len(a), len(b))
        sys.exit("datasets differ in their ids, labels or splits (from byte %d after the info block; %d vs %d bytes)"
                 % (first, len(a), len(b)))
    print("identical: %d bytes of ids, labels and splits; %s examples" % (len(a), a_info["examples"]))


if __name__ == "__main__":
    main()
