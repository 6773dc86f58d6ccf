import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the selected columns of records in a ``RecordBlock``, with the checks every command
/// makes: the field count against the header, well-formed UTF-8 and no NUL bytes in the values
/// read. One per thread (it reuses its buffers); the errors name the file, physical line and
/// byte the same way whichever command reads.
///
/// ```swift
/// var cursor = RecordCursor(columns: selection, format: block.format)
/// for index in part {
///     try cursor.select(index, in: block)
///     try cursor.withColumn(0, in: block) { text in … }
/// }
/// ```
public struct RecordCursor {
    /// The columns read.
    public let columns: ColumnSelection
    /// The format of the records.
    public let format: RecordFormat
    /// Check values for NUL bytes (on by default).
    public var rejectsNUL = true
    /// Check values for ill-formed UTF-8 before handing them out (on by default). A consumer
    /// whose own decoding rejects such bytes (the pre-tokenizer of the trainer and the encoder)
    /// turns this off to spare a pass, and calls ``locateProblem(_:in:)`` when its decoder fails,
    /// which throws the error this check would have thrown.
    public var checksUTF8 = true
    /// Whether values are checked at all (off for callers that repair bad bytes themselves).
    public var checksText = true
    /// The fields of the selected record (TSV, CSV, lines).
    public private(set) var fields: RecordFields
    private var record = 0
    private var json: [[UInt8]] = []

    /// A cursor reading `columns` of `format` records.
    public init(columns: ColumnSelection, format: RecordFormat) {
        self.columns = columns
        self.format = format
        fields = RecordFields(format: format)
    }

    /// Selects record `index` of `block`: splits it and checks its field count.
    /// Throws ``TextInputError`` (field count, bad quote, malformed JSON, or for JSONL invalid
    /// UTF-8) naming the file and line; all of these are record-level.
    public mutating func select(_ index: Int, in block: RecordBlock) throws {
        record = index
        let range = block.records[index]
        let line = block.line(of: index)
        if format == .jsonl {
            try selectJSON(range, in: block, line: line)
            return
        }
        try block.bytes.withUnsafeBufferPointer { bytes in
            try fields.split(range, of: bytes, file: block.file, line: line)
        }
        if let expected = columns.fieldCount, fields.count != expected {
            throw TextInputError.fieldCount(file: block.file, line: line, expected: expected, found: fields.count,
                                            format: format)
        }
    }

    /// Selects record `index` without checking its field count; returns whether the record has
    /// the header's number of fields (a caller that keeps bad rows copies the others).
    public mutating func selectAllowingFieldCountMismatch(_ index: Int, in block: RecordBlock) throws -> Bool {
        do {
            try select(index, in: block)
            return true
        } catch let error as TextInputError where error.kind == .fieldCount {
            return false
        }
    }

    /// Calls `body` with the value of selected column `column` (an index into
    /// ``ColumnSelection/names``) of the selected record, after checking its bytes.
    public mutating func withColumn<R>(_ column: Int, in block: RecordBlock,
                                       _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        if format == .jsonl {
            return try json[column].withUnsafeBufferPointer(body)
        }
        let field = columns.indices[column]
        return try block.bytes.withUnsafeBufferPointer { bytes in
            if checksText {
                let content = fields.contentRange(field, in: bytes)
                if checksUTF8 {
                    try block.check(content, inRecord: record, rejectingNUL: rejectsNUL)
                } else if rejectsNUL, let nul = memchr(bytes.baseAddress! + content.lowerBound, 0, content.count) {
                    let (line, byte) = block.location(of: bytes.baseAddress!.distance(to: nul.assumingMemoryBound(to: UInt8.self)),
                                                      inRecord: record)
                    throw TextInputError.nulByte(file: block.file, line: line, byte: byte)
                }
            }
            return try fields.withValue(field, of: bytes, body)
        }
    }

    /// Throws the error the full check of selected column `column` of the selected record finds
    /// (ill-formed UTF-8 or a NUL byte, located by physical line and byte); returns when there is
    /// none. For consumers that skip ``checksUTF8`` and whose decoder failed on a value.
    public func locateProblem(_ column: Int, in block: RecordBlock) throws {
        if format == .jsonl {
            try block.check(block.records[record], inRecord: record)
            return
        }
        let content = block.bytes.withUnsafeBufferPointer { fields.contentRange(columns.indices[column], in: $0) }
        try block.check(content, inRecord: record)
    }

    /// The value of selected column `column` as a String (see ``withColumn(_:in:_:)``).
    public mutating func string(_ column: Int, in block: RecordBlock) throws -> String {
        try withColumn(column, in: block) { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: JSONL

    private mutating func selectJSON(_ range: Range<Int>, in block: RecordBlock, line: Int) throws {
        if checksText { try block.check(range, inRecord: record, rejectingNUL: rejectsNUL) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(block.bytes[range]), options: [.fragmentsAllowed])
        } catch {
            throw TextInputError(.malformedJSON, file: block.file, line: line, "not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TextInputError(.malformedJSON, file: block.file, line: line, "the line is not a JSON object")
        }
        json.removeAll(keepingCapacity: true)
        for name in columns.names {
            switch dictionary[name] {
            case let string as String:
                json.append(Array(string.utf8))
                if rejectsNUL && checksText, let nul = json.last?.firstIndex(of: 0) {
                    throw TextInputError(.nulByte, file: block.file, line: line,
                                         "NUL byte at byte \(nul + 1) of key '\(name)'")
                }
            case let number as NSNumber:
                // Integers print without a fraction so label mappings see "3", not "3.0".
                let double = number.doubleValue
                let text = double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : "\(double)"
                json.append(Array(text.utf8))
            case nil, is NSNull:
                throw TextInputError(.malformedJSON, file: block.file, line: line, "no key '\(name)'")
            default:
                throw TextInputError(.malformedJSON, file: block.file, line: line,
                                     "key '\(name)' is neither a string nor a number")
            }
        }
    }
}
