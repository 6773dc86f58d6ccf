import Foundation

/// An adaptive softmax output layer (Grave et al. 2017) with the semantics of PyTorch's
/// `nn.AdaptiveLogSoftmaxWithLoss`.
///
/// Classes are ordered by frequency: classes below `cutoffs[0]` (the shortlist) are scored by the
/// head together with one entry per tail cluster; cluster i holds classes `cutoffs[i]..<cutoffs[i+1]`
/// (the last ends at the class count) and scores them through a projection to
/// `inputSize / divValue^(i+1)` dimensions. `log p(c) = log p_head(c)` for a shortlist class and
/// `log p_head(cluster) + log p_cluster(c)` otherwise: a normalised distribution over every class,
/// so the loss is an exact negative log-likelihood and ``logProbabilities(_:)`` sums to one per row.
///
/// Parameter names are PyTorch's: `head.weight` `[shortlist + clusters, in]`, `head.bias` (with
/// `headBias` only), `tail.i.0.weight` `[in / divValue^(i+1), in]`, `tail.i.1.weight` `[cluster size, that]`.
/// Only the rows whose target falls in a cluster go through its projection (the saving over a full softmax).
public struct AdaptiveLogSoftmax: ParameterContainer {
    /// One tail cluster: classes `start..<end` through a projection of `projection.shape[0]` dimensions.
    public struct Cluster {
        /// `[hidden, in]`: `tail.i.0.weight`.
        public let projection: Parameter
        /// `[end - start, hidden]`: `tail.i.1.weight`.
        public let output: Parameter
        /// The first class of the cluster.
        public let start: Int
        /// One past its last class.
        public let end: Int
    }

    /// `[shortlist + clusters, in]`.
    public let head: Parameter
    /// `[shortlist + clusters]`, or nil (PyTorch's default `head_bias=False`).
    public let headBias: Parameter?
    /// The tail clusters, in class order.
    public let clusters: [Cluster]
    /// Input width.
    public let inputSize: Int
    /// The number of classes.
    public let classCount: Int

    /// Classes scored by the head alone (`cutoffs[0]`).
    public var shortlistSize: Int { clusters.first?.start ?? classCount }
    /// Rows of the head: the shortlist and one per cluster.
    public var headSize: Int { shortlistSize + clusters.count }

    /// A layer initialised as PyTorch's (`nn.Linear`'s uniform in `±1/√fan_in` for every weight and the head bias).
    /// - Throws: ``LayerInputError`` unless `cutoffs` are increasing, unique and in `1..<classCount`,
    ///   and every cluster's projection keeps at least one dimension.
    public init(inputSize: Int, classCount: Int, cutoffs: [Int], divValue: Float = 4, headBias: Bool = false,
                generator: inout SeededGenerator) throws {
        guard inputSize > 0, classCount > 1 else {
            throw LayerInputError("adaptive softmax needs an input size and at least two classes (got \(inputSize), \(classCount))")
        }
        guard !cutoffs.isEmpty, zip(cutoffs, cutoffs.dropFirst()).allSatisfy({ $0 < $1 }),
              cutoffs.first! > 0, cutoffs.last! < classCount else {
            throw LayerInputError("adaptive softmax cutoffs \(cutoffs) must be unique, increasing and between 1 and \(classCount - 1) (the class count less one)")
        }
        guard divValue.isFinite, divValue > 0 else {
            throw LayerInputError("adaptive softmax div_value \(divValue) must be a positive number")
        }
        self.inputSize = inputSize
        self.classCount = classCount
        let bounds = cutoffs + [classCount]
        let headLinear = Linear(inputSize: inputSize, outputSize: cutoffs[0] + cutoffs.count, bias: headBias, generator: &generator)
        head = headLinear.weight
        self.headBias = headLinear.bias
        var clusters: [Cluster] = []
        for i in 0..<cutoffs.count {
            // PyTorch: int(in_features // (div_value ** (i + 1))), a floor of a float division.
            let width = Int((Double(inputSize) / pow(Double(divValue), Double(i + 1))).rounded(.down))
            guard width >= 1 else {
                throw LayerInputError("adaptive softmax cluster \(i + 1) would project \(inputSize) inputs to \(width) dimensions (div_value \(divValue)); use fewer cutoffs or a smaller div_value")
            }
            let projection = Linear(inputSize: inputSize, outputSize: width, bias: false, generator: &generator)
            let output = Linear(inputSize: width, outputSize: bounds[i + 1] - bounds[i], bias: false, generator: &generator)
            clusters.append(Cluster(projection: projection.weight, output: output.weight, start: bounds[i], end: bounds[i + 1]))
        }
        self.clusters = clusters
    }

