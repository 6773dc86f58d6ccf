import Foundation
import JikjiModels
import JikjiTestSupport
import JikjiText
import JikjiVocabStore
import JikjiWordPiece

/// What the fuzz entries use besides the input: sample texts, a tiny model, and real encoders,
/// built once per process (a `Result`, so a missing file is a thrown error, never a trap).
enum FuzzFixtures {
    /// Texts encoded with every vocabulary a fuzz input yields: scripts, combining marks, emoji
    /// sequences, special and added tokens, controls, a word longer than HF's 100-character limit.
    static let sampleTexts: [String] = [
        "",
        " \t ",
        "Hello, y'all! How are you 😁 ?",
        "정말 재밌게 봤다!!!! ㅋㅋㅋㅋㅋ ㅠㅠ 가가가각",
        "भारत किताब राजा পানি ก็ ไม่ นี่",
        "Café naïve ÉCOLE x\u{323}\u{301} [CLS] [MASK] <mask> [UNK]x",
        "👍🏽 ❤️ 👩‍💻 🏳️‍🌈 e\u{301}",
        "\u{FEFF}a\u{200D}b\u{0}c\u{7F}d\r\u{2028}e",
        String(repeating: "가", count: 120) + " " + String(repeating: "ab", count: 70),
        "<b>html</b> http://example.com/x?y=1 someone@example.com 12,345원",
    ]

    /// A tiny classifier for loading fuzzed checkpoints (names `embedding.weight`, `rnn.*`, `fc.*`).
    static let classifierConfiguration = SequenceClassifier.Configuration(
        vocabularySize: 8, embeddingSize: 4, cell: .lstm, hiddenSize: 3, layers: 1, bidirectional: true, classes: 2)

    /// A small BERT vocabulary in code, for targets that only need some tokenizer.
    static var smallTokenizer: WordPieceTokenizer {
        get throws { try smallTokenizerResult.get() }
    }

    /// Why a fixture could not be made (kept as text: a stored `any Error` is not `Sendable`).
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// `body`'s value, or its error as an ``Unavailable``.
    private static func made<T>(_ body: () throws -> T) -> Result<T, Unavailable> {
        do { return .success(try body()) } catch { return .failure(Unavailable(description: "\(error)")) }
    }

    private static let smallTokenizerResult = made { () throws -> WordPieceTokenizer in
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "e", "h", "l", "o", "##a", "##b",
                      "##l", "##o", "가", "##가", "##각", "정말", "ㅋ", "##ㅋ", "!", ",", "?"]
        return WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: tokens), normalizer: .korean)
    }

    /// The encoders the `encoder` target chooses from, as the CLI builds them: a stored Korean
    /// vocabulary with the `korean-web` pipeline (`--vocab NAME`), an English `vocab.txt` with
    /// `--lowercase`, and all-MiniLM-L6-v2's `tokenizer.json` (truncation and padding included).
    static var encoders: [TextEncoder] {
        get throws { try encodersResult.get() }
    }

    private static let encodersResult = made { () throws -> [TextEncoder] in
        let fixtures = ProjectPaths.root.appendingPathComponent("Tests/JikjiWordPieceTests/Fixtures")
        var korean = try StoredVocabulary.importing(fixtures.appendingPathComponent("mixed-vocab.txt"), name: "mixed",
                                                    normalizer: .korean, toolVersion: "fuzz")
        korean.pipeline = try CleaningPipeline(preset: "korean-web").jsonString
        let english = try VocabularySource(argument: fixtures.appendingPathComponent("english-vocab.txt").path,
                                           lowercase: true)
        let minilm = try VocabularySource(argument: try ProjectPaths.reference("hf/minilm/tokenizer.json").path)
        return [try korean.textEncoder(), try english.textEncoder(), try minilm.textEncoder()]
    }

    /// `/dev/null` for the outputs of whole-file commands (encode, decode).
    static let nullOutput = FileHandle(forWritingAtPath: "/dev/null")

    /// A folder of this process for outputs written by name (the `clean` command's output file).
    static let outputFolder = made { () throws -> URL in
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("jikji-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
