/// UTF-8 well-formedness checks on raw bytes (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
public enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence in `bytes`, or nil when all
    /// of it is well-formed UTF-8.
    public static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        switch firstProblem(in: bytes, rejectingNUL: false) {
        case .invalid(let offset)?: return offset
        default: return nil
        }
    }

    /// What is wrong with a text's bytes: an ill-formed sequence, or a NUL byte.
    public enum Problem: Equatable, Sendable {
        /// An ill-formed UTF-8 sequence starts at this 0-based offset.
        case invalid(Int)
        /// A NUL byte is at this 0-based offset.
        case nul(Int)
    }

    /// The first problem in `bytes` (a NUL byte counts only with `rejectingNUL`), or nil when
    /// the bytes are well-formed UTF-8: one pass for both checks every reader makes.
    public static func firstProblem(in bytes: UnsafeBufferPointer<UInt8>, rejectingNUL: Bool) -> Problem? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var i = 0
        while i < count {
            // Runs of ASCII eight bytes at a time (no high bit set, and no zero byte when NULs count).
            while i + 8 <= count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                if rejectingNUL && (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < count else { return nil }
            let b0 = base[i]
            if b0 < 0x80 {
                if b0 == 0 && rejectingNUL { return .nul(i) }
                i += 1
                continue
            }
            // The common case of Korean text next: a three-byte sequence led by E1…ED (Hangul
            // syllables are EA…ED); only ED limits its second byte (no surrogates).
            if b0 >= 0xE1 && b0 <= 0xED && i + 2 < count {
                let b1 = base[i + 1], b2 = base[i + 2]
                let upper: UInt8 = b0 == 0xED ? 0x9F : 0xBF
                guard b1 >= 0x80 && b1 <= upper && b2 & 0xC0 == 0x80 else { return .invalid(i) }
                i += 3
                continue
            }
            let need: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return .invalid(i)
            }
            // A sequence cut short by the end of the buffer is ill-formed too.
            if i + need >= count { return .invalid(i) }
            let b1 = base[i + 1]
            if b1 < lower || b1 > upper { return .invalid(i) }
            var k = 2
            while k <= need {
                let b = base[i + k]
                if b < 0x80 || b > 0xBF { return .invalid(i) }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// The offset of the first ill-formed sequence in `bytes`, or nil when it is valid UTF-8.
    public static func firstInvalidOffset<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ firstInvalidOffset(in: $0) }) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer { firstInvalidOffset(in: $0) }
    }
}
