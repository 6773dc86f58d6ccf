import Foundation
import JikjiModels

/// How `jikji predict` writes its predictions.
public enum PredictionFormat: String, Sendable, CaseIterable {
    /// `label<TAB>probability` a line (plus the tokens, space-separated, when asked).
    case tsv
    /// One JSON object a line: `label`, `probability`, `probabilities` (every class), `logits`,
    /// and `tokens` when asked.
    case jsonl
}

/// The text of `jikji predict`'s output and of its metrics on labelled input.
public enum PredictionOutput {
    /// The lines of `scores` in `format`; `tokens` (one list per score) adds the input tokens.
    public static func lines(_ scores: [TrainedRun.ClassScores], format: PredictionFormat, tokens: [[String]]? = nil) -> String {
        var out = ""
        for (i, s) in scores.enumerated() {
            let probability = s.probabilities.indices.contains(s.label) ? s.probabilities[s.label] : 0
            switch format {
            case .tsv:
                out += "\(s.label)\t\(String(format: "%.4f", probability))"
                if let tokens { out += "\t" + tokens[i].joined(separator: " ") }
            case .jsonl:
                out += "{\"label\":\(s.label),\"probability\":\(number(probability)),"
                    + "\"probabilities\":[\(s.probabilities.map(number).joined(separator: ","))],"
                    + "\"logits\":[\(s.logits.map { number(Double($0)) }.joined(separator: ","))]"
                if let tokens { out += ",\"tokens\":[\(tokens[i].map(quoted).joined(separator: ","))]" }
                out += "}"
            }
            out += "\n"
        }
        return out
    }

    /// Accuracy, every class's precision, recall and F1, the macro F1 and the confusion matrix
    /// (rows: true class, columns: predicted), as text for standard error.
    public static func summary(_ counts: Metrics.ClassificationCounts) -> String {
        let correct = (0..<counts.classes).reduce(0) { $0 + counts.count(truth: $1, predicted: $1) }
        var out = String(format: "accuracy %.4f (%d of %d labelled rows)\n", counts.accuracy, correct, counts.total)
        out += "class  precision  recall      f1  support\n"
        for c in 0..<counts.classes {
            let support = (0..<counts.classes).reduce(0) { $0 + counts.count(truth: c, predicted: $1) }
            out += String(format: "%5d  %9.4f  %6.4f  %6.4f  %7d\n", c, counts.precision(of: c), counts.recall(of: c), counts.f1(of: c), support)
        }
        out += String(format: "macro-F1 %.4f\n", counts.macroF1)
        out += "confusion (rows: true class, columns: predicted)\n"
        out += "      " + (0..<counts.classes).map { String(format: "%7d", $0) }.joined() + "\n"
        for t in 0..<counts.classes {
            out += String(format: "%5d ", t) + (0..<counts.classes).map { String(format: "%7d", counts.count(truth: t, predicted: $0)) }.joined() + "\n"
        }
        return out
    }

    /// A JSON number: the shortest text that reads back as `value`; null when not finite.
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    /// `text` as a JSON string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
