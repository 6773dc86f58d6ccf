import Foundation
import XCTest
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiWordPiece

/// The trainer used from Swift without a job file: in-memory data, an in-memory history,
/// checkpoints in a folder, and a resumed run equal to an uninterrupted one.
final class TrainerTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Sequences whose label is whether token 5 or token 6 dominates; 20% valid, 20% test.
    func dataset() throws -> EncodedDataset {
        var sequences: [[TokenID]] = [], labels: [Int32] = [], splits: [Split] = []
        var generator = SeededGenerator(seed: 11)
        for i in 0..<200 {
            let label = Int32(i % 2)
            let length = 3 + Int(generator.nextUnitFloat() * 6)
            sequences.append((0..<length).map { _ in generator.nextUnitFloat() < 0.8 ? TokenID(5 + label) : TokenID(7 + i % 3) })
            labels.append(label)
            splits.append(i % 5 == 0 ? .valid : i % 5 == 1 ? .test : .train)
        }
        return try EncodedDataset(sequences: sequences, labels: labels, splits: splits,
                                  specialTokens: SpecialTokenIDs(pad: 0, cls: 2, sep: 3), vocabularySize: 12)
    }

    func trainer(_ data: EncodedDataset, history: TrainingHistory, checkpoints: String?, stopAfter: Int? = nil,
                 precision: MatrixPrecision = .fp32, log: @escaping (String) -> Void = { _ in }) throws -> Trainer {
        var generator = SeededGenerator(seed: 3)
        let model = try SequenceClassifier(.init(vocabularySize: 12, embeddingSize: 6, cell: .lstm, hiddenSize: 5), generator: &generator)
        var options = Trainer.Options(checkpointDirectory: checkpoints)
        options.stopAfterSteps = stopAfter
        options.log = log
        let configuration = TrainerConfiguration(epochs: 3, optimizer: OptimizerSettings(learningRate: 0.02, precision: precision), clipNorm: 1,
                                                 evaluateEvery: 7, metric: "accuracy", keepLast: 2)
        return try Trainer(task: ClassifierTraining(model: model),
                           data: TrainingData(train: data, batching: BatchingOptions(size: .sentences(16), seed: 9)),
                           configuration: configuration, generator: generator, recorder: history, options: options)
    }

    func weights(_ trainer: Trainer) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: trainer.task.namedParameters.map { ($0.name, $0.parameter.value.storage) })
    }

    func testTrainsInMemoryDataAndRecordsValidAndTestMetrics() throws {
        let history = TrainingHistory()
        let trainer = try trainer(try dataset(), history: history, checkpoints: nil)
        let outcome = try trainer.train()
        XCTAssertEqual(outcome.status, .completed)
        XCTAssertEqual(outcome.steps, trainer.stepsPerEpoch * 3)
        XCTAssertGreaterThan(outcome.metrics["test.accuracy"] ?? 0, 0.9, "\(outcome.metrics)")
        XCTAssertTrue(history.metrics.contains { $0.split == "valid" && $0.name == "accuracy" && $0.step == 7 })
        XCTAssertTrue(history.metrics.contains { $0.split == "train" && $0.name == "loss" })
        XCTAssertTrue(try history.checkpoints().isEmpty, "no checkpoint directory, no checkpoints")
    }

    /// `optim.precision: bf16` from Swift: the run trains as well, says which kernel ran, and
    /// leaves the process in fp32 afterwards. Where no bf16 kernel exists it must say so and
    /// train exactly as fp32.
    func testBF16RunTrainsSaysItsKernelAndRestoresFP32() throws {
        let fp32Trainer = try trainer(try dataset(), history: TrainingHistory(), checkpoints: nil)
        _ = try fp32Trainer.train()
        let lines = LogLines()
        let bf16Trainer = try trainer(try dataset(), history: TrainingHistory(), checkpoints: nil, precision: .bf16, log: lines.append)
        let outcome = try bf16Trainer.train()
        XCTAssertEqual(MatrixProducts.precision, .fp32, "the run's precision ends with the run")
        XCTAssertGreaterThan(outcome.metrics["test.accuracy"] ?? 0, 0.9, "\(outcome.metrics)")
        if MatrixProducts.kernel == .amxTiles {
            XCTAssertTrue(lines.all.contains { $0.hasPrefix("bf16 products: AMX tiles") }, "\(lines.all)")
            XCTAssertNotEqual(weights(bf16Trainer), weights(fp32Trainer), "bf16 products round: the weights differ from fp32's")
        } else {
            XCTAssertTrue(lines.all.contains("this CPU has no AMX/AVX512-BF16: running fp32"), "\(lines.all)")
            XCTAssertEqual(weights(bf16Trainer), weights(fp32Trainer), "the fp32 fallback trains exactly as fp32")
        }
    }

    func testAResumedTrainerEndsWithTheWeightsOfAnUninterruptedOne() throws {
        let data = try dataset()
        let whole = try trainer(data, history: TrainingHistory(), checkpoints: folder.appendingPathComponent("whole").path)
        _ = try whole.train()

        let history = TrainingHistory()
        let directory = folder.appendingPathComponent("parts").path
        let first = try trainer(data, history: history, checkpoints: directory, stopAfter: 10)
        XCTAssertEqual(try first.train().status, .interrupted)
        let last = try XCTUnwrap(try history.checkpoints().last)
        XCTAssertEqual(last.step, 10)
        XCTAssertTrue(FileManager.default.fileExists(atPath: last.path + "/state.safetensors"))
        XCTAssertLessThanOrEqual(try history.checkpoints().count, 3, "keep_last 2 plus the best")

        let second = try trainer(data, history: history, checkpoints: directory)
        try second.restore(last)
        let outcome = try second.train()
        XCTAssertEqual(outcome.status, .completed)
        XCTAssertEqual(outcome.steps, whole.step)
        XCTAssertEqual(weights(second), weights(whole))
    }

    /// The protocol's three calls are the model's training step: the same loss and gradients as `step`.
    func testTrainableModelPassesEqualTheLanguageModelStep() throws {
        var g = SeededGenerator(seed: 5)
        let model = try LanguageModel(.init(vocabularySize: 10, embeddingSize: 4, cell: .gru, hiddenSize: 4, dropout: 0.2), generator: &g)
        let ids: [TokenID] = [4, 5, 6, 7, 8, 9, 4, 5], targets: [TokenID] = [5, 6, 7, 0, 9, 4, 5, 6]
        let batch = Batch(indices: [0, 1], source: PaddedSequences(rows: 2, columns: 4, ids: ids, lengths: [4, 4],
                                                                   mask: [UInt8](repeating: 1, count: 8)),
                          nextTokens: targets)
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        let step = try model.step(ids: ids, targets: targets, batch: 2, steps: 4, training: true, generator: &a)
        let stepGradients = model.namedParameters.map { $0.parameter.gradient.storage }
        for p in model.namedParameters { p.parameter.zeroGradient() }
        var pass = try model.forward(batch, training: true, generator: &b)
        let loss = try model.loss(&pass, batch: batch)
        let rows = try model.backward(pass)
        XCTAssertEqual(loss.value, step.loss)
        XCTAssertEqual(loss.count, 7, "the [PAD] target is ignored")
        XCTAssertEqual(model.namedParameters.map { $0.parameter.gradient.storage }, stepGradients)
        XCTAssertEqual(rows, [[4, 5, 6, 7, 8, 9]])
    }
}

/// Log lines collected from a trainer (its log closure may be called from the training thread).
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    /// Appends one line.
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    /// Every line so far.
    var all: [String] { lock.withLock { lines } }
}
