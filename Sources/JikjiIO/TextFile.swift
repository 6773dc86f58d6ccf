/// A whole text file read at once — a configuration, a cleaning pipeline — with the checks and
/// the errors of every other reader of the package: a missing file, a directory, a failed read,
/// ill-formed UTF-8 and NUL bytes are ``TextInputError``s naming the file (and the line and byte).
public enum TextFile {
    /// The bytes of the file at `path` (`-`: standard input), well-formed UTF-8 without NUL bytes.
    /// - Throws: ``TextInputError`` of kind `cannotOpen`, `readFailed`, `invalidUTF8` or `nulByte`.
    public static func read(path: String) throws -> [UInt8] {
        let input = try InputDescriptor(path: path)
        var bytes = [UInt8](repeating: 0, count: max(input.size ?? 0, 1 << 12) + 1)
        var filled = 0
        while true {
            let n = try input.read(into: &bytes, from: filled, name: path, line: 1)
            filled += n
            if n == 0 { break }
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
        }
        bytes.removeSubrange(filled...)
        let problem = bytes.withUnsafeBufferPointer { UTF8Validation.firstProblem(in: $0, rejectingNUL: true) }
        switch problem {
        case nil:
            return bytes
        case .invalid(let offset)?:
            let (line, byte) = position(of: offset, in: bytes)
            throw TextInputError.invalidUTF8(file: path, line: line, byte: byte)
        case .nul(let offset)?:
            let (line, byte) = position(of: offset, in: bytes)
            throw TextInputError.nulByte(file: path, line: line, byte: byte)
        }
    }

    /// The text of the file at `path`, read and checked as ``read(path:)`` does.
    public static func readString(path: String) throws -> String {
        String(decoding: try read(path: path), as: UTF8.self)
    }

    /// The 1-based line and byte within that line of the 0-based `offset`.
    private static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, byte: Int) {
        var line = 1, lineStart = 0
        for index in 0..<offset where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }
}
