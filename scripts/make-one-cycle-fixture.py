#!/usr/bin/env python3
"""Writes Tests/JikjiRecurrentTests/Fixtures/one_cycle_lr.json: the learning rate PyTorch's
torch.optim.lr_scheduler.OneCycleLR gives at every step of a few runs (cosine annealing, two
phases), read before each optimizer step as Jikji's schedule is. Every value comes from PyTorch;
Jikji only reads the file.

Run with a virtual environment holding the torch CPU wheel:
/work/venv-sched/bin/python scripts/make-one-cycle-fixture.py
"""
import json
import pathlib

import torch

CASES = [
    # name, max_lr, total_steps, pct_start, div_factor, final_div_factor
    ("defaults", 0.01, 50, 0.3, 25.0, 1e4),
    ("short_warmup", 0.003, 37, 0.1, 10.0, 100.0),
    ("tiny", 1.0, 5, 0.25, 25.0, 1e4),
]


def rates(max_lr, total, pct_start, div_factor, final_div_factor):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=max_lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=total, pct_start=pct_start, anneal_strategy="cos",
        div_factor=div_factor, final_div_factor=final_div_factor, cycle_momentum=False, three_phase=False)
    values = []
    for _ in range(total):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values


def main():
    tensors, config = {}, {}
    for name, max_lr, total, pct_start, div_factor, final_div_factor in CASES:
        values = rates(max_lr, total, pct_start, div_factor, final_div_factor)
        tensors[name] = {"shape": [len(values)], "data": values}
        config[name] = {"max_lr": max_lr, "total_steps": total, "pct_start": pct_start,
                        "div_factor": div_factor, "final_div_factor": final_div_factor}
    fixture = {
        "description": "OneCycleLR(anneal_strategy='cos', three_phase=False) learning rate before each of "
                       f"total_steps optimizer steps; torch {torch.__version__}, CPU.",
        "config": config,
        "tensors": tensors,
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "Tests/JikjiRecurrentTests/Fixtures/one_cycle_lr.json"
    path.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
