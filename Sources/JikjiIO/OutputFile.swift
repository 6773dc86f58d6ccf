import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where cleaned text goes: standard output, or a file written atomically — to a temporary file
/// beside it that is renamed over the destination only by ``commit()``, so that an aborted run
/// never leaves a partial output file.
public final class OutputFile {
    /// The destination path, or `-` for standard output.
    public let path: String
    /// The temporary file being written, while there is one.
    public private(set) var temporaryPath: String?
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    private let descriptor: Int32
    private var buffer = [UInt8]()
    private let flushThreshold = 1 << 20

    /// Opens `path` (`-`: standard output). Throws ``TextInputError/Kind/cannotWrite`` naming the
    /// path when its folder does not exist or is not writable.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            descriptor = 1
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw TextInputError(.cannotWrite, file: path, "is a directory: give a file name for the output")
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let template = folder + "/." + url.lastPathComponent + ".jikji-XXXXXX"
        var bytes = Array(template.utf8CString)
        let fd = bytes.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw TextInputError(.cannotWrite, file: path, "cannot create a file in \(folder): \(reason)")
        }
        descriptor = fd
        temporaryPath = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644)
        InterruptCleanup.register(temporaryPath!)
        buffer.reserveCapacity(flushThreshold * 2)
    }

    deinit {
        // Never committed: remove the temporary file.
        abort()
    }

    /// Appends `bytes`.
    public func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends one byte.
    public func write(byte: UInt8) throws {
        buffer.append(byte)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws {
        if path == "-" {
            // Standard output: a failure names the stream (and a closed pipe is told apart).
            try buffer.withUnsafeBytes { try StandardStreams.write($0, to: .output) }
            bytesWritten += buffer.count
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBufferPointer { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw TextInputError(.cannotWrite, file: path, "write failed: \(reason)")
            }
            offset += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, and for a file, syncs it and renames it over the destination.
    public func commit() throws {
        try flush()
        guard let temporaryPath else { return }
        fsync(descriptor)
        close(descriptor)
        InterruptCleanup.unregister()
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            self.temporaryPath = nil
            throw TextInputError(.cannotWrite, file: path, "cannot move the finished output into place: \(reason)")
        }
        self.temporaryPath = nil
    }

    /// Removes the temporary file (nothing is written to the destination).
    public func abort() {
        guard let temporaryPath else { return }
        InterruptCleanup.unregister()
        close(descriptor)
        unlink(temporaryPath)
        self.temporaryPath = nil
    }
}

/// Removes the temporary output file when the process is interrupted (Ctrl-C, SIGTERM, SIGHUP),
/// so that even an interrupted run leaves nothing behind. Holds one path: the CLI writes one
/// output at a time.
enum InterruptCleanup {
    /// The registered path as a C string, read by the signal handler (which may only call
    /// async-signal-safe functions such as unlink).
    ///
    /// `nonisolated(unsafe)`, both: only ``register(_:)`` and ``unregister()`` write them, and the
    /// CLI calls those from one thread around each output it writes; the signal handler only
    /// reads `path` (one pointer-sized load; a C signal handler cannot take a lock).
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) private static var installed = false

    static func register(_ file: String) {
        unregister()
        path = strdup(file)
        guard !installed else { return }
        installed = true
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                if let pending = InterruptCleanup.path { unlink(pending) }
                // Die of the same signal, as the default action would.
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    static func unregister() {
        let old = path
        path = nil
        free(old)
    }
}
