/// An encoder of Protocol Buffers messages in the binary wire format: fields are appended in the
/// order written (encoders emit fields in field-number order; readers accept any order). Enough for
/// the schemas Jikji writes itself (TensorBoard `Event`/`Summary`, ONNX `ModelProto`).
public struct ProtobufWriter: Sendable {
    /// The message so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    /// The wire types used here (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit).
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func tag(_ field: Int, _ wire: WireType) { appendVarint(UInt64(field) << 3 | wire.rawValue) }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// An `int64`/`int32`/enum field (negative values take ten bytes, as protobuf specifies).
    public mutating func int(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `bool` field.
    public mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    /// A `double` field.
    public mutating func double(_ field: Int, _ value: Double) {
        tag(field, .fixed64)
        appendFixed(value.bitPattern)
    }

    /// A `float` field.
    public mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        appendFixed(value.bitPattern)
    }

    /// A `string` field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

    /// A `bytes` field.
    public mutating func data(_ field: Int, _ value: [UInt8]) {
        tag(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) { data(field, value.bytes) }

    /// An embedded message field built by `build`.
    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        message(field, inner)
    }

    /// A packed `repeated int64` field.
    public mutating func packedInts(_ field: Int, _ values: [Int64]) {
        var inner = ProtobufWriter()
        for v in values { inner.appendVarint(UInt64(bitPattern: v)) }
        data(field, inner.bytes)
    }

    /// A packed `repeated float` field.
    public mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for v in values { raw += Self.littleEndian(v.bitPattern) }
        data(field, raw)
    }

    mutating func appendFixed<T: FixedWidthInteger>(_ value: T) { bytes += Self.littleEndian(value) }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
