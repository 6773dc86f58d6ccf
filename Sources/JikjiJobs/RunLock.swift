import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The lock a process holds on a run while it trains it: an advisory `flock(2)` on
/// `<run folder>/run.lock`, which also holds the process id, host and start time for messages.
///
/// Why `flock` and not a PID file: the kernel drops the lock when the process ends in any way
/// (`kill -9`, a crash, power loss), so a dead run is never mistaken for a live one and there is
/// no stale file to clean up or PID reuse to guard against; a second process cannot take it
/// while the first lives, so two `job resume` of one run cannot both train. The file itself is
/// kept (deleting it would let a newcomer lock a fresh file while an older holder still holds
/// the unlinked one). It needs a file system with working `flock` (local disks; not every network one).
public final class RunLock {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// What the lock file of a run says about it.
    public enum Holder: Equatable, Sendable {
        /// A live process holds it; its recorded description (`pid 123 on host since …`).
        case held(String)
        /// The file exists and nobody holds it: the last process that did is gone.
        case free
        /// No lock file (a run recorded before locks, or one being started right now).
        case absent
    }

    /// The lock file of the run kept in `directory`.
    public static func path(forRunIn directory: String) -> String { directory + "/run.lock" }

    /// Takes the lock of the run in `directory` (creating the folder and file when needed) and
    /// writes this process's id, host and start time into it.
    /// - Throws: ``RunLockError/held(_:_:)`` when a live process holds it.
    public init(runIn directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = Self.path(forRunIn: directory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunLockError.io(path, String(cString: strerror(errno))) }
        // A reader checking the lock holds it shared for an instant; retry briefly before
        // concluding that another run holds it.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            attempts += 1
            guard code == EWOULDBLOCK || code == EINTR, attempts < 40 else {
                let holder = Self.contents(of: path)
                close(fd)
                if code == EWOULDBLOCK { throw RunLockError.held(path, holder) }
                throw RunLockError.io(path, String(cString: strerror(code)))
            }
            usleep(25_000)
        }
        descriptor = fd
        let started = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(started)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(descriptor)
    }

    /// Who, if anyone, holds the lock of the run in `directory`; never blocks.
    public static func holder(ofRunIn directory: String) -> Holder {
        let path = path(forRunIn: directory)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .absent }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return .free
        }
        return .held(contents(of: path))
    }

    private static func contents(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "another process" : line
    }
}

/// The run lock could not be taken.
public enum RunLockError: Error, Equatable, CustomStringConvertible {
    /// A live process holds it: the lock file and what it says about the holder.
    case held(String, String)
    case io(String, String)

    public var description: String {
        switch self {
        case let .held(path, holder): return "the run is in use by \(holder) (lock \(path))"
        case let .io(path, why): return "\(path): cannot use the run lock: \(why)"
        }
    }
}
