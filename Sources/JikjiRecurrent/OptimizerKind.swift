/// The optimizers a training run can use, as configurations spell them.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    /// ``SGD`` with momentum.
    case sgd
    /// ``Adam`` (`torch.optim.Adam`: L2 weight decay added to the gradient).
    case adam
    /// Adam with decoupled weight decay (`torch.optim.AdamW`).
    case adamw
}
