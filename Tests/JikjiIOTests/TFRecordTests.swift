import XCTest
import JikjiIO

/// CRC-32C, TFRecord framing and the protobuf encoder against published values, without Python.
final class TFRecordTests: XCTestCase {
    /// The check value of CRC-32C and the iSCSI test vectors of RFC 3720, appendix B.4.
    func testCRC32CMatchesPublishedVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    /// TensorFlow's mask: rotate right by 15, add 0xa282ead8 (wrapping).
    func testMaskRotatesAndAddsTheConstant() {
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.masked(0x0000_8000), 0xA282_EAD9)
        XCTAssertEqual(CRC32C.masked(0xE306_9283), ((0xE306_9283 >> 15) | (0xE306_9283 << 17 & 0xFFFF_FFFF)) &+ 0xA282_EAD8)
    }

    func testFrameLaysOutLengthChecksumsAndDataLittleEndian() throws {
        let data = Array("123456789".utf8)
        let framed = TFRecord.frame(data)
        XCTAssertEqual(framed.count, 8 + 4 + 9 + 4)
        XCTAssertEqual(Array(framed[0..<8]), [9, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = CRC32C.masked(CRC32C.checksum([9, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(Array(framed[8..<12]), (0..<4).map { UInt8(truncatingIfNeeded: lengthCRC >> ($0 * 8)) })
        XCTAssertEqual(Array(framed[12..<21]), data)
        let dataCRC = CRC32C.masked(0xE306_9283)
        XCTAssertEqual(Array(framed[21..<25]), (0..<4).map { UInt8(truncatingIfNeeded: dataCRC >> ($0 * 8)) })
        XCTAssertEqual(try TFRecord.records(in: framed + TFRecord.frame([]) + TFRecord.frame([7])), [data, [], [7]])
    }

    func testRecordsRefuseTruncationAndEveryFlippedByte() throws {
        let framed = TFRecord.frame(Array("event".utf8)) + TFRecord.frame(Array("second".utf8))
        XCTAssertThrowsError(try TFRecord.records(in: Array(framed.dropLast())))
        for i in framed.indices {
            var corrupt = framed
            corrupt[i] ^= 0x10
            XCTAssertThrowsError(try TFRecord.records(in: corrupt), "byte \(i) flipped")
        }
    }

    /// The encodings of the protobuf documentation's examples and of each wire type.
    func testProtobufWriterEncodesEachWireType() {
        var w = ProtobufWriter()
        w.int(1, 150)
        XCTAssertEqual(w.bytes, [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.string(2, "testing")
        XCTAssertEqual(w.bytes, [0x12, 0x07] + Array("testing".utf8))
        w = ProtobufWriter()
        w.message(3) { $0.int(1, 150) }
        XCTAssertEqual(w.bytes, [0x1A, 0x03, 0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.int(1, -1)
        XCTAssertEqual(w.bytes, [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        w = ProtobufWriter()
        w.double(1, 1.0)
        XCTAssertEqual(w.bytes, [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        w = ProtobufWriter()
        w.float(2, 1.0)
        XCTAssertEqual(w.bytes, [0x15, 0, 0, 0x80, 0x3F])
        w = ProtobufWriter()
        w.packedInts(4, [3, 270, 86942])
        XCTAssertEqual(w.bytes, [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        w = ProtobufWriter()
        w.packedFloats(5, [1, -2])
        XCTAssertEqual(w.bytes, [0x2A, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
        w = ProtobufWriter()
        w.int(300, 1)
        XCTAssertEqual(w.bytes, [0xE0, 0x12, 0x01])
    }
}
