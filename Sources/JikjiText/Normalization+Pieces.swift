import CICU
import JikjiIO

/// Unicode normalization by ICU over parts of a UTF-16 buffer: with the origin of every output
/// unit (for offsets into the text before cleaning), and with compatibility jamo kept out of it
/// (the `nfkc-keep-compat-jamo` step).
enum NormalizationPieces {
    /// Normalizes `source[from..<to]` into `dest` (room for `capacity` units) and records where
    /// each output unit comes from, in indices of `source`. Returns the length written, or nil
    /// when `capacity` is too small.
    ///
    /// Text that ICU's quick check passes is copied unit for unit, each unit from itself. The
    /// rest goes in the smallest pieces normalization allows: from one normalization boundary
    /// to the next (ICU's `hasBoundaryBefore`), normalizing each piece alone gives exactly what
    /// normalizing the whole does, and every unit a piece becomes comes from the whole piece. A
    /// piece is usually one character (ﬁ → f i, both from ﬁ; ㎏ → k g), or a character and the
    /// marks that compose or reorder with it (e + ◌́ → é, from both).
    static func normalizeAligned<O: UnitOrigins>(_ handle: UnsafeRawPointer, _ source: UnsafePointer<UInt16>, from: Int, to: Int,
                                                 into dest: UnsafeMutablePointer<UInt16>, capacity: Int, _ origins: O) throws -> Int? {
        var out = 0, p = from
        while p < to {
            var status: Int32 = 0
            var b = p + Int(jikji_normalizer_span_yes(handle, source + p, Int32(to - p), &status))
            try check(status)
            // The last character that passed may still combine with what follows: back off to a boundary.
            if b < to {
                while b > p && !boundary(handle, source, at: b, to) { b = previousStart(source, b, from) }
            }
            if b > p {
                guard out + (b - p) <= capacity else { return nil }
                for k in p..<b { dest[out] = source[k]; origins.same(out, k); out += 1 }
                p = b
                if p >= to { break }
            }
            var q = nextStart(source, p, to)
            while q < to && !boundary(handle, source, at: q, to) { q = nextStart(source, q, to) }
            let written = Int(jikji_normalize(handle, source + p, Int32(q - p), dest + out, Int32(max(0, capacity - out)), &status))
            if status == JIKJI_BUFFER_OVERFLOW { return nil }
            try check(status)
            try recordPiece(handle, source, from: p, to: q, UnsafeBufferPointer(start: dest + out, count: written), Shifted(origins, by: out))
            out += written
            p = q
        }
        return out
    }

    /// NFKC (by `handle`) of `source`, except that compatibility jamo are copied as they are and
    /// halfwidth jamo become compatibility jamo (``HangulJamo/halfwidthToCompatibility``): the
    /// text between them is normalized piece by piece, so no jamo ever composes with a neighbour.
    /// Returns the length written into `dest` (room for `capacity`), or nil when that is too small.
    static func normalizeKeepingCompatibilityJamo<O: UnitOrigins>(
        _ handle: UnsafeRawPointer, _ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
        capacity: Int, aligned: Bool, _ origins: O
    ) throws -> Int? {
        guard let base = source.baseAddress else { return 0 }
        let n = source.count
        var out = 0, pieceStart = 0
        /// Normalizes `base[pieceStart..<end]` onto the output; false when out of room.
        func flush(_ end: Int) throws -> Bool {
            guard end > pieceStart else { return true }
            if aligned {
                guard let written = try normalizeAligned(handle, base, from: pieceStart, to: end, into: dest + out,
                                                         capacity: capacity - out, Shifted(origins, by: out)) else { return false }
                out += written
            } else {
                var status: Int32 = 0
                let written = Int(jikji_normalize(handle, base + pieceStart, Int32(end - pieceStart), dest + out,
                                                  Int32(max(0, capacity - out)), &status))
                if status == JIKJI_BUFFER_OVERFLOW { return false }
                try check(status)
                out += written
            }
            return true
        }
        try HangulJamo.halfwidthToCompatibility.withUnsafeBufferPointer { halfwidth in
            var i = 0
            while i < n {
                let unit = base[i]
                if HangulJamo.isCompatibilityOrHalfwidth(unit) {
                    let kept = unit >= 0xFFA0 ? halfwidth[Int(unit - 0xFFA0)] : unit
                    if kept != 0 {
                        guard try flush(i), out < capacity else { out = -1; return }
                        dest[out] = kept
                        origins.same(out, i)
                        out += 1
                        pieceStart = i + 1
                    }
                }
                i += 1
            }
            guard try flush(n) else { out = -1; return }
        }
        return out < 0 ? nil : out
    }

