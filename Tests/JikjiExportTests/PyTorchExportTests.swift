import XCTest
@testable import JikjiExport
import JikjiModels
import JikjiRecurrent

/// The generated module's state_dict table, built from the architecture alone, names exactly the
/// tensors the Swift model holds, with their shapes: what `load_state_dict(strict=True)` needs.
/// (scripts/check-pytorch-export.sh loads the real exports in PyTorch.)
final class PyTorchExportTests: XCTestCase {
    func assertTable(_ module: PyTorchExport.ModuleSource, equals parameters: [(name: String, parameter: Parameter)],
                     file: StaticString = #filePath, line: UInt = #line) {
        let table = Dictionary(uniqueKeysWithValues: module.stateDict.map { ($0.0, $0.1) })
        let model = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter.value.shape) })
        XCTAssertEqual(table, model, file: file, line: line)
        XCTAssertEqual(table.count, module.stateDict.count, "no name twice", file: file, line: line)
    }

    func testClassifierTablesMatchTheModel() throws {
        for (cell, pooling, classes, loss) in [(RecurrentCell.lstm, SequenceClassifier.Pooling.final, 2, SequenceClassifier.Objective?.none),
                                               (.gru, .mean, 3, .crossEntropy), (.rnnReLU, .max, 2, .crossEntropy),
                                               (.lstm, .concat, 3, .crossEntropy)] {
            var g = SeededGenerator(seed: 5)
            let classifier = try SequenceClassifier(.init(vocabularySize: 30, embeddingSize: 5, cell: cell, hiddenSize: 4, layers: 2,
                                                          bidirectional: true, pooling: pooling, classes: classes, loss: loss), generator: &g)
            let module = try PyTorchExport.classifierModule(classifier.configuration)
            assertTable(module, equals: classifier.namedParameters)
            XCTAssertEqual(module.layers.map(\.attribute), ["embedding", "rnn", "fc"])
            XCTAssertTrue(module.body.contains(classifier.configuration.outputSize == 1 ? "torch.sigmoid" : "torch.softmax"))
        }
    }

    /// Concat pooling's head reads `3 * D * H`; attention pooling has no module and says so.
    func testConcatPoolingExportsAndAttentionPoolingIsRefused() throws {
        var g = SeededGenerator(seed: 5)
        let concat = try SequenceClassifier(.init(vocabularySize: 30, embeddingSize: 5, cell: .lstm, hiddenSize: 4, pooling: .concat),
                                            generator: &g)
        let module = try PyTorchExport.classifierModule(concat.configuration)
        XCTAssertTrue(module.stateDict.contains { $0.0 == "fc.weight" && $0.1 == [1, 24] })
        XCTAssertTrue(module.body.contains("torch.cat([final, highest, mean], dim=1)"))
        let attention = try SequenceClassifier(.init(vocabularySize: 30, embeddingSize: 5, cell: .lstm, hiddenSize: 4, pooling: .attention),
                                               generator: &g)
        XCTAssertThrowsError(try PyTorchExport.classifierModule(attention.configuration)) { error in
            XCTAssertTrue("\(error)".contains("model.pooling: attention"), "\(error)")
        }
    }

    func testRecurrentConstructorsNameTheirCell() {
        XCTAssertEqual(PyTorchLayer.recurrent("rnn", cell: .rnnReLU, inputs: 3, hidden: 2, layers: 1, bidirectional: false).constructor,
                       "nn.RNN(3, 2, num_layers=1, bidirectional=False, batch_first=True, nonlinearity=\"relu\")")
        XCTAssertEqual(PyTorchLayer.recurrent("rnn", cell: .gru, inputs: 3, hidden: 2, layers: 2, bidirectional: true).constructor,
                       "nn.GRU(3, 2, num_layers=2, bidirectional=True, batch_first=True)")
    }

    func testLanguageModelTablesMatchTheModel() throws {
        var g = SeededGenerator(seed: 6)
        let tied = try LanguageModel(.init(vocabularySize: 20, embeddingSize: 6, cell: .lstm, hiddenSize: 6, layers: 2, tieWeights: true),
                                     generator: &g)
        let tiedModule = PyTorchExport.languageModelModule(tied.configuration, startID: 2, stopID: 3)
        assertTable(tiedModule, equals: tied.namedParameters)
        XCTAssertTrue(tiedModule.body.contains("self.embedding.weight"), "tied: the output reads the embedding table")
        let adaptive = try LanguageModel(.init(vocabularySize: 40, embeddingSize: 6, cell: .gru, hiddenSize: 9,
                                               adaptiveOutput: .init(cutoffs: [5, 20], divValue: 2, headBias: true)),
                                         generator: &g)
        let adaptiveModule = PyTorchExport.languageModelModule(adaptive.configuration, startID: nil, stopID: 3)
        assertTable(adaptiveModule, equals: adaptive.namedParameters)
        XCTAssertTrue(adaptiveModule.constants.contains("START_ID = None"))
        let full = try LanguageModel(.init(vocabularySize: 20, embeddingSize: 4, cell: .rnnTanh, hiddenSize: 6), generator: &g)
        assertTable(PyTorchExport.languageModelModule(full.configuration, startID: 1, stopID: 3), equals: full.namedParameters)
    }

    func testSeq2SeqTablesMatchTheModel() throws {
        let configurations: [Seq2Seq.Configuration] = [
            .init(vocabularySize: 15, embeddingSize: 4, encoder: .init(cell: .lstm, hiddenSize: 5), decoder: .init(cell: .lstm, hiddenSize: 5),
                  attention: .dot, startID: 1, endID: 2),
            .init(vocabularySize: 15, embeddingSize: 4, encoder: .init(cell: .lstm, hiddenSize: 3, layers: 2, bidirectional: true),
                  decoder: .init(cell: .lstm, hiddenSize: 5, layers: 3), attention: .concat, inputFeeding: true, startID: 1, endID: 2),
            .init(vocabularySize: 15, embeddingSize: 4, encoder: .init(cell: .gru, hiddenSize: 3, bidirectional: true),
                  decoder: .init(cell: .gru, hiddenSize: 3), attention: .general, bridge: .sum, startID: 1, endID: 2),
            .init(vocabularySize: 15, embeddingSize: 4, encoder: .init(cell: .gru, hiddenSize: 4),
                  decoder: .init(cell: .lstm, hiddenSize: 6), attention: .none, startID: 1, endID: 2),
        ]
        for c in configurations {
            var g = SeededGenerator(seed: 7)
            let model = try Seq2Seq(c, generator: &g)
            let module = PyTorchExport.seq2seqModule(c)
            assertTable(module, equals: model.namedParameters)
            XCTAssertEqual(module.body.contains("torch.cat([x, feed], dim=1)"), c.inputFeeding)
        }
    }
}
