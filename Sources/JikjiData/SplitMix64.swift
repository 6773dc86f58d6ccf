/// The seeded pseudo-random generator behind data order: SplitMix64 (Steele, Lea and Flood, 2014).
///
/// Data order must be identical on every run and platform, and epoch `k` must be reproducible
/// without replaying epochs `0..<k` (to resume training). SplitMix64 is tiny, passes BigCrush,
/// and its state is a single counter, so ``init(seed:stream:)`` derives an independent stream
/// for any `(seed, epoch)` pair in O(1). Swift's `SystemRandomNumberGenerator` is not seedable,
/// and the standard `shuffled(using:)` is not documented to be stable across releases, so the
/// shuffles here are written out (``shuffle(_:)``).
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's whole state; equal states produce equal streams.
    public var state: UInt64

    /// A generator whose stream is determined by `seed` alone.
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for sub-stream `stream` of `seed` (for example the epoch number): the two
    /// numbers are mixed so neighbouring epochs do not produce overlapping streams.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C909)
        let a = mixer.next()
        var second = SplitMix64(seed: stream &+ a)
        state = second.next() ^ a
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    @inlinable
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Shuffles `elements` in place (Fisher–Yates, walking from the end), deterministically.
    @inlinable
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ elements: inout C) where C.Index == Int {
        var i = elements.count - 1
        let base = elements.startIndex
        while i > 0 {
            let j = nextIndex(below: i + 1)
            elements.swapAt(base + i, base + j)
            i -= 1
        }
    }
}
