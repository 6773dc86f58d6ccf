import Foundation
import JikjiData
import JikjiJobs

/// A trained run as a PyTorch project (`jikji export RUN --format pytorch --output DIR`):
/// `model.py` (an `nn.Module` of the run's architecture, generated here from its configuration,
/// with a `load()` that reads `model.safetensors` with `strict=True` and a `STATE_DICT` table of
/// every tensor's name and shape), the checkpoint's `model.safetensors`, the vocabulary as HF
/// `tokenizer.json`, and `predict.py`, an example that encodes text with the `tokenizers` package
/// and runs the module as `jikji predict`, `generate` or `translate` would.
public enum PyTorchExport {
    /// The Python text of one module class: what the run's kind contributes to `model.py`.
    struct ModuleSource {
        /// The `nn.Module` subclass.
        var className: String
        /// What it is, for the docstrings.
        var summary: String
        /// Its submodules, in construction order.
        var layers: [PyTorchLayer]
        /// Registered buffers (`name`, shape), zeros until the state_dict loads.
        var buffers: [(String, [Int])]
        /// The methods after `__init__`, indented as class members.
        var body: String
        /// Module-level constants (special ids) the methods read.
        var constants: String = ""

        /// Every state_dict entry the module holds, parameters then buffers.
        var stateDict: [(String, [Int])] { PyTorchLayer.stateDict(layers) + buffers }
    }

    /// The module of `run`'s model.
    /// - Throws: ``ExportError/unsupported(_:)`` for a run without one of the three models.
    static func module(of run: TrainedRun) throws -> ModuleSource {
        if let classifier = run.classifier { return try classifierModule(classifier.configuration) }
        if let lm = run.languageModel {
            return languageModelModule(lm.configuration, startID: run.generationStart.map(Int.init),
                                       stopID: run.vocabulary.specials.sep.map(Int.init))
        }
        if let s2s = run.seq2seq { return seq2seqModule(s2s.configuration) }
        throw ExportError.unsupported("run \(run.run.id) is a \(run.job.model.task.rawValue) run, which has no PyTorch export")
    }

    /// Writes the project of `run` into `directory` (created when missing; its four files replaced).
    /// - Returns: the files written, `model.py` first.
    public static func write(_ run: TrainedRun, to directory: String) throws -> [String] {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let module = try module(of: run)
        let model = folder.appendingPathComponent("model.py"), predict = folder.appendingPathComponent("predict.py")
        let weights = folder.appendingPathComponent("model.safetensors"), tokenizer = folder.appendingPathComponent("tokenizer.json")
        try Data(modelSource(module, run: run).utf8).write(to: model, options: .atomic)
        try Data(predictSource(run, module: module).utf8).write(to: predict, options: .atomic)
        // The checkpoint's tensors as they are: the module's state_dict, names and shapes equal.
        try Data(contentsOf: URL(fileURLWithPath: run.checkpoint.path + "/model.safetensors")).write(to: weights, options: .atomic)
        try run.vocabulary.stored.export(to: tokenizer, format: .tokenizerJSON)
        return [model, weights, tokenizer, predict].map(\.path)
    }

    /// The text of `model.py`.
    static func modelSource(_ module: ModuleSource, run: TrainedRun) -> String {
        let architecture = run.architectureJSON.split(separator: "\n").map { "#   " + $0 }.joined(separator: "\n")
        var py = """
            \"\"\"\(module.className): \(module.summary), from Jikji run \(run.run.id) (job \(run.job.name), checkpoint of step \
            \(run.checkpoint.step)).

            Written by `jikji export \(run.run.id) --format pytorch`. `load()` builds the module and loads model.safetensors
            (beside this file) with strict=True; STATE_DICT lists every tensor the module holds, name and shape. Needs
            only torch (the safetensors file is read here).
            \"\"\"
            import json
            from pathlib import Path

            import torch
            from torch import nn
            from torch.nn import functional as F

            # The architecture as the checkpoint states it (model.json):
            \(architecture)

            \(module.constants)
            # Every tensor of the module's state_dict: name -> shape (model.safetensors holds exactly these).
            STATE_DICT = {

            """
        for (name, shape) in module.stateDict { py += "    \"\(name)\": \(shape),\n" }
        py += "}\n\n\n"
        if module.layers.contains(where: { $0.constructor.hasPrefix("_TiedOutput") }) {
            py += """
                class _TiedOutput(nn.Module):
                    \"\"\"The bias of an output layer whose weight is the embedding table (tied weights).\"\"\"

                    def __init__(self, classes):
                        super().__init__()
                        self.bias = nn.Parameter(torch.zeros(classes))


                """
        }
        py += "class \(module.className)(nn.Module):\n    \"\"\"\(module.summary.prefix(1).uppercased() + module.summary.dropFirst()) "
            + "(Jikji run \(run.run.id)).\"\"\"\n\n    def __init__(self):\n        super().__init__()\n"
        for layer in module.layers { py += "        self.\(layer.attribute) = \(layer.constructor)\n" }
        for (name, shape) in module.buffers { py += "        self.register_buffer(\"\(name)\", torch.zeros(\(shape.map(String.init).joined(separator: ", "))))\n" }
        py += "\n" + module.body + "\n"
        py += """
            _DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
                       "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}


            def read_safetensors(path):
                \"\"\"The tensors of a safetensors file by name: an 8-byte little-endian header size, a JSON header of
                dtype, shape and byte offsets, then the little-endian data.\"\"\"
                data = Path(path).read_bytes()
                size = int.from_bytes(data[:8], "little")
                header = json.loads(data[8:8 + size])
                header.pop("__metadata__", None)
                body = data[8 + size:]
                tensors = {}
                for name, entry in header.items():
                    start, end = entry["data_offsets"]
                    chunk = bytearray(body[start:end])
                    flat = torch.frombuffer(chunk, dtype=_DTYPES[entry["dtype"]]) if chunk else torch.zeros(0, dtype=_DTYPES[entry["dtype"]])
                    tensors[name] = flat.reshape(entry["shape"])
                return tensors


            def load(directory=None):
                \"\"\"The module with the run's weights (model.safetensors in `directory`, default: beside this file),
                loaded with strict=True, in evaluation mode.\"\"\"
                directory = Path(directory) if directory else Path(__file__).resolve().parent
                model = \(module.className)()
                model.load_state_dict(read_safetensors(directory / "model.safetensors"), strict=True)
                return model.eval()


            if __name__ == "__main__":
                model = load()
                shapes = {name: list(t.shape) for name, t in model.state_dict().items()}
                if shapes != STATE_DICT:
                    raise SystemExit(f"the module's state_dict differs from STATE_DICT: {shapes}")
                print(f"{type(model).__name__}: {len(shapes)} tensors loaded with strict=True")

            """
        return py
    }
}
