import Foundation
import JikjiConfig
import JikjiJobs
import JikjiModels
import JikjiRecurrent
import JikjiTestSupport
import JikjiText

extension FuzzTarget {
    /// The seed inputs the fuzzers start from, made from the project's real files: HF's
    /// `tokenizer.json` and `vocab.txt` references (cut to their first tokens, so that an input
    /// runs fast), `jobs/*.yaml`, the benchmark's and the README's pipelines, corpus lines, and a
    /// `model.safetensors` of a small classifier.
    ///
    /// - Throws: ``MissingReference`` when a reference file or corpus is missing (the fuzzers,
    ///   like the parity tests, need them).
    public func seeds() throws -> [[UInt8]] {
        switch self {
        case .safetensors: return try Self.safeTensorsSeeds()
        case .tokenizerJSON: return try Self.tokenizerJSONSeeds()
        case .vocabTxt: return try Self.vocabTxtSeeds()
        case .jobYAML: return try Self.jobSeeds()
        case .pipelineYAML: return try Self.pipelineSeeds()
        case .records: return try Self.recordSeeds()
        case .encoder: return try Self.encoderSeeds()
        }
    }

    /// How many tokens of a reference vocabulary a seed keeps (BERT's special tokens are below 110).
    static let seedVocabularySize = 300

