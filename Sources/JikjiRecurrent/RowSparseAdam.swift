import Foundation

/// Adam for embedding tables that updates only the rows a batch used, like `torch.optim.SparseAdam`.
///
/// A batch of 64 reviews touches a few hundred of a 30 000-row table; dense Adam would still
/// read and write every row's weights and both moment buffers (PyTorch spends most of an NSMC
/// training step there). Here the moments of a row change only when the row receives gradient,
/// and bias correction uses the global step count, as SparseAdam does. With every row touched at
/// every step this equals dense Adam without weight decay.
public struct RowSparseAdam {
    /// The tables updated, with their state_dict names; each is `[rows, width]`.
    public let parameters: [(name: String, parameter: Parameter)]
    public var learningRate: Float
    public var betas: (Float, Float)
    public var epsilon: Float
    public private(set) var stepCount = 0
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]

    /// Sparse Adam over `parameters` (PyTorch's defaults).
    public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
                betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        firstMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        secondMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
    }

    /// Updates `rows[i]` (ascending, distinct) of parameter `i`, then zeroes those rows' gradients.
    public mutating func step(rows: [[Int]]) {
        precondition(rows.count == parameters.count, "one row list per parameter")
        stepCount += 1
        let (b1, b2) = betas
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(b1), t)
        let correction2Root = Float((1 - pow(Double(b2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / correction1)
        let eps = epsilon
        for (index, (_, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            let width = parameter.value.shape.count > 1 ? parameter.value.shape[1] : 1
            parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                parameter.value.storage.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].storage.withUnsafeMutableBufferPointer { m in
                        secondMoments[index].storage.withUnsafeMutableBufferPointer { v in
                            for row in rows[index] {
                                let base = row * width
                                for i in base..<(base + width) {
                                    let grad = g[i]
                                    m[i] += (grad - m[i]) * (1 - b1)
                                    v[i] = v[i] * b2 + (1 - b2) * grad * grad
                                    p[i] -= stepSize * (m[i] / (v[i].squareRoot() / correction2Root + eps))
                                    g[i] = 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The state as named tensors (`<name>.exp_avg`, `<name>.exp_avg_sq`, `step`).
    public func stateTensors() -> [String: Tensor] {
        var state = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for (index, (name, _)) in parameters.enumerated() {
            state[name + ".exp_avg"] = firstMoments[index]
            state[name + ".exp_avg_sq"] = secondMoments[index]
        }
        return state
    }

    /// Restores ``stateTensors()``; throws naming a missing or misshapen tensor.
    public mutating func loadState(_ tensors: [String: Tensor]) throws {
        guard let step = tensors["step"], step.count == 1 else {
            throw CheckpointError("sparse Adam state lacks the one-element tensor 'step'")
        }
        stepCount = Int(step.storage[0])
        for (index, (name, parameter)) in parameters.enumerated() {
            for (key, isFirst) in [(name + ".exp_avg", true), (name + ".exp_avg_sq", false)] {
                guard let t = tensors[key], t.shape == parameter.value.shape else {
                    throw CheckpointError("sparse Adam state lacks '\(key)' with shape \(parameter.value.shape)")
                }
                if isFirst { firstMoments[index] = t } else { secondMoments[index] = t }
            }
        }
    }
}
