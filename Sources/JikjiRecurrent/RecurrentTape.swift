/// The activations a forward pass keeps for backward (opaque; packed, sorted by length).
public struct RecurrentTape: Sendable {
    let layout: PackedLayout
    let layers: [LayerTape]
    /// False when the forward pass ran with `recordTape: false` (inference).
    let recorded: Bool
}
