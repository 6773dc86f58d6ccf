/// How two vocabularies differ: tokens only in the second, only in the first, and tokens in
/// both whose id changed.
public struct VocabularyDiff: Equatable, Sendable {
    /// A token and its id.
    public struct Entry: Equatable, Sendable {
        public var token: String
        public var id: Int
        /// An entry from its parts.
        public init(token: String, id: Int) { self.token = token; self.id = id }
    }

    /// A token present in both with different ids.
    public struct Move: Equatable, Sendable {
        public var token: String
        public var oldID: Int
        public var newID: Int
        /// A move from its parts.
        public init(token: String, oldID: Int, newID: Int) { self.token = token; self.oldID = oldID; self.newID = newID }
    }

    /// Tokens of the new vocabulary missing from the old one, by new id.
    public var added: [Entry]
    /// Tokens of the old vocabulary missing from the new one, by old id.
    public var removed: [Entry]
    /// Tokens in both whose id differs, by new id.
    public var moved: [Move]
    /// Tokens in both with the same id.
    public var unchanged: Int

    /// Compares token lists (id = index). A token listed twice counts at its later id, as HF does.
    /// Tokens are compared by their exact bytes, as HF does: canonically equivalent tokens such as
    /// 金 (U+91D1) and U+F90A, which Swift's `String` calls equal, are different tokens.
    public init(from old: [String], to new: [String]) {
        let oldIDs = Self.ids(old), newIDs = Self.ids(new)
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        added = newIDs.filter { oldIDs[$0.key] == nil }.map { Entry(token: text($0.key), id: $0.value) }.sorted { $0.id < $1.id }
        removed = oldIDs.filter { newIDs[$0.key] == nil }.map { Entry(token: text($0.key), id: $0.value) }.sorted { $0.id < $1.id }
        var moved: [Move] = []
        var unchanged = 0
        for (token, newID) in newIDs {
            guard let oldID = oldIDs[token] else { continue }
            if oldID == newID { unchanged += 1 } else { moved.append(Move(token: text(token), oldID: oldID, newID: newID)) }
        }
        self.moved = moved.sorted { $0.newID < $1.newID }
        self.unchanged = unchanged
    }

    /// Compares two stored vocabularies by their tokens.
    public init(from old: StoredVocabulary, to new: StoredVocabulary) {
        self.init(from: old.tokenTexts, to: new.tokenTexts)
    }

    /// True when both have the same tokens with the same ids.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && moved.isEmpty }

    /// Token bytes → id (the later id of a repeated token).
    private static func ids(_ tokens: [String]) -> [[UInt8]: Int] {
        var ids: [[UInt8]: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { ids[Array(token.utf8)] = id }
        return ids
    }
}
