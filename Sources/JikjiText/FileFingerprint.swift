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