    /// Records the origins of `normalized`, what `source[from..<to]` (text between two
    /// boundaries) became. Boundaries are conservative (" ㅠ" has none, since ᅲ could join a
    /// leading consonant before it), so the piece is cut wherever normalizing both sides alone
    /// gives the same text: " ㅠㅠ" maps character by character, "ㅋㅠ" → 큐 stays whole.
    private static func recordPiece<O: UnitOrigins>(_ handle: UnsafeRawPointer, _ source: UnsafePointer<UInt16>, from: Int, to: Int,
                                                    _ normalized: UnsafeBufferPointer<UInt16>, _ origins: O) throws {
        var start = from, done = 0
        // Pieces are a few characters; a long run of marks is left whole rather than cut in O(n²).
        if to - from <= 32 {
            var cut = nextStart(source, from, to)
            while cut < to {
                let left = try normalizedCopy(handle, source + start, cut - start)
                let right = try normalizedCopy(handle, source + cut, to - cut)
                if left.count + right.count == normalized.count - done,
                   left.elementsEqual(normalized[done..<done + left.count]),
                   right.elementsEqual(normalized[(done + left.count)...]) {
                    origins.record(done, left.count, from: start, to: cut)
                    done += left.count
                    start = cut
                }
                cut = nextStart(source, cut, to)
            }
        }
        origins.record(done, normalized.count - done, from: start, to: to)
    }

    /// `source[0..<count]` normalized, as a new array.
    private static func normalizedCopy(_ handle: UnsafeRawPointer, _ source: UnsafePointer<UInt16>, _ count: Int) throws -> [UInt16] {
        var output: [UInt16] = []
        let written = try UTF16Call.run(into: &output, estimate: count * 4 + 16, what: "normalization") { dest, capacity, status in
            jikji_normalize(handle, source, Int32(count), dest, capacity, &status)
        }
        return Array(output[0..<written])
    }

    // MARK: Helpers

    private static func check(_ status: Int32) throws {
        if status > 0 && status != JIKJI_BUFFER_OVERFLOW {
            throw TextInputError(.icu, file: "cleaning", "ICU normalization failed: \(ICU.errorName(status))")
        }
    }

    /// Whether a normalization boundary lies before the code point at `i` (always at `end`).
    @inline(__always)
    private static func boundary(_ handle: UnsafeRawPointer, _ source: UnsafePointer<UInt16>, at i: Int, _ end: Int) -> Bool {
        i >= end || jikji_normalizer_boundary_before(handle, codePoint(source, i, end)) != 0
    }

    @inline(__always)
    private static func codePoint(_ source: UnsafePointer<UInt16>, _ i: Int, _ end: Int) -> UInt32 {
        let unit = source[i]
        if (unit & 0xFC00) == 0xD800, i + 1 < end, (source[i + 1] & 0xFC00) == 0xDC00 {
            return 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(source[i + 1]) - 0xDC00)
        }
        return UInt32(unit)
    }

    @inline(__always)
    private static func nextStart(_ source: UnsafePointer<UInt16>, _ i: Int, _ end: Int) -> Int {
        (source[i] & 0xFC00) == 0xD800 && i + 1 < end && (source[i + 1] & 0xFC00) == 0xDC00 ? i + 2 : i + 1
    }

    @inline(__always)
    private static func previousStart(_ source: UnsafePointer<UInt16>, _ i: Int, _ start: Int) -> Int {
        i - 2 >= start && (source[i - 1] & 0xFC00) == 0xDC00 && (source[i - 2] & 0xFC00) == 0xD800 ? i - 2 : i - 1
    }
}

/// Origins recorded at an offset: for a loop that writes into the middle of the output.
struct Shifted<Base: UnitOrigins>: UnitOrigins {
    let base: Base
    let offset: Int

    init(_ base: Base, by offset: Int) {
        self.base = base
        self.offset = offset
    }

    @inline(__always)
    func record(_ out: Int, _ count: Int, from: Int, to: Int) { base.record(out + offset, count, from: from, to: to) }
}
