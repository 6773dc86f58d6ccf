import Foundation
import JikjiRecurrent

/// The output layer over a vocabulary with its softmax cross-entropy, computed in row chunks.
///
/// A language model's or decoder's logits are `[N, V]` with V around 30 000: for a batch of
/// 64 × 64 tokens that is half a gigabyte if materialised at once. This layer never holds more
/// than `chunkRows × V` logits: for each chunk it computes the logits (one gemm), the softmax
/// and loss, the logit gradient in place, and then the weight, bias and hidden gradients (two
/// more gemms) before moving on. The result equals `Linear` followed by `cross_entropy` (mean
/// over counted targets).
public struct VocabularyOutput {
    /// `[V, H]`: the output weights (or the tied embedding table).
    public let weight: Parameter
    /// `[V]`.
    public let bias: Parameter?
    /// Rows of logits materialised at a time.
    public var chunkRows: Int = 256

    /// An output layer over `weight` `[V, H]` and `bias` `[V]`.
    public init(weight: Parameter, bias: Parameter?) {
        self.weight = weight
        self.bias = bias
    }

    /// V.
    public var vocabularySize: Int { weight.value.shape[0] }
    /// H.
    public var inputSize: Int { weight.value.shape[1] }

    /// Mean cross-entropy of `hidden` `[N, H]` against `targets` (`N` ids; `ignoreIndex` rows
    /// count neither in the loss nor the mean). With `accumulateGradients`, adds the weight and
    /// bias gradients and returns `d loss / d hidden` `[N, H]` (scaled by `gradientScale`, for
    /// callers that average over several calls); otherwise returns no gradient.
    public func crossEntropy(hidden: Tensor, targets: [Int32], ignoreIndex: Int32 = -100,
                             accumulateGradients: Bool, gradientScale: Float = 1)
        throws -> (loss: Float, count: Int, hiddenGradient: Tensor?)
    {
        let V = vocabularySize, H = inputSize
        guard hidden.count == targets.count * H else {
            throw ModelError.input("output layer: hidden \(hidden.shape) for \(targets.count) targets of width \(H)")
        }
        let N = targets.count
        let counted = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
        if let bad = targets.firstIndex(where: { $0 != ignoreIndex && ($0 < 0 || Int($0) >= V) }) {
            throw ModelError.input("target \(targets[bad]) at position \(bad) is outside the vocabulary of \(V)")
        }
        var dHidden: Tensor? = accumulateGradients ? Tensor(shape: [N, H]) : nil
        guard counted > 0 else { return (.nan, 0, dHidden) }
        let rowsPerChunk = max(1, min(chunkRows, N))
        var logits = [Float](repeating: 0, count: rowsPerChunk * V)
        var total = 0.0
        let scale = gradientScale / Float(counted)
        try hidden.storage.withUnsafeBufferPointer { h in
            try weight.value.storage.withUnsafeBufferPointer { w in
                try logits.withUnsafeMutableBufferPointer { z in
                    var start = 0
                    while start < N {
                        let rows = min(rowsPerChunk, N - start)
                        let hChunk = h.baseAddress! + start * H
                        if let bias {
                            bias.value.storage.withUnsafeBufferPointer { b in
                                for r in 0..<rows { (z.baseAddress! + r * V).update(from: b.baseAddress!, count: V) }
                            }
                        }
                        BLAS.gemm(transposeB: true, m: rows, n: V, k: H, a: hChunk, lda: H, b: w.baseAddress!, ldb: H,
                                  beta: bias == nil ? 0 : 1, c: z.baseAddress!, ldc: V)
                        // Softmax per row, on all threads; loss; logits become d loss / d logits (scaled).
                        total += targets.withUnsafeBufferPointer { t in
                            RowSoftmaxCrossEntropy.sum(logits: z.baseAddress!, rows: rows, columns: V, targets: t.baseAddress! + start,
                                                       ignoreIndex: ignoreIndex, gradientScale: accumulateGradients ? scale : nil)
                        }
                        if accumulateGradients {
                            // dW += dZᵀ h, db += Σ rows dZ, dh = dZ W.
                            weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                                BLAS.gemm(transposeA: true, m: V, n: H, k: rows, a: z.baseAddress!, lda: V, b: hChunk, ldb: H,
                                          beta: 1, c: dw.baseAddress!, ldc: H)
                            }
                            if let bias {
                                bias.gradient.storage.withUnsafeMutableBufferPointer { db in
                                    RowSoftmaxCrossEntropy.addColumnSums(z.baseAddress!, rows: rows, columns: V, into: db.baseAddress!)
                                }
                            }
                            dHidden!.storage.withUnsafeMutableBufferPointer { dh in
                                BLAS.gemm(m: rows, n: H, k: V, a: z.baseAddress!, lda: V, b: w.baseAddress!, ldb: H,
                                          c: dh.baseAddress! + start * H, ldc: H)
                            }
                        }
                        start += rows
                    }
                }
            }
        }
        return (Float(total / Double(counted)), counted, dHidden)
    }

    /// Logits `[N, V]` of `hidden` `[N, H]` (for generation and beam search; small N). Up to
    /// four rows are computed one matrix-vector product each, larger N as one matrix product.
    public func logits(hidden: Tensor) -> Tensor {
        let V = vocabularySize, H = inputSize, N = hidden.count / H
        var out = Tensor(shape: [N, V])
        hidden.storage.withUnsafeBufferPointer { h in
            weight.value.storage.withUnsafeBufferPointer { w in
                out.storage.withUnsafeMutableBufferPointer { z in
                    if let bias {
                        bias.value.storage.withUnsafeBufferPointer { b in
                            for r in 0..<N { (z.baseAddress! + r * V).update(from: b.baseAddress!, count: V) }
                        }
                    }
                    guard N > VocabularyOutput.vectorProductRows else {
                        // A few rows (a decoding step): one pass over W per row. A matrix product
                        // would first repack all of W (V × H) for the sake of these rows.
                        for r in 0..<N {
                            BLAS.gemv(m: V, n: H, a: w.baseAddress!, lda: H, x: h.baseAddress! + r * H,
                                      beta: bias == nil ? 0 : 1, y: z.baseAddress! + r * V)
                        }
                        return
                    }
                    BLAS.gemm(transposeB: true, m: N, n: V, k: H, a: h.baseAddress!, lda: H, b: w.baseAddress!, ldb: H,
                              beta: bias == nil ? 0 : 1, c: z.baseAddress!, ldc: V)
                }
            }
        }
        return out
    }

    /// Up to this many rows, ``logits(hidden:)`` computes one matrix-vector product per row.
    static let vectorProductRows = 4
}
