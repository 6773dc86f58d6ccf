/// The element loops of Adam's update and lazy catch-up, over plain pointers so they vectorize.
extension Adam {
    /// The element loop of ``catchUp(_:rows:clocks:to:)``, vectorizable like ``update(_:_:_:_:count:_:)``.
    @inline(never)
    static func catchUp(
        _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        count: Int, move: Float, epsilon: Float, decay1: Float, decay2: Float
    ) {
        for i in 0..<count {
            p[i] -= move * (m[i] / (VectorMath.sqrtCore(v[i]) + epsilon))
            m[i] *= decay1
            v[i] *= decay2
        }
    }

    /// Elements from which one tensor's update is split across threads (smaller ones are not
    /// worth waking a thread for).
    static let parallelThreshold = 1 << 16

    /// The scalars of one Adam step, passed by value so the element loop keeps them in registers.
    struct AdamConstants {
        var shrink, l2, beta1, beta2, correction2Root, epsilon, stepSize: Float
        /// Clipping's coefficient, applied to each gradient element as it is read.
        var gradientScale: Float = 1
        /// Zero each gradient element once read.
        var zeroGradient = false
    }

    /// One Adam update of `count` elements, over plain pointers and by-value scalars, with a
    /// vectorizable square root (see ``VectorMath``), so LLVM emits packed AVX/SSE code.
    @inline(never)
    static func update(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, count: Int, _ k: AdamConstants
    ) {
        // Two copies of the loop, so each stays branch-free and vectorizes.
        if k.zeroGradient {
            for i in 0..<count {
                element(p, g, m, v, i, k)
                g[i] = 0
            }
        } else {
            for i in 0..<count { element(p, g, m, v, i, k) }
        }
    }

    /// Element `i` of ``update(_:_:_:_:count:_:)``.
    @inline(__always)
    static func element(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, _ i: Int, _ k: AdamConstants
    ) {
        let decayed = p[i] * k.shrink
        // Exactly the clipped value a separate pass would have stored (x · 1 is x).
        let grad = g[i] * k.gradientScale + k.l2 * decayed
        let first = m[i] + (grad - m[i]) * (1 - k.beta1)
        let second = v[i] * k.beta2 + (1 - k.beta2) * grad * grad
        m[i] = first
        v[i] = second
        p[i] = decayed - k.stepSize * (first / (VectorMath.sqrtCore(second) / k.correction2Root + k.epsilon))
    }
}
