/// HF's WordPiece decoder (prefix `##`, cleanup on), precomputed per id.
///
/// HF turns each id into its token, drops special tokens when asked, then for every token but the
/// first either strips the `##` prefix or prepends a space, and runs the cleanup replacements
/// (` .`→`.`, ` ?`→`?`, ` !`→`!`, ` ,`→`,`, ` ' `→`'`, ` n't`→`n't`, ` 'm`→`'m`,
/// ` do not`→` don't`, ` 's`→`'s`, ` 've`→`'ve`, ` 're`→`'re`) on each token separately. All of
/// that depends only on the id and on whether the token comes first, so both forms are computed
/// once and decoding is a copy per token.
struct WordPieceDecoderTable: Sendable {
    /// UTF-8 of every id's form as the first token, back to back.
    private let firstBytes: [UInt8]
    private let firstStarts: [Int32]
    /// UTF-8 of every id's form after the first token.
    private let laterBytes: [UInt8]
    private let laterStarts: [Int32]
    /// Whether an id decodes to something (holes and nothing else do not).
    private let known: [Bool]
    /// Whether an id is a special token.
    private let special: [Bool]

    /// - Parameter cleanup: HF's `decoder.cleanup` (true by default): remove the spaces before
    ///   punctuation as listed above; false keeps every token space-separated.
    ///   - addedTokens: tokens that take precedence over the vocabulary's for their ids (HF looks
    ///     ids up in the added vocabulary first); their `special` flag decides skipping. Nil: the
    ///     vocabulary's special tokens are the special ones.
    ///   - wordPiece: false decodes as HF without a decoder: every token as is, joined by spaces.
    ///   - normalize: the normalizer of added tokens with `normalized: true`: HF decodes them in
    ///     their normalized form (and, comparing that form with the special tokens' contents,
    ///     may then keep a special one when skipping).
    init(vocabulary: WordPieceVocabulary, cleanup: Bool = true, addedTokens: [HFTokenizerJSON.AddedToken]? = nil,
         wordPiece: Bool = true, normalize: (String) -> String = { $0 }) {
        let clean: (String) -> String = cleanup && wordPiece ? { Self.cleanup($0) } : { $0 }
        var firstBytes: [UInt8] = [], laterBytes: [UInt8] = []
        var firstStarts: [Int32] = [0], laterStarts: [Int32] = [0]
        var known: [Bool] = [], special: [Bool] = []
        var overrides: [Int: String] = [:]
        for token in addedTokens ?? [] where token.id >= 0 {
            overrides[token.id] = token.normalized ? normalize(token.content) : token.content
        }
        let count = max(vocabulary.count, (overrides.keys.max() ?? -1) + 1)
        // Bytes, not `String.hasPrefix`: that compares grapheme clusters, and `#` followed by a
        // combining mark (`##\u{093E}`), a skin-tone modifier or a variation selector is one
        // cluster, so `##ा` would not "start with" `##`. HF compares bytes.
        let prefix = wordPiece ? Array(vocabulary.continuingSubwordPrefix.utf8) : []
        // HF skips a token whose content is one of the special added tokens.
        let specials = Set((addedTokens.map { $0.filter(\.special).map(\.content) } ?? vocabulary.specialTokens).map(ExactToken.init))
        for id in 0..<count {
            let token = overrides[id] ?? vocabulary.token(for: id)
            known.append(token != nil)
            special.append(token.map { specials.contains(ExactToken($0)) } ?? false)
            let text = token ?? ""
            firstBytes += clean(text).utf8
            let later: String
            if !prefix.isEmpty, text.utf8.starts(with: prefix) {
                later = String(decoding: text.utf8.dropFirst(prefix.count), as: UTF8.self)
            } else {
                later = " " + text
            }
            laterBytes += clean(later).utf8
            firstStarts.append(Int32(firstBytes.count))
            laterStarts.append(Int32(laterBytes.count))
        }
        self.firstBytes = firstBytes
        self.firstStarts = firstStarts
        self.laterBytes = laterBytes
        self.laterStarts = laterStarts
        self.known = known
        self.special = special
    }

    /// HF's `cleanup`, the replacements in their order, each over the whole token.
    static func cleanup(_ token: String) -> String {
        // A byte test: `contains(" ")` would miss a space that starts a cluster (" \u{301}").
        // Every rule starts with a space followed by one of `.?!,'nd`: a token without such a
        // pair is left as it is by all of them (most tokens, so the table builds quickly).
        var candidate = false
        var afterSpace = false
        for byte in token.utf8 {
            if afterSpace {
                switch byte {
                case 0x2E, 0x3F, 0x21, 0x2C, 0x27, 0x6E, 0x64: candidate = true
                default: break
                }
            }
            if candidate { break }
            afterSpace = byte == 0x20
        }
        guard candidate else { return token }
        let rules: [(String, String)] = [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ]
        var text = token
        for (from, to) in rules { text = replacingAll(text, from, to) }
        return text
    }

    /// Every non-overlapping occurrence of `from`, left to right, replaced by `to`.
    private static func replacingAll(_ text: String, _ from: String, _ to: String) -> String {
        let source = Array(text.utf8), pattern = Array(from.utf8)
        guard source.count >= pattern.count else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        var i = 0
        while i < source.count {
            if i + pattern.count <= source.count, source[i..<i + pattern.count].elementsEqual(pattern) {
                out += to.utf8
                i += pattern.count
            } else {
                out.append(source[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the decoded UTF-8 of `ids` to `output`.
    func decode(_ ids: UnsafeBufferPointer<Int32>, skipSpecialTokens: Bool, into output: inout [UInt8]) {
        var first = true
        firstBytes.withUnsafeBufferPointer { fb in
            laterBytes.withUnsafeBufferPointer { lb in
                for raw in ids {
                    let id = Int(raw)
                    guard id >= 0, id < known.count, known[id] else { continue }
                    if skipSpecialTokens, special[id] { continue }
                    if first {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: fb[Int(firstStarts[id])..<Int(firstStarts[id + 1])]))
                        first = false
                    } else {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: lb[Int(laterStarts[id])..<Int(laterStarts[id + 1])]))
                    }
                }
            }
        }
    }
}
