#!/usr/bin/env python3
"""Cross-checks Jikji's safetensors files against HuggingFace's `safetensors` package.

  check_safetensors.py verify FILE EXPECTED.json
      Loads FILE (written by Jikji) with safetensors.numpy (and safetensors.torch when torch
      is installed) and compares every tensor's dtype, shape and values, and the metadata,
      with EXPECTED.json: {"tensors": {name: {"dtype", "shape", "data"}}, "metadata": {...}}.
      Exits 1 listing every difference.

  check_safetensors.py write FILE
      Writes FILE with safetensors.numpy (F32, F64, F16, I64, I32 tensors and metadata) and
      prints the same content as JSON on stdout, for Jikji's reader to be checked against.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

NUMPY_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def verify(path, expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    problems = []
    loaded = load_file(path)
    want = expected["tensors"]
    if set(loaded) != set(want):
        problems.append(f"names differ: file has {sorted(loaded)}, expected {sorted(want)}")
    for name, spec in want.items():
        if name not in loaded:
            continue
        array = loaded[name]
        dtype = NUMPY_DTYPES[spec["dtype"]]
        if array.dtype != dtype:
            problems.append(f"{name}: dtype {array.dtype}, expected {spec['dtype']}")
        if list(array.shape) != spec["shape"]:
            problems.append(f"{name}: shape {list(array.shape)}, expected {spec['shape']}")
            continue
        target = np.array(spec["data"], dtype=dtype).reshape(spec["shape"])
        if not np.array_equal(array, target):
            bad = int(np.sum(array != target))
            problems.append(f"{name}: {bad} of {array.size} values differ")
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
    if metadata != expected.get("metadata", {}):
        problems.append(f"metadata {metadata}, expected {expected.get('metadata', {})}")
    try:
        import torch  # noqa: F401
        from safetensors.torch import load_file as load_torch
    except ImportError:
        torch = None
    if torch is not None:
        for name, tensor in load_torch(path).items():
            if not np.array_equal(tensor.numpy(), loaded[name]):
                problems.append(f"{name}: safetensors.torch and safetensors.numpy disagree")
    for p in problems:
        print(p, file=sys.stderr)
    checked = "numpy and torch" if torch is not None else "numpy"
    print(f"{path}: {len(want)} tensors checked with safetensors.{checked}: "
          + ("OK" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


def write(path):
    tensors = {
        "embedding.weight": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3,
        "double": np.array([1.0 / 3, -2.5e-10, 1e30], dtype=np.float64),
        "half": np.array([[0.5, -2.0], [65504.0, 6.1035156e-05]], dtype=np.float16),
        "step": np.array([7], dtype=np.int64),
        "ids": np.array([[-3, 0, 2147483647]], dtype=np.int32),
        "scalar": np.array(4.25, dtype=np.float32),
    }
    metadata = {"format": "pt", "written_by": "check_safetensors.py"}
    save_file(tensors, path, metadata=metadata)
    out = {"tensors": {}, "metadata": metadata}
    for name, array in tensors.items():
        dtype = {v: k for k, v in NUMPY_DTYPES.items()}[array.dtype.type]
        out["tensors"][name] = {"dtype": dtype, "shape": list(array.shape),
                                "data": [float(x) if array.dtype.kind == "f" else int(x) for x in array.reshape(-1)]}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        sys.exit(write(sys.argv[2]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
