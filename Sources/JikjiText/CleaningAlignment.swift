/// Where each character of a cleaned text came from in the text before cleaning: for character
/// `k` of the cleaned text (a Unicode scalar, as Python indexes strings), the characters
/// `starts[k]..<ends[k]` of the original. Made by ``TextCleaner/clean(utf8:into:alignment:)``.
///
/// Exact where a step maps characters one to one (case mapping, jamo, removals, repeat-limit,
/// spaces), or one to several (ﬁ → f i: both from ﬁ; 한 → ᄒ ᅡ ᆫ: all from 한), or several to
/// one (e ◌́ → é, from both; a whitespace run → one space). Where a step rewrites text as a
/// whole, a character comes from the covering span: a regex replacement from the whole match,
/// a transliterated character from its whitespace-delimited word (or its whole line, when the
/// transliterator works across words). Removed characters belong to no cleaned character.
public struct CleaningAlignment: Equatable, Sendable {
    /// For each character of the cleaned text, the first original character it came from.
    public internal(set) var starts: [Int32] = []
    /// For each character of the cleaned text, one past the last original character it came from.
    public internal(set) var ends: [Int32] = []
    /// Characters of the original text.
    public internal(set) var originalCount = 0

    /// An empty alignment (of an empty text).
    public init() {}

    /// Characters of the cleaned text.
    public var count: Int { starts.count }

    /// The original characters that cleaned characters `start..<end` came from: from the first
    /// one's start to the last one's end (spans never run backwards). An empty range maps to
    /// the empty range where its neighbours meet.
    public func originalRange(start: Int, end: Int) -> Range<Int> {
        let n = starts.count
        guard start < end, start >= 0, end <= n else {
            let at = start <= 0 ? (n > 0 ? Int(starts[0]) : 0) : start >= n ? (n > 0 ? Int(ends[n - 1]) : originalCount) : Int(starts[start])
            return at..<at
        }
        let lower = Int(starts[start])
        return lower..<max(lower, Int(ends[end - 1]))
    }

    /// The identity alignment of a text of `count` characters.
    public static func identity(count: Int) -> CleaningAlignment {
        var alignment = CleaningAlignment()
        alignment.starts = (0..<Int32(count)).map { $0 }
        alignment.ends = (0..<Int32(count)).map { $0 + 1 }
        alignment.originalCount = count
        return alignment
    }
}
