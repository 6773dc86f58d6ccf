"""Times ONNX Runtime on the exported classifier over the ids jikji predict fed (batches of 64,
the main job's batch size): session creation, then inference alone; default threads and one."""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

model, tokenizer, predictions, round_ = sys.argv[1:5]
vocab = json.load(open(tokenizer, encoding="utf-8"))["model"]["vocab"]
rows = [json.loads(line) for line in open(predictions, encoding="utf-8")]
batches = []
for start in range(0, len(rows), 64):
    ids = [[vocab[t] for t in r["tokens"]] for r in rows[start:start + 64]]
    padded = np.zeros((len(ids), max(map(len, ids))), dtype=np.int64)
    for i, x in enumerate(ids):
        padded[i, :len(x)] = x
    batches.append((padded, np.array([len(x) for x in ids], dtype=np.int64)))
for threads in (0, 1):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    t0 = time.perf_counter()
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    t1 = time.perf_counter()
    worst = 0.0
    for (ids, lengths), start in zip(batches, range(0, len(rows), 64)):
        p = session.run(["probabilities"], {"ids": ids, "lengths": lengths})[0]
        worst = max(worst, float(np.abs(p - np.array([r["probabilities"] for r in rows[start:start + 64]])).max()))
    t2 = time.perf_counter()
    name = "default threads" if threads == 0 else "1 thread"
    print(f"round {round_} onnxruntime {ort.__version__} ({name}): session {t1 - t0:.3f} s, inference of {len(rows)} "
          f"{t2 - t1:.3f} s, largest probability difference {worst:.1e}")
