/// What a corpus file looked like when it was read: recorded as the provenance of every
/// vocabulary and dataset built from it, computed during the single read of the file.
public struct FileFingerprint: Codable, Sendable, Equatable {
    /// The file's path (as given to the reader, or absolute where the reader says so).
    public var path: String
    /// Size in bytes.
    public var bytes: Int64
    /// Physical lines: line breaks, plus a final line without one; a header line counts.
    public var lines: Int
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String

    /// A fingerprint with every field given.
    public init(path: String, bytes: Int64, lines: Int, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.lines = lines
        self.sha256 = sha256
    }
}

/// Builds a ``FileFingerprint`` from the blocks of one read of a file: their bytes, hashed in
/// order, and their physical lines.
public struct FingerprintAccumulator: Sendable {
    private var sha = SHA256()
    /// Bytes fed so far.
    public private(set) var bytes: Int64 = 0
    /// Physical lines fed so far.
    public private(set) var lines = 0

    /// An accumulator of nothing yet.
    public init() {}

    /// Feeds the next block of the file.
    public mutating func add(_ block: RecordBlock) {
        sha.update(block.bytes)
        bytes += Int64(block.bytes.count)
        lines += block.physicalLines
    }

    /// The fingerprint of everything fed, recorded under `path`.
    public func fingerprint(path: String) -> FileFingerprint {
        FileFingerprint(path: path, bytes: bytes, lines: lines, sha256: sha.finalizeHex())
    }
}
