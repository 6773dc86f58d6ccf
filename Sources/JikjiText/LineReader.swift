import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor that closes itself when the last reader using it goes away.
final class FileSource {
    let descriptor: Int32
    let closesOnDeinit: Bool
    /// The file's size in bytes when it is a regular file (for progress), else nil.
    let size: Int?

    init(descriptor: Int32, closesOnDeinit: Bool) {
        self.descriptor = descriptor
        self.closesOnDeinit = closesOnDeinit
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            size = Int(info.st_size)
        } else {
            size = nil
        }
    }

    deinit {
        if closesOnDeinit { close(descriptor) }
    }
}

/// Streams a file or standard input as lines of UTF-8 bytes, reading large chunks at a time.
///
/// Each ``Line`` is a slice of the reader's chunk buffer, without its `\n` or `\r\n`, with its
/// 1-based line number. A byte-order mark at the start of the input is dropped, a last line
/// without a final newline is still a line, and an empty input has no lines. Bytes are not
/// validated here (that is the caller's choice: ``Line/text()`` validates and names the line).
///
/// ```swift
/// var reader = try LineReader(path: "corpora/nsmc/ratings_train.txt")
/// while let line = try reader.next() { count += line.bytes.count }
/// ```
///
/// Lines are slices of a buffer the reader reuses: holding one across calls to ``next()`` is
/// safe but makes the reader copy its buffer, so copy what you keep.
public struct LineReader {
    /// One line of input.
    public struct Line {
        /// The 1-based line number.
        public let number: Int
        /// The line's bytes without the line terminator.
        public let bytes: ArraySlice<UInt8>
        /// The file (or `<stdin>`) the line comes from, for error messages.
        public let file: String

        /// The line as a String; throws ``TextInputError`` naming the file, line and byte
        /// offset when it is not well-formed UTF-8.
        public func text() throws -> String {
            if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
                throw TextInputError(.invalidUTF8, file: file, line: number,
                                     "invalid UTF-8 at byte \(offset + 1) of the line")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The name used in errors: the path as given, or `<stdin>`.
    public let name: String
    /// Lines longer than this many bytes are an error (``TextInputError/Kind/lineTooLong``).
    public var maximumLineLength: Int
    /// The total number of bytes read so far (for progress reports).
    public private(set) var bytesRead = 0
    /// Whether the input started with a UTF-8 byte-order mark (which was dropped).
    public private(set) var hadByteOrderMark = false
    /// Whether the last line ended without a newline.
    public private(set) var missingFinalNewline = false
    /// The number of the last line returned.
    public private(set) var lineNumber = 0

    private let source: FileSource
    private var buffer: [UInt8]
    private var start = 0       // first unread byte
    private var end = 0         // one past the last byte read
    private var scanned = 0     // bytes from `start` already searched for a newline
    private var atEndOfInput = false

    /// The size of the input in bytes when it is a regular file, else nil.
    public var inputSize: Int? { source.size }

    /// Opens the file at `path` (`-` means standard input).
    /// Throws ``TextInputError/Kind/cannotOpen`` naming the path and the system's reason.
    public init(path: String, chunkSize: Int = 1 << 20, maximumLineLength: Int = 1 << 28) throws {
        if path == "-" {
            self.init(standardInputWithChunkSize: chunkSize, maximumLineLength: maximumLineLength)
            return
        }
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw TextInputError(.cannotOpen, file: path, "cannot open for reading: \(reason)")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw TextInputError(.cannotOpen, file: path, "is a directory, not a text file")
        }
        self.init(source: FileSource(descriptor: fd, closesOnDeinit: true), name: path,
                  chunkSize: chunkSize, maximumLineLength: maximumLineLength)
    }

    /// Opens a file URL; see ``init(path:chunkSize:maximumLineLength:)``.
    public init(contentsOf url: URL, chunkSize: Int = 1 << 20, maximumLineLength: Int = 1 << 28) throws {
        try self.init(path: url.path, chunkSize: chunkSize, maximumLineLength: maximumLineLength)
    }

    /// Reads standard input (named `<stdin>` in errors).
    public init(standardInputWithChunkSize chunkSize: Int = 1 << 20, maximumLineLength: Int = 1 << 28) {
        self.init(source: FileSource(descriptor: 0, closesOnDeinit: false), name: "<stdin>",
                  chunkSize: chunkSize, maximumLineLength: maximumLineLength)
    }

    private init(source: FileSource, name: String, chunkSize: Int, maximumLineLength: Int) {
        self.source = source
        self.name = name
        self.maximumLineLength = maximumLineLength
        buffer = [UInt8](repeating: 0, count: max(chunkSize, 16))
    }

    /// The next line, or nil at the end of the input.
    /// Throws ``TextInputError`` when reading fails or a line exceeds ``maximumLineLength``.
    public mutating func next() throws -> Line? {
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { raw in
                let from = start + scanned
                guard from < end, let base = raw.baseAddress,
                      let hit = memchr(base + from, 0x0A, end - from) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline = found {
                let line = makeLine(start, newline)
                start = newline + 1
                scanned = 0
                return line
            }
            scanned = end - start
            if scanned > maximumLineLength {
                throw TextInputError(.lineTooLong, file: name, line: lineNumber + 1,
                                     "line is longer than \(maximumLineLength) bytes")
            }
            if atEndOfInput {
                guard start < end else { return nil }
                missingFinalNewline = true
                let line = makeLine(start, end)
                start = end
                scanned = 0
                return line
            }
            try fill()
        }
    }

    /// Builds the line `buffer[from..<to]`, dropping a `\r` before the newline and a leading BOM.
    private mutating func makeLine(_ from: Int, _ to: Int) -> Line {
        var lower = from, upper = to
        lineNumber += 1
        if lineNumber == 1, upper - lower >= 3, buffer[lower] == 0xEF, buffer[lower + 1] == 0xBB,
           buffer[lower + 2] == 0xBF {
            lower += 3
            hadByteOrderMark = true
        }
        if upper > lower, buffer[upper - 1] == 0x0D { upper -= 1 }
        return Line(number: lineNumber, bytes: buffer[lower..<upper], file: name)
    }

    /// Moves the unread bytes to the front, grows the buffer when a line fills it, and reads more.
    private mutating func fill() throws {
        if start > 0 {
            let pending = end - start
            buffer.withUnsafeMutableBufferPointer { raw in
                if pending > 0 { memmove(raw.baseAddress!, raw.baseAddress! + start, pending) }
            }
            start = 0
            end = pending
        }
        if end == buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let fd = source.descriptor
        let count = buffer.withUnsafeMutableBufferPointer { raw -> Int in
            while true {
                let n = read(fd, raw.baseAddress! + end, raw.count - end)
                if n < 0 && errno == EINTR { continue }
                return n
            }
        }
        if count < 0 {
            let reason = String(cString: strerror(errno))
            throw TextInputError(.readFailed, file: name, line: lineNumber + 1, "read failed: \(reason)")
        }
        if count == 0 { atEndOfInput = true }
        end += count
        bytesRead += count
    }
}
