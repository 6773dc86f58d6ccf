import Foundation
import JikjiIO

/// A WordPiece vocabulary: tokens and their ids, the continuation prefix, the unknown token and
/// the special tokens that are matched in raw text and skipped on decode.
///
/// Ids are positions: token `i` has id `i`, as in HF's `vocab.txt`. When a token occurs twice (as
/// HF allows when reading `vocab.txt`), the later id wins and the earlier id becomes a hole: it maps
/// to no token, and decoding drops it.
public struct WordPieceVocabulary: Equatable, Sendable {
    /// Every token, by id (holes included, see the type's documentation).
    public let tokens: [String]
    /// Token → id, keyed by the token's exact bytes (see ``ExactToken``).
    private let idsByToken: [ExactToken: Int]
    /// The prefix that marks a piece continuing a word (`##`).
    public var continuingSubwordPrefix: String
    /// The token for a word that cannot be split into known pieces.
    public var unknownToken: String
    /// Tokens recognised verbatim in raw text and dropped by `skip_special_tokens` decoding, in
    /// registration order. Each is in the vocabulary.
    public private(set) var specialTokens: [String]
    /// Words with more Unicode scalars than this become the unknown token (HF: 100).
    public var maxInputCharactersPerWord: Int

    /// The special tokens `BertWordPieceTokenizer` registers, in its order, when present.
    public static let bertSpecialTokens = ["[UNK]", "[SEP]", "[CLS]", "[PAD]", "[MASK]"]

    /// A vocabulary of `tokens` (id = position).
    ///
    /// - Parameter specialTokens: tokens to register as special; `nil` registers those of
    ///   ``bertSpecialTokens`` that are in `tokens`, as HF's `BertWordPieceTokenizer` does.
    /// - Throws: ``WordPieceError/missingToken(token:role:)`` when a given special token is absent.
    public init(tokens: [String], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                specialTokens: [String]? = nil, maxInputCharactersPerWord: Int = 100) throws {
        var ids: [ExactToken: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { ids[ExactToken(token)] = id }
        self.tokens = tokens
        self.idsByToken = ids
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.specialTokens = []
        if let specialTokens {
            for token in specialTokens where ids[ExactToken(token)] == nil {
                throw WordPieceError.missingToken(token: token, role: "special")
            }
            var seen = Set<ExactToken>()
            self.specialTokens = specialTokens.filter { seen.insert(ExactToken($0)).inserted }
        } else {
            self.specialTokens = Self.bertSpecialTokens.filter { ids[ExactToken($0)] != nil }
        }
    }

    /// Reads an HF `vocab.txt`: one token per line, id = line index, trailing whitespace trimmed.
    ///
    /// - Throws: ``WordPieceError`` naming the file (and line) when it cannot be read, is empty or
    ///   has a line that is not UTF-8.
    public init(vocabTxt url: URL, unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                specialTokens: [String]? = nil) throws {
        let data: Data
        do {
            data = try WholeFile.read(url.path)
        } catch {
            throw WordPieceError.unreadableVocabulary(path: url.path, reason: SystemErrorText.plainReason(error))
        }
        let tokens = try Self.parseVocabTxt(data, path: url.path)
        try self.init(tokens: tokens, unknownToken: unknownToken, continuingSubwordPrefix: continuingSubwordPrefix,
                      specialTokens: specialTokens)
    }

    /// The tokens of `vocab.txt` contents, one per line (`\n` or `\r\n`), trailing whitespace removed.
    public static func parseVocabTxt(_ data: Data, path: String) throws -> [String] {
        var tokens: [String] = []
        let table = BertCharacterClass.shared
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            var lineNumber = 0
            while lineStart < bytes.count {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
                let next = lineEnd + 1
                let lineBytes = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                // JikjiIO's check, and its convention: the 1-based byte within the line.
                if let offset = UTF8Validation.firstInvalidOffset(in: lineBytes) {
                    throw WordPieceError.vocabularyNotUTF8(path: path, line: lineNumber, byte: offset + 1)
                }
                let line = String(decoding: lineBytes, as: UTF8.self)
                // Trailing White_Space goes (which also covers the \r of \r\n line ends).
                var scalars = line.unicodeScalars[...]
                while let last = scalars.last,
                      table.flags(of: last.value).contains(.whitespace) {
                    scalars = scalars.dropLast()
                }
                tokens.append(String(scalars))
                lineStart = next
            }
        }
        guard !tokens.isEmpty else { throw WordPieceError.emptyVocabulary(path: path) }
        return tokens
    }

