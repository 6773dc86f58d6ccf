import Foundation
import XCTest
import JikjiData
import JikjiIO
import JikjiModels
import JikjiRecurrent
import JikjiTraining

/// Logging every N steps (issue 18): the training loss, learning rate and gradient norm in the
/// recorder, tokens per second in the sinks only, TensorBoard events and metrics.jsonl holding
/// the same values, and training itself untouched by it.
extension TrainerTests {
    func trainer(logEvery: Int, history: TrainingHistory, sinks: [any TrainingMetricSink] = [], clip: Double? = nil) throws -> Trainer {
        let data = try dataset()
        var generator = SeededGenerator(seed: 3)
        let model = try SequenceClassifier(.init(vocabularySize: 12, embeddingSize: 6, cell: .gru, hiddenSize: 5), generator: &generator)
        var options = Trainer.Options()
        options.metricSinks = sinks
        var configuration = TrainerConfiguration(epochs: 2, optimizer: OptimizerSettings(learningRate: 0.02),
                                                 schedule: .linearWarmupDecay(warmupSteps: 4), clipNorm: clip,
                                                 evaluateEvery: 7, metric: "accuracy")
        configuration.logEvery = logEvery
        return try Trainer(task: ClassifierTraining(model: model),
                           data: TrainingData(train: data, batching: BatchingOptions(size: .sentences(16), seed: 9)),
                           configuration: configuration, generator: generator, recorder: history, options: options)
    }

    func testLossLearningRateAndGradientNormAreRecordedEveryNStepsWithoutChangingTraining() throws {
        let plain = try trainer(logEvery: 0, history: TrainingHistory())
        _ = try plain.train()
        let history = TrainingHistory()
        let logged = try trainer(logEvery: 3, history: history)
        _ = try logged.train()
        XCTAssertEqual(weights(logged), weights(plain), "measuring the gradient norm changes no weight")
        let total = logged.step
        XCTAssertGreaterThan(total, 12)
        let train = history.metrics.filter { $0.split == "train" }
        let lossSteps = train.filter { $0.name == "loss" }.map(\.step)
        let expectedLossSteps = Set((1...total).filter { $0 % 3 == 0 || $0 % 7 == 0 }).sorted()
        XCTAssertEqual(lossSteps, expectedLossSteps, "every 3 steps and at every evaluation, once a step")
        XCTAssertEqual(train.filter { $0.name == "learning_rate" }.map(\.step), Array(stride(from: 3, through: total, by: 3)))
        XCTAssertEqual(train.filter { $0.name == "grad_norm" }.map(\.step), Array(stride(from: 3, through: total, by: 3)))
        XCTAssertTrue(train.filter { $0.name == "grad_norm" }.allSatisfy { $0.value > 0 && $0.value.isFinite })
        // Warm-up over 4 steps, then linear decay: the third step (index 2) ran at 2/4 of the peak.
        let rates = train.filter { $0.name == "learning_rate" }
        XCTAssertEqual(rates[0].value, 0.02 * 2.0 / 4.0, accuracy: 1e-7)
        XCTAssertGreaterThan(rates[1].value, rates[2].value, "decaying after the warm-up")
        XCTAssertFalse(history.metrics.contains { $0.name == "tokens_per_second" }, "a clock reading stays out of the recorder")
        XCTAssertTrue(train.filter { $0.name == "loss" }.allSatisfy { $0.value > 0 && $0.value < 5 })
    }

