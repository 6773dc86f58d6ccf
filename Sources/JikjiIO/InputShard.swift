#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One share of a list of input files, for running one step on many machines: shard `index`
/// of `count` (`--shard I/N`, 0-based). The files are laid end to end and cut into `count`
/// equal byte ranges; a shard reads the records whose first byte lies in its range, so every
/// record of every file is read by exactly one shard, whatever the cuts (a cut never splits a
/// record: see ``RecordBlockReader/init(path:format:blockSize:byteRange:)``).
public struct InputShard: Sendable, Equatable, CustomStringConvertible {
    /// The 0-based shard number, below ``count``.
    public let index: Int
    /// How many shards share the input.
    public let count: Int

    /// Shard `index` of `count`. Throws ``InputShardError`` unless `0 <= index < count`.
    public init(index: Int, count: Int) throws {
        guard count > 0 else { throw InputShardError.invalid("\(index)/\(count)", reason: "the shard count must be positive") }
        guard index >= 0, index < count else {
            throw InputShardError.invalid("\(index)/\(count)", reason: "the shard number must be from 0 to \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (as `--shard` is written). Throws ``InputShardError`` for anything else.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw InputShardError.invalid(text, reason: "write it as I/N, e.g. 0/4 (shards 0/4 … 3/4)")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// The byte range of each file that this shard reads, from the files' sizes in input order:
    /// nil for a file the shard has no byte of (it reads no record there).
    public func byteRanges(sizes: [Int64]) -> [Range<Int64>?] {
        let total = sizes.reduce(0, +)
        // total × index / count in full width: exact, and no overflow for any size.
        func cut(_ shard: Int) -> Int64 {
            Int64(count).dividingFullWidth(total.multipliedFullWidth(by: Int64(shard))).quotient
        }
        let start = cut(index), end = cut(index + 1)
        var ranges: [Range<Int64>?] = []
        var fileStart: Int64 = 0
        for size in sizes {
            let lower = max(start, fileStart) - fileStart, upper = min(end, fileStart + size) - fileStart
            ranges.append(lower < upper ? lower..<upper : nil)
            fileStart += size
        }
        return ranges
    }

    /// The sizes of `paths` (regular files), for ``byteRanges(sizes:)``.
    /// - Throws: ``TextInputError/Kind/cannotOpen`` for a path that is not a readable regular
    ///   file (standard input cannot be sharded: it has no size to cut).
    public static func sizes(of paths: [String]) throws -> [Int64] {
        try paths.map { path in
            guard path != "-" else {
                throw TextInputError(.cannotOpen, file: path, "standard input cannot be read as a shard: give files, or pipe each shard's share")
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw TextInputError(.cannotOpen, file: path, "cannot open for reading: \(String(cString: strerror(errno)))")
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw TextInputError(.cannotOpen, file: path, "is not a regular file: a shard is a byte range of a file")
            }
            return Int64(info.st_size)
        }
    }
}

/// A `--shard` value that is not `I/N` with `0 <= I < N`.
public enum InputShardError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(text, reason): return "shard '\(text)': \(reason)"
        }
    }
}
