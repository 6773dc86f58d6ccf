import Foundation
import JikjiTestSupport
@testable import JikjiWordPiece
import XCTest

/// The trie's linear matcher (``WordPieceTrie/matchWord(_:into:)``, LinMaxMatch failure links)
/// against the walk-and-restart matcher it replaces (``WordPieceTrie/matchWordByWalks(_:into:)``)
/// and against HF's greedy rule stated plainly, on random vocabularies: with `##`, with another
/// prefix and with none, with holes, without any continuation token, and on words that contain
/// or start with the prefix's characters.
final class LinMaxMatchTests: XCTestCase {
    /// HF's WordPiece on one word: at each position the longest vocabulary entry found by
    /// shrinking the end (`prefix` before every piece but the first); nil when some position
    /// matches nothing.
    private static func reference(_ word: [Character], _ vocabulary: [String: Int32], prefix: String) -> [Int32]? {
        var ids: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                let piece = (start > 0 ? prefix : "") + String(word[start..<end])
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return nil }
            ids.append(id)
            start = end
        }
        return ids
    }

    private static func run(_ word: String, _ match: (UnsafeBufferPointer<UInt8>, UnsafeMutablePointer<Int32>) -> Int?) -> [Int32]? {
        var copy = word
        return copy.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: bytes.count + 1) { buffer in
                match(bytes, buffer.baseAddress!).map { Array(buffer.prefix($0)) }
            }
        }
    }

    private func check(seed: UInt64, rounds: Int, prefix: String, alphabet: [Character], continuationShare: UInt64,
                       holes: Bool, file: StaticString = #filePath, line: UInt = #line) {
        var random = LinMaxTestRandom(seed: seed)
        func pick() -> Character { alphabet[Int(random.next() % UInt64(alphabet.count))] }
        for round in 0..<rounds {
            var tokens: [String] = []
            var seen = Set<String>()
            let size = 2 + Int(random.next() % 60)
            while tokens.count < size {
                var token = String((0..<(1 + Int(random.next() % 5))).map { _ in pick() })
                if random.next() % 100 < continuationShare { token = prefix + token }
                if seen.insert(token).inserted { tokens.append(token) }
            }
            // Holes: ids left out of the trie (and of the reference's vocabulary).
            let left = holes ? Set(tokens.indices.filter { _ in random.next() % 8 == 0 }) : []
            let trie = WordPieceTrie(tokens: tokens, prefix: prefix) { !left.contains($0) }
            var vocabulary: [String: Int32] = [:]
            for (id, token) in tokens.enumerated() where !left.contains(id) { vocabulary[token] = Int32(id) }
            for _ in 0..<80 {
                var word = (0..<(1 + Int(random.next() % 14))).map { _ in pick() }
                if random.next() % 6 == 0 { word = Array(prefix) + word }
                let text = String(word)
                let expected = Self.reference(word, vocabulary, prefix: prefix)
                let linear = Self.run(text) { trie.matchWord($0, into: $1) }
                let walks = Self.run(text) { trie.matchWordByWalks($0, into: $1) }
                XCTAssertEqual(linear, expected, "round \(round): \(text.debugDescription) in \(tokens)", file: file, line: line)
                XCTAssertEqual(walks, expected, "walks, round \(round): \(text.debugDescription)", file: file, line: line)
            }
        }
    }

    /// `##` continuation over one-, two- and three-byte characters and `#` itself.
    func testContinuationPrefixOnRandomVocabularies() {
        check(seed: 1, rounds: 150, prefix: "##", alphabet: ["a", "b", "c", "#", "é", "가", "각"], continuationShare: 50, holes: true)
    }

    /// Few characters, so that long pops and chains of failure links occur.
    func testTwoLetterAlphabet() {
        check(seed: 2, rounds: 150, prefix: "##", alphabet: ["a", "b"], continuationShare: 60, holes: false)
    }

    /// Another prefix, an empty prefix, and a vocabulary without continuation tokens.
    func testOtherPrefixes() {
        check(seed: 3, rounds: 80, prefix: "@@", alphabet: ["a", "@", "가", "b"], continuationShare: 40, holes: true)
        check(seed: 4, rounds: 80, prefix: "", alphabet: ["a", "b", "가"], continuationShare: 0, holes: true)
        check(seed: 5, rounds: 80, prefix: "##", alphabet: ["a", "b", "가"], continuationShare: 0, holes: false)
    }

    /// The real NSMC vocabulary on the first 2,000 reviews' words: both matchers agree.
    func testNSMCVocabularyWords() throws {
        let vocabulary = try WordPieceVocabulary(vocabTxt: try ProjectPaths.reference("hf/wp567k/vocab.txt"))
        let trie = WordPieceTrie(tokens: vocabulary.tokens, prefix: vocabulary.continuingSubwordPrefix) {
            vocabulary.token(for: $0) != nil
        }
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt")
        let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").prefix(2001).dropFirst()
        var words = 0, unknown = 0
        for line in lines {
            for word in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0.isPunctuation }) {
                let linear = Self.run(String(word)) { trie.matchWord($0, into: $1) }
                XCTAssertEqual(linear, Self.run(String(word)) { trie.matchWordByWalks($0, into: $1) }, String(word))
                words += 1
                if linear == nil { unknown += 1 }
            }
        }
        XCTAssertGreaterThan(words, 10_000)
        XCTAssertLessThan(unknown, words / 10)
    }
}

/// SplitMix64: reproducible random vocabularies.
private struct LinMaxTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
