"""Jikji vs. HF tokenizers + NumPy: dataset build and one epoch of bucketed batches.

Run through bench/dataset_bench.sh. Both sides do the same work:
  build: read ratings_train.txt (TSV), keep document + label, encode without special tokens on
         all cores, split 0.8/0.2 with a seed, store flat ids + offsets + labels to disk;
  epoch: load the stored dataset, shuffle the train split, sort pools of 100 batches by length,
         cut batches of 64 truncated to 64 tokens, shuffle batch order, build padded [B, T] ids,
         lengths and attention masks for every batch.
Builds are timed as whole processes (start-up included); epochs are timed inside each process
after loading, and loading is reported separately.
"""
import argparse, os, re, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def python_build(corpus, vocab_txt, out):
    import numpy as np
    from tokenizers import BertWordPieceTokenizer
    tok = BertWordPieceTokenizer(vocab_txt, lowercase=False, strip_accents=False)
    docs, labels = [], []
    with open(corpus, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        d, l = header.index("document"), header.index("label")
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(header) or not fields[d].strip():
                continue
            docs.append(fields[d]); labels.append(int(fields[l]))
    encodings = tok.encode_batch(docs, add_special_tokens=False)
    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64); np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.uint32, count=int(offsets[-1]))
    rng = np.random.default_rng(42)
    order = rng.permutation(len(lengths))
    split = np.ones(len(lengths), dtype=np.uint8); split[order[: round(0.8 * len(lengths))]] = 0
    np.savez(out, ids=ids, offsets=offsets, labels=np.array(labels, dtype=np.int32), split=split)
    return len(lengths), int(offsets[-1])


def python_epoch(npz, batch=64, max_len=64, pool=100, pad=0, seed=0):
    import numpy as np
    t0 = time.perf_counter()
    data = np.load(npz)
    ids, offsets, labels, split = data["ids"], data["offsets"], data["labels"], data["split"]
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    train = np.flatnonzero(split == 0)
    order = rng.permutation(train)
    lengths = np.minimum(offsets[order + 1] - offsets[order], max_len)
    batches = []
    step = pool * batch
    for start in range(0, len(order), step):
        sl = slice(start, start + step)
        sorted_pool = order[sl][np.argsort(lengths[sl], kind="stable")]
        batches.extend(sorted_pool[i:i + batch] for i in range(0, len(sorted_pool), batch))
    rng.shuffle(batches)
    real = slots = 0
    for members in batches:
        starts, ends = offsets[members], offsets[members + 1]
        lens = np.minimum(ends - starts, max_len)
        width = int(lens.max())
        out = np.full((len(members), width), pad, dtype=np.int32)
        for r, (s, n) in enumerate(zip(starts, lens)):
            out[r, :n] = ids[s:s + n]
        mask = np.arange(width)[None, :] < lens[:, None]
        y = labels[members]
        real += int(lens.sum()); slots += out.size
    return load, time.perf_counter() - t0, len(batches), 1 - real / slots


def run(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return elapsed, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jikji", required=True)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "corpora/nsmc/ratings_train.txt"))
    ap.add_argument("--vocab", default=os.environ.get("JIKJI_REFERENCE_DIR", os.path.join(ROOT, "../shared/reference"))
                    + "/hf/wp150k/vocab.txt")
    ap.add_argument("--python-build", nargs=1, metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.python_build:
        n, t = python_build(args.corpus, args.vocab, args.python_build[0])
        print(f"{n} {t}")
        return
    work = tempfile.mkdtemp(prefix="jikji-dataset-bench-")
    db = os.path.join(work, "jikji.sqlite")
    run([args.jikji, "vocab", "import", args.vocab, "--name", "wp150k", "--db", db])
    build_j, out = run([args.jikji, "dataset", "build", "--input", args.corpus, "--text-column", "document",
                        "--label-column", "label", "--split", "0.8,0.2", "--seed", "42", "--vocab", "wp150k",
                        "--name", "nsmc", "--db", db])
    npz = os.path.join(work, "nsmc.npz")
    build_p, _ = run([sys.executable, __file__, "--jikji", args.jikji, "--corpus", args.corpus, "--vocab", args.vocab,
                      "--python-build", npz])
    _, out = run([args.jikji, "dataset", "batches", "nsmc", "--batch-size", "64", "--max-length", "64",
                  "--bucket-pool", "100", "--db", db])
    load_j = float(re.search(r"in ([0-9.]+) s", out.splitlines()[0]).group(1))
    m = re.search(r"epoch 0: (\d+) batches.*padding ([0-9.]+)%, ([0-9.]+) s", out)
    batches_j, pad_j, epoch_j = int(m.group(1)), float(m.group(2)), float(m.group(3))
    load_p, epoch_p, batches_p, pad_p = python_epoch(npz)
    print(f"corpus: {args.corpus} (150k reviews), cores: {os.cpu_count()}")
    print(f"{'':28}{'Jikji':>10}{'Python':>10}{'speed-up':>10}")
    print(f"{'build (whole process) s':28}{build_j:10.2f}{build_p:10.2f}{build_p / build_j:9.1f}x")
    print(f"{'load dataset s':28}{load_j:10.3f}{load_p:10.3f}{load_p / max(load_j, 1e-6):9.1f}x")
    print(f"{'one bucketed epoch s':28}{epoch_j:10.3f}{epoch_p:10.3f}{epoch_p / max(epoch_j, 1e-6):9.1f}x")
    print(f"batches: Jikji {batches_j}, Python {batches_p}; padding: Jikji {pad_j:.1f}%, Python {pad_p * 100:.1f}%")


if __name__ == "__main__":
    main()