    func testTensorBoardEventsAndMetricsLogHoldEveryValueWithItsStep() throws {
        let tb = try TensorBoardWriter(folder: folder.appendingPathComponent("tb").path)
        let jsonl = try MetricsLogWriter(path: folder.appendingPathComponent("metrics.jsonl").path)
        let history = TrainingHistory()
        _ = try trainer(logEvery: 4, history: history, sinks: [tb, jsonl], clip: 1).train()

        XCTAssertTrue(URL(fileURLWithPath: tb.path).lastPathComponent.hasPrefix("events.out.tfevents."))
        let records = try TFRecord.records(in: Array(try Data(contentsOf: URL(fileURLWithPath: tb.path))))
        let events = try records.map(ProtoFields.init)
        XCTAssertEqual(events[0].strings[3], ["brain.Event:2"], "the first event carries the file version")
        XCTAssertNotNil(events[0].doubles[1]?.first, "with its wall time")
        var scalars: [String] = []
        for event in events.dropFirst() {
            let step = try XCTUnwrap(event.varints[2]?.first)
            for summaryBytes in event.messages[5] ?? [] {
                for valueBytes in try ProtoFields(summaryBytes).messages[1] ?? [] {
                    let value = try ProtoFields(valueBytes)
                    let tag = try XCTUnwrap(value.strings[1]?.first)
                    let number = try XCTUnwrap(value.floats[2]?.first)
                    scalars.append("\(step) \(tag) \(number)")
                }
            }
        }
        let recorded = history.metrics.map { "\($0.step) \($0.split)/\($0.name) \(Float($0.value))" }
        XCTAssertEqual(scalars.filter { !$0.contains("tokens_per_second") }, recorded)
        let speeds = scalars.filter { $0.contains("train/tokens_per_second") }
        XCTAssertEqual(speeds.count, history.metrics.filter { $0.name == "learning_rate" }.count)

        let lines = try String(contentsOf: URL(fileURLWithPath: jsonl.path), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, scalars.count)
        let fromJSON = try lines.map { line -> String in
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["step"] as! Int) \(object["split"] as! String)/\(object["name"] as! String) \(Float(object["value"] as! Double))"
        }
        XCTAssertEqual(fromJSON, scalars)
    }

    func testMetricsLogKeptThroughAResumedCheckpointDropsLaterStepsAndTheTest() throws {
        let path = folder.appendingPathComponent("m.jsonl").path
        let first = try MetricsLogWriter(path: path)
        try first.receive([TrainingMetric(step: 5, epoch: 0, split: "train", name: "loss", value: 1),
                           TrainingMetric(step: 10, epoch: 0, split: "valid", name: "loss", value: .nan),
                           TrainingMetric(step: 12, epoch: 0, split: "train", name: "loss", value: 0.5)], wallTime: Date())
        try first.receive([TrainingMetric(step: 10, epoch: 0, split: "test", name: "accuracy", value: 0.5)], wallTime: Date())
        let resumed = try MetricsLogWriter(path: path, keepingThrough: 10)
        try resumed.receive([TrainingMetric(step: 11, epoch: 0, split: "train", name: "loss", value: 0.7)], wallTime: Date())
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.prefix(while: { $0 != "," })) }, ["{\"step\":5", "{\"step\":10", "{\"step\":11"])
        XCTAssertTrue(lines[1].contains("\"value\":null"), "NaN has no JSON number")
    }
}

/// The fields of one protobuf message by number, decoded independently of the writer.
struct ProtoFields {
    var varints: [Int: [UInt64]] = [:]
    var doubles: [Int: [Double]] = [:]
    var floats: [Int: [Float]] = [:]
    var messages: [Int: [[UInt8]]] = [:]
    var strings: [Int: [String]] { messages.mapValues { $0.map { String(decoding: $0, as: UTF8.self) } } }

    struct Malformed: Error {}

    init(_ bytes: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw Malformed() }
                let b = bytes[i]; i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }
        func fixed(_ n: Int) throws -> UInt64 {
            guard i + n <= bytes.count else { throw Malformed() }
            defer { i += n }
            return (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
        }
        while i < bytes.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: varints[field, default: []].append(try varint())
            case 1: doubles[field, default: []].append(Double(bitPattern: try fixed(8)))
            case 5: floats[field, default: []].append(Float(bitPattern: UInt32(try fixed(4))))
            case 2:
                let n = Int(try varint())
                guard i + n <= bytes.count else { throw Malformed() }
                messages[field, default: []].append(Array(bytes[i..<i + n])); i += n
            default: throw Malformed()
            }
        }
    }
}
