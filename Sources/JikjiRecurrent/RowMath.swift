/// Row reductions with eight independent accumulators, so they run at throughput rather than
/// at the latency of one dependent add (float adds cannot be reordered by the compiler).
enum RowMath {
    /// The largest of `count ≥ 1` values.
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var m = SIMD8<Float>(repeating: p[0])
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            m = SIMD8(Swift.max(m[0], v[0]), Swift.max(m[1], v[1]), Swift.max(m[2], v[2]), Swift.max(m[3], v[3]),
                      Swift.max(m[4], v[4]), Swift.max(m[5], v[5]), Swift.max(m[6], v[6]), Swift.max(m[7], v[7]))
            i += 8
        }
        var result = m.max()
        while i < count { result = Swift.max(result, p[i]); i += 1 }
        return result
    }

    /// The sum of squares of `count` values: float lanes over blocks of 4096, blocks in Double.
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
        var result = 0.0
        var start = 0
        while start < count {
            let end = Swift.min(count, start + 4096)
            var acc = SIMD8<Float>()
            var i = start
            while i + 8 <= end {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                acc += v * v
                i += 8
            }
            for lane in 0..<8 { result += Double(acc[lane]) }
            while i < end { result += Double(p[i]) * Double(p[i]); i += 1 }
            start = end
        }
        return result
    }

    /// ``sumOfSquares(_:_:)`` of `count` values laid out as rows of `width`, of which only `rows`
    /// (ascending, distinct) may be nonzero: only those rows are read, and the result is the
    /// full sum's to the bit, because each 4096-value block still gathers its rows' squares in
    /// the same float lanes in the same order before they join the Double total (blocks and
    /// rows without a value add exact zeros). Falls back to the full pass when rows do not tile
    /// the blocks that way (`width` not a multiple of 8 dividing 4096) or are not ascending.
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ count: Int, rows: [Int], width: Int) -> Double {
        guard width > 0, width % 8 == 0, 4096 % width == 0, count % width == 0,
              zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) else { return sumOfSquares(p, count) }
        var result = 0.0
        var index = 0
        while index < rows.count {
            let block = rows[index] * width / 4096
            var acc = SIMD8<Float>()
            while index < rows.count && rows[index] * width / 4096 == block {
                let row = rows[index]
                precondition(row >= 0 && (row + 1) * width <= count, "row \(row) outside the \(count / width) rows")
                var i = row * width
                let end = i + width
                while i < end {
                    let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                    acc += v * v
                    i += 8
                }
                index += 1
            }
            for lane in 0..<8 { result += Double(acc[lane]) }
        }
        return result
    }

    /// The sum of `count` values: float lanes, combined in Double.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var result = 0.0
        for lane in 0..<8 { result += Double(acc[lane]) }
        while i < count { result += Double(p[i]); i += 1 }
        return result
    }
}
