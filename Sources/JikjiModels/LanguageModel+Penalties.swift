import JikjiRecurrent

/// AWD-LSTM's activation regularisation (AR) and temporal activation regularisation (TAR).
extension LanguageModel {
    /// Adds AR's gradient to the pass's d loss / d dropped output and keeps TAR's gradient on the
    /// undropped output, recording both penalties. Means run over valid steps only (`lengths`): AR
    /// over every valid step's H features, TAR over the pairs of consecutive valid steps.
    func addPenalties(_ pass: inout ForwardPass, _ penalties: Regularisation) {
        let B = pass.batch, T = pass.steps, H = configuration.outputSize
        let lengths = pass.lengths ?? [Int](repeating: T, count: B)
        if penalties.activation > 0, var dHidden = pass.hiddenGradient {
            let n = Float(lengths.reduce(0, +) * H)
            var sum: Double = 0
            let scale = 2 * penalties.activation / n
            for b in 0..<B {
                for t in 0..<lengths[b] {
                    let base = (b * T + t) * H
                    for j in 0..<H {
                        let h = pass.dropped.storage[base + j]
                        sum += Double(h * h)
                        dHidden.storage[base + j] += scale * h
                    }
                }
            }
            pass.hiddenGradient = dHidden
            pass.activationPenalty = penalties.activation * Float(sum / Double(n))
        }
        let pairs = lengths.reduce(0) { $0 + Swift.max(0, $1 - 1) }
        if penalties.temporalActivation > 0, pairs > 0 {
            let n = Float(pairs * H), scale = 2 * penalties.temporalActivation / n
            let out = pass.stack.output
            var gradient = Tensor(shape: [B, T, H])
            var sum: Double = 0
            for b in 0..<B where lengths[b] > 1 {
                for t in 1..<lengths[b] {
                    let now = (b * T + t) * H, before = now - H
                    for j in 0..<H {
                        let d = out.storage[now + j] - out.storage[before + j]
                        sum += Double(d * d)
                        gradient.storage[now + j] += scale * d
                        gradient.storage[before + j] -= scale * d
                    }
                }
            }
            pass.temporalGradient = gradient
            pass.temporalPenalty = penalties.temporalActivation * Float(sum / Double(n))
        }
    }
}
