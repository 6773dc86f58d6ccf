#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open input file (or standard input) that closes itself when the last reader using it
/// goes away; a class so that copies of a reader share one descriptor.
final class InputDescriptor {
    let descriptor: Int32
    let closesOnDeinit: Bool
    /// The file's size in bytes when it is a regular file (for progress), else nil.
    let size: Int?

    /// Opens `path`, or standard input for `-`. Throws ``TextInputError/Kind/cannotOpen`` naming
    /// the path and the system's reason, or saying it is a directory.
    convenience init(path: String) throws {
        if path == "-" {
            self.init(descriptor: 0, closesOnDeinit: false)
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
        self.init(descriptor: fd, closesOnDeinit: true)
    }

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

    /// Moves the read position to byte `offset` of a regular file. Throws
    /// ``TextInputError/Kind/readFailed`` when the input cannot seek.
    func seek(to offset: Int64, name: String) throws {
        if lseek(descriptor, off_t(offset), SEEK_SET) < 0 {
            let reason = String(cString: strerror(errno))
            throw TextInputError(.readFailed, file: name, "cannot seek to byte \(offset): \(reason)")
        }
    }

    /// Reads into `buffer[from...]` until it is full or the input ends; returns the bytes read
    /// (0 only at the end). Throws ``TextInputError/Kind/readFailed``.
    func read(into buffer: inout [UInt8], from: Int, name: String, line: Int) throws -> Int {
        var filled = from
        let fd = descriptor
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBufferPointer { raw -> Int in
                Glibc.read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw TextInputError(.readFailed, file: name, line: line, "read failed: \(reason)")
            }
            if n == 0 { break }
            filled += n
        }
        return filled - from
    }
}
