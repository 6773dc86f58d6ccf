import Foundation
import XCTest
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiWordPiece

/// ULMFiT's fine-tuning in the trainer: discriminative rates per group, gradual unfreezing
/// from the top, and a resumed run that ends like an uninterrupted one.
final class UnfreezingTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-unfreeze-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Labelled sequences (token 5 or 6 dominates), 20% valid, no test split: the run ends with
    /// its last weights rather than the best checkpoint's.
    func dataset() throws -> EncodedDataset {
        var sequences: [[TokenID]] = [], labels: [Int32] = [], splits: [Split] = []
        var generator = SeededGenerator(seed: 11)
        for i in 0..<160 {
            let label = Int32(i % 2)
            let length = 3 + Int(generator.nextUnitFloat() * 6)
            sequences.append((0..<length).map { _ in generator.nextUnitFloat() < 0.7 ? TokenID(5 + label) : TokenID(7 + i % 4) })
            labels.append(label)
            splits.append(i % 5 == 0 ? .valid : .train)
        }
        return try EncodedDataset(sequences: sequences, labels: labels, splits: splits,
                                  specialTokens: SpecialTokenIDs(pad: 0, cls: 2, sep: 3), vocabularySize: 12)
    }

    /// A two-layer classifier (groups embedding, rnn.l0, rnn.l1, head) over four epochs with
    /// ULMFiT's recipe: decay 2.6, slanted triangular rate, one group unfrozen at epochs 2, 3, 4.
    func trainer(_ data: EncodedDataset, checkpoints: String?, history: TrainingHistory = TrainingHistory(), stopAfter: Int? = nil,
                 optimizer: OptimizerSettings.Kind = .adam, unfreeze: [Int] = [2, 3, 4], precision: MatrixPrecision = .fp32,
                 log: @escaping (String) -> Void = { _ in }) throws -> Trainer {
        var generator = SeededGenerator(seed: 3)
        let model = try SequenceClassifier(.init(vocabularySize: 12, embeddingSize: 6, cell: .lstm, hiddenSize: 5, layers: 2),
                                           generator: &generator)
        var options = Trainer.Options(checkpointDirectory: checkpoints)
        options.stopAfterSteps = stopAfter
        options.log = log
        var settings = OptimizerSettings(kind: optimizer, learningRate: optimizer == .sgd ? 0.5 : 0.02, momentum: optimizer == .sgd ? 0.9 : 0)
        settings.layerLearningRateDecay = 2.6
        settings.precision = precision
        var configuration = TrainerConfiguration(epochs: 4, optimizer: settings, schedule: .slantedTriangular(cutFraction: 0.1, ratio: 32),
                                                 clipNorm: 1, evaluateEvery: 5, metric: "accuracy", keepLast: 2)
        configuration.unfreezeEpochs = unfreeze
        var training = TrainingData(train: data, batching: BatchingOptions(size: .sentences(16), seed: 9))
        training.test = nil
        return try Trainer(task: ClassifierTraining(model: model), data: training, configuration: configuration,
                           generator: generator, recorder: history, options: options)
    }

    func weights(_ trainer: Trainer) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: trainer.task.namedParameters.map { ($0.name, $0.parameter.value.storage) })
    }

    /// Snapshots of the weights at the start of each epoch, taken from the trainer's own log line.
    final class EpochSnapshots: @unchecked Sendable {
        var parameters: [(name: String, parameter: Parameter)] = []
        var byEpoch: [Int: [String: [Float]]] = [:]
        var lines: [String] = []
        func log(_ line: String) {
            lines.append(line)
            guard line.hasPrefix("epoch "), line.contains(": training "),
                  let number = Int(line.dropFirst("epoch ".count).prefix { $0.isNumber }) else { return }
            byEpoch[number] = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter.value.storage) })
        }
    }

    func testAResumedGradualUnfreezingRunEndsWithTheUninterruptedWeights() throws {
        let data = try dataset()
        let snapshots = EpochSnapshots()
        let whole = try trainer(data, checkpoints: folder.appendingPathComponent("whole").path, log: snapshots.log)
        snapshots.parameters = whole.task.namedParameters
        let initial = weights(whole)
        XCTAssertEqual(whole.parameterGroups.map(\.name), ["embedding", "rnn.l0", "rnn.l1", "head"])
        _ = try whole.train()
        let final = weights(whole)
        let steps = whole.stepsPerEpoch
        XCTAssertGreaterThan(steps, 4)

        // Each group keeps its initial weights until its epoch (head 1, rnn.l1 2, rnn.l0 3,
        // embedding 4), and moves during it.
        let startEpoch = ["head": 1, "rnn.l1": 2, "rnn.l0": 3, "embedding": 4]
        for group in whole.parameterGroups {
            let first = try XCTUnwrap(startEpoch[group.name])
            for name in group.parameterNames {
                for epoch in 1...4 {
                    let snapshot = try XCTUnwrap(snapshots.byEpoch[epoch]?[name], "epoch \(epoch) logged")
                    if epoch <= first {
                        XCTAssertEqual(snapshot, initial[name], "\(name) frozen before epoch \(first)")
                    }
                }
                let afterwards = first < 4 ? try XCTUnwrap(snapshots.byEpoch[first + 1]?[name]) : final[name]
                XCTAssertNotEqual(afterwards, initial[name], "\(name) moved in epoch \(first)")
            }
        }
        XCTAssertTrue(snapshots.lines.contains("epoch 1: training head; frozen embedding, rnn.l0, rnn.l1"), "\(snapshots.lines)")
        XCTAssertTrue(snapshots.lines.contains("epoch 4: training embedding, rnn.l0, rnn.l1, head; nothing frozen"))
        XCTAssertTrue(snapshots.lines.contains { $0.hasPrefix("learning rates by group") && $0.contains("embedding 0.00114") && $0.contains("head 0.02") },
                      "\(snapshots.lines)")

        // Stopped in epoch 3 (after two unfreezings), resumed: every parameter ends as in the run never stopped.
        let history = TrainingHistory()
        let directory = folder.appendingPathComponent("parts").path
        let stopAt = 2 * steps + 2
        let first = try trainer(data, checkpoints: directory, history: history, stopAfter: stopAt)
        XCTAssertEqual(try first.train().status, .interrupted)
        let last = try XCTUnwrap(try history.checkpoints().last)
        XCTAssertEqual(last.step, stopAt)
        let resumedLog = EpochSnapshots()
        let second = try trainer(data, checkpoints: directory, history: history, log: resumedLog.log)
        try second.restore(last)
        let outcome = try second.train()
        XCTAssertEqual(outcome.status, .completed)
        XCTAssertEqual(outcome.steps, whole.step)
        XCTAssertTrue(resumedLog.lines.contains("epoch 3: training rnn.l0, rnn.l1, head; frozen embedding"), "\(resumedLog.lines)")
        let resumed = weights(second)
        for (name, value) in final { XCTAssertEqual(resumed[name], value, name) }
        XCTAssertNotEqual(resumed["embedding.weight"], initial["embedding.weight"], "the embedding moved after the resume")
    }

    /// SGD with momentum: frozen groups stay bit-identical through their frozen epochs.
    func testFrozenGroupsStayBitIdenticalUnderSGD() throws {
        let snapshots = EpochSnapshots()
        let trainer = try trainer(try dataset(), checkpoints: nil, optimizer: .sgd, unfreeze: [3], log: snapshots.log)
        snapshots.parameters = trainer.task.namedParameters
        let initial = weights(trainer)
        _ = try trainer.train()
        let final = weights(trainer)
        for group in trainer.parameterGroups {
            for name in group.parameterNames {
                switch group.name {
                case "head": XCTAssertNotEqual(snapshots.byEpoch[3]?[name], initial[name], name)
                case "rnn.l1": XCTAssertEqual(snapshots.byEpoch[3]?[name], initial[name], name); XCTAssertNotEqual(final[name], initial[name], name)
                default: XCTAssertEqual(final[name], initial[name], "\(name) never unfrozen")
                }
            }
        }
    }

    /// `optim.precision: bf16` with frozen groups (their weight-gradient products skipped):
    /// frozen weights stay bit-identical, every group moves once unfrozen, and a resumed bf16
    /// run still ends with the uninterrupted run's weights.
    func testGradualUnfreezingInBF16KeepsFrozenWeightsAndResumesExactly() throws {
        let data = try dataset()
        let snapshots = EpochSnapshots()
        let whole = try trainer(data, checkpoints: folder.appendingPathComponent("whole").path, unfreeze: [3, 4], precision: .bf16,
                                log: snapshots.log)
        snapshots.parameters = whole.task.namedParameters
        let initial = weights(whole)
        _ = try whole.train()
        let final = weights(whole)
        for group in whole.parameterGroups {
            for name in group.parameterNames {
                switch group.name {
                case "head": XCTAssertNotEqual(snapshots.byEpoch[3]?[name], initial[name], name)
                case "rnn.l1": XCTAssertEqual(snapshots.byEpoch[3]?[name], initial[name], name)
                case "rnn.l0": XCTAssertEqual(snapshots.byEpoch[4]?[name], initial[name], name)
                default: XCTAssertEqual(final[name], initial[name], "\(name) never unfrozen")
                }
                if group.name != "embedding" { XCTAssertNotEqual(final[name], initial[name], name) }
            }
        }
        let history = TrainingHistory()
        let directory = folder.appendingPathComponent("parts").path
        let first = try trainer(data, checkpoints: directory, history: history, stopAfter: 2 * whole.stepsPerEpoch + 3,
                                unfreeze: [3, 4], precision: .bf16)
        XCTAssertEqual(try first.train().status, .interrupted)
        let second = try trainer(data, checkpoints: directory, history: history, unfreeze: [3, 4], precision: .bf16)
        try second.restore(try XCTUnwrap(try history.checkpoints().last))
        _ = try second.train()
        XCTAssertEqual(weights(second), final)
    }

    func testTooManyUnfreezeEpochsNameTheKey() throws {
        XCTAssertThrowsError(try trainer(try dataset(), checkpoints: nil, unfreeze: [1, 2, 3, 4])) {
            XCTAssertTrue("\($0)".contains("train.unfreeze") && "\($0)".contains("4 parameter groups"), "\($0)")
        }
        XCTAssertThrowsError(try trainer(try dataset(), checkpoints: nil, unfreeze: [3, 2])) {
            XCTAssertTrue("\($0)".contains("train.unfreeze"), "\($0)")
        }
    }
}
