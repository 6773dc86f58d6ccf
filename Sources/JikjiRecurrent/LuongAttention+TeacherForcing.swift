/// All decoder steps at once (teacher forcing).
extension LuongAttention {
    /// Attends every decoder step to the encoder outputs.
    ///
    /// - Parameters:
    ///   - encoderOutputs: `[B, S, Hs]`.
    ///   - sourceLengths: `[B]`, each in `1...S`; steps at or past a length are masked out.
    ///   - decoderStates: `[B, T, Hd]` (T decoder steps; `[B, Hd]` is taken as T = 1).
    ///   - state: the workspace that keeps what backward needs; reuse it across calls.
    /// - Returns: the attentional hidden states `[B, T, Ho]` (`[B, Ho]` for `[B, Hd]` input).
    ///   Weights `[B, T, S]` and contexts `[B, T, Hs]` are available from `state`.
    public func forward(
        encoderOutputs: Tensor, sourceLengths: [Int], decoderStates: Tensor, state: LuongAttentionState
    ) throws -> Tensor {
        let b = encoderOutputs.shape.first ?? 0
        let singleStep = decoderStates.rank == 2
        guard (singleStep || decoderStates.rank == 3), decoderStates.shape[0] == b,
              decoderStates.shape.last == decoderSize else {
            throw LayerInputError("attention: decoder states must be [\(b), T, \(decoderSize)], got \(decoderStates.shape)")
        }
        let t = singleStep ? 1 : decoderStates.shape[1]
        try prepare(encoderOutputs: encoderOutputs, sourceLengths: sourceLengths, steps: t, state: state)
        state.singleStep = singleStep
        state.decoder.copy(from: decoderStates)
        for i in 0..<t { state.forwarded[i] = true }
        computeForward(state, from: 0, to: t)
        return state.output.tensor(singleStep ? [b, outputSize] : [b, t, outputSize])
    }

    /// Backpropagates from `d h̃` (`[B, T, Ho]`, or `[B, Ho]` when forward had one step)
    /// through the last ``forward(encoderOutputs:sourceLengths:decoderStates:state:)`` on `state`.
    /// Accumulates parameter gradients and returns the gradients of the decoder states
    /// (`[B, T, Hd]` or `[B, Hd]`) and of the encoder outputs (`[B, S, Hs]`).
    /// Call it once per forward: the concat score's backward reuses forward's buffers.
    public func backward(
        attentionalGradient: Tensor, state st: LuongAttentionState
    ) -> (decoderStates: Tensor, encoderOutputs: Tensor) {
        let b = st.batch, t = st.targetSteps, ho = outputSize
        precondition(attentionalGradient.count == b * t * ho,
                     "attention backward: gradient \(attentionalGradient.shape) for [\(b), \(t), \(ho)]")
        st.gradEncoder.reserve(b * st.sourceSteps * encoderSize, zeroed: true)
        attentionalGradient.storage.withUnsafeBufferPointer { g in
            computeBackward(st, from: 0, to: t, gradient: g.baseAddress!, gradientStride: t * ho)
        }
        return (st.gradDecoder.tensor(st.singleStep ? [b, decoderSize] : [b, t, decoderSize]),
                st.gradEncoder.tensor([b, st.sourceSteps, encoderSize]))
    }
}
