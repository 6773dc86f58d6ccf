import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// The trainer against vocabularies HF tokenizers 0.23.3 produced (`train_from_iterator`, one
/// document per line, `min_frequency=1`, `limit_alphabet=1000` unless stated). HF numbers `##x`
/// tokens in random hash order, so each case passes HF's own `##x` order, exactly as
/// `--continuation-order-from` does; everything else must then match id for id.
final class TrainerHFCasesTests: XCTestCase {
    struct Case {
        var lines: [String]
        var options = WordPieceTrainerOptions(vocabSize: 30000, minFrequency: 1, limitAlphabet: 1000)
        var normalizer = BertNormalizerOptions(stripAccents: false, lowercase: false)
    }

    /// Inputs of the cases (settings differing from the defaults above noted per case).
    static let cases: [String: Case] = {
        var cases: [String: Case] = [:]
        cases["basic"] = Case(lines: ["ab ab ab cd", "ba"])
        // Equal counts: the smaller (leftId, rightId) wins, whatever the ## order.
        cases["ties"] = Case(lines: ["ab ab ab pq pq pq xy xy xy"])
        var minFrequency = Case(lines: ["ab ab ab cd cd"])
        minFrequency.options.minFrequency = 3
        cases["minfreq3"] = minFrequency
        // limit_alphabet drops q (least frequent); "qab" then has no initial piece and merges to ##ab.
        var dropFirst = Case(lines: ["qab qab qab ab ab xy xy xy xy"])
        dropFirst.options.limitAlphabet = 4
        cases["dropfirst"] = dropFirst
        // lowercase=True with strip_accents=None: accents stripped, Hangul decomposed into jamo.
        cases["lowerstrip"] = Case(lines: ["Crème brûlée 한국어 한국"],
                                   normalizer: BertNormalizerOptions(stripAccents: nil, lowercase: true))
        var cjk = Case(lines: ["日本語です 日本 中文字"])
        cjk.options.vocabSize = 30
        cases["cjk"] = cjk
        // ab + ##cd → abcd (one prefix removed from the right part).
        cases["prefixstrip"] = Case(lines: ["abcd abcd"])
        var korean = Case(lines: ["한국어 한국어 한국 사람, 사람들! 한국어를", "국어 사전 사전"])
        korean.options.vocabSize = 40
        cases["korean"] = korean
        var initial = Case(lines: ["abc abc"])
        initial.options.initialAlphabet = ["z", "한"]
        cases["initial"] = initial
        cases["lower"] = Case(lines: ["Crème brûlée naïve CRÈME"],
                              normalizer: BertNormalizerOptions(stripAccents: false, lowercase: true))
        return cases
    }()

