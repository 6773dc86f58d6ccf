"""Checks one `jikji export --format onnx` classifier against `jikji predict --format jsonl --tokens`:
onnx.checker (full check, shape inference included) accepts the model; ONNX Runtime, fed the same
ids (the predicted rows' tokens mapped through the exported tokenizer.json, post-padded, with their
lengths, in batches of mixed lengths), returns the same labels and probabilities within 1e-4."""
import argparse
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    opset = {o.domain: o.version for o in model.opset_import}[""]
    if opset < 17:
        sys.exit(f"opset {opset} < 17")
    vocab = json.load(open(args.tokenizer, encoding="utf-8"))["model"]["vocab"]
    rows = [json.loads(line) for line in open(args.predictions, encoding="utf-8")]
    if len(rows) < 1000:
        sys.exit(f"{len(rows)} predictions, expected 1000")
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    worst, worst_logit, labels_differ = 0.0, 0.0, 0
    for start in range(0, len(rows), args.batch):
        chunk = rows[start:start + args.batch]
        ids = [[vocab[t] for t in r["tokens"]] for r in chunk]
        steps = max(len(x) for x in ids)
        padded = np.zeros((len(ids), steps), dtype=np.int64)
        for i, x in enumerate(ids):
            padded[i, :len(x)] = x
        lengths = np.array([len(x) for x in ids], dtype=np.int64)
        logits, probabilities = session.run(["logits", "probabilities"], {"ids": padded, "lengths": lengths})
        expected = np.array([r["probabilities"] for r in chunk])
        expected_logits = np.array([r["logits"] for r in chunk])
        worst = max(worst, float(np.abs(probabilities - expected).max()))
        worst_logit = max(worst_logit, float(np.abs(logits - expected_logits).max()))
        for r, p in zip(chunk, probabilities):
            label = int(p[1] >= 0.5) if logits.shape[1] == 1 else int(np.argmax(p))
            top_two = sorted(r["probabilities"])[-2:]
            # A tie within the tolerance may fall either way; any other difference is a wrong label.
            labels_differ += label != r["label"] and top_two[1] - top_two[0] > 2e-4
    if worst > 1e-4 or worst_logit > 1e-3 or labels_differ:
        sys.exit(f"{args.model}: largest probability difference {worst:.2e}, logit {worst_logit:.2e}, {labels_differ} labels differ")
    print(f"check-onnx-export: {args.model}: onnx.checker ok (opset {opset}); ONNX Runtime on {len(rows)} reviews: "
          f"same labels, probabilities within {worst:.1e} (logits {worst_logit:.1e})")


if __name__ == "__main__":
    main()
