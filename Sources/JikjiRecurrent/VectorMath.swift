/// Vectorized `exp`, `sigmoid`, `tanh`, `log` and square root over flat Float buffers.
///
/// `exp` uses Cody–Waite reduction `x = n ln2 + r`, `|r| ≤ ln2/2`, a degree-7 Taylor
/// polynomial for `e^r` and builds `2^n` from exponent bits. Inputs are clamped to
/// [-87, 88] so `2^n` stays a normal float; sigmoid and tanh saturate correctly there.
///
/// Written as plain scalar code without calls, traps or branches (rounding by the 1.5·2²³
/// trick, integer conversion through bit patterns, selects instead of `if`) so that LLVM
/// turns each loop into AVX code; Swift's generic `SIMD` methods (`rounded`, `clamped`,
/// `init(_:rounding:)`) run element by element and were 50x slower here.
public enum VectorMath {
    @inlinable @inline(__always)
    static func expCore(_ x: Float) -> Float {
        let v = Swift.min(Swift.max(x, -87), 88)
        let magic: Float = 12_582_912 // 1.5 · 2^23: adding it rounds to an integer in the low bits
        let shifted = v * 1.442_695_04 + magic
        let n = shifted - magic
        let k = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        // ln 2 split in a high part exact in float and a low correction.
        var r = v - n * 0.693_145_75
        r = r - n * 1.428_606_8e-6
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return p * Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
    }

    @inlinable @inline(__always)
    static func tanhCore(_ x: Float) -> Float {
        let a = Swift.abs(x)
        // tanh(|x|) = 1 - 2 / (e^{2|x|} + 1): no overflow for large |x|.
        let large = 1 - 2 / (expCore(a + a) + 1)
        // Near zero that difference loses relative precision: use the odd Taylor series
        // (truncation error below 1e-7 relative for |x| < 0.3).
        let a2 = a * a
        var s: Float = 62.0 / 2835
        s = s * a2 - 17.0 / 315
        s = s * a2 + 2.0 / 15
        s = s * a2 - 1.0 / 3
        s = s * a2 + 1
        let t = a < 0.3 ? s * a : large
        return x < 0 ? -t : t
    }

    /// Natural log of a positive normal float: `x = m·2^e` with `m` in [√½, √2) from the bits,
    /// then `log m = 2 atanh((m-1)/(m+1))` by its odd series (error below 1e-9 there).
    @inlinable @inline(__always)
    static func logCore(_ x: Float) -> Float {
        let bits = Int32(bitPattern: x.bitPattern)
        let e = (bits &- 0x3F35_04F3) >> 23 // 0x3F3504F3 is √½
        let m = Float(bitPattern: UInt32(bitPattern: bits &- (e &<< 23)))
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p: Float = 1.0 / 9
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        return 2 * s * p + Float(e) * 0.693_147_18
    }

    /// `log(1 + z)` for `z ≥ 0`, accurate for tiny `z` (the `log(u)·z/(u-1)` correction).
    @inlinable @inline(__always)
    static func log1pCore(_ z: Float) -> Float {
        let u = 1 + z
        return u == 1 ? z : logCore(u) * (z / (u - 1))
    }

    /// `√x` for `x ≥ 0` (0 for 0) within 2 ulp, from a bit-level reciprocal-root guess and three
    /// Newton steps. `Float.squareRoot()` keeps LLVM from vectorizing a loop here (it stays
    /// a scalar `sqrtss`), which made Adam's update 3x slower.
    @inlinable @inline(__always)
    static func sqrtCore(_ x: Float) -> Float {
        let bits = Int32(bitPattern: x.bitPattern)
        var y = Float(bitPattern: UInt32(bitPattern: 0x5F37_5A86 &- (bits >> 1)))
        let half = 0.5 * x
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        let root = x * y
        // One Newton step on √x itself removes the last rounding bias of x·(1/√x).
        let refined = root + 0.5 * y * (x - root * root)
        return x > 0 ? refined : 0
    }

    /// `y[i] = √x[i]` for non-negative `x`; `x` and `y` may alias.
    public static func squareRoot(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = sqrtCore(x[i]) }
    }

    /// `y[i] = log(x[i])` for positive `x`; `x` and `y` may alias.
    public static func log(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // In place, one pointer: LLVM's overlap check would send x == y to its scalar loop.
        if UnsafeMutablePointer(mutating: x) == y {
            for i in 0..<count { y[i] = logCore(y[i]) }
        } else {
            for i in 0..<count { y[i] = logCore(x[i]) }
        }
    }

    /// `y[i] = exp(x[i])`; `x` and `y` may alias.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // In place, one pointer: LLVM's overlap check would send x == y to its scalar loop.
        if UnsafeMutablePointer(mutating: x) == y {
            for i in 0..<count { y[i] = expCore(y[i]) }
        } else {
            for i in 0..<count { y[i] = expCore(x[i]) }
        }
    }

    /// `y[i] = 1 / (1 + exp(-x[i]))`; `x` and `y` may alias.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        if UnsafeMutablePointer(mutating: x) == y {
            for i in 0..<count { y[i] = 1 / (1 + expCore(-y[i])) }
        } else {
            for i in 0..<count { y[i] = 1 / (1 + expCore(-x[i])) }
        }
    }

    /// `y[i] = tanh(x[i])`; `x` and `y` may alias.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // In place, one pointer: LLVM's overlap check would send x == y to its scalar loop.
        if UnsafeMutablePointer(mutating: x) == y {
            for i in 0..<count { y[i] = tanhCore(y[i]) }
        } else {
            for i in 0..<count { y[i] = tanhCore(x[i]) }
        }
    }
}
