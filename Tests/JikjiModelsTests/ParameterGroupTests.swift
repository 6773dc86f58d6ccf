import XCTest
import JikjiModels
import JikjiRecurrent

/// Every model kind's parameter groups, bottom to top: each parameter in exactly one group, in
/// the order discriminative rates and gradual unfreezing read them.
final class ParameterGroupTests: XCTestCase {
    /// Group names, and that every state-dict name is in exactly one group.
    func checkPartition(_ groups: [ParameterGroup], _ named: [(name: String, parameter: Parameter)],
                        file: StaticString = #filePath, line: UInt = #line) {
        let listed = groups.flatMap(\.parameterNames)
        XCTAssertEqual(listed.sorted(), named.map(\.name).sorted(), "every parameter in exactly one group", file: file, line: line)
        XCTAssertEqual(Set(listed).count, listed.count, "no parameter twice", file: file, line: line)
        XCTAssertFalse(groups.contains { $0.parameterNames.isEmpty }, "no empty group", file: file, line: line)
    }

    func testClassifierGroupsAreEmbeddingEachLayerThenTheHead() throws {
        var g = SeededGenerator(seed: 1)
        let model = try SequenceClassifier(.init(vocabularySize: 9, embeddingSize: 4, cell: .lstm, hiddenSize: 3, layers: 2,
                                                 bidirectional: true), generator: &g)
        let groups = model.parameterGroups
        checkPartition(groups, model.namedParameters)
        XCTAssertEqual(groups.map(\.name), ["embedding", "rnn.l0", "rnn.l1", "head"])
        XCTAssertEqual(groups[0].parameterNames, ["embedding.weight"])
        XCTAssertEqual(groups[1].parameterNames, ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                                  "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse",
                                                  "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse"])
        XCTAssertTrue(groups[2].parameterNames.allSatisfy { $0.contains("_l1") })
        XCTAssertEqual(groups[3].parameterNames, ["fc.weight", "fc.bias"])
    }

    /// Names the classifier does not know yet (a pooling's `attention.*`) land in the head.
    func testUnknownNamesLandInTheTopGroup() {
        let groups = ParameterGroup.classifierGroups(["embedding.weight", "rnn.weight_ih_l0", "attention.weight", "fc.weight",
                                                       "rnn.scale"])
        XCTAssertEqual(groups.map(\.name), ["embedding", "rnn.l0", "head"])
        XCTAssertEqual(groups[2].parameterNames, ["attention.weight", "fc.weight", "rnn.scale"])
    }

    func testLanguageModelGroupsEndInTheOutputLayer() throws {
        var g = SeededGenerator(seed: 2)
        let full = try LanguageModel(.init(vocabularySize: 20, embeddingSize: 4, cell: .lstm, hiddenSize: 4, layers: 3), generator: &g)
        checkPartition(full.parameterGroups, full.namedParameters)
        XCTAssertEqual(full.parameterGroups.map(\.name), ["embedding", "rnn.l0", "rnn.l1", "rnn.l2", "output"])
        XCTAssertEqual(full.parameterGroups.last?.parameterNames, ["fc.weight", "fc.bias"])

        let tied = try LanguageModel(.init(vocabularySize: 20, embeddingSize: 4, cell: .gru, hiddenSize: 4, tieWeights: true), generator: &g)
        checkPartition(tied.parameterGroups, tied.namedParameters)
        XCTAssertEqual(tied.parameterGroups.map(\.name), ["embedding", "rnn.l0", "output"])
        XCTAssertEqual(tied.parameterGroups.last?.parameterNames, ["fc.bias"], "the tied projection is embedding.weight, in the embedding group")

        let adaptive = try LanguageModel(.init(vocabularySize: 40, embeddingSize: 16, cell: .lstm, hiddenSize: 16,
                                               adaptiveOutput: .init(cutoffs: [10, 20])), generator: &g)
        checkPartition(adaptive.parameterGroups, adaptive.namedParameters)
        XCTAssertEqual(adaptive.parameterGroups.map(\.name), ["embedding", "rnn.l0", "output"])
        let output = try XCTUnwrap(adaptive.parameterGroups.last?.parameterNames)
        XCTAssertTrue(output.contains("frequency_order") && output.allSatisfy { $0.hasPrefix("fc.") || $0 == "frequency_order" }, "\(output)")
    }

    func testSeq2SeqGroupsFollowTheDataFromSourceToOutput() throws {
        var g = SeededGenerator(seed: 3)
        let model = try Seq2Seq(.init(vocabularySize: 15, embeddingSize: 4, encoder: .init(cell: .lstm, hiddenSize: 4, layers: 2, bidirectional: true),
                                      decoder: .init(cell: .lstm, hiddenSize: 4), startID: 2, endID: 3), generator: &g)
        let groups = model.parameterGroups
        checkPartition(groups, model.namedParameters)
        XCTAssertEqual(groups.map(\.name), ["src_embedding", "encoder.l0", "encoder.l1", "tgt_embedding", "decoder.l0", "head"])
        let head = try XCTUnwrap(groups.last?.parameterNames)
        XCTAssertTrue(head.contains { $0.hasPrefix("out.") } && head.contains { $0.hasPrefix("bridge_h.") }, "\(head)")
    }
}
