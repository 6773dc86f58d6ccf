"""Checks one `jikji export --format onnx` encoder-decoder (NAME.encoder.onnx, NAME.decoder.onnx)
against `jikji translate --beam 1 --format jsonl`: onnx.checker (full check) accepts both graphs;
greedy decoding in ONNX Runtime, all sources in one post-padded batch (so lengths and the source
mask matter), gives the same answers (ids) as Jikji, and the answers' log-probabilities agree
within 1e-4."""
import argparse
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder", required=True)
    parser.add_argument("--decoder", required=True)
    parser.add_argument("--translations", required=True, help="JSON Lines of jikji translate --format jsonl")
    parser.add_argument("--max-length", type=int, default=50)
    args = parser.parse_args()

    for path in (args.encoder, args.decoder):
        onnx.checker.check_model(onnx.load(path), full_check=True)
    meta = {p.key: p.value for p in onnx.load(args.decoder).metadata_props}
    start, end = int(meta["jikji.start_id"]), int(meta["jikji.end_id"])
    encoder = ort.InferenceSession(args.encoder, providers=["CPUExecutionProvider"])
    decoder = ort.InferenceSession(args.decoder, providers=["CPUExecutionProvider"])
    decoder_inputs = {i.name for i in decoder.get_inputs()}
    decoder_outputs = [o.name for o in decoder.get_outputs()]
    rows = [json.loads(line) for line in open(args.translations, encoding="utf-8")]
    sources = [r["source"] for r in rows]
    steps = max(len(s) for s in sources)
    ids = np.zeros((len(sources), steps), dtype=np.int64)
    for i, s in enumerate(sources):
        ids[i, :len(s)] = s
    lengths = np.array([len(s) for s in sources], dtype=np.int64)
    encoded = dict(zip([o.name for o in encoder.get_outputs()], encoder.run(None, {"ids": ids, "lengths": lengths})))
    batch = len(sources)
    feeds = {"token": np.full((batch,), start, dtype=np.int64), "hidden": encoded["hidden"]}
    if "cell" in decoder_inputs:
        feeds["cell"] = encoded["cell"]
    if "feed" in decoder_inputs:
        feeds["feed"] = np.zeros((batch, encoded["hidden"].shape[2]), dtype=np.float32)
    if "encoder_outputs" in decoder_inputs:
        feeds["encoder_outputs"], feeds["source_mask"] = encoded["encoder_outputs"], encoded["source_mask"]
    answers = [[] for _ in range(batch)]
    logps = [0.0] * batch
    done = [False] * batch
    for _ in range(args.max_length):
        out = dict(zip(decoder_outputs, decoder.run(None, feeds)))
        chosen = np.argmax(out["log_probabilities"], axis=1)
        for i in range(batch):
            if not done[i]:
                answers[i].append(int(chosen[i]))
                logps[i] += float(out["log_probabilities"][i, chosen[i]])
                done[i] = int(chosen[i]) == end
        if all(done):
            break
        feeds["token"] = chosen.astype(np.int64)
        feeds["hidden"] = out["hidden_out"]
        if "cell" in decoder_inputs:
            feeds["cell"] = out["cell_out"]
        if "feed" in decoder_inputs:
            feeds["feed"] = out["attentional"]
    worst = 0.0
    for row, answer, logp in zip(rows, answers, logps):
        expected = row["hypotheses"][0]
        if answer != expected["ids"]:
            sys.exit(f"{args.decoder}: greedy answer differs for source {row['source']}:\n  jikji {expected['ids']}\n  onnx  {answer}")
        worst = max(worst, abs(logp - expected["log_probability"]))
    if worst > 1e-4:
        sys.exit(f"{args.decoder}: answers' log-probabilities differ by {worst:.2e}")
    print(f"check-onnx-export: {args.encoder} + decoder step: onnx.checker ok; greedy decoding in ONNX Runtime, "
          f"{batch} sources in one padded batch: the same {sum(len(a) for a in answers)} tokens as jikji translate, "
          f"log-probabilities within {worst:.1e}")


if __name__ == "__main__":
    main()
