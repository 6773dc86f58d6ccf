#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of one record: where each lies in the bytes, and their values with CSV quoting
/// removed. One per thread; ``split(_:of:file:line:)`` reuses its storage record after record.
///
/// TSV splits at every tab (quotes are data). CSV follows RFC 4180: a field starting with `"`
/// runs to the closing quote, `""` inside it is one quote, and anything but a comma after the
/// closing quote is an error (``TextInputError/Kind/badQuote``). A record of ``RecordFormat/lines``
/// or ``RecordFormat/jsonl`` is one field.
public struct RecordFields {
    /// The format being split.
    public let format: RecordFormat
    /// Where each field of the last record split lies (quotes included).
    public private(set) var ranges: [Range<Int>] = []
    private var unquoted: [UInt8] = []

    /// Fields of records in `format`.
    public init(format: RecordFormat) {
        self.format = format
    }

    /// The number of fields of the last record split.
    public var count: Int { ranges.count }

    /// Splits `record`, a range of `bytes`, into fields. Throws ``TextInputError/Kind/badQuote``
    /// naming `file` and the line when a CSV quote is followed by something but a comma.
    public mutating func split(_ record: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, file: String,
                               line: Int) throws {
        ranges.removeAll(keepingCapacity: true)
        switch format {
        case .lines, .jsonl:
            ranges.append(record)
        case .tsv:
            var fieldStart = record.lowerBound
            let base = bytes.baseAddress!
            while fieldStart <= record.upperBound {
                let rest = record.upperBound - fieldStart
                if rest > 0, let hit = memchr(base + fieldStart, 0x09, rest) {
                    let tab = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    ranges.append(fieldStart..<tab)
                    fieldStart = tab + 1
                } else {
                    ranges.append(fieldStart..<record.upperBound)
                    break
                }
            }
        case .csv:
            try splitCSV(record, of: bytes, file: file, line: line)
        }
    }

    private mutating func splitCSV(_ record: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, file: String,
                                   line: Int) throws {
        var i = record.lowerBound
        let end = record.upperBound
        while true {
            let fieldStart = i
            if i < end && bytes[i] == 0x22 {
                i += 1
                while i < end {
                    if bytes[i] == 0x22 {
                        if i + 1 < end && bytes[i + 1] == 0x22 { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1  // the closing quote (the framing guarantees there is one)
                if i < end && bytes[i] != 0x2C {
                    var lineStart = record.lowerBound, physical = line
                    for k in record.lowerBound..<i where bytes[k] == 0x0A {
                        physical += 1
                        lineStart = k + 1
                    }
                    throw TextInputError(.badQuote, file: file, line: physical, byte: i - lineStart + 1,
                                         "unexpected character after a closing quote at byte \(i - lineStart + 1) "
                                         + "(a quote inside a quoted field must be doubled: \"\")")
                }
                i = min(i, end)
            } else {
                while i < end && bytes[i] != 0x2C { i += 1 }
            }
            ranges.append(fieldStart..<i)
            if i >= end { return }
            i += 1  // the comma
            if i == end {
                ranges.append(end..<end)
                return
            }
        }
    }

    /// Whether field `index` is a quoted CSV field.
    public func isQuoted(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let range = ranges[index]
        return format == .csv && range.count >= 2 && bytes[range.lowerBound] == 0x22
    }

    /// The range of field `index` without its CSV quotes: the bytes whose UTF-8 a reader checks
    /// (quotes and the doubling of quotes inside never change whether bytes are UTF-8).
    public func contentRange(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let range = ranges[index]
        return isQuoted(index, in: bytes) ? (range.lowerBound + 1)..<(range.upperBound - 1) : range
    }

    /// Calls `body` with the value of field `index`: its bytes for TSV and unquoted fields; for a
    /// quoted CSV field the content with `""` as `"` and each `\r\n` inside as `\n`.
    public mutating func withValue<R>(_ index: Int, of bytes: UnsafeBufferPointer<UInt8>,
                                      _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard isQuoted(index, in: bytes) else { return try body(UnsafeBufferPointer(rebasing: bytes[ranges[index]])) }
        let content = contentRange(index, in: bytes)
        unquoted.removeAll(keepingCapacity: true)
        var i = content.lowerBound
        while i < content.upperBound {
            let byte = bytes[i]
            if byte == 0x22 && i + 1 < content.upperBound && bytes[i + 1] == 0x22 {
                unquoted.append(0x22)
                i += 2
                continue
            }
            if byte == 0x0D && i + 1 < content.upperBound && bytes[i + 1] == 0x0A {
                i += 1
                continue
            }
            unquoted.append(byte)
            i += 1
        }
        return try unquoted.withUnsafeBufferPointer(body)
    }
}