    /// Number of ids (holes included).
    public var count: Int { tokens.count }

    /// The id of `token`, if it is in the vocabulary.
    public func id(for token: String) -> Int? { idsByToken[ExactToken(token)] }

    /// The token with id `id`; nil for an id out of range or a hole.
    public func token(for id: Int) -> String? {
        guard id >= 0, id < tokens.count else { return nil }
        let token = tokens[id]
        return idsByToken[ExactToken(token)] == id ? token : nil
    }

    /// The id of ``unknownToken``, if it is in the vocabulary.
    public var unknownTokenId: Int? { idsByToken[ExactToken(unknownToken)] }

    /// The ids of ``specialTokens``, in the same order.
    public var specialTokenIds: [Int] { specialTokens.compactMap { idsByToken[ExactToken($0)] } }

    /// Whether `id` is one of the special tokens.
    public func isSpecial(id: Int) -> Bool {
        guard let token = token(for: id) else { return false }
        return specialTokens.contains { $0.utf8.elementsEqual(token.utf8) }
    }

    /// Registers `token` (already in the vocabulary) as special.
    public mutating func registerSpecialToken(_ token: String) throws {
        guard idsByToken[ExactToken(token)] != nil else { throw WordPieceError.missingToken(token: token, role: "special") }
        if !specialTokens.contains(where: { $0.utf8.elementsEqual(token.utf8) }) { specialTokens.append(token) }
    }

    /// The `vocab.txt` contents: every token on its own line, in id order, each ending in `\n`.
    public var vocabTxt: String {
        var text = ""
        text.reserveCapacity(tokens.reduce(0) { $0 + $1.utf8.count + 1 })
        for token in tokens {
            text += token
            text += "\n"
        }
        return text
    }

    /// Writes ``vocabTxt`` to `url` atomically (a temporary file renamed over the target).
    public func writeVocabTxt(to url: URL) throws {
        do {
            try Data(vocabTxt.utf8).write(to: url, options: .atomic)
        } catch {
            throw WordPieceError.unwritableVocabulary(path: url.path, reason: SystemErrorText.plainReason(error))
        }
    }

    public static func == (a: WordPieceVocabulary, b: WordPieceVocabulary) -> Bool {
        a.tokens == b.tokens && a.continuingSubwordPrefix == b.continuingSubwordPrefix
            && a.unknownToken == b.unknownToken && a.specialTokens == b.specialTokens
            && a.maxInputCharactersPerWord == b.maxInputCharactersPerWord
    }
}

/// A token compared and hashed by its exact UTF-8 bytes. Swift's `String` equality is canonical
/// equivalence, under which distinct vocabulary entries — 金 (U+91D1) and its compatibility
/// twin U+F90A, or a precomposed syllable and its jamo sequence — would be one key; HF keeps
/// them apart, so Jikji must too.
struct ExactToken: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    /// Byte equality: lengths first, then one `memcmp` over the contiguous UTF-8 (the generic
    /// `elementsEqual` walked the views byte by byte and dominated loading a vocabulary).
    static func == (a: ExactToken, b: ExactToken) -> Bool {
        guard a.text.utf8.count == b.text.utf8.count else { return false }
        var x = a.text, y = b.text
        return x.withUTF8 { p in
            y.withUTF8 { q in p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 }
        }
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
