import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain words for the errors Foundation throws (reading, writing, moving files), which on Linux
/// describe themselves as "The operation could not be completed. (NSCocoaErrorDomain error 4.)".
public enum SystemErrorText {
    /// `PATH: reason` (or only the reason when the error names no file) for a Foundation or
    /// POSIX error, such as `/x/y.txt: No such file or directory`; other errors' own description.
    public static func describe(_ error: Error) -> String {
        if let failed = error as? WholeFileError { return failed.description }
        guard let reason = reason(error) else { return String(describing: error) }
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// The reason of a Foundation or POSIX error without its path, e.g. `Permission denied`;
    /// nil for an error that is neither (a Jikji error describes itself).
    public static func reason(_ error: Error) -> String? {
        if let failed = error as? WholeFileError { return failed.reason }
        if let code = posixCode(error) { return String(cString: strerror(code)) }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain else { return nil }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var isDirectory: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "is a directory, not a file"
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
        case .fileWriteOutOfSpace: return "No space left on device"
        case .fileWriteVolumeReadOnly: return "Read-only file system"
        case .fileWriteFileExists: return "File exists"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "not valid UTF-8 text"
        case .fileReadTooLarge: return "too large to read"
        case .fileReadCorruptFile: return "the contents cannot be read"
        default: return "a file operation failed (Foundation error \(ns.code))"
        }
    }

    /// ``reason(_:)`` for a Foundation or POSIX error, else the error's own description.
    public static func plainReason(_ error: Error) -> String {
        reason(error) ?? String(describing: error)
    }

    /// The system error number behind a Foundation or POSIX error (`ENOENT`, `EPIPE`, …), if any.
    public static func posixCode(_ error: Error) -> Int32? {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        return nil
    }
}
