import JikjiRecurrent

/// The final, mean and max poolings and their backward passes, each writing its `D * H` columns
/// at `column` of the pooled rows, so `concat` is the three side by side.
extension SequenceClassifier {
    /// The last layer's final hidden states, forward then backward, into columns `column..<column + D*H`.
    /// `finalHidden` is `[L*D, B, H]`.
    func poolFinal(_ finalHidden: Tensor, batch: Int, into pooled: inout Tensor, column: Int) {
        let D = configuration.bidirectional ? 2 : 1, H = configuration.hiddenSize
        let top = (configuration.layers - 1) * D, width = configuration.pooledSize
        finalHidden.storage.withUnsafeBufferPointer { h in
            pooled.storage.withUnsafeMutableBufferPointer { p in
                for b in 0..<batch {
                    for d in 0..<D {
                        (p.baseAddress! + b * width + column + d * H).update(from: h.baseAddress! + ((top + d) * batch + b) * H, count: H)
                    }
                }
            }
        }
    }

    /// The mean of `output` `[B, T, D*H]` over each row's valid steps.
    func poolMean(_ output: Tensor, batch: Int, steps: Int, lengths: [Int], into pooled: inout Tensor, column: Int) {
        let part = configuration.encoderWidth, width = configuration.pooledSize
        output.storage.withUnsafeBufferPointer { o in
            pooled.storage.withUnsafeMutableBufferPointer { p in
                for b in 0..<batch {
                    let row = p.baseAddress! + b * width + column
                    for t in 0..<lengths[b] {
                        let src = o.baseAddress! + (b * steps + t) * part
                        for j in 0..<part { row[j] += src[j] }
                    }
                    let scale = 1 / Float(max(1, lengths[b]))
                    for j in 0..<part { row[j] *= scale }
                }
            }
        }
    }

    /// The elementwise maximum of `output` `[B, T, D*H]` over each row's valid steps; returns the
    /// winning step of every `(b, feature)` (the first one on ties), `[B, D*H]`.
    func poolMax(_ output: Tensor, batch: Int, steps: Int, lengths: [Int], into pooled: inout Tensor, column: Int) -> [Int32] {
        let part = configuration.encoderWidth, width = configuration.pooledSize
        var winners = [Int32](repeating: 0, count: batch * part)
        output.storage.withUnsafeBufferPointer { o in
            pooled.storage.withUnsafeMutableBufferPointer { p in
                for b in 0..<batch {
                    let row = p.baseAddress! + b * width + column
                    row.update(from: o.baseAddress! + b * steps * part, count: part)
                    for t in 1..<max(1, lengths[b]) {
                        let src = o.baseAddress! + (b * steps + t) * part
                        for j in 0..<part where src[j] > row[j] {
                            row[j] = src[j]
                            winners[b * part + j] = Int32(t)
                        }
                    }
                }
            }
        }
        return winners
    }

    /// Copies the pooled gradient's final-state columns into the top layer's rows of `gradient` `[L*D, B, H]`.
    func unpoolFinal(_ dPooled: Tensor, batch: Int, column: Int, into gradient: inout Tensor) {
        let D = configuration.bidirectional ? 2 : 1, H = configuration.hiddenSize
        let top = (configuration.layers - 1) * D, width = configuration.pooledSize
        dPooled.storage.withUnsafeBufferPointer { dp in
            gradient.storage.withUnsafeMutableBufferPointer { gh in
                for b in 0..<batch {
                    for d in 0..<D {
                        (gh.baseAddress! + ((top + d) * batch + b) * H).update(from: dp.baseAddress! + b * width + column + d * H, count: H)
                    }
                }
            }
        }
    }

    /// Adds the mean's gradient, spread evenly over each row's valid steps, into `gradient` `[B, T, D*H]`.
    func unpoolMean(_ dPooled: Tensor, batch: Int, steps: Int, lengths: [Int], column: Int, into gradient: inout Tensor) {
        let part = configuration.encoderWidth, width = configuration.pooledSize
        dPooled.storage.withUnsafeBufferPointer { dp in
            gradient.storage.withUnsafeMutableBufferPointer { go in
                for b in 0..<batch {
                    let scale = 1 / Float(max(1, lengths[b]))
                    let src = dp.baseAddress! + b * width + column
                    for t in 0..<lengths[b] {
                        let dst = go.baseAddress! + (b * steps + t) * part
                        for j in 0..<part { dst[j] += src[j] * scale }
                    }
                }
            }
        }
    }

    /// Adds the maximum's gradient at each feature's winning step into `gradient` `[B, T, D*H]`.
    func unpoolMax(_ dPooled: Tensor, batch: Int, steps: Int, winners: [Int32], column: Int, into gradient: inout Tensor) {
        let part = configuration.encoderWidth, width = configuration.pooledSize
        dPooled.storage.withUnsafeBufferPointer { dp in
            gradient.storage.withUnsafeMutableBufferPointer { go in
                for b in 0..<batch {
                    for j in 0..<part {
                        let t = Int(winners[b * part + j])
                        go[(b * steps + t) * part + j] += dp[b * width + column + j]
                    }
                }
            }
        }
    }
}
