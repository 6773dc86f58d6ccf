"""Compares python/jikji_dataset.py's batches with `jikji dataset batches --show` (run by
scripts/check-dataset-export.sh): every batch's ids, lengths, labels (and decoder / next-token
rows) of two epochs, and each epoch's batch count, rows, widest batch and checksum.

    python check_dataset_export.py JIKJI DB DATASET EXPORT_DIR [jikji dataset batches flags...]
"""

import re
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
from jikji_dataset import BatchingOptions, Batches, JikjiDataset, epoch_checksum  # noqa: E402

EPOCHS = 2


def parse_flags(flags):
    """The keyword arguments of BatchingOptions.for_dataset for `dataset batches` flags."""
    kwargs, split, i = {}, "train", 0
    valued = {"--batch-size": "batch_size", "--token-budget": "token_budget", "--max-length": "max_length",
              "--pad-to-multiple-of": "pad_to_multiple_of", "--pad-side": "pad_side",
              "--truncate-side": "truncate_side", "--bucket-pool": "bucket_pool", "--window": "window", "--seed": "seed"}
    switches = {"--cls-sep": "add_start_end", "--fixed-length": "fixed_length", "--sort-within-batch": "sort_within_batch",
                "--drop-last": "drop_last"}
    while i < len(flags):
        flag = flags[i]
        if flag in valued:
            value = flags[i + 1]
            kwargs[valued[flag]] = value if flag.endswith("side") else int(value)
            i += 2
        elif flag in switches:
            kwargs[switches[flag]] = True
            i += 1
        elif flag == "--no-shuffle":
            kwargs["shuffle"] = False
            i += 1
        elif flag == "--split":
            split = flags[i + 1]
            i += 2
        else:
            raise SystemExit(f"check_dataset_export: flag {flag} is not mirrored here")
    return kwargs, split


def jikji_epochs(jikji, db, name, flags):
    """Per epoch: (batch texts, summary figures) from `jikji dataset batches --show`."""
    out = subprocess.run([jikji, "dataset", "batches", name, "--db", db, "--epoch", "0", "--epochs", str(EPOCHS),
                          "--show", "1000000000", *flags], check=True, capture_output=True, text=True).stdout
    epochs, current, batch = [], [], None
    for line in out.split("\n"):
        if line.startswith("batch "):
            if batch is not None:
                current.append("\n".join(batch))
            batch = [line.split(": ", 1)[1]]
        elif line.startswith("epoch "):
            if batch is not None:
                current.append("\n".join(batch))
            batch = None
            m = re.match(r"epoch (\d+): (\d+) batches, (\d+) rows, widest (\d+), .* checksum ([0-9a-f]+)", line)
            epochs.append((current, tuple(int(g) for g in m.groups()[1:4]) + (int(m.group(5), 16),)))
            current = []
        elif batch is not None and line.startswith(" "):
            batch.append(line)
    return epochs


def main():
    jikji, db, name, folder, *flags = sys.argv[1:]
    kwargs, split = parse_flags(flags)
    data = JikjiDataset(folder)
    options = BatchingOptions.for_dataset(data, **kwargs)
    expected = jikji_epochs(jikji, db, name, flags)
    if len(expected) != EPOCHS:
        raise SystemExit(f"expected {EPOCHS} epochs from jikji, parsed {len(expected)}")
    for epoch, (texts, figures) in enumerate(expected):
        start = time.time()
        batches = Batches(data, options, split=split, epoch=epoch)
        built = [b for b in batches]
        ours = [b.text() for b in built]
        if len(ours) != len(texts):
            raise SystemExit(f"{name} epoch {epoch}: {len(ours)} batches here, {len(texts)} from jikji")
        for b, (a, e) in enumerate(zip(ours, texts)):
            if a != e:
                raise SystemExit(f"{name} epoch {epoch} batch {b} differs:\n--- reader\n{a[:800]}\n--- jikji\n{e[:800]}")
        rows = sum(len(b.lengths) for b in built)
        widest = max((b.ids.shape[1] for b in built), default=0)
        summary = (len(built), rows, widest, epoch_checksum(batches))
        if summary != figures:
            raise SystemExit(f"{name} epoch {epoch}: reader {summary}, jikji {figures} (batches, rows, widest, checksum)")
        print(f"{name} [{data.manifest['storage']}] epoch {epoch}: {len(built)} batches, {rows} rows identical "
              f"to jikji dataset batches (checksum {summary[3]:016x}, reader {time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
