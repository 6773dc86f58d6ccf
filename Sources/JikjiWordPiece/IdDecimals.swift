/// The decimal text of every id below a bound, ready to store: an id line is then one 8-byte
/// load and store per id instead of a division per digit pair.
///
/// Entry `i` holds the digits of `i` followed by a space in its low bytes (little-endian, so in
/// text order in memory) and their count in its top byte; ids of 7 digits or more, or outside
/// the table, are written digit by digit (``WordPieceTokenizer/writeDecimal(_:to:)``).
struct IdDecimals: Sendable {
    private let entries: [UInt64]

    /// The table of ids `0..<count` (at most 1,000,000: six digits and a space fit in 7 bytes).
    init(count: Int) {
        let n = Swift.max(0, Swift.min(count, 1_000_000))
        entries = [UInt64](unsafeUninitializedCapacity: n) { buffer, initialized in
            // Counting up in decimal: `digits` holds the current id's text, most significant
            // byte lowest, with `length` digits.
            var digits: UInt64 = 0x30
            var length = 1
            for id in 0..<n {
                buffer[id] = digits | 0x20 << (8 * UInt64(length)) | UInt64(length + 1) << 56
                // Add one: carry through the trailing nines (the last digit is the highest byte).
                var k = length - 1
                while k >= 0, (digits >> (8 * UInt64(k))) & 0xFF == 0x39 {
                    digits = digits & ~(0xFF << (8 * UInt64(k))) | 0x30 << (8 * UInt64(k))
                    k -= 1
                }
                if k >= 0 {
                    digits += 1 << (8 * UInt64(k))
                } else {
                    // All nines: one more digit, "10…0".
                    digits = digits << 8 | 0x31
                    length += 1
                }
            }
            initialized = n
        }
    }

    /// Appends `ids` in decimal, separated by spaces, and a newline, built in one temporary
    /// buffer and appended at once.
    func appendLine(_ ids: UnsafeBufferPointer<Int32>, to out: inout [UInt8]) {
        // Each id takes at most 12 bytes ("-2147483648 "); a table store writes 8.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ids.count * 12 + 8) { buffer in
            let p = buffer.baseAddress!
            var k = 0
            entries.withUnsafeBufferPointer { table in
                for id in ids {
                    let i = Int(id)
                    if i >= 0, i < table.count {
                        let entry = table[i]
                        UnsafeMutableRawPointer(p + k).storeBytes(of: entry, as: UInt64.self)
                        k += Int(truncatingIfNeeded: entry >> 56)
                    } else {
                        k += WordPieceTokenizer.writeDecimal(id, to: p + k)
                        p[k] = 0x20
                        k += 1
                    }
                }
            }
            // The last separator becomes the newline (an empty line is the newline alone).
            if k == 0 { k = 1 }
            p[k - 1] = 0x0A
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: k))
        }
    }
}
