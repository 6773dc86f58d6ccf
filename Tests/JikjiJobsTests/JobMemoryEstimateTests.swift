import XCTest
import JikjiJobs
import JikjiModels
import JikjiRecurrent

/// The memory estimate counts the parameters the model a job describes really has (checked
/// against the model built from the same settings), for the outputs and layer sizes that change it.
final class JobMemoryEstimateTests: XCTestCase {
    let vocabularySize = 3_000

    private func job(model: String, optim: String = "{optimizer: adam}") throws -> JobConfig {
        try JobConfig(yaml: """
        data: {train: corpus.txt}
        vocab: {name: tiny}
        batching: {batch_size: 8, \(model.contains("language_model") ? "window" : "max_length"): 16}
        model: \(model)
        optim: \(optim)
        """, source: "estimate.yaml")
    }

    private func parameterCount(_ model: some ParameterContainer) -> Int64 {
        model.namedParameters.reduce(0) { $0 + Int64($1.parameter.value.storage.count) }
    }

    private func estimatedParameterCount(_ job: JobConfig) throws -> Int64 {
        let bytes = try XCTUnwrap(JobMemoryEstimate(job: job, vocabularySize: vocabularySize).parameters)
        return bytes / 4
    }

    func testLanguageModelsWithEveryOutputAndADifferentLastLayerAreCountedExactly() throws {
        var generator = SeededGenerator(seed: 1)
        let cases: [(yaml: String, configuration: LanguageModel.Configuration)] = [
            ("{kind: language_model, embedding: 32, encoder: {cell: lstm, hidden: 48, layers: 2}, tie_weights: false}",
             .init(vocabularySize: vocabularySize, embeddingSize: 32, cell: .lstm, hiddenSize: 48, layers: 2)),
            ("{kind: language_model, embedding: 32, encoder: {cell: gru, hidden: 48, layers: 3, last_hidden: 32}, tie_weights: true}",
             .init(vocabularySize: vocabularySize, embeddingSize: 32, cell: .gru, hiddenSize: 48, layers: 3, tieWeights: true,
                   lastHiddenSize: 32)),
            ("{kind: language_model, embedding: 32, encoder: {cell: lstm, hidden: 64, layers: 2, last_hidden: 40}, tie_weights: false, "
                + "output: {kind: adaptive, cutoffs: [200, 1000], div_value: 4}}",
             .init(vocabularySize: vocabularySize, embeddingSize: 32, cell: .lstm, hiddenSize: 64, layers: 2,
                   adaptiveOutput: .init(cutoffs: [200, 1000], divValue: 4), lastHiddenSize: 40)),
            ("{kind: language_model, embedding: 64, encoder: {cell: lstm, hidden: 64}, tie_weights: false, "
                + "output: {kind: adaptive, cutoffs: [100, 500, 2000], div_value: 2, head_bias: true}}",
             .init(vocabularySize: vocabularySize, embeddingSize: 64, cell: .lstm, hiddenSize: 64,
                   adaptiveOutput: .init(cutoffs: [100, 500, 2000], divValue: 2, headBias: true))),
        ]
        for (yaml, configuration) in cases {
            let model = try LanguageModel(configuration, generator: &generator)
            XCTAssertEqual(try estimatedParameterCount(job(model: yaml)), parameterCount(model), yaml)
        }
    }

    func testClassifierParametersAreCountedExactly() throws {
        var generator = SeededGenerator(seed: 2)
        let model = try SequenceClassifier(.init(vocabularySize: vocabularySize, embeddingSize: 24, cell: .lstm, hiddenSize: 20,
                                                 layers: 2, bidirectional: true), generator: &generator)
        let job = try job(model: "{kind: classifier, embedding: 24, encoder: {cell: lstm, hidden: 20, layers: 2, bidirectional: true}}")
        XCTAssertEqual(try estimatedParameterCount(job), parameterCount(model))
    }

    func testAnAdaptiveOutputCountsItsHeadAndLargestClusterInsteadOfTheVocabulary() throws {
        let full = try job(model: "{kind: language_model, embedding: 64, encoder: {cell: lstm, hidden: 64}, tie_weights: false}")
        let adaptive = try job(model: "{kind: language_model, embedding: 64, encoder: {cell: lstm, hidden: 64}, tie_weights: false, "
                                   + "output: {kind: adaptive, cutoffs: [200, 1000, 2000], div_value: 4}}")
        let fullBytes = try XCTUnwrap(JobMemoryEstimate(job: full, vocabularySize: vocabularySize).activations)
        let adaptiveBytes = try XCTUnwrap(JobMemoryEstimate(job: adaptive, vocabularySize: vocabularySize).activations)
        // Scores and their gradients per token: the head's 203 and the largest cluster's 1000
        // instead of 3000, over the 8 x 16 tokens of a window batch, 4 bytes each.
        XCTAssertEqual(fullBytes - adaptiveBytes, Int64(8 * 16 * 2 * (3_000 - 1_203) * 4))
    }

    func testBF16TrainingAddsATwoByteCopyOfTheWeights() throws {
        let model = "{kind: classifier, embedding: 24, encoder: {cell: lstm, hidden: 20}}"
        let fp32 = JobMemoryEstimate(job: try job(model: model), vocabularySize: vocabularySize)
        let bf16 = JobMemoryEstimate(job: try job(model: model, optim: "{optimizer: adam, precision: bf16}"), vocabularySize: vocabularySize)
        let parameters = try XCTUnwrap(fp32.parameters)
        XCTAssertEqual(try XCTUnwrap(bf16.trainingState) - (try XCTUnwrap(fp32.trainingState)), parameters / 2)
    }
}
