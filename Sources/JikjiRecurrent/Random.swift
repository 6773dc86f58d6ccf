/// A small, fast, seeded pseudo-random generator (xoshiro256**), seeded through SplitMix64.
///
/// Jikji uses its own generator rather than `SystemRandomNumberGenerator` so that weight
/// initialisation, dropout masks and data order are reproducible from a seed on every
/// platform, and so that its whole state can be checkpointed (``state``) and restored.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit words of xoshiro256** state; save and restore them to resume a stream.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator restored from saved ``state`` words.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        self.state = state
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform Float in [lower, upper).
    @inlinable
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }

    /// A standard normal Float (Box–Muller).
    public mutating func nextNormal() -> Float {
        var u1 = nextUnitFloat()
        if u1 < 1e-12 { u1 = 1e-12 }
        let u2 = nextUnitFloat()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
    }

    @inlinable
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Two generators are equal when they will produce the same sequence (same state).
    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.state == b.state
    }
}

@usableFromInline func _log(_ x: Float) -> Float { Float(Foundation_log(Double(x))) }
@usableFromInline func _cos(_ x: Float) -> Float { Float(Foundation_cos(Double(x))) }
