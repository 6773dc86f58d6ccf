/// Element-wise activations (tanh, sigmoid, ReLU), forward and backward, over flat buffers.
///
/// The forward functions work eight lanes at a time with a polynomial `exp` (relative error
/// below 2e-7 over the float range), so they need no per-element libm call. The backward
/// functions take the forward *output* `y`, which is all each derivative needs
/// (`tanh' = 1 - y²`, `sigmoid' = y (1 - y)`, `relu' = y > 0`), so callers keep one buffer.
public enum Activation: String, Sendable, CaseIterable {
    case tanh
    case sigmoid
    case relu

    /// `y = f(x)` for `count` elements; `x` and `y` may be the same buffer.
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: VectorMath.tanh(x, y, count: count)
        case .sigmoid: VectorMath.sigmoid(x, y, count: count)
        case .relu:
            for i in 0..<count { y[i] = max(x[i], 0) }
        }
    }

    /// `dx = dy * f'(x)` computed from the forward output `y`; `dx` may alias `dy`.
    public func backward(
        output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, count: Int
    ) {
        switch self {
        case .tanh:
            for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid:
            for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .relu:
            for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
        }
    }

    /// `f(x)` for a tensor of any shape; same shape out.
    public func forward(_ x: Tensor) -> Tensor {
        var y = x
        y.storage.withUnsafeMutableBufferPointer { p in
            forward(UnsafePointer(p.baseAddress!), p.baseAddress!, count: p.count)
        }
        return y
    }

    /// The input gradient from the forward output `y` and the output gradient `dy` (same shape).
    public func backward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        precondition(y.shape == dy.shape, "activation backward: shapes \(y.shape) and \(dy.shape) differ")
        var dx = dy
        y.storage.withUnsafeBufferPointer { py in
            dx.storage.withUnsafeMutableBufferPointer { pdx in
                backward(output: py.baseAddress!, outputGradient: UnsafePointer(pdx.baseAddress!),
                         inputGradient: pdx.baseAddress!, count: pdx.count)
            }
        }
        return dx
    }
}

/// Vectorized `exp`, `sigmoid` and `tanh` over flat Float buffers.
///
/// `exp` uses Cody–Waite reduction `x = n ln2 + r`, `|r| ≤ ln2/2`, a degree-7 Taylor
/// polynomial for `e^r` and builds `2^n` from exponent bits. Inputs are clamped to
/// [-87, 88] so `2^n` stays a normal float; sigmoid and tanh saturate correctly there.
public enum VectorMath {
    @usableFromInline typealias V = SIMD8<Float>

    @inlinable @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: V(repeating: -87), upperBound: V(repeating: 88))
        let n = (clamped * V(repeating: 1.442_695_04)).rounded(.toNearestOrEven)
        // ln 2 split in a high part exact in float and a low correction.
        var r = clamped - n * V(repeating: 0.693_145_75)
        r = r - n * V(repeating: 1.428_606_8e-6)
        var p = V(repeating: 1.0 / 5040)
        p = p * r + V(repeating: 1.0 / 720)
        p = p * r + V(repeating: 1.0 / 120)
        p = p * r + V(repeating: 1.0 / 24)
        p = p * r + V(repeating: 1.0 / 6)
        p = p * r + V(repeating: 0.5)
        p = p * r + V(repeating: 1)
        p = p * r + V(repeating: 1)
        let exponent = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// `y[i] = exp(x[i])`; `x` and `y` may alias.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count: count) { exp8($0) }
    }

    /// `y[i] = 1 / (1 + exp(-x[i]))`; `x` and `y` may alias.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count: count) { v in
            V(repeating: 1) / (V(repeating: 1) + exp8(-v))
        }
    }

    /// `y[i] = tanh(x[i])`; `x` and `y` may alias.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count: count) { v in
            // tanh(|x|) = 1 - 2 / (e^{2|x|} + 1), then restore the sign; no overflow for large |x|.
            let a = v.replacing(with: -v, where: v .< 0)
            var t = V(repeating: 1) - V(repeating: 2) / (exp8(a + a) + V(repeating: 1))
            // Near zero that difference loses relative precision: use the odd Taylor series
            // (truncation error below 1e-7 relative for |x| < 0.3).
            let a2 = a * a
            var s = V(repeating: 62.0 / 2835)
            s = s * a2 - V(repeating: 17.0 / 315)
            s = s * a2 + V(repeating: 2.0 / 15)
            s = s * a2 - V(repeating: 1.0 / 3)
            s = s * a2 + V(repeating: 1)
            t.replace(with: s * a, where: a .< V(repeating: 0.3))
            return t.replacing(with: -t, where: v .< 0)
        }
    }

    @inlinable @inline(__always)
    static func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
        _ body: (SIMD8<Float>) -> SIMD8<Float>
    ) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: body(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var v = V(repeating: 0)
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = body(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }
}
