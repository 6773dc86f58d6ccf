import XCTest
import JikjiExport
import JikjiModels
import JikjiRecurrent

/// The ONNX classifier graph as bytes, decoded here independently of the encoder: the model's
/// header, dynamic inputs and outputs, the recurrent operators' attributes and their weights
/// in ONNX's gate order. (ONNX Runtime runs the real export in scripts/check-onnx-export.sh.)
final class ClassifierONNXTests: XCTestCase {
    func model(cell: RecurrentCell, pooling: SequenceClassifier.Pooling = .final, classes: Int = 2,
               loss: SequenceClassifier.Objective? = nil) throws -> (SequenceClassifier, Fields) {
        var g = SeededGenerator(seed: 4)
        let classifier = try SequenceClassifier(.init(vocabularySize: 20, embeddingSize: 3, cell: cell, hiddenSize: 2, layers: 2,
                                                      bidirectional: true, pooling: pooling, classes: classes, loss: loss), generator: &g)
        let stateDict = Dictionary(uniqueKeysWithValues: classifier.namedParameters.map { ($0.name, $0.parameter.value) })
        let bytes = try ClassifierONNX.model(classifier.configuration, stateDict: stateDict).serialized(producerVersion: "test")
        return (classifier, try Fields(bytes))
    }

    func floats(_ tensor: Fields) -> [Float] {
        let raw = tensor.bytes[9]![0]
        return stride(from: 0, to: raw.count, by: 4).map { i in
            Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
        }
    }

    /// Concat and attention pooling have no graph: the export says so, naming the pooling.
    func testConcatAndAttentionPoolingAreRefused() throws {
        for pooling in [SequenceClassifier.Pooling.concat, .attention] {
            XCTAssertThrowsError(try model(cell: .lstm, pooling: pooling)) { error in
                XCTAssertEqual(error as? ExportError, ExportError.unsupported("model.pooling: \(pooling.rawValue) has no ONNX export yet (final, mean and max have); "
                    + (pooling == .concat ? "export it with --format pytorch" : "the run cannot be exported")))
            }
        }
    }

    func testModelHeaderInputsAndOutputsAreDynamic() throws {
        let (_, model) = try model(cell: .lstm)
        XCTAssertEqual(model.varints[1], [8], "IR version 8")
        let opset = try Fields(model.bytes[8]![0])
        XCTAssertEqual(opset.varints[2], [17])
        let graph = try Fields(model.bytes[7]![0])
        let inputs = try graph.bytes[11]!.map(Fields.init)
        XCTAssertEqual(inputs.map { $0.string(1) }, ["ids", "lengths"])
        let idsShape = try Fields(try Fields(try Fields(inputs[0].bytes[2]![0]).bytes[1]![0]).bytes[2]![0])
        XCTAssertEqual(try idsShape.bytes[1]!.map { try Fields($0).string(2) }, ["batch", "steps"])
        let outputs = try graph.bytes[12]!.map(Fields.init)
        XCTAssertEqual(outputs.map { $0.string(1) }, ["logits", "probabilities"])
        let nodes = try graph.bytes[1]!.map(Fields.init)
        XCTAssertEqual(nodes.filter { $0.string(4) == "LSTM" }.count, 2, "one operator per layer")
        XCTAssertTrue(nodes.contains { $0.string(4) == "Sigmoid" }, "one-logit head: sigmoid")
    }

