/// A run of whole records read in one piece: what parallel consumers (the vocabulary trainer,
/// the encoder) cut into parts and process on all cores.
///
/// ``bytes`` are the input's bytes exactly as read, so the blocks of a file laid end to end are
/// the file (its fingerprint hashes them); ``records`` say where each record lies in them,
/// without its line terminator (`\n` or `\r\n`), without a leading byte-order mark and, in the
/// first block of a file with a header, without the header line. A CSV record may span lines;
/// no record is ever cut between two blocks.
public struct RecordBlock: Sendable {
    /// The input's bytes as read (header, terminators and a byte-order mark included).
    public let bytes: [UInt8]
    /// Where each record lies in ``bytes``.
    public let records: [Range<Int>]
    /// The format the records are in.
    public let format: RecordFormat
    /// The file (or `-`) the block comes from, for error messages.
    public let file: String
    /// Physical lines in ``bytes`` (line breaks, plus a last line without one).
    public let physicalLines: Int
    /// The 1-based line of the first record.
    let firstLine: Int
    /// The line each record starts on, for CSV (whose records may span lines); empty otherwise,
    /// where record `i` is on line `firstLine + i`.
    let recordLines: [Int]

    /// The number of records.
    public var count: Int { records.count }

    /// The 1-based line record `index` starts on.
    public func line(of index: Int) -> Int {
        recordLines.isEmpty ? firstLine + index : recordLines[index]
    }

    /// The physical line and 1-based byte within it of position `position` of ``bytes``, which
    /// lies in record `index` (a CSV record may span lines): how every error points at a byte.
    public func location(of position: Int, inRecord index: Int) -> (line: Int, byte: Int) {
        let record = records[index]
        var line = line(of: index)
        var lineStart = record.lowerBound
        var i = record.lowerBound
        while i < position {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return (line, position - lineStart + 1)
    }

    /// Checks `range` of ``bytes`` (part of record `index`) for ill-formed UTF-8 and, with
    /// `rejectingNUL`, NUL bytes; throws ``TextInputError/invalidUTF8(file:line:byte:)`` or
    /// ``TextInputError/nulByte(file:line:byte:)`` pointing at the physical line and byte.
    public func check(_ range: Range<Int>, inRecord index: Int, rejectingNUL: Bool = true) throws {
        let problem = bytes.withUnsafeBufferPointer {
            UTF8Validation.firstProblem(in: UnsafeBufferPointer(rebasing: $0[range]), rejectingNUL: rejectingNUL)
        }
        switch problem {
        case nil: return
        case .invalid(let offset)?:
            let (line, byte) = location(of: range.lowerBound + offset, inRecord: index)
            throw TextInputError.invalidUTF8(file: file, line: line, byte: byte)
        case .nul(let offset)?:
            let (line, byte) = location(of: range.lowerBound + offset, inRecord: index)
            throw TextInputError.nulByte(file: file, line: line, byte: byte)
        }
    }

    /// Cuts the records into at most `parts` runs of consecutive records of about equal bytes,
    /// for one worker each.
    public func parts(_ parts: Int) -> [Range<Int>] {
        guard !records.isEmpty else { return [] }
        let count = max(1, min(parts, records.count))
        let first = records[0].lowerBound, last = records[records.count - 1].upperBound
        var result: [Range<Int>] = []
        result.reserveCapacity(count)
        var start = 0
        for part in 1...count where start < records.count {
            if part == count {
                result.append(start..<records.count)
                break
            }
            // The first record ending past this part's share of the bytes closes the part.
            let target = first + (last - first) * part / count
            var end = start + 1
            var low = start + 1, high = records.count
            while low < high {
                let mid = (low + high) / 2
                if records[mid - 1].upperBound < target { low = mid + 1 } else { high = mid }
            }
            end = max(start + 1, min(low, records.count))
            result.append(start..<end)
            start = end
        }
        return result
    }
}
