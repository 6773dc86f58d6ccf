"""Reads a run's TensorBoard events with tensorboard's EventAccumulator and checks that every
value of its metrics.jsonl is there, with its step and (as float32) its value; that the file
version is brain.Event:2; and that the training loss, learning rate, tokens/s and gradient norm
were logged at several steps."""
import json
import math
import struct
import sys
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main(run_dir):
    run = Path(run_dir)
    acc = EventAccumulator(str(run / "tb"), size_guidance={"scalars": 0})
    acc.Reload()
    if acc.file_version != 2.0:
        sys.exit(f"file_version {acc.file_version!r}, expected 2 (brain.Event:2)")
    tags = set(acc.Tags()["scalars"])
    events = {(tag, e.step): e.value for tag in tags for e in acc.Scalars(tag)}
    lines = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    missing = []
    for m in lines:
        key = (f"{m['split']}/{m['name']}", m["step"])
        if m["value"] is None:
            continue
        got = events.get(key)
        if got is None or got != f32(m["value"]) and not (math.isnan(got) and math.isnan(m["value"])):
            missing.append((key, m["value"], got))
    if missing:
        sys.exit(f"{len(missing)} of {len(lines)} metrics.jsonl values not in the events: {missing[:5]}")
    if len(events) != len(lines):
        sys.exit(f"{len(events)} scalars in the events, {len(lines)} lines in metrics.jsonl")
    for tag in ["train/loss", "train/learning_rate", "train/tokens_per_second", "train/grad_norm", "valid/accuracy",
                "valid/loss", "test/accuracy"]:
        steps = [e.step for e in acc.Scalars(tag)] if tag in tags else []
        if not steps or (tag.startswith("train/") and len(steps) < 5):
            sys.exit(f"{tag}: steps {steps}")
    print(f"check-tensorboard: {len(events)} scalars of {len(tags)} tags read by tensorboard's EventAccumulator, "
          f"all equal to metrics.jsonl")


if __name__ == "__main__":
    main(sys.argv[1])
