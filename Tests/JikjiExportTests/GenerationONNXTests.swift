import XCTest
@testable import JikjiExport
import JikjiModels
import JikjiRecurrent

/// The language-model and encoder-decoder graphs as bytes, decoded by ``Fields`` (independently of
/// the writer): their inputs and outputs, the state wiring of the recurrent operators, and the
/// weights they carry. (ONNX Runtime runs the real exports against `jikji generate` and
/// `jikji translate` in scripts/check-onnx-export.sh.)
final class GenerationONNXTests: XCTestCase {
    struct Graph {
        var inputs: [String], outputs: [String], nodes: [Fields], initializers: [String: Fields]
        init(_ model: ONNXModel) throws {
            let graph = try Fields(try Fields(model.serialized(producerVersion: "test")).bytes[7]![0])
            inputs = try graph.bytes[11]!.map { try Fields($0).string(1)! }
            outputs = try graph.bytes[12]!.map { try Fields($0).string(1)! }
            nodes = try graph.bytes[1]!.map(Fields.init)
            initializers = Dictionary(uniqueKeysWithValues: try graph.bytes[5]!.map { b in let f = try Fields(b); return (f.string(8)!, f) })
        }
        func floats(_ name: String) -> [Float] {
            let raw = initializers[name]!.bytes[9]![0]
            return stride(from: 0, to: raw.count, by: 4).map { i in
                Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
            }
        }
        func int64s(_ name: String) -> [Int64] {
            let raw = initializers[name]!.bytes[9]![0]
            return stride(from: 0, to: raw.count, by: 8).map { i in
                Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[i + $1]) << (8 * UInt64($1)) })
            }
        }
        func nodes(_ op: String) -> [Fields] { nodes.filter { $0.string(4) == op } }
    }

    func stateDict(_ parameters: [(name: String, parameter: Parameter)]) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter.value) })
    }

    func testLanguageModelStepCarriesEveryLayersStateInAndOut() throws {
        var g = SeededGenerator(seed: 1)
        let lm = try LanguageModel(.init(vocabularySize: 12, embeddingSize: 4, cell: .lstm, hiddenSize: 4, layers: 2, tieWeights: true),
                                   generator: &g)
        let graph = try Graph(try LanguageModelONNX.model(lm.configuration, stateDict: stateDict(lm.namedParameters)))
        XCTAssertEqual(graph.inputs, ["ids", "hidden", "cell"])
        XCTAssertEqual(graph.outputs, ["log_probabilities", "hidden_out", "cell_out"])
        let lstms = graph.nodes("LSTM")
        XCTAssertEqual(lstms.count, 2)
        for op in lstms {
            let inputs = op.bytes[1]!.map { String(decoding: $0, as: UTF8.self) }
            XCTAssertEqual(inputs.count, 7, "X, W, R, B, no sequence_lens, initial_h, initial_c")
            XCTAssertEqual(inputs[4], "")
        }
        XCTAssertEqual(graph.nodes("Slice").count, 4, "each layer's rows of hidden and cell")
        XCTAssertEqual(graph.nodes("LogSoftmax").count, 1)
        // Tied: the output layer is the embedding table, transposed to [H, V].
        let table = lm.embedding.weight.value.storage, transposed = graph.floats("fc.weight_t")
        XCTAssertEqual(transposed.count, 48)
        for v in 0..<12 { for h in 0..<4 { XCTAssertEqual(transposed[h * 12 + v], table[v * 4 + h]) } }
    }

    func testAdaptiveOutputMapsRanksBackToIds() throws {
        var g = SeededGenerator(seed: 2)
        let order = [5, 0, 9, 1, 2, 3, 11, 4, 6, 7, 8, 10]
        let lm = try LanguageModel(.init(vocabularySize: 12, embeddingSize: 4, cell: .gru, hiddenSize: 8,
                                         adaptiveOutput: .init(cutoffs: [3, 7], divValue: 2, headBias: true)),
                                   frequencyOrder: order, generator: &g)
        let graph = try Graph(try LanguageModelONNX.model(lm.configuration, stateDict: stateDict(lm.namedParameters)))
        XCTAssertEqual(graph.inputs, ["ids", "hidden"], "a GRU has no cell state")
        XCTAssertEqual(graph.outputs, ["log_probabilities", "hidden_out"])
        XCTAssertEqual(graph.nodes("LogSoftmax").count, 3, "the head and each cluster")
        let rank = graph.int64s("frequency_rank")
        for (r, id) in order.enumerated() { XCTAssertEqual(rank[id], Int64(r), "id \(id) is rank \(r)") }
        XCTAssertNotNil(graph.initializers["fc.head.bias"])

        var broken = stateDict(lm.namedParameters)
        broken["frequency_order"] = Tensor(shape: [12], values: [Float](repeating: 0, count: 12))
        XCTAssertThrowsError(try LanguageModelONNX.model(lm.configuration, stateDict: broken))
        broken["frequency_order"] = nil
        XCTAssertThrowsError(try LanguageModelONNX.model(lm.configuration, stateDict: broken)) { error in
            XCTAssertEqual(error as? ExportError, .missingWeight("frequency_order"))
        }
    }

    func seq2seq(_ c: Seq2Seq.Configuration) throws -> Seq2Seq {
        var g = SeededGenerator(seed: 3)
        return try Seq2Seq(c, generator: &g)
    }

    func testEncoderBridgesAndDecoderStepTakesFeedAndMask() throws {
        let model = try seq2seq(.init(vocabularySize: 10, embeddingSize: 3,
                                      encoder: .init(cell: .gru, hiddenSize: 2, layers: 2, bidirectional: true),
                                      decoder: .init(cell: .lstm, hiddenSize: 3, layers: 2), attention: .concat,
                                      inputFeeding: true, bridge: .project, startID: 1, endID: 2))
        let weights = stateDict(model.namedParameters)
        let encoder = try Graph(try Seq2SeqONNX.encoder(model.configuration, stateDict: weights))
        XCTAssertEqual(encoder.inputs, ["ids", "lengths"])
        XCTAssertEqual(encoder.outputs, ["encoder_outputs", "source_mask", "hidden", "cell"])
        XCTAssertEqual(encoder.nodes("GRU").count, 2)
        XCTAssertNotNil(encoder.initializers["bridge_h.l0.weight_t"], "encoder width 4 ≠ decoder 3: projected")
        XCTAssertTrue(encoder.nodes("Mul").contains { $0.bytes[2]!.map { String(decoding: $0, as: UTF8.self) } == ["cell"] },
                      "a GRU encoder starts the LSTM decoder's cells at zero")

        let decoder = try Graph(try Seq2SeqONNX.decoderStep(model.configuration, stateDict: weights))
        XCTAssertEqual(decoder.inputs, ["token", "hidden", "cell", "feed", "encoder_outputs", "source_mask"])
        XCTAssertEqual(decoder.outputs, ["logits", "log_probabilities", "hidden_out", "cell_out", "attentional"])
        XCTAssertEqual(decoder.nodes("Where").count, 1, "scores masked by source_mask")
        // Concat attention: W_a [A, Hd + We] split into its decoder-state and encoder-output columns.
        let wa = model.attention!.scoreWeight!.value
        let A = wa.shape[0], width = wa.shape[1]
        let state = decoder.floats("W_a.state.weight_t"), source = decoder.floats("W_a.source.weight_t")
        XCTAssertEqual(state.count, A * 3)
        XCTAssertEqual(source.count, A * 4)
        for a in 0..<A {
            for j in 0..<3 { XCTAssertEqual(state[j * A + a], wa.storage[a * width + j]) }
            for j in 0..<4 { XCTAssertEqual(source[j * A + a], wa.storage[a * width + 3 + j]) }
        }
    }

    func testWithoutAttentionTheDecoderReadsNoEncoderOutputs() throws {
        let model = try seq2seq(.init(vocabularySize: 10, embeddingSize: 3, encoder: .init(cell: .lstm, hiddenSize: 3),
                                      decoder: .init(cell: .gru, hiddenSize: 3), attention: .none, startID: 1, endID: 2))
        let weights = stateDict(model.namedParameters)
        let encoder = try Graph(try Seq2SeqONNX.encoder(model.configuration, stateDict: weights))
        XCTAssertEqual(encoder.outputs, ["encoder_outputs", "source_mask", "hidden"], "a GRU decoder has no cell")
        XCTAssertNil(encoder.initializers["bridge_h.l0.weight_t"], "equal widths: the states as they are")
        let decoder = try Graph(try Seq2SeqONNX.decoderStep(model.configuration, stateDict: weights))
        XCTAssertEqual(decoder.inputs, ["token", "hidden"])
        XCTAssertTrue(decoder.nodes("Where").isEmpty)
    }
}
