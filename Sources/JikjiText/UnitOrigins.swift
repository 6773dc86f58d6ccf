/// Where the UTF-16 units a cleaning loop writes come from in the units it reads: what the loops
/// of ``CharacterSteps`` and ``HangulJamo`` report as they write, so that a token's offsets can
/// be traced back to the text before cleaning.
///
/// The loops are generic over this protocol and called with ``NoOrigins`` when no alignment is
/// asked for: that specialization records nothing and compiles to the loop without alignment.
protocol UnitOrigins {
    /// Output units `out..<out + count` were made from input units `from..<to` (`from == to`:
    /// inserted at `from`, out of nothing).
    func record(_ out: Int, _ count: Int, from: Int, to: Int)
}

extension UnitOrigins {
    /// Output unit `out` is input unit `from`, unchanged or mapped one for one.
    @inline(__always)
    func same(_ out: Int, _ from: Int) { record(out, 1, from: from, to: from + 1) }
}

/// Records nothing: cleaning without alignment.
struct NoOrigins: UnitOrigins {
    @inline(__always)
    func record(_ out: Int, _ count: Int, from: Int, to: Int) {}
}

/// Writes, for each output unit, the input span it came from into two arrays of the caller's
/// (room for as many entries as the output can have units).
struct OriginSpans: UnitOrigins {
    /// Start of the input span of each output unit.
    let starts: UnsafeMutablePointer<Int32>
    /// End of the input span of each output unit.
    let ends: UnsafeMutablePointer<Int32>

    @inline(__always)
    func record(_ out: Int, _ count: Int, from: Int, to: Int) {
        var k = out
        while k < out + count {
            starts[k] = Int32(truncatingIfNeeded: from)
            ends[k] = Int32(truncatingIfNeeded: to)
            k += 1
        }
    }
}
