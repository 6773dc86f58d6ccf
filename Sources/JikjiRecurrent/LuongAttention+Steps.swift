/// One decoder step at a time (input feeding, greedy or beam decoding).
extension LuongAttention {
    /// Starts step-by-step attention over `encoderOutputs` `[B, S, Hs]` for up to `steps` decoder
    /// steps: buffers for every step are sized once here, so the steps allocate nothing but
    /// their small results. Zeroes the encoder gradient that ``backwardStep(_:attentionalGradient:state:)``
    /// accumulates.
    public func beginSteps(
        encoderOutputs: Tensor, sourceLengths: [Int], steps: Int, state: LuongAttentionState
    ) throws {
        guard steps >= 1 else { throw LayerInputError("attention: \(steps) decoder steps; need at least 1") }
        try prepare(encoderOutputs: encoderOutputs, sourceLengths: sourceLengths, steps: steps, state: state)
        state.decoder.reserve(state.batch * steps * decoderSize, zeroed: true)
    }

    /// Attends decoder step `step` (`decoderState` `[B, Hd]`) and returns its attentional hidden
    /// state `[B, Ho]`. The step's weights and context stay in `state` for backward.
    public func forwardStep(_ step: Int, decoderState: Tensor, state st: LuongAttentionState) throws -> Tensor {
        guard decoderState.shape == [st.batch, decoderSize] else {
            throw LayerInputError("attention: decoder state must be [\(st.batch), \(decoderSize)], got \(decoderState.shape)")
        }
        var result = Tensor(shape: [st.batch, outputSize])
        try decoderState.storage.withUnsafeBufferPointer { x in
            try result.storage.withUnsafeMutableBufferPointer { y in
                try forwardStep(step, decoderState: x.baseAddress!, output: y.baseAddress!, state: st)
            }
        }
        return result
    }

    /// ``forwardStep(_:decoderState:state:)`` over caller buffers, allocating nothing:
    /// reads `[B, Hd]` from `decoderState`, writes `[B, Ho]` to `output`.
    public func forwardStep(
        _ step: Int, decoderState: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, state st: LuongAttentionState
    ) throws {
        let b = st.batch, t = st.targetSteps, hd = decoderSize, ho = outputSize
        guard step >= 0 && step < t else {
            throw LayerInputError("attention: step \(step) is outside the \(t) steps given to beginSteps")
        }
        let dec = st.decoder.pointer
        for i in 0..<b { (dec + (i * t + step) * hd).update(from: decoderState + i * hd, count: hd) }
        st.forwarded[step] = true
        computeForward(st, from: step, to: step + 1)
        for i in 0..<b { (output + i * ho).update(from: st.output.pointer + (i * t + step) * ho, count: ho) }
    }

    /// Backpropagates step `step` from `d h̃_t` (`[B, Ho]`): accumulates parameter gradients and
    /// the encoder-output gradient (read it from ``LuongAttentionState/encoderGradient`` after the
    /// last step) and returns `d h_t`, `[B, Hd]`. Steps may come in any order, each once.
    public func backwardStep(_ step: Int, attentionalGradient: Tensor, state st: LuongAttentionState) throws -> Tensor {
        guard attentionalGradient.shape == [st.batch, outputSize] else {
            throw LayerInputError("attention: gradient must be [\(st.batch), \(outputSize)], got \(attentionalGradient.shape)")
        }
        var result = Tensor(shape: [st.batch, decoderSize])
        try attentionalGradient.storage.withUnsafeBufferPointer { g in
            try result.storage.withUnsafeMutableBufferPointer { y in
                try backwardStep(step, attentionalGradient: g.baseAddress!, decoderGradient: y.baseAddress!, state: st)
            }
        }
        return result
    }

    /// ``backwardStep(_:attentionalGradient:state:)`` over caller buffers, allocating nothing:
    /// reads `[B, Ho]` from `attentionalGradient`, writes `d h_t` `[B, Hd]` to `decoderGradient`.
    public func backwardStep(
        _ step: Int, attentionalGradient: UnsafePointer<Float>, decoderGradient: UnsafeMutablePointer<Float>,
        state st: LuongAttentionState
    ) throws {
        let b = st.batch, t = st.targetSteps, hd = decoderSize, ho = outputSize
        guard step >= 0 && step < t, st.forwarded[step] else {
            throw LayerInputError("attention: backward of step \(step), which had no forwardStep since beginSteps")
        }
        computeBackward(st, from: step, to: step + 1, gradient: attentionalGradient, gradientStride: ho)
        for i in 0..<b { (decoderGradient + i * hd).update(from: st.gradDecoder.pointer + (i * t + step) * hd, count: hd) }
    }
}
