import Foundation
import JikjiIO
import JikjiJobs
import JikjiVocabStore

/// A trained run written for other tools (`jikji export`).
public enum RunExport {
    /// The formats a run can be exported to.
    public enum Format: String, Sendable, CaseIterable {
        /// ONNX models (opset 17) that ONNX Runtime serves: a classifier, a language model's step,
        /// an encoder-decoder's encoder and decoder step.
        case onnx
        /// A folder: `model.py` (an `nn.Module` of the architecture), `model.safetensors`,
        /// `tokenizer.json` and `predict.py` (``PyTorchExport``).
        case pytorch
    }

    /// What an export wrote.
    public struct Written: Sendable, Equatable {
        /// The files, model first.
        public var files: [String]
        /// The checkpoint step the weights came from.
        public var step: Int
    }

    /// Writes `run` as `format` to `output` (replaced atomically); `withTokenizer` also writes the
    /// run's vocabulary as HF `tokenizer.json` beside it (`<output's folder>/tokenizer.json`).
    /// A classifier or language model is one graph at `output`; an encoder-decoder is two,
    /// `<output less .onnx>.encoder.onnx` and `<…>.decoder.onnx`. With `.pytorch`, `output` is a folder.
    public static func write(_ run: TrainedRun, format: Format, output: String, withTokenizer: Bool) throws -> Written {
        var files: [String] = []
        switch format {
        case .onnx:
            var metadata = [("jikji.run", String(run.run.id)), ("jikji.job", run.job.name),
                            ("jikji.checkpoint_step", String(run.checkpoint.step)),
                            ("jikji.vocabulary", run.vocabulary.reference),
                            ("jikji.architecture", run.architectureJSON)]
            var graphs: [(ONNXModel, String)] = []
            if let classifier = run.classifier {
                // The graph reads ids as given: a backward classifier's caller reverses each text's ids first.
                metadata.append(("jikji.direction", run.job.model.direction.rawValue))
                graphs.append((try ClassifierONNX.model(classifier.configuration, stateDict: run.stateDict), output))
            } else if let lm = run.languageModel {
                // What a generation loop outside Jikji needs to start and stop as `jikji generate` does.
                if let start = run.generationStart { metadata.append(("jikji.generation_start_id", String(start))) }
                if let sep = run.vocabulary.specials.sep { metadata.append(("jikji.generation_stop_id", String(sep))) }
                metadata.append(("jikji.direction", run.job.model.direction.rawValue))
                graphs.append((try LanguageModelONNX.model(lm.configuration, stateDict: run.stateDict), output))
            } else if let s2s = run.seq2seq {
                metadata += [("jikji.start_id", String(s2s.configuration.startID)), ("jikji.end_id", String(s2s.configuration.endID))]
                let stem = output.hasSuffix(".onnx") ? String(output.dropLast(5)) : output
                graphs.append((try Seq2SeqONNX.encoder(s2s.configuration, stateDict: run.stateDict), stem + ".encoder.onnx"))
                graphs.append((try Seq2SeqONNX.decoderStep(s2s.configuration, stateDict: run.stateDict), stem + ".decoder.onnx"))
            } else {
                throw ExportError.unsupported("run \(run.run.id) is a \(run.job.model.task.rawValue) run, which has no ONNX export")
            }
            for (var model, path) in graphs {
                model.metadata = metadata
                try Data(model.serialized(producerVersion: JikjiJobsVersion.string)).write(to: URL(fileURLWithPath: path), options: .atomic)
                files.append(path)
            }
        case .pytorch:
            // The folder always carries its tokenizer.json: predict.py reads it.
            return Written(files: try PyTorchExport.write(run, to: output), step: run.checkpoint.step)
        }
        if withTokenizer {
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
            let tokenizer = folder.appendingPathComponent("tokenizer.json")
            try run.vocabulary.stored.export(to: tokenizer, format: .tokenizerJSON)
            files.append(tokenizer.path)
        }
        return Written(files: files, step: run.checkpoint.step)
    }
}
