/// A whole text file read at once — a configuration, a cleaning pipeline — with the checks and
/// the errors of every other reader of the package: a missing file, a directory, a failed read,
/// ill-formed UTF-8 and NUL bytes are ``TextInputError``s naming the file (and the line and byte).
/// The bytes come from ``WholeFile``, the one reader of whole files.
public enum TextFile {
    /// The bytes of the file at `path` (`-`: standard input), well-formed UTF-8 without NUL bytes.
    /// - Throws: ``TextInputError`` of kind `cannotOpen`, `readFailed`, `invalidUTF8` or `nulByte`.
    public static func read(path: String) throws -> [UInt8] {
        // WholeFile reads; this adds the checks of text and the wording of TextInputError.
        let bytes: [UInt8]
        do {
            bytes = [UInt8](path == "-" ? try WholeFile.readStandardInput() : try WholeFile.read(path))
        } catch let error as WholeFileError {
            switch error.failure {
            case .open, .write: throw TextInputError(.cannotOpen, file: path, "cannot open for reading: \(error.reason)")
            case .notAFile: throw TextInputError(.cannotOpen, file: path, "is a directory, not a text file")
            case .read: throw TextInputError(.readFailed, file: path, line: 1, "read failed: \(error.reason)")
            }
        }
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