    /// PyTorch's LSTM blocks i,f,g,o become ONNX's i,o,f,c; GRU's r,z,n become z,r,h with linear_before_reset.
    func testRecurrentWeightsAreInONNXGateOrder() throws {
        for (cell, order) in [(RecurrentCell.lstm, [0, 3, 1, 2]), (.gru, [1, 0, 2])] {
            let (classifier, model) = try model(cell: cell, classes: 3, loss: .crossEntropy)
            let graph = try Fields(model.bytes[7]![0])
            let initializers = try graph.bytes[5]!.map(Fields.init)
            let W = try XCTUnwrap(initializers.first { $0.string(8) == "rnn.l0.W" })
            XCTAssertEqual(W.packedVarints(1), [2, UInt64(order.count * 2), 3])
            let named = Dictionary(uniqueKeysWithValues: classifier.namedParameters.map { ($0.name, $0.parameter.value.storage) })
            let pyForward = named["rnn.weight_ih_l0"]!, pyReverse = named["rnn.weight_ih_l0_reverse"]!
            let block = 2 * 3   // hidden 2 rows of width 3
            var expected: [Float] = []
            for source in [pyForward, pyReverse] { for b in order { expected += source[(b * block)..<((b + 1) * block)] } }
            XCTAssertEqual(floats(W), expected, "\(cell)")
            let B = try XCTUnwrap(initializers.first { $0.string(8) == "rnn.l1.B" })
            let bih = named["rnn.bias_ih_l1"]!, bhh = named["rnn.bias_hh_l1"]!
            var expectedBias: [Float] = []
            for b in order { expectedBias += bih[(b * 2)..<((b + 1) * 2)] }
            for b in order { expectedBias += bhh[(b * 2)..<((b + 1) * 2)] }
            XCTAssertEqual(Array(floats(B).prefix(expectedBias.count)), expectedBias, "forward: Wb then Rb")
            let nodes = try graph.bytes[1]!.map(Fields.init)
            let op = try XCTUnwrap(nodes.first { $0.string(4) == (cell == .lstm ? "LSTM" : "GRU") })
            let attributes = try op.bytes[5]!.map(Fields.init)
            XCTAssertEqual(attributes.first { $0.string(1) == "hidden_size" }?.varints[3], [2])
            XCTAssertEqual(attributes.first { $0.string(1) == "direction" }?.string(4), "bidirectional")
            XCTAssertEqual(attributes.first { $0.string(1) == "linear_before_reset" }?.varints[3], cell == .gru ? [1] : nil)
            XCTAssertEqual(op.bytes[1]?.count, 5, "X, W, R, B, sequence_lens")
            XCTAssertTrue(nodes.contains { $0.string(4) == "Softmax" }, "three classes: softmax")
        }
    }

    func testRNNCellsNameTheirActivation() throws {
        for (cell, activation) in [(RecurrentCell.rnnTanh, "Tanh"), (.rnnReLU, "Relu")] {
            let (_, model) = try model(cell: cell, pooling: .max)
            let nodes = try Fields(model.bytes[7]![0]).bytes[1]!.map(Fields.init)
            let op = try XCTUnwrap(nodes.first { $0.string(4) == "RNN" })
            let attributes = try op.bytes[5]!.map(Fields.init)
            let activations = try XCTUnwrap(attributes.first { $0.string(1) == "activations" })
            XCTAssertEqual(activations.bytes[9]?.map { String(decoding: $0, as: UTF8.self) }, [activation, activation])
            XCTAssertTrue(nodes.contains { $0.string(4) == "ReduceMax" }, "max pooling over valid steps")
        }
    }
}

/// The fields of one protobuf message by number (varints and length-delimited bytes; fixed
/// widths skipped), decoded independently of the writer.
struct Fields {
    var varints: [Int: [UInt64]] = [:]
    var bytes: [Int: [[UInt8]]] = [:]
    struct Malformed: Error {}

    func string(_ field: Int) -> String? { bytes[field]?.first.map { String(decoding: $0, as: UTF8.self) } }

    /// A packed repeated varint field.
    func packedVarints(_ field: Int) -> [UInt64] {
        guard let raw = bytes[field]?.first else { return varints[field] ?? [] }
        var out: [UInt64] = [], value: UInt64 = 0, shift: UInt64 = 0
        for b in raw {
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { out.append(value); value = 0; shift = 0 } else { shift += 7 }
        }
        return out
    }

    init(_ data: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < data.count, shift < 64 else { throw Malformed() }
                let b = data[i]; i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }
        while i < data.count {
            let key = try varint()
            switch key & 7 {
            case 0: varints[Int(key >> 3), default: []].append(try varint())
            case 1: i += 8
            case 5: i += 4
            case 2:
                let n = Int(try varint())
                guard i + n <= data.count else { throw Malformed() }
                bytes[Int(key >> 3), default: []].append(Array(data[i..<i + n])); i += n
            default: throw Malformed()
            }
        }
    }
}
