/// TFRecord framing, the container of TensorBoard event files: each record is its length as a
/// little-endian UInt64, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of
/// the data (both checksums little-endian UInt32).
public enum TFRecord {
    /// A file whose bytes are not a sequence of well-formed records.
    public struct FramingError: Error, CustomStringConvertible, Equatable {
        /// Byte offset of the record that is wrong.
        public let offset: Int
        /// What is wrong with it.
        public let problem: String
        public var description: String { "TFRecord at byte \(offset): \(problem)" }
    }

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndian(UInt64(data.count))
        out += length
        out += littleEndian(CRC32C.masked(CRC32C.checksum(length)))
        out += data
        out += littleEndian(CRC32C.masked(CRC32C.checksum(data)))
        return out
    }

    /// The records of `bytes`, each checked against both of its checksums.
    /// - Throws: ``FramingError`` at a truncated record or a checksum that does not match.
    public static func records(in bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else { throw FramingError(offset: offset, problem: "truncated header") }
            let lengthBytes = Array(bytes[offset..<offset + 8])
            guard readUInt32(bytes, at: offset + 8) == CRC32C.masked(CRC32C.checksum(lengthBytes)) else {
                throw FramingError(offset: offset, problem: "length checksum does not match")
            }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length <= UInt64(bytes.count - offset - 16) else {
                throw FramingError(offset: offset, problem: "record of \(length) bytes runs past the end of the file")
            }
            let start = offset + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard readUInt32(bytes, at: end) == CRC32C.masked(CRC32C.checksum(data)) else {
                throw FramingError(offset: offset, problem: "data checksum does not match")
            }
            records.append(data)
            offset = end + 4
        }
        return records
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }
}
