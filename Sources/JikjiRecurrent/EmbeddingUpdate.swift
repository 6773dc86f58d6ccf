/// How an optimizer updates embedding tables.
public enum EmbeddingUpdate: String, Sendable, Codable, CaseIterable {
    /// Every row at every step, like PyTorch's dense optimizers.
    case dense
    /// Only the rows a batch used, each catching up on the steps it missed as the dense update
    /// would have moved it: the same training, less memory traffic (needs no weight decay).
    case lazy
    /// Only the rows a batch used, the others' state frozen (`torch.optim.SparseAdam`'s rule).
    case sparse
}
