import Foundation
import XCTest
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiWordPiece

/// Checkpoint files are user input on resume: a data position outside the run, NaN or infinite
/// weights and optimizer moments are refused with the file and the problem, never trapped on.
final class CheckpointInputTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-checkpoint-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A small classifier trainer over 60 short sequences (batches of 8).
    func trainer(history: TrainingHistory, stopAfter: Int? = nil) throws -> Trainer {
        var sequences: [[TokenID]] = [], labels: [Int32] = []
        for i in 0..<60 {
            sequences.append([TokenID(5 + i % 2), TokenID(7 + i % 3), TokenID(5 + i % 2)])
            labels.append(Int32(i % 2))
        }
        let data = try EncodedDataset(sequences: sequences, labels: labels, specialTokens: SpecialTokenIDs(pad: 0), vocabularySize: 12)
        var generator = SeededGenerator(seed: 3)
        let model = try SequenceClassifier(.init(vocabularySize: 12, embeddingSize: 4, cell: .gru, hiddenSize: 3), generator: &generator)
        var options = Trainer.Options(checkpointDirectory: folder.appendingPathComponent("run").path)
        options.stopAfterSteps = stopAfter
        return try Trainer(task: ClassifierTraining(model: model),
                           data: TrainingData(train: data, batching: BatchingOptions(size: .sentences(8), seed: 1)),
                           configuration: TrainerConfiguration(epochs: 2, optimizer: OptimizerSettings(learningRate: 0.01)),
                           generator: generator, recorder: history, options: options)
    }

    /// An interrupted run's last checkpoint, and a fresh trainer to restore it into.
    func interruptedRun() throws -> (checkpoint: TrainingCheckpoint, trainer: Trainer) {
        let history = TrainingHistory()
        XCTAssertEqual(try trainer(history: history, stopAfter: 3).train().status, .interrupted)
        let last = try XCTUnwrap(try history.checkpoints().last)
        return (last, try trainer(history: history))
    }

    func rewrite(_ path: String, _ change: (inout SafeTensorsFile) -> Void) throws {
        let url = URL(fileURLWithPath: path)
        var file = try SafeTensorsFile(contentsOf: url)
        change(&file)
        try file.write(to: url)
    }

    func testADataPositionOutsideTheRunIsRefused() throws {
        for position: [Int64] in [[-1, 0, 0], [0, -3, 5], [0, 1 << 62, 10], [1 << 40, 0, 10], [0, 0, Int64.min]] {
            let (checkpoint, trainer) = try interruptedRun()
            let state = checkpoint.path + "/state.safetensors"
            try rewrite(state) { $0.integerTensors["position"] = IntegerTensor(shape: [3], values: position) }
            XCTAssertThrowsError(try trainer.restore(checkpoint), "\(position)") { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(state) && message.contains("data position") && message.contains("outside this run"), message)
            }
            try FileManager.default.removeItem(at: folder.appendingPathComponent("run"))
        }
    }

    func testNonFiniteWeightsOrMomentsAreRefused() throws {
        for (file, value) in [("model.safetensors", Float.nan), ("model.safetensors", -Float.infinity), ("state.safetensors", Float.infinity)] {
            let (checkpoint, trainer) = try interruptedRun()
            let path = checkpoint.path + "/" + file
            var changed = ""
            try rewrite(path) { contents in
                changed = contents.tensors.keys.sorted().first!
                contents.tensors[changed]!.storage[0] = value
            }
            XCTAssertThrowsError(try trainer.restore(checkpoint), "\(file) \(value)") { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(path) && message.contains("'\(changed)'") && message.contains("element 0")
                              && message.contains("must be finite"), message)
            }
            try FileManager.default.removeItem(at: folder.appendingPathComponent("run"))
        }
    }
}
