import Foundation
import XCTest
import JikjiTestSupport

/// Issue 18 from the shell: `generate` and `translate --format jsonl` (the ids and log-probabilities
/// other runtimes are compared with), the ONNX export of a language model and of an
/// encoder-decoder (two graphs), and the PyTorch export's four files with a state_dict table equal
/// to the checkpoint's tensors. (ONNX Runtime and PyTorch run them in scripts/check-onnx-export.sh
/// and scripts/check-pytorch-export.sh.)
extension JobCommandTests {
    /// `name: [shape]` of a safetensors file's header.
    func safetensorsShapes(_ file: String) throws -> [String: [Int]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let size = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + size))) as? [String: Any])
        header["__metadata__"] = nil
        return try header.mapValues { try XCTUnwrap(($0 as? [String: Any])?["shape"] as? [Int]) }
    }

    /// The `"name": [shape],` lines of model.py's STATE_DICT table.
    func stateDictTable(_ modelPy: String) throws -> [String: [Int]] {
        let text = try String(contentsOfFile: modelPy, encoding: .utf8)
        let body = try XCTUnwrap(text.components(separatedBy: "STATE_DICT = {\n").dropFirst().first?.components(separatedBy: "\n}").first)
        var table: [String: [Int]] = [:]
        for line in body.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            let name = parts[0].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let shape = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: " [],"))
            table[name] = shape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        }
        return table
    }

    func testLanguageModelGenerationJSONAndExports() throws {
        let job = try writeJob("lm.yaml", """
        name: cli-lm
        seed: 4
        data: {train: \(path("train.tsv")), text_column: document, valid_ratio: 0.05}
        vocab: {name: cli-lm-wp, database: \(path("vocab.sqlite")), vocab_size: 4000, min_frequency: 2}
        batching: {batch_size: 16, window: 16}
        model: {kind: language_model, embedding: 16, encoder: {cell: gru, hidden: 16}, output: {kind: adaptive, cutoffs: [200, 1000]}}
        optim: {optimizer: adam, lr: 0.01}
        train: {epochs: 1, max_steps: 20}
        """)
        try jikji(["job", "run", job, "--quiet", "--runs", runs])
        let arguments = ["generate", "1", "--prompt", "이 영화", "--temperature", "0", "--max-tokens", "8", "--runs", runs]
        let text = try jikji(arguments).output
        let line = try jikji(arguments + ["--format", "jsonl"]).output
        let row = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual((row["text"] as? String).map { $0 + "\n" }, text, "the same generation in both formats")
        let ids = try XCTUnwrap(row["ids"] as? [Int]), logps = try XCTUnwrap(row["log_probabilities"] as? [Double])
        XCTAssertEqual(ids.count, logps.count)
        XCTAssertFalse(ids.isEmpty)
        XCTAssertTrue(logps.allSatisfy { $0 <= 0 && $0.isFinite }, "\(logps)")
        XCTAssertGreaterThan(try XCTUnwrap(row["context"] as? [Int]).count, 1, "the document start, then the prompt")

        let onnx = try jikji(["export", "1", "--format", "onnx", "--output", path("lm.onnx"), "--runs", runs])
        XCTAssertTrue(onnx.output.contains("wrote \(path("lm.onnx"))"), onnx.output)
        let graph = try Data(contentsOf: URL(fileURLWithPath: path("lm.onnx")))
        for name in ["log_probabilities", "hidden_out", "frequency_rank", "jikji.generation_start_id"] {
            XCTAssertNotNil(graph.range(of: Data(name.utf8)), name)
        }

        let folder = path("lm-torch")
        let torch = try jikji(["export", "1", "--format", "pytorch", "--output", folder, "--runs", runs])
        for file in ["model.py", "model.safetensors", "tokenizer.json", "predict.py"] {
            XCTAssertTrue(torch.output.contains("wrote \(folder)/\(file)"), torch.output)
        }
        let table = try stateDictTable(folder + "/model.py")
        XCTAssertEqual(table, try safetensorsShapes(folder + "/model.safetensors"))
        XCTAssertNotNil(table["frequency_order"])
        XCTAssertTrue(try String(contentsOfFile: folder + "/model.py", encoding: .utf8).contains("nn.AdaptiveLogSoftmaxWithLoss(16, "))
    }

    func testEncoderDecoderTranslationJSONAndExports() throws {
        let job = try writeJob("chat.yaml", """
        name: cli-chat
        seed: 5
        data: {train: \(path("chat.csv")), source_column: Q, target_column: A, valid_ratio: 0.1}
        vocab: {name: cli-chat-wp, database: \(path("vocab.sqlite")), vocab_size: 3000, min_frequency: 1}
        batching: {batch_size: 32, max_length: 24}
        model: {kind: seq2seq, embedding: 16, encoder: {cell: lstm, hidden: 16}, decoder: {cell: lstm, hidden: 16}, attention: general, input_feeding: true}
        optim: {optimizer: adam, lr: 0.01}
        train: {epochs: 1, max_steps: 20}
        """)
        try jikji(["job", "run", job, "--quiet", "--runs", runs])
        try "오늘 날씨 어때\n배고파\n".write(toFile: path("questions.txt"), atomically: true, encoding: .utf8)
        let arguments = ["translate", "1", "--input", path("questions.txt"), "--runs", runs]
        let text = try jikji(arguments).output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let lines = try jikji(arguments + ["--format", "jsonl"]).output.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for (line, answer) in zip(lines, text) {
            let row = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertFalse(try XCTUnwrap(row["source"] as? [Int]).isEmpty)
            let best = try XCTUnwrap((row["hypotheses"] as? [[String: Any]])?.first)
            XCTAssertEqual(best["text"] as? String, String(answer))
            XCTAssertFalse(try XCTUnwrap(best["ids"] as? [Int]).isEmpty)
            XCTAssertLessThan(try XCTUnwrap(best["log_probability"] as? Double), 0)
        }

        let onnx = try jikji(["export", "1", "--format", "onnx", "--output", path("chat.onnx"), "--runs", runs])
        XCTAssertTrue(onnx.output.contains("wrote \(path("chat.encoder.onnx"))") && onnx.output.contains("wrote \(path("chat.decoder.onnx"))"),
                      onnx.output)
        let decoder = try Data(contentsOf: URL(fileURLWithPath: path("chat.decoder.onnx")))
        for name in ["feed", "source_mask", "attentional", "W_c.weight_t"] { XCTAssertNotNil(decoder.range(of: Data(name.utf8)), name) }

        let folder = path("chat-torch")
        try jikji(["export", "1", "--format", "pytorch", "--output", folder, "--runs", runs])
        XCTAssertEqual(try stateDictTable(folder + "/model.py"), try safetensorsShapes(folder + "/model.safetensors"))
        XCTAssertTrue(try String(contentsOfFile: folder + "/predict.py", encoding: .utf8).contains("model.greedy(ids, lengths)"))
    }
}
