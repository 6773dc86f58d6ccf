/// What the tape keeps of one layer: its packed input, dropout mask and each direction's activations.
struct LayerTape: Sendable {
    /// The layer's packed input `[N, in]` (after dropout).
    let input: FloatBuffer
    let inputSize: Int
    /// Scaled keep mask `[N, in]` applied to this layer's input, when dropout ran.
    let dropoutMask: FloatBuffer?
    let directions: [DirectionTape]
}