    /// HF's vocabularies for the cases, in id order.
    static let expected: [String: [String]] = [
        "basic": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "##b", "##a", "##d", "ab", "ba", "cd"],
        "ties": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "p", "q", "x", "y", "##y", "##b", "##q", "ab", "pq", "xy"],
        "minfreq3": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "##d", "##b", "ab"],
        "dropfirst": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "x", "y", "##y", "##a", "##b", "xy", "##ab", "ab"],
        "lowerstrip": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b", "c", "e", "l", "m", "r", "u", "ᄀ", "ᄋ", "ᄒ", "ᅡ", "ᅥ", "ᅮ", "ᆨ", "ᆫ", "##ᅡ", "##ᆫ", "##ᄀ", "##ᅮ", "##ᆨ", "##ᄋ", "##ᅥ", "##r", "##u", "##l", "##e", "##m", "하", "##ᆫᄀ", "##ᅮᆨ", "한ᄀ", "한국", "br", "cr", "##어", "##ul", "##ee", "##em", "한국어", "brul", "crem", "brulee", "creme"],
        "cjk": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "す", "で", "中", "字", "文", "日", "本", "語", "##す", "です"],
        "prefixstrip": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "##b", "##c", "##d", "ab", "##cd", "abcd"],
        "korean": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ",", "국", "들", "람", "를", "사", "어", "전", "한", "##전", "##국", "##어", "##를", "##람", "##들", "한국", "한국어", "사전", "사람", "국어", "한국어를", "사람들"],
        "initial": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "z", "한", "##b", "##c", "ab", "abc"],
        "lower": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "e", "l", "m", "n", "r", "v", "è", "é", "ï", "û", "##r", "##è", "##m", "##e", "##a", "##ï", "##v", "##û", "##l", "##é", "cr", "##èm", "crèm", "crème", "br", "na", "##ïv", "##ûl", "##ée", "brûl", "naïv", "brûlée", "naïve"],
    ]

    func testEveryCaseMatchesHF() throws {
        XCTAssertEqual(Set(Self.cases.keys), Set(Self.expected.keys))
        for (name, testCase) in Self.cases.sorted(by: { $0.key < $1.key }) {
            let hf = try XCTUnwrap(Self.expected[name])
            var options = testCase.options
            options.continuationOrder = .explicit(
                WordPieceTrainerOptions.continuationOrder(fromVocabularyText: hf.joined(separator: "\n")))
            let run = try TrainerFixtures.train(lines: testCase.lines, options: options, normalizer: testCase.normalizer)
            XCTAssertEqual(run.vocabulary.tokenTexts, hf, "case \(name)")
        }
    }

    func testKindsAndCountsOfTheBasicCase() throws {
        let run = try TrainerFixtures.train(lines: ["ab ab ab cd", "ba"],
                                            options: WordPieceTrainerOptions(minFrequency: 1, limitAlphabet: 1000))
        let tokens = run.vocabulary.tokens
        // Default order: ##x by ascending code point.
        XCTAssertEqual(tokens.map(\.text),
                       ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "##a", "##b", "##d", "ab", "ba", "cd"])
        XCTAssertEqual(tokens.map(\.kind), [TrainedTokenKind](repeating: .special, count: 5)
                       + [TrainedTokenKind](repeating: .alphabet, count: 4)
                       + [TrainedTokenKind](repeating: .continuation, count: 3)
                       + [TrainedTokenKind](repeating: .merged, count: 3))
        // a: 3 (ab) + 1 (ba); ##b occurs 3 times; "ab" was merged with count 3 as the first merge.
        XCTAssertEqual(tokens[5].count, 4)
        XCTAssertEqual(tokens[10].count, 3)
        XCTAssertEqual(tokens[12].count, 3)
        XCTAssertEqual(tokens[12].mergeRank, 0)
        XCTAssertEqual(tokens[14].mergeRank, 2)
        XCTAssertEqual(run.vocabulary.statistics.stopReason, .noPairsLeft)
        XCTAssertEqual(run.documents, 2)
        XCTAssertEqual(run.vocabulary.statistics.totalWords, 5)
    }

    func testMinFrequencyStopsTraining() throws {
        let run = try TrainerFixtures.train(lines: ["ab ab ab cd cd"],
                                            options: WordPieceTrainerOptions(minFrequency: 3, limitAlphabet: nil))
        XCTAssertEqual(run.vocabulary.tokens.filter { $0.kind == .merged }.map(\.text), ["ab"])
        XCTAssertEqual(run.vocabulary.statistics.stopReason, .belowMinFrequency)
    }

    func testVocabSizeStopsTraining() throws {
        let run = try TrainerFixtures.train(lines: ["abcd abcd efgh efgh"],
                                            options: WordPieceTrainerOptions(vocabSize: 20, minFrequency: 1))
        XCTAssertEqual(run.vocabulary.tokens.count, 20)
        XCTAssertEqual(run.vocabulary.statistics.stopReason, .vocabSizeReached)
    }

    func testAlphabetLimitTiesDropHigherCodePointsFirst() throws {
        // a=3, b=c=d=1: limit 2 keeps a and the lowest of the tied b, c, d.
        let run = try TrainerFixtures.train(lines: ["a a a b c d"],
                                            options: WordPieceTrainerOptions(minFrequency: 1, limitAlphabet: 2))
        XCTAssertEqual(run.vocabulary.tokenTexts.dropFirst(5), ["a", "b"])
    }
}

/// Writing small corpora and training on them through the file path (the one the CLI uses).
enum TrainerFixtures {
    static func temporaryFile(_ contents: Data, name: String = "corpus.txt") throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("jikji-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url)
        return url
    }

    static func train(lines: [String], options: WordPieceTrainerOptions,
                      normalizer: BertNormalizerOptions = BertNormalizerOptions(stripAccents: false, lowercase: false),
                      threads: Int = 2) throws -> WordPieceTrainingRun {
        let url = try temporaryFile(Data(lines.map { $0 + "\n" }.joined().utf8))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return try WordPieceTrainer(options: options).train(
            files: [url.path], reading: CorpusReadingOptions(normalizer: normalizer, threads: threads))
    }
}
