import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and standard error, written without trapping.
///
/// Foundation's non-throwing `FileHandle.write(_:)` stops the process with a trap when the write
/// fails (a full disk, `> /dev/full`, a closed pipe), and Swift's `print` drops a failed write in
/// silence. Every command writes its text through here instead: a write that fails throws a
/// ``StandardStreamError`` naming the stream and the system's reason, and is also remembered
/// (``firstFailure``), so that a command whose log lines could not be written still ends with a
/// non-zero status.
///
/// A closed pipe (`jikji … | head -1`) is reported as ``StandardStreamError/isBrokenPipe``: the CLI
/// then ends quietly with status 141 (128 + SIGPIPE), as a shell shows for other Unix tools that
/// a closed pipe stops. For that the CLI ignores the SIGPIPE signal (``ignoreBrokenPipeSignal()``),
/// so such a write returns `EPIPE` instead of killing the process half-way through its work.
public enum StandardStreams {
    /// One of the two output streams.
    public enum Stream: Int32, Sendable, CustomStringConvertible {
        /// File descriptor 1.
        case output = 1
        /// File descriptor 2.
        case error = 2

        /// "standard output" or "standard error".
        public var description: String { self == .output ? "standard output" : "standard error" }
    }

    /// The first write that failed in this process, if any.
    public static var firstFailure: StandardStreamError? { failures.withLock { $0 } }

    private static let failures = Mutex<StandardStreamError?>(nil)

    /// Makes a write to a closed pipe fail with `EPIPE` instead of killing the process, so that
    /// the command can stop cleanly (temporary files removed, the run's status recorded).
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes all of `bytes` to `stream`.
    /// - Throws: ``StandardStreamError`` when the system refuses the write.
    public static func write(_ bytes: UnsafeRawBufferPointer, to stream: Stream) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let n = Glibc.write(stream.rawValue, base + offset, bytes.count - offset)
            #else
            let n = Darwin.write(stream.rawValue, base + offset, bytes.count - offset)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                let failure = StandardStreamError(stream: stream, code: errno)
                failures.withLock { if $0 == nil { $0 = failure } }
                throw failure
            }
            offset += n
        }
    }

    /// Writes `data` to `stream`.
    public static func write(_ data: Data, to stream: Stream) throws {
        try data.withUnsafeBytes { try write($0, to: stream) }
    }

    /// Writes the UTF-8 bytes of `text` to `stream`.
    public static func write(_ text: String, to stream: Stream) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0), to: stream) }
    }

    /// Writes `text` to standard error for a log or progress line, where a failure must not stop
    /// the work: the failure is only remembered in ``firstFailure``, and the CLI's exit status
    /// reports it at the end.
    public static func log(_ text: String) {
        try? write(text, to: .error)
    }
}

/// A write to standard output or standard error failed.
public struct StandardStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stream written to.
    public var stream: StandardStreams.Stream
    /// The system's error number (`ENOSPC`, `EPIPE`, …).
    public var code: Int32

    /// A failure of `stream` with error number `code`.
    public init(stream: StandardStreams.Stream, code: Int32) {
        self.stream = stream
        self.code = code
    }

    /// The reader went away (a closed pipe): not a problem to report, only a reason to stop.
    public var isBrokenPipe: Bool { code == EPIPE }

    /// "cannot write to standard output: No space left on device".
    public var description: String {
        "cannot write to \(stream): \(String(cString: strerror(code)))"
    }
}
