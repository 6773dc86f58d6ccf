import Foundation
import JikjiIO
import JikjiJobs
import JikjiVocabStore

/// A trained run written for other tools (`jikji export`).
public enum RunExport {
    /// The formats a run can be exported to.
    public enum Format: String, Sendable, CaseIterable {
        /// An ONNX model (opset 17) that ONNX Runtime serves; classifier runs.
        case onnx
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
    /// - Throws: ``ExportError/unsupported(_:)`` for a run kind the format has no graph for.
    public static func write(_ run: TrainedRun, format: Format, output: String, withTokenizer: Bool) throws -> Written {
        var files: [String] = []
        switch format {
        case .onnx:
            guard let classifier = run.classifier else {
                throw ExportError.unsupported("run \(run.run.id) is a \(run.job.model.task.rawValue) run; the ONNX export covers "
                                              + "classifier runs (language models and encoder-decoders are not exported yet)")
            }
            var model = try ClassifierONNX.model(classifier.configuration, stateDict: run.stateDict)
            model.metadata = [("jikji.run", String(run.run.id)), ("jikji.job", run.job.name),
                              ("jikji.checkpoint_step", String(run.checkpoint.step)),
                              ("jikji.vocabulary", run.vocabulary.reference),
                              ("jikji.architecture", run.architectureJSON)]
            try Data(model.serialized(producerVersion: JikjiJobsVersion.string)).write(to: URL(fileURLWithPath: output), options: .atomic)
            files.append(output)
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
