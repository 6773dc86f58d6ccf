import Foundation

/// Reads a file or standard input in large blocks and hands out whole lines, so a corpus is
/// never held in memory at once and no `String` is made per line.
struct LineBlockReader {
    private let handle: FileHandle
    private let blockSize: Int
    private var carry: [UInt8] = []
    private var finished = false
    /// Lines handed out so far (for 1-based line numbers in errors).
    private(set) var linesRead = 0
    /// Bytes of input handed out so far (newlines included).
    private(set) var bytesRead = 0

    init(handle: FileHandle, blockSize: Int = 8 << 20) {
        self.handle = handle
        self.blockSize = blockSize
    }

    /// The next block of complete lines: the bytes and the range of each line (without `\n` and
    /// without a `\r` before it), plus the 1-based number of the block's first line. Nil at the end.
    mutating func nextBlock() throws -> (bytes: [UInt8], lines: [Range<Int>], firstLine: Int)? {
        while !finished {
            let data = try handle.read(upToCount: blockSize) ?? Data()
            if data.isEmpty {
                finished = true
                break
            }
            var bytes = carry
            bytes.append(contentsOf: data)
            // Keep the unfinished last line for the next block.
            guard let lastNewline = bytes.lastIndex(of: 0x0A) else {
                carry = bytes
                continue
            }
            carry = Array(bytes[(lastNewline + 1)...])
            bytes.removeSubrange((lastNewline + 1)...)
            return emit(bytes)
        }
        guard !carry.isEmpty else { return nil }
        let bytes = carry
        carry = []
        return emit(bytes)
    }

    private mutating func emit(_ bytes: [UInt8]) -> (bytes: [UInt8], lines: [Range<Int>], firstLine: Int) {
        var lines: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { p in
            var start = 0
            var i = 0
            let n = p.count
            while i < n {
                if p[i] == 0x0A {
                    let end = i > start && p[i - 1] == 0x0D ? i - 1 : i
                    lines.append(start..<end)
                    start = i + 1
                }
                i += 1
            }
            if start < n {
                let end = p[n - 1] == 0x0D ? n - 1 : n
                lines.append(start..<end)
            }
        }
        let first = linesRead + 1
        linesRead += lines.count
        bytesRead += bytes.count
        return (bytes, lines, first)
    }
}

/// Picks one column of tab-separated lines whose first line is a header.
struct TSVColumn {
    /// The column's index.
    let index: Int

    /// Finds `name` in the header line.
    init(name: String, header: UnsafeBufferPointer<UInt8>, path: String) throws {
        let fields = String(decoding: header, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            .map(String.init)
        guard let index = fields.firstIndex(of: name) else {
            throw WordPieceError.invalidOption(
                name: "column", reason: "'\(name)' is not in the header of \(path) (columns: \(fields.joined(separator: ", ")))")
        }
        self.index = index
    }

    /// The byte range of the column within `line`, or nil when the line has too few fields.
    func field(in bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) -> Range<Int>? {
        var field = 0
        var start = line.lowerBound
        var i = line.lowerBound
        while i < line.upperBound {
            if bytes[i] == 0x09 {
                if field == index { return start..<i }
                field += 1
                start = i + 1
            }
            i += 1
        }
        return field == index ? start..<line.upperBound : nil
    }
}
