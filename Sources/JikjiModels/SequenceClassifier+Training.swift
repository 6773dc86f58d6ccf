import Foundation
import JikjiData
import JikjiRecurrent

extension SequenceClassifier: TrainableModel {
    /// The logits of a batch and what backward needs.
    public struct ForwardPass {
        /// `[B, 1]` (binary) or `[B, C]`.
        public let logits: Tensor
        let tape: Tape
        /// d loss / d logits, once ``SequenceClassifier/loss(_:batch:)`` ran.
        var logitsGradient: Tensor?
    }

    /// Runs the classifier over the batch's source rows (post-padded; an empty row reads one
    /// padding step). Inference (`training` false) keeps no activations for backward.
    public func forward(_ batch: Batch, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass {
        let (logits, tape) = try forward(ids: batch.source.ids, batch: batch.size, steps: batch.source.columns,
                                         lengths: batch.source.stepLengths, training: training, generator: &generator,
                                         recordTape: training)
        return ForwardPass(logits: logits, tape: tape, logitsGradient: nil)
    }

    /// Binary cross-entropy with logits (two classes) or cross-entropy against the batch's labels.
    public func loss(_ pass: inout ForwardPass, batch: Batch) throws -> BatchLoss {
        guard let labels = batch.labels else { throw ModelError.input("a classification batch has no labels") }
        let loss = try loss(logits: pass.logits, labels: labels.map { Int($0) })
        pass.logitsGradient = loss.gradient
        return BatchLoss(value: loss.value, count: batch.size)
    }

    /// Backpropagates the loss; returns the embedding rows that received gradient.
    @discardableResult
    public func backward(_ pass: ForwardPass) throws -> [[Int]] {
        guard let gradient = pass.logitsGradient else { throw ModelError.input("backward needs the loss of the pass first") }
        return [try backward(pass.tape, logitsGradient: gradient)]
    }

    /// `embedding.weight`: its gradient touches only the rows of the batch's ids.
    public var embeddingTables: [(name: String, parameter: Parameter)] { [("embedding.weight", embedding.weight)] }

    /// The predicted class of every row of `logits` (one logit: 1 when positive; else the argmax).
    public static func predictedClasses(_ logits: Tensor, rows: Int) -> [Int] {
        let width = rows == 0 ? 0 : logits.count / rows
        return (0..<rows).map { r in
            if width == 1 { return logits.storage[r] > 0 ? 1 : 0 }
            var best = 0
            for c in 1..<width where logits.storage[r * width + c] > logits.storage[r * width + best] { best = c }
            return best
        }
    }

    /// The most likely class of every row of `logits` with its probability (sigmoid of the one
    /// logit, class 1 from 0.5 up; else the softmax's first maximum).
    public static func predictions(_ logits: Tensor, rows: Int) -> [(label: Int, probability: Double)] {
        let width = rows == 0 ? 0 : logits.count / rows
        return (0..<rows).map { r in
            if width == 1 {
                let p = 1 / (1 + exp(-Double(logits.storage[r])))
                return p >= 0.5 ? (1, p) : (0, 1 - p)
            }
            let row = (0..<width).map { Double(logits.storage[r * width + $0]) }
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let total = e.reduce(0, +)
            let best = e.indices.max { e[$0] < e[$1] } ?? 0
            return (best, e[best] / total)
        }
    }
}