    private static func safeTensorsSeeds() throws -> [[UInt8]] {
        var generator = SeededGenerator(seed: 7)
        let model = try SequenceClassifier(FuzzFixtures.classifierConfiguration, generator: &generator)
        let checkpoint = try SafeTensorsFile(tensors: model.stateDict(), metadata: ["format": "pt"]).encoded()
        let state = try SafeTensorsFile(
            tensors: ["lagging.embedding": Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])],
            integerTensors: ["position": IntegerTensor(shape: [3], values: [1, 2, 3]),
                             "generator": IntegerTensor(shape: [4], values: [5, -6, 7, Int64.min])],
            metadata: [:]).encoded()
        // Every element type the reader knows, as another writer (PyTorch, NumPy) would give them.
        let types = #"{"f16":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"#
            + #""bf16":{"dtype":"BF16","shape":[1,2],"data_offsets":[4,8]},"#
            + #""f64":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},"#
            + #""i32":{"dtype":"I32","shape":[1],"data_offsets":[16,20]},"#
            + #""i16":{"dtype":"I16","shape":[1],"data_offsets":[20,22]},"#
            + #""u8":{"dtype":"U8","shape":[2],"data_offsets":[22,24]},"#
            + #""b":{"dtype":"BOOL","shape":[],"data_offsets":[24,25]},"__metadata__":{"format":"np"}}"#
        let typed = [1] + Array(types.utf8) + [0] + (0..<25).map { UInt8($0 * 9) }
        var seeds: [[UInt8]] = [typed]
        for file in [[UInt8](checkpoint), [UInt8](state)] {
            seeds.append([0] + file)
            if let header = safeTensorsHeaderInput(file) { seeds.append(header) }
        }
        return seeds
    }

    private static func tokenizerJSONSeeds() throws -> [[UInt8]] {
        try ["hf/minilm/tokenizer.json", "hf/wp150k/tokenizer.json", "hf/wp150k/tokenizer_bert.json",
             "hf/wp567k/tokenizer.json"].map { path in
            let data = try Data(contentsOf: ProjectPaths.reference(path))
            return try shrinkTokenizerJSON(data, keeping: seedVocabularySize)
        }
    }

    /// `data` (a tokenizer.json) with only the vocabulary's tokens whose id is below `count`.
    static func shrinkTokenizerJSON(_ data: Data, keeping count: Int) throws -> [UInt8] {
        guard var root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int] else {
            throw ScratchFile.Failure(description: "not a tokenizer.json with a WordPiece vocabulary")
        }
        model["vocab"] = vocab.filter { $0.value < count }
        root["model"] = model
        return [UInt8](try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]))
    }

    private static func vocabTxtSeeds() throws -> [[UInt8]] {
        let fixtures = ProjectPaths.root.appendingPathComponent("Tests/JikjiWordPieceTests/Fixtures")
        var files = try ["hf/minilm/vocab.txt", "hf/wp150k/vocab.txt", "hf/wp567k/vocab.txt"].map {
            try ProjectPaths.reference($0)
        }
        files += ["marks-vocab.txt", "mixed-vocab.txt", "english-vocab.txt"].map { fixtures.appendingPathComponent($0) }
        return try files.map { try firstLines(of: $0, count: seedVocabularySize) }
    }

    private static func jobSeeds() throws -> [[UInt8]] {
        let folder = ProjectPaths.root.appendingPathComponent("jobs")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        var seeds: [[UInt8]] = []
        for name in names {
            let url = folder.appendingPathComponent(name)
            seeds.append([UInt8](try Data(contentsOf: url)))
            // The resolved form, every default written out, as a run stores it.
            seeds.append(Array(try JobConfig(contentsOf: url).resolved.yaml().utf8))
        }
        return seeds
    }

    private static func pipelineSeeds() throws -> [[UInt8]] {
        var seeds = [[UInt8](try Data(contentsOf: ProjectPaths.root.appendingPathComponent("bench/clean_pipeline.yaml")))]
        // The README's example pipeline file (every kind of step parameter).
        let readme = try String(contentsOf: ProjectPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        if let start = readme.range(of: "```yaml\nsteps:"),
           let end = readme.range(of: "```", range: start.upperBound..<readme.endIndex) {
            seeds.append(Array(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound].utf8))
        }
        for name in CleaningPipeline.presetNames {
            let preset = try CleaningPipeline(preset: name)
            seeds.append(Array(preset.yamlString.utf8))
            seeds.append(Array(preset.jsonString.utf8))
        }
        return seeds
    }

    private static func recordSeeds() throws -> [[UInt8]] {
        let nsmc = try firstLines(of: ProjectPaths.corpus("nsmc/ratings_train.txt"), count: 25)
        let reviews = try firstLines(of: ProjectPaths.corpus("nsmc/reviews_test.tsv"), count: 10)
        let chatbot = try firstLines(of: ProjectPaths.corpus("chatbot/ChatbotData.csv"), count: 25)
        // JSONL as users make it from a TSV: one object per line with the same fields.
        var jsonl: [UInt8] = []
        for line in String(decoding: nsmc, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            let object: [String: Any] = ["id": fields[0], "document": fields[1], "label": Int(fields[2]) ?? 0]
            jsonl += [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) + [0x0A]
        }
        // Control bytes: format in bits 0-1 (lines, TSV, CSV, JSONL), block size in bits 2-3.
        return [[0x00] + nsmc, [0x05] + nsmc, [0x0D] + reviews, [0x01] + reviews, [0x02] + chatbot,
                [0x06] + chatbot, [0x72] + chatbot, [0x03] + jsonl, [0x07] + jsonl]
    }

    private static func encoderSeeds() throws -> [[UInt8]] {
        let nsmc = String(decoding: try firstLines(of: ProjectPaths.corpus("nsmc/ratings_test.txt"), count: 30), as: UTF8.self)
        let documents = nsmc.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count == 3 ? String(fields[1]) : nil
        }
        // The inputs of HF's own BERT cases, as the parity tests hold them.
        let cases = try Data(contentsOf: ProjectPaths.root.appendingPathComponent("Tests/JikjiWordPieceTests/Fixtures/cases.json"))
        var caseTexts: [String] = []
        if let root = try JSONSerialization.jsonObject(with: cases) as? [String: Any],
           let list = root["cases"] as? [[String: Any]] {
            for entry in list {
                for input in entry["inputs"] as? [[String: Any]] ?? [] {
                    if let text = input["text"] as? String { caseTexts.append(text) }
                }
            }
        }
        let groups = [documents.joined(separator: "\n"), FuzzFixtures.sampleTexts.joined(separator: "\n"),
                      caseTexts.prefix(60).joined(separator: "\n"), "101 7592 1010 102\n0 1 2 3 [4, 5]\n"]
        var seeds: [[UInt8]] = []
        for (k, text) in groups.enumerated() {
            // Each encoder (bits 0-1), output format (bits 2-3) and option set (bits 4-6) occurs.
            for control: UInt8 in [0x00, 0x05, 0x1A, 0x23, 0x30, 0x41, 0x56, 0x62, 0x8C] {
                seeds.append([control &+ UInt8(k)] + Array(text.utf8))
            }
        }
        return seeds
    }

    /// The first `count` lines of a file (reading only its start: corpora are large).
    static func firstLines(of url: URL, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        var lines = 0
        while lines < count, let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            for byte in chunk {
                bytes.append(byte)
                if byte == 0x0A {
                    lines += 1
                    if lines == count { break }
                }
            }
        }
        return bytes
    }
}
