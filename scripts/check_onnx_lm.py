"""Checks one `jikji export --format onnx` language model against `jikji generate --temperature 0
--format jsonl`: onnx.checker (full check) accepts the graph; ONNX Runtime, fed each generation's
context (the document start and the prompt) in one call from a zero state, then its own choice one
token per call with the state carried, picks the same greedy tokens as Jikji, and the chosen
tokens' log-probabilities agree within 1e-4. With --sampled (`jikji generate --temperature 1
--format jsonl`), ONNX Runtime is fed Jikji's sampled tokens and must give each the same
log-probability within 1e-4: tokens a small greedy model would never pick. The whole-vocabulary
log-probabilities must be normalised (their exponentials sum to 1 at every step)."""
import argparse
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--generations", required=True, help="JSON Lines of jikji generate --temperature 0 --format jsonl")
    parser.add_argument("--sampled", help="JSON Lines of jikji generate --temperature 1 --format jsonl")
    args = parser.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    stop = int(meta["jikji.generation_stop_id"]) if "jikji.generation_stop_id" in meta else None
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    names = {i.name: i for i in session.get_inputs()}
    layers, hidden = names["hidden"].shape[0], names["hidden"].shape[2]
    rows = [json.loads(line) for line in open(args.generations, encoding="utf-8")]
    sampled = [json.loads(line) for line in open(args.sampled, encoding="utf-8")] if args.sampled else []
    if not rows:
        sys.exit("no generations to compare")
    worst, tokens, worst_norm = 0.0, 0, 0.0
    for greedy, row in [(True, r) for r in rows] + [(False, r) for r in sampled]:
        feeds = {"ids": np.array([row["context"]], dtype=np.int64),
                 "hidden": np.zeros((layers, 1, hidden), dtype=np.float32)}
        if "cell" in names:
            feeds["cell"] = np.zeros((layers, 1, hidden), dtype=np.float32)
        produced, logps = [], []
        for _ in range(len(row["ids"])):
            outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
            step = outputs["log_probabilities"][0, -1]
            worst_norm = max(worst_norm, abs(float(np.exp(step.astype(np.float64)).sum()) - 1))
            # Greedy rows: ONNX Runtime's own choice; sampled rows: Jikji's draw, fed back.
            token = int(np.argmax(step)) if greedy else row["ids"][len(produced)]
            produced.append(token)
            logps.append(float(step[token]))
            if token == stop:
                break
            feeds["ids"] = np.array([[token]], dtype=np.int64)
            feeds["hidden"] = outputs["hidden_out"]
            if "cell" in names:
                feeds["cell"] = outputs["cell_out"]
        if produced != row["ids"]:
            sys.exit(f"{args.model}: greedy tokens differ for context {row['context']}:\n  jikji {row['ids']}\n  onnx  {produced}")
        worst = max(worst, max(abs(a - b) for a, b in zip(logps, row["log_probabilities"])))
        tokens += len(produced)
    if worst > 1e-4 or worst_norm > 1e-4:
        sys.exit(f"{args.model}: log-probabilities differ by {worst:.2e} (normalisation off by {worst_norm:.2e})")
    print(f"check-onnx-export: {args.model}: onnx.checker ok; ONNX Runtime step by step from {len(rows)} prompts: "
          f"the same greedy tokens as jikji generate; {tokens} tokens ({len(sampled)} sampled continuations) with "
          f"log-probabilities within {worst:.1e} (sums within {worst_norm:.1e})")


if __name__ == "__main__":
    main()