    /// `head.weight`, `head.bias`, then `tail.i.0.weight`, `tail.i.1.weight` per cluster (PyTorch's order).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list = [(name: "head.weight", parameter: head)]
        if let headBias { list.append(("head.bias", headBias)) }
        for (i, cluster) in clusters.enumerated() {
            list.append(("tail.\(i).0.weight", cluster.projection))
            list.append(("tail.\(i).1.weight", cluster.output))
        }
        return list
    }

    /// The head's row for `target`: the class itself in the shortlist, else its cluster's entry.
    @inline(__always)
    func headTarget(_ target: Int32) -> Int32 {
        let t = Int(target)
        if t < shortlistSize { return target }
        var i = 0
        while t >= clusters[i].end { i += 1 }
        return Int32(shortlistSize + i)
    }

    /// Mean negative log-likelihood of `targets` (`N` classes in `0..<classCount`) under `input`
    /// `[N, in]`, as `AdaptiveLogSoftmaxWithLoss(input, target).loss`. With `accumulateGradients`,
    /// adds every parameter's gradient (scaled by `gradientScale`) and returns `d loss / d input`.
    public func loss(input: Tensor, targets: [Int32], accumulateGradients: Bool, gradientScale: Float = 1)
        throws -> (loss: Float, inputGradient: Tensor?)
    {
        let N = targets.count, D = inputSize
        guard input.count == N * D else {
            throw LayerInputError("adaptive softmax: input \(input.shape) for \(N) targets of width \(D)")
        }
        if let bad = targets.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            throw LayerInputError("adaptive softmax: target \(targets[bad]) at position \(bad) is outside 0..<\(classCount)")
        }
        var dInput: Tensor? = accumulateGradients ? Tensor(shape: [N, D]) : nil
        guard N > 0 else { return (.nan, dInput) }
        let scale = gradientScale / Float(N)
        let headTargets = targets.map(headTarget)
        let S = headSize
        var total = 0.0
        // Head: logits, softmax cross-entropy against shortlist classes or cluster entries.
        var z = Tensor(shape: [N, S])
        input.storage.withUnsafeBufferPointer { x in
            z.storage.withUnsafeMutableBufferPointer { zp in
                head.value.storage.withUnsafeBufferPointer { w in
                    if let headBias {
                        headBias.value.storage.withUnsafeBufferPointer { b in
                            for r in 0..<N { (zp.baseAddress! + r * S).update(from: b.baseAddress!, count: S) }
                        }
                    }
                    BLAS.gemm(transposeB: true, m: N, n: S, k: D, a: x.baseAddress!, lda: D, b: w.baseAddress!, ldb: D,
                              beta: headBias == nil ? 0 : 1, c: zp.baseAddress!, ldc: S)
                }
                total += headTargets.withUnsafeBufferPointer { t in
                    RowSoftmaxCrossEntropy.sum(logits: zp.baseAddress!, rows: N, columns: S, targets: t.baseAddress!,
                                               ignoreIndex: -1, gradientScale: accumulateGradients ? scale : nil)
                }
                guard accumulateGradients else { return }
                // d head = dZᵀ x, d bias = Σ rows dZ, d input = dZ W.
                head.gradient.storage.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeA: true, m: S, n: D, k: N, a: zp.baseAddress!, lda: S, b: x.baseAddress!, ldb: D,
                              beta: 1, c: dw.baseAddress!, ldc: D)
                }
                if let headBias {
                    headBias.gradient.storage.withUnsafeMutableBufferPointer { db in
                        RowSoftmaxCrossEntropy.addColumnSums(zp.baseAddress!, rows: N, columns: S, into: db.baseAddress!)
                    }
                }
                head.value.storage.withUnsafeBufferPointer { w in
                    dInput!.storage.withUnsafeMutableBufferPointer { dx in
                        BLAS.gemm(m: N, n: D, k: S, a: zp.baseAddress!, lda: S, b: w.baseAddress!, ldb: D, c: dx.baseAddress!, ldc: D)
                    }
                }
            }
        }
        // Tails: only the rows whose target is in the cluster.
        for cluster in clusters {
            let rows = targets.indices.filter { Int(targets[$0]) >= cluster.start && Int(targets[$0]) < cluster.end }
            guard !rows.isEmpty else { continue }
            total += try clusterLoss(cluster, rows: rows, input: input, targets: targets,
                                     scale: accumulateGradients ? scale : nil, inputGradient: &dInput)
        }
        return (Float(total / Double(N)), dInput)
    }

    /// The summed `-log p_cluster(target)` of `rows` (all with targets in `cluster`); with a
    /// `scale`, accumulates the cluster's gradients and adds the rows' input gradients.
    func clusterLoss(_ cluster: Cluster, rows: [Int], input: Tensor, targets: [Int32], scale: Float?,
                     inputGradient: inout Tensor?) throws -> Double {
        let n = rows.count, D = inputSize
        let P = cluster.projection.value.shape[0], O = cluster.end - cluster.start
        var x = [Float](repeating: 0, count: n * D)
        input.storage.withUnsafeBufferPointer { source in
            for (k, r) in rows.enumerated() {
                x.withUnsafeMutableBufferPointer { (($0.baseAddress! + k * D)).update(from: source.baseAddress! + r * D, count: D) }
            }
        }
        let relative = rows.map { targets[$0] - Int32(cluster.start) }
        var projected = [Float](repeating: 0, count: n * P)
        var z = [Float](repeating: 0, count: n * O)
        var sum = 0.0
        x.withUnsafeBufferPointer { xp in
            projected.withUnsafeMutableBufferPointer { pp in
                z.withUnsafeMutableBufferPointer { zp in
                    cluster.projection.value.storage.withUnsafeBufferPointer { w0 in
                        BLAS.gemm(transposeB: true, m: n, n: P, k: D, a: xp.baseAddress!, lda: D, b: w0.baseAddress!, ldb: D,
                                  c: pp.baseAddress!, ldc: P)
                    }
                    cluster.output.value.storage.withUnsafeBufferPointer { w1 in
                        BLAS.gemm(transposeB: true, m: n, n: O, k: P, a: pp.baseAddress!, lda: P, b: w1.baseAddress!, ldb: P,
                                  c: zp.baseAddress!, ldc: O)
                    }
                    sum = relative.withUnsafeBufferPointer { t in
                        RowSoftmaxCrossEntropy.sum(logits: zp.baseAddress!, rows: n, columns: O, targets: t.baseAddress!,
                                                   ignoreIndex: -1, gradientScale: scale)
                    }
                }
            }
        }
        guard scale != nil, inputGradient != nil else { return sum }
        // dW1 += dZᵀ p; dp = dZ W1; dW0 += dpᵀ x; dx = dp W0 (added to the rows' input gradients).
        var dProjected = [Float](repeating: 0, count: n * P)
        var dx = [Float](repeating: 0, count: n * D)
        z.withUnsafeBufferPointer { zp in
            projected.withUnsafeBufferPointer { pp in
                cluster.output.gradient.storage.withUnsafeMutableBufferPointer { dw1 in
                    BLAS.gemm(transposeA: true, m: O, n: P, k: n, a: zp.baseAddress!, lda: O, b: pp.baseAddress!, ldb: P,
                              beta: 1, c: dw1.baseAddress!, ldc: P)
                }
            }
            cluster.output.value.storage.withUnsafeBufferPointer { w1 in
                dProjected.withUnsafeMutableBufferPointer { dp in
                    BLAS.gemm(m: n, n: P, k: O, a: zp.baseAddress!, lda: O, b: w1.baseAddress!, ldb: P, c: dp.baseAddress!, ldc: P)
                }
            }
        }
        dProjected.withUnsafeBufferPointer { dp in
            x.withUnsafeBufferPointer { xp in
                cluster.projection.gradient.storage.withUnsafeMutableBufferPointer { dw0 in
                    BLAS.gemm(transposeA: true, m: P, n: D, k: n, a: dp.baseAddress!, lda: P, b: xp.baseAddress!, ldb: D,
                              beta: 1, c: dw0.baseAddress!, ldc: D)
                }
            }
            cluster.projection.value.storage.withUnsafeBufferPointer { w0 in
                dx.withUnsafeMutableBufferPointer { d in
                    BLAS.gemm(m: n, n: D, k: P, a: dp.baseAddress!, lda: P, b: w0.baseAddress!, ldb: D, c: d.baseAddress!, ldc: D)
                }
            }
        }
        inputGradient!.storage.withUnsafeMutableBufferPointer { g in
            dx.withUnsafeBufferPointer { d in
                for (k, r) in rows.enumerated() {
                    let to = g.baseAddress! + r * D, from = d.baseAddress! + k * D
                    for j in 0..<D { to[j] += from[j] }
                }
            }
        }
        return sum
    }

    /// `log p(c | input)` for every class, `[N, classCount]` (PyTorch's `log_prob`): for evaluation
    /// over the whole vocabulary and for generation.
    public func logProbabilities(_ input: Tensor) throws -> Tensor {
        let D = inputSize
        guard input.count % D == 0 else {
            throw LayerInputError("adaptive softmax: input \(input.shape) is not rows of width \(D)")
        }
        let N = input.count / D, S = headSize, C = classCount, shortlist = shortlistSize
        var headValues = Tensor(shape: [N, S])
        var out = Tensor(shape: [N, C])
        input.storage.withUnsafeBufferPointer { x in
            headValues.storage.withUnsafeMutableBufferPointer { h in
                if let headBias {
                    headBias.value.storage.withUnsafeBufferPointer { b in
                        for r in 0..<N { (h.baseAddress! + r * S).update(from: b.baseAddress!, count: S) }
                    }
                }
                head.value.storage.withUnsafeBufferPointer { w in
                    BLAS.gemm(transposeB: true, m: N, n: S, k: D, a: x.baseAddress!, lda: D, b: w.baseAddress!, ldb: D,
                              beta: headBias == nil ? 0 : 1, c: h.baseAddress!, ldc: S)
                }
                for r in 0..<N { Self.logSoftmax(h.baseAddress! + r * S, count: S) }
                out.storage.withUnsafeMutableBufferPointer { o in
                    for r in 0..<N { (o.baseAddress! + r * C).update(from: h.baseAddress! + r * S, count: shortlist) }
                    for (i, cluster) in clusters.enumerated() {
                        let P = cluster.projection.value.shape[0], O = cluster.end - cluster.start
                        var projected = [Float](repeating: 0, count: N * P)
                        projected.withUnsafeMutableBufferPointer { pp in
                            cluster.projection.value.storage.withUnsafeBufferPointer { w0 in
                                BLAS.gemm(transposeB: true, m: N, n: P, k: D, a: x.baseAddress!, lda: D, b: w0.baseAddress!, ldb: D,
                                          c: pp.baseAddress!, ldc: P)
                            }
                            cluster.output.value.storage.withUnsafeBufferPointer { w1 in
                                // Straight into the cluster's columns of the output rows (row stride C).
                                BLAS.gemm(transposeB: true, m: N, n: O, k: P, a: pp.baseAddress!, lda: P, b: w1.baseAddress!, ldb: P,
                                          c: o.baseAddress! + cluster.start, ldc: C)
                            }
                        }
                        for r in 0..<N {
                            let row = o.baseAddress! + r * C + cluster.start
                            Self.logSoftmax(row, count: O)
                            let clusterLogProbability = h[r * S + shortlist + i]
                            for j in 0..<O { row[j] += clusterLogProbability }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `values ← values − log Σ exp(values)` over `count` contiguous values.
    static func logSoftmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for j in 0..<count { maximum = Swift.max(maximum, values[j]) }
        var sum = 0.0
        for j in 0..<count { sum += Double(expf(values[j] - maximum)) }
        let shift = maximum + Float(Foundation.log(sum))
        for j in 0..<count { values[j] -= shift }
    }
}
