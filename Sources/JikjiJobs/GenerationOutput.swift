import Foundation
import JikjiWordPiece

/// How `jikji generate` and `jikji translate` write what they produce.
public enum GenerationFormat: String, Sendable, CaseIterable {
    /// The text alone (translate: the n-best answers tab-separated, one line per source).
    case text
    /// One JSON object a line with the ids read and produced and their log-probabilities, for
    /// comparing with other runtimes (an ONNX export) token by token.
    case jsonl
}

/// The JSON Lines of `jikji generate --format jsonl` and `jikji translate --format jsonl`.
public enum GenerationOutput {
    /// `{"text", "context", "ids", "log_probabilities"}` and a newline.
    public static func line(_ g: TrainedRun.Generation) -> String {
        "{\"text\":\(PredictionOutput.quoted(g.text)),\"context\":\(ids(g.context)),\"ids\":\(ids(g.ids)),"
            + "\"log_probabilities\":[\(g.logProbabilities.map(PredictionOutput.number).joined(separator: ","))]}\n"
    }

    /// One line per source: `{"source", "hypotheses": [{"text", "ids", "log_probability", "score"}]}`;
    /// `decode` gives a hypothesis's text.
    public static func lines(_ translations: [TrainedRun.Translation], decode: ([TokenID]) -> String) -> String {
        var out = ""
        for t in translations {
            let hypotheses = t.hypotheses.map { h in
                "{\"text\":\(PredictionOutput.quoted(decode(h.tokens))),\"ids\":\(ids(h.tokens)),"
                    + "\"log_probability\":\(PredictionOutput.number(h.logProbability)),\"score\":\(PredictionOutput.number(h.score))}"
            }
            out += "{\"source\":\(ids(t.source)),\"hypotheses\":[\(hypotheses.joined(separator: ","))]}\n"
        }
        return out
    }

    static func ids(_ ids: [TokenID]) -> String { "[" + ids.map { String($0) }.joined(separator: ",") + "]" }
}
