/// Luong (multiplicative) attention over encoder outputs, for all decoder steps at once.
///
/// For decoder state `h_t` (`[Hd]`) and encoder outputs `h_s` (`[S, Hs]`) of one sequence:
/// - scores: dot `h_sᵀ h_t`; general `h_sᵀ (W_a h_t)` (`W_a` `[Hs, Hd]`); concat
///   `vᵀ tanh(W_a [h_t; h_s])` (`W_a` `[A, Hd + Hs]`, `v` `[1, A]`);
/// - masked to the sequence's source length (steps ≥ length get weight 0), softmax over `s`;
/// - context `c_t = Σ_s a_{t,s} h_s`;
/// - attentional hidden `h̃_t = tanh(W_c [h_t; c_t])` (`W_c` `[Ho, Hd + Hs]`), no biases.
///
/// Parameter names follow a PyTorch module holding `W_a`, `v`, `W_c` as bias-free `nn.Linear`s:
/// `W_a.weight`, `v.weight`, `W_c.weight`. Every product runs as one BLAS call over all batch rows
/// and decoder steps (or one per sequence), and the workspace (``LuongAttentionState``) is reused
/// across calls, so a training step does not allocate per decoder step.
///
/// Two ways to run it: all decoder steps at once under teacher forcing
/// (``forward(encoderOutputs:sourceLengths:decoderStates:state:)`` / ``backward(attentionalGradient:state:)``),
/// or one step at a time when each decoder input depends on the previous output (input feeding,
/// decoding): ``beginSteps(encoderOutputs:sourceLengths:steps:state:)``, then
/// ``forwardStep(_:decoderState:state:)`` and ``backwardStep(_:attentionalGradient:state:)``.
public struct LuongAttention: ParameterContainer {
    /// The scoring function.
    public let score: Score
    /// `W_a`: general `[Hs, Hd]`, concat `[A, Hd + Hs]`, nil for dot.
    public let scoreWeight: Parameter?
    /// `v`: concat `[1, A]`, else nil.
    public let scoreVector: Parameter?
    /// `W_c`, `[Ho, Hd + Hs]`.
    public let combineWeight: Parameter

    /// Decoder state size `Hd`.
    public let decoderSize: Int
    /// Encoder output size `Hs`.
    public let encoderSize: Int
    /// Attentional hidden size `Ho`.
    public var outputSize: Int { combineWeight.value.shape[0] }

    /// Attention with weights initialised like bias-free `nn.Linear`s (uniform `±1/√fan_in`).
    /// `attentionSize` (`A`) is used by concat only; `outputSize` defaults to `decoderSize`.
    public init(
        score: Score, decoderSize: Int, encoderSize: Int, attentionSize: Int? = nil, outputSize: Int? = nil,
        generator: inout SeededGenerator
    ) throws {
        if score == .dot && decoderSize != encoderSize {
            throw LayerInputError("dot attention needs equal decoder and encoder sizes, got \(decoderSize) and \(encoderSize)")
        }
        func uniform(_ shape: [Int]) -> Tensor {
            let bound = 1 / Float(shape[1]).squareRoot()
            var t = Tensor(shape: shape)
            for i in 0..<t.count { t.storage[i] = generator.nextFloat(in: -bound, bound) }
            return t
        }
        let a = attentionSize ?? decoderSize
        switch score {
        case .dot:
            scoreWeight = nil
            scoreVector = nil
        case .general:
            scoreWeight = Parameter(uniform([encoderSize, decoderSize]))
            scoreVector = nil
        case .concat:
            scoreWeight = Parameter(uniform([a, decoderSize + encoderSize]))
            scoreVector = Parameter(uniform([1, a]))
        }
        combineWeight = Parameter(uniform([outputSize ?? decoderSize, decoderSize + encoderSize]))
        self.score = score
        self.decoderSize = decoderSize
        self.encoderSize = encoderSize
    }

    /// Attention over given weights (for example a PyTorch checkpoint's); shapes are checked.
    /// Concat attention cannot tell `Hd` from `Hs` by shapes alone: pass `decoderSize` when they
    /// differ (default: half of `W_c`'s width).
    public init(
        score: Score, combineWeight: Tensor, scoreWeight: Tensor? = nil, scoreVector: Tensor? = nil,
        decoderSize concatDecoderSize: Int? = nil
    ) throws {
        guard combineWeight.rank == 2 else {
            throw LayerInputError("W_c must be [output, decoder + encoder], got \(combineWeight.shape)")
        }
        let both = combineWeight.shape[1]
        switch score {
        case .dot:
            guard both % 2 == 0 else { throw LayerInputError("dot attention: W_c width \(both) is not 2·hidden") }
            decoderSize = both / 2
            encoderSize = both / 2
        case .general:
            guard let w = scoreWeight, w.rank == 2, w.shape[0] + w.shape[1] == both else {
                throw LayerInputError("general attention needs W_a [encoder, decoder] summing to W_c's width \(both), got \(scoreWeight?.shape ?? [])")
            }
            encoderSize = w.shape[0]
            decoderSize = w.shape[1]
        case .concat:
            guard let w = scoreWeight, w.rank == 2, w.shape[1] == both,
                  let v = scoreVector, v.shape == [1, w.shape[0]] else {
                throw LayerInputError("concat attention needs W_a [A, \(both)] and v [1, A], got \(scoreWeight?.shape ?? []) and \(scoreVector?.shape ?? [])")
            }
            let hd = concatDecoderSize ?? both / 2
            guard hd > 0, hd < both, concatDecoderSize != nil || both % 2 == 0 else {
                throw LayerInputError("concat attention: cannot split W_c width \(both) into decoder and encoder sizes; pass decoderSize")
            }
            decoderSize = hd
            encoderSize = both - hd
        }
        self.score = score
        self.combineWeight = Parameter(combineWeight)
        self.scoreWeight = scoreWeight.map { Parameter($0) }
        self.scoreVector = scoreVector.map { Parameter($0) }
    }

    /// `W_a.weight` and `v.weight` when the score uses them, then `W_c.weight`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list: [(name: String, parameter: Parameter)] = []
        if let scoreWeight { list.append(("W_a.weight", scoreWeight)) }
        if let scoreVector { list.append(("v.weight", scoreVector)) }
        list.append(("W_c.weight", combineWeight))
        return list
    }
}
