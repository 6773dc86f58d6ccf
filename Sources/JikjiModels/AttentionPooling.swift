import Foundation
import JikjiRecurrent

/// Self-attention pooling (Lin et al.'s structured self-attention with one head, as ULMFiT-style
/// classifiers use it): every valid step `t` of the encoder outputs `h_t` gets the score
/// `s_t = v · tanh(W h_t + b)`, the weights are `softmax_t(s)` over the row's valid steps only,
/// and the pooled vector is `Σ_t α_t h_t`. Padded steps get no weight and no gradient.
///
/// Parameters, as a PyTorch module `attention` with `weight = nn.Parameter([A, D*H])`,
/// `bias = nn.Parameter([A])` and `context = nn.Parameter([A])` names them: `weight`, `bias`,
/// `context` (state_dict `attention.weight`, `attention.bias`, `attention.context` under a
/// classifier). `W` and `b` are initialised as `nn.Linear(D*H, A)`, `v` uniform in `±1/√A`.
public struct AttentionPooling: ParameterContainer {
    /// `W` and `b`: `[A, D*H]`, `[A]`.
    public let scorer: Linear
    /// `v`: `[A]`.
    public let context: Parameter

    /// A freshly initialised scorer from `inputSize` (`D * H`) to `size` (`A`).
    public init(inputSize: Int, size: Int, generator: inout SeededGenerator) {
        scorer = Linear(inputSize: inputSize, outputSize: size, generator: &generator)
        let bound = 1 / Float(size).squareRoot()
        var v = Tensor(shape: [size])
        for i in 0..<size { v.storage[i] = generator.nextFloat(in: -bound, bound) }
        context = Parameter(v)
    }

    /// `weight`, `bias`, `context`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        scorer.namedParameters + [("context", context)]
    }

    /// What ``forward(_:batch:steps:lengths:)`` keeps for ``backward(_:pooledGradient:)``.
    public struct Tape {
        let output: Tensor
        /// `tanh(W h_t + b)`, `[B*T, A]` (padded rows computed but unused).
        let activations: Tensor
        /// `[B, T]` weights, zero on padded steps.
        let weights: [Float]
        let batch: Int
        let steps: Int
        let lengths: [Int]
    }

    /// Pools `output` `[B, T, D*H]` (post-padded, `lengths` valid steps per row) into `[B, D*H]`.
    public func forward(_ output: Tensor, batch: Int, steps: Int, lengths: [Int]) -> (pooled: Tensor, tape: Tape) {
        let width = scorer.inputSize, size = scorer.outputSize
        var activations = scorer.forward(output.reshaped([batch * steps, width]))
        activations.storage.withUnsafeMutableBufferPointer { z in
            VectorMath.tanh(z.baseAddress!, z.baseAddress!, count: z.count)
        }
        var weights = [Float](repeating: 0, count: batch * steps)
        var pooled = Tensor(shape: [batch, width])
        context.value.storage.withUnsafeBufferPointer { v in
            activations.storage.withUnsafeBufferPointer { z in
                output.storage.withUnsafeBufferPointer { o in
                    pooled.storage.withUnsafeMutableBufferPointer { p in
                        for b in 0..<batch {
                            let valid = min(steps, max(1, lengths[b]))
                            var highest = -Float.infinity
                            for t in 0..<valid {
                                let row = z.baseAddress! + (b * steps + t) * size
                                var s: Float = 0
                                for a in 0..<size { s += v[a] * row[a] }
                                weights[b * steps + t] = s
                                highest = max(highest, s)
                            }
                            // Softmax with the row's maximum subtracted, in Double for the sum.
                            var total: Double = 0
                            for t in 0..<valid {
                                let e = Float(exp(Double(weights[b * steps + t] - highest)))
                                weights[b * steps + t] = e
                                total += Double(e)
                            }
                            let pooledRow = p.baseAddress! + b * width
                            for t in 0..<valid {
                                let alpha = Float(Double(weights[b * steps + t]) / total)
                                weights[b * steps + t] = alpha
                                let src = o.baseAddress! + (b * steps + t) * width
                                for j in 0..<width { pooledRow[j] += alpha * src[j] }
                            }
                        }
                    }
                }
            }
        }
        return (pooled, Tape(output: output, activations: activations, weights: weights, batch: batch, steps: steps, lengths: lengths))
    }

    /// Accumulates `W`, `b` and `v`'s gradients from `d loss / d pooled` `[B, D*H]`; returns
    /// `d loss / d output` `[B, T, D*H]` (zero on padded steps).
    public func backward(_ tape: Tape, pooledGradient: Tensor) -> Tensor {
        let width = scorer.inputSize, size = scorer.outputSize
        let batch = tape.batch, steps = tape.steps
        var dOutput = Tensor(shape: [batch, steps, width])
        var dScores = Tensor(shape: [batch * steps, size])
        context.value.storage.withUnsafeBufferPointer { v in
            context.gradient.storage.withUnsafeMutableBufferPointer { dv in
                tape.activations.storage.withUnsafeBufferPointer { z in
                    tape.output.storage.withUnsafeBufferPointer { o in
                        pooledGradient.storage.withUnsafeBufferPointer { dp in
                            dOutput.storage.withUnsafeMutableBufferPointer { dOut in
                                dScores.storage.withUnsafeMutableBufferPointer { du in
                                    var dAlpha = [Float](repeating: 0, count: steps)
                                    for b in 0..<batch {
                                        let valid = min(steps, max(1, tape.lengths[b]))
                                        let dRow = dp.baseAddress! + b * width
                                        var weighted: Float = 0
                                        for t in 0..<valid {
                                            let src = o.baseAddress! + (b * steps + t) * width
                                            let dst = dOut.baseAddress! + (b * steps + t) * width
                                            let alpha = tape.weights[b * steps + t]
                                            var d: Float = 0
                                            for j in 0..<width {
                                                d += dRow[j] * src[j]
                                                dst[j] = alpha * dRow[j]
                                            }
                                            dAlpha[t] = d
                                            weighted += alpha * d
                                        }
                                        for t in 0..<valid {
                                            // d s_t = α_t (d α_t − Σ_k α_k d α_k): the softmax's backward.
                                            let ds = tape.weights[b * steps + t] * (dAlpha[t] - weighted)
                                            let zRow = z.baseAddress! + (b * steps + t) * size
                                            let duRow = du.baseAddress! + (b * steps + t) * size
                                            for a in 0..<size {
                                                dv[a] += ds * zRow[a]
                                                duRow[a] = ds * v[a] * (1 - zRow[a] * zRow[a])
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let flatOutput = tape.output.reshaped([batch * steps, width])
        let dInput = scorer.backward(input: flatOutput, outputGradient: dScores)
        dOutput.storage.withUnsafeMutableBufferPointer { dOut in
            dInput.storage.withUnsafeBufferPointer { dx in
                for i in 0..<dOut.count { dOut[i] += dx[i] }
            }
        }
        return dOutput
    }
}
