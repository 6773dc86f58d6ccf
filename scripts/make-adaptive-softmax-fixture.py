#!/usr/bin/env python3
"""Writes Tests/JikjiRecurrentTests/Fixtures/adaptive_log_softmax*.json: PyTorch's
nn.AdaptiveLogSoftmaxWithLoss on random inputs, every expected value computed by PyTorch.

Two cases: `adaptive_log_softmax` (in 16, 40 classes, cutoffs [8, 20], div_value 2, head_bias)
and `adaptive_log_softmax_nobias` (in 12, 30 classes, three clusters, div_value 1.5, no head bias;
PyTorch's default 4 would leave the third cluster 12 // 64 = 0 dimensions). Each holds the parameters under their
state_dict names, the input and targets, `output` (log-probability of each target), `loss`
(mean NLL), `log_prob` (every class), and `grad.<name>` / `grad.input` of the loss.

Run with the project's virtual environment: /work/venv/bin/python scripts/make-adaptive-softmax-fixture.py
"""
import json
import pathlib

import torch

torch.manual_seed(1234)
torch.set_num_threads(1)

CASES = [
    {"name": "adaptive_log_softmax", "in": 16, "classes": 40, "cutoffs": [8, 20], "div_value": 2.0,
     "head_bias": True, "rows": 24},
    {"name": "adaptive_log_softmax_nobias", "in": 12, "classes": 30, "cutoffs": [5, 11, 19], "div_value": 1.5,
     "head_bias": False, "rows": 20},
]


def tensor_entry(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def make(case):
    layer = torch.nn.AdaptiveLogSoftmaxWithLoss(case["in"], case["classes"], case["cutoffs"],
                                                div_value=case["div_value"], head_bias=case["head_bias"])
    x = torch.randn(case["rows"], case["in"], requires_grad=True)
    # Every cluster gets rows; the rest uniform over all classes.
    bounds = [0] + case["cutoffs"] + [case["classes"]]
    fixed = [torch.randint(lo, hi, (1,)).item() for lo, hi in zip(bounds, bounds[1:])]
    rest = torch.randint(0, case["classes"], (case["rows"] - len(fixed),)).tolist()
    target = torch.tensor(fixed + rest)
    out = layer(x, target)
    out.loss.backward()
    tensors = {"input": tensor_entry(x), "target": tensor_entry(target), "output": tensor_entry(out.output),
               "loss": tensor_entry(out.loss.reshape(1)), "log_prob": tensor_entry(layer.log_prob(x)),
               "grad.input": tensor_entry(x.grad)}
    for name, parameter in layer.state_dict(keep_vars=True).items():
        tensors[name] = tensor_entry(parameter)
        tensors["grad." + name] = tensor_entry(parameter.grad)
    return {
        "description": f"nn.AdaptiveLogSoftmaxWithLoss({case['in']}, {case['classes']}, cutoffs={case['cutoffs']}, "
                       f"div_value={case['div_value']}, head_bias={case['head_bias']}) on {case['rows']} random rows; "
                       f"gradients of .loss (the mean NLL). torch {torch.__version__}, CPU, float32, manual_seed(1234), one thread.",
        "config": {"in_features": case["in"], "n_classes": case["classes"], "cutoffs": case["cutoffs"],
                   "div_value": case["div_value"], "head_bias": case["head_bias"]},
        "tensors": tensors,
    }


def main():
    folder = pathlib.Path(__file__).resolve().parent.parent / "Tests/JikjiRecurrentTests/Fixtures"
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        path = folder / (case["name"] + ".json")
        path.write_text(json.dumps(make(case)) + "\n")
        print(path)


if __name__ == "__main__":
    main()
