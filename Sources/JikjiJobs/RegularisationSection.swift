import JikjiConfig
import JikjiModels

/// `model.regularisation:` — AWD-LSTM's regularisation of a language model (Merity et al. 2017),
/// every key 0 (off) unless written:
/// ```yaml
/// regularisation: {weight_dropout: 0.2, embedding_dropout: 0.02, input_dropout: 0.25,
///                  hidden_dropout: 0.15, output_dropout: 0.1, ar: 2, tar: 1}
/// ```
/// With it, `model.dropout` and `model.encoder.dropout` stay unset: `output_dropout` and
/// `hidden_dropout` (locked, one mask per sequence) take their places.
public struct RegularisationSection: Sendable, Equatable {
    /// The model's value.
    public var value: Regularisation

    init(_ r: ConfigReader) throws {
        func probability(_ key: String) throws -> Float { Float(try r.double(key, default: 0, range: 0...0.95)) }
        value = Regularisation(
            weightDropout: try probability("weight_dropout"), embeddingDropout: try probability("embedding_dropout"),
            inputDropout: try probability("input_dropout"), hiddenDropout: try probability("hidden_dropout"),
            outputDropout: try probability("output_dropout"),
            activation: Float(try r.double("ar", default: 0, range: 0...100)),
            temporalActivation: Float(try r.double("tar", default: 0, range: 0...100)))
    }
}
