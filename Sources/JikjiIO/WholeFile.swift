import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole (small) file: a vocabulary, a tokenizer.json, a job or pipeline file, a
/// checkpoint. One reader for all of them, so that each names odd inputs the same way: a folder
/// is "a directory, not a file"; `/dev/null`, a pipe or another device is read like a file
/// (`/dev/null` is then an empty file), where Foundation's `Data(contentsOf:)` says "Permission
/// denied" or "Foundation error 256".
public enum WholeFile {
    /// The bytes of the file at `path`.
    /// - Throws: ``WholeFileError`` with the system's reason.
    public static func read(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WholeFileError(path: path, failure: .open, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try read(descriptor: fd, name: path)
    }

    /// All of standard input, up to its end (named `-` in errors).
    public static func readStandardInput() throws -> Data {
        try read(descriptor: 0, name: "-")
    }

    /// The bytes of the open `fd` up to its end; `name` is the path errors give.
    private static func read(descriptor fd: Int32, name: String) throws -> Data {
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw WholeFileError(path: name, failure: .notAFile, reason: "is a directory, not a file")
        }
        var data = Data()
        if (info.st_mode & S_IFMT) == S_IFREG { data.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WholeFileError(path: name, failure: .read, reason: String(cString: strerror(errno)))
            }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
        }
    }
}

extension WholeFile {
    /// Writes `data` as the whole of a new file at `path` (created or truncated), with the
    /// system's reason when it fails part-way (`No space left on device`, `File too large`);
    /// the partial file is then removed.
    public static func write(_ data: Data, toNewFile path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw WholeFileError(path: path, failure: .open, reason: String(cString: strerror(errno))) }
        var failure: Int32?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == nil, close(fd) != 0 { failure = errno } else if failure != nil { close(fd) }
        if let failure {
            unlink(path)
            throw WholeFileError(path: path, failure: .write, reason: String(cString: strerror(failure)))
        }
    }
}

/// A file that ``WholeFile`` cannot read or write, and why.
public struct WholeFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which part of the work failed.
    public enum Failure: Sendable, Equatable {
        /// The file could not be opened.
        case open
        /// The path names a directory.
        case notAFile
        /// Reading the open file failed.
        case read
        /// Writing (or closing) the file failed.
        case write
    }

    /// The path given.
    public var path: String
    /// Which part of the work failed.
    public var failure: Failure
    /// The reason, e.g. "No such file or directory", "is a directory, not a file".
    public var reason: String

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}
