import Foundation
import JikjiConfig
import JikjiJobs
import JikjiText
import JikjiWordPiece

extension FuzzTarget {
    /// A job file as `jikji job run FILE` reads it (``JobConfig/init(contentsOf:overrides:)``,
    /// YAML, and as JSON for a `.json` name), then its resolved form written as a run stores it
    /// and read back as `job resume` and `predict` read it.
    static func readJobFile(_ input: [UInt8]) throws {
        var firstError: Error?
        for suffix in ["", ".json"] {
            do {
                let job = try ScratchFile.withFile(containing: input, suffix: suffix) { path in
                    try JobConfig(contentsOf: URL(fileURLWithPath: path))
                }
                _ = try JobConfig(yaml: job.resolved.yaml(), source: "resolved fuzz job", defaultName: job.name)
                return
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// A pipeline file as `--pipeline FILE` reads it (``CleaningPipeline/init(presetOrFile:)``,
    /// YAML, and JSON for a `.json` name), compiled into an encoder's cleaners and run on the
    /// sample texts, then written back (as a vocabulary stores it) and read again.
    static func readPipelineFile(_ input: [UInt8]) throws {
        var firstError: Error?
        for suffix in [".yaml", ".json"] {
            do {
                let pipeline = try ScratchFile.withFile(containing: input, suffix: suffix) { path in
                    try CleaningPipeline(presetOrFile: path)
                }
                let encoder = try TextEncoder(tokenizer: FuzzFixtures.smallTokenizer, pipeline: pipeline)
                for text in FuzzFixtures.sampleTexts { _ = try encoder.clean(text) }
                _ = try encoder.encodeBatch(FuzzFixtures.sampleTexts)
                _ = try CleaningPipeline(yaml: pipeline.yamlString, source: "re-written fuzz pipeline")
                _ = try CleaningPipeline(json: pipeline.jsonString, source: "re-written fuzz pipeline")
                return
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }
}
