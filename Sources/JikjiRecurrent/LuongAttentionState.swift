/// The workspace of a ``LuongAttention``: what forward keeps for backward, and scratch space.
///
/// Buffers are sized for all decoder steps when a batch starts, grow to the largest batch seen
/// and are reused, so repeated training steps and step-by-step decoding do not allocate.
/// One state serves one batch at a time (not thread-safe).
public final class LuongAttentionState {
    var batch = 0
    var sourceSteps = 0
    var targetSteps = 0
    var singleStep = false
    var lengths: [Int] = []
    var forwarded: [Bool] = []
    var decoderWidth = 0
    var encoderWidth = 0
    let encoder = ScratchBuffer(), decoder = ScratchBuffer()
    let query = ScratchBuffer(), sourceProjection = ScratchBuffer(), concatHidden = ScratchBuffer()
    let weights = ScratchBuffer(), combined = ScratchBuffer(), output = ScratchBuffer()
    let gradOutput = ScratchBuffer(), gradCombined = ScratchBuffer(), gradScores = ScratchBuffer()
    let gradQuery = ScratchBuffer(), gradSourceProjection = ScratchBuffer()
    let gradDecoder = ScratchBuffer(), gradEncoder = ScratchBuffer()

    /// An empty workspace.
    public init() {}

    /// The attention weights, `[B, T, S]` (`[B, S]` after a single-step batched forward);
    /// zero at masked source steps.
    public var attentionWeights: Tensor {
        weights.tensor(singleStep ? [batch, sourceSteps] : [batch, targetSteps, sourceSteps])
    }

    /// The context vectors, `[B, T, Hs]` (`[B, Hs]` after a single-step batched forward).
    public var contexts: Tensor {
        let width = encoderWidth, full = decoderWidth + encoderWidth
        var values = [Float](repeating: 0, count: batch * targetSteps * width)
        for r in 0..<(batch * targetSteps) {
            for c in 0..<width { values[r * width + c] = combined.pointer[r * full + decoderWidth + c] }
        }
        return Tensor(shape: singleStep ? [batch, width] : [batch, targetSteps, width], values: values)
    }

    /// `d loss / d encoder outputs`, `[B, S, Hs]`, summed over the steps backpropagated since the
    /// batch began (the complete gradient once every step's backward has run).
    public var encoderGradient: Tensor {
        gradEncoder.tensor([batch, sourceSteps, encoderWidth])
    }
}
