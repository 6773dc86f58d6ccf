import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fuzz input as a file, for the entry points that read a path (record readers, job and
/// vocabulary files): the CLI hands them paths, so the harness does too.
///
/// On Linux the file lives in memory (`/dev/shm` when there is one) and is unlinked at once; it
/// is reached through `/proc/self/fd/N`, so a crashing run leaves nothing behind.
enum ScratchFile {
    /// Why an input could not be written out (a harness problem, not a finding).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Calls `body` with the path of a file holding `bytes`.
    static func withFile<R>(containing bytes: [UInt8], suffix: String = "",
                            _ body: (String) throws -> R) throws -> R {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((folder + "/jikji-fuzz-XXXXXX" + suffix).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        guard fd >= 0 else { throw Failure(description: "cannot create a scratch file in \(folder)") }
        defer { close(fd) }
        let named = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                unlink(named)
                throw Failure(description: "cannot write the scratch file \(named)")
            }
            written += n
        }
        #if os(Linux)
        // A suffix matters to readers that look at the name (`.json`, `.csv`): keep the name then.
        if suffix.isEmpty {
            unlink(named)
            return try body("/proc/self/fd/\(fd)")
        }
        #endif
        defer { unlink(named) }
        return try body(named)
    }
}
