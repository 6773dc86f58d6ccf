import JikjiConfig
import JikjiModels

/// `model.output:` — a language model's output layer: the full softmax (the default) or an
/// adaptive softmax (`{kind: adaptive, cutoffs: [2000, 10000], div_value: 4, head_bias: false}`,
/// PyTorch's `nn.AdaptiveLogSoftmaxWithLoss`; cutoffs are frequency ranks of the training split).
public struct OutputSection: Sendable, Equatable {
    /// The output layer's kind.
    public enum Kind: String, CaseIterable, Sendable {
        /// One `[V, H]` product and softmax over the whole vocabulary per token.
        case full
        /// A head over the most frequent ids and clusters of reduced dimension for the rest.
        case adaptive
    }

    public var kind: Kind
    /// Adaptive: increasing frequency ranks in `1..<V` where each cluster starts.
    public var cutoffs: [Int]
    /// Adaptive: cluster i projects to `hidden / div_value^(i+1)` dimensions.
    public var divValue: Double
    /// Adaptive: a bias on the head.
    public var headBias: Bool

    /// The full softmax.
    public static let full = OutputSection(kind: .full, cutoffs: [], divValue: 4, headBias: false)

    init(kind: Kind, cutoffs: [Int], divValue: Double, headBias: Bool) {
        self.kind = kind; self.cutoffs = cutoffs; self.divValue = divValue; self.headBias = headBias
    }

    init(_ r: ConfigReader) throws {
        kind = try r.choice("kind", default: Kind.full)
        guard kind == .adaptive else {
            cutoffs = []; divValue = 4; headBias = false
            return
        }
        let texts = try r.stringList("cutoffs", default: [])
        var values: [Int] = []
        for text in texts {
            guard let value = Int(text), value > 0 else {
                throw r.error("cutoffs", "'\(text)' is not a positive whole number", kind: .wrongType)
            }
            values.append(value)
        }
        guard !values.isEmpty else {
            throw r.error("cutoffs", "missing; an adaptive output needs increasing frequency ranks where its clusters start, e.g. [2000, 10000]",
                          kind: .missing)
        }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw r.error("cutoffs", "\(values) must be unique and increasing")
        }
        cutoffs = values
        divValue = try r.double("div_value", default: 4, range: 1...1024)
        headBias = try r.bool("head_bias", default: false)
    }

    /// The model's setting: nil for the full softmax.
    public var adaptive: LanguageModel.AdaptiveOutput? {
        kind == .adaptive ? LanguageModel.AdaptiveOutput(cutoffs: cutoffs, divValue: Float(divValue), headBias: headBias) : nil
    }
}
