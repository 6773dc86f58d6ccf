import JikjiData
import JikjiRecurrent
import JikjiWordPiece

/// A model that learns from ``Batch``es: a forward pass, its loss, a backward pass that
/// accumulates gradients, and its parameters under PyTorch state-dict names.
///
/// ``SequenceClassifier``, ``LanguageModel`` and ``Seq2Seq`` follow it; a training loop
/// (JikjiTraining's `Trainer`) drives any of them the same way:
/// ```swift
/// var pass = try model.forward(batch, training: true, generator: &generator)
/// let loss = try model.loss(&pass, batch: batch)
/// let touchedRows = try model.backward(pass)
/// ```
public protocol TrainableModel: ParameterContainer {
    /// What a forward pass computed and what ``backward(_:)`` needs (activations, dropout masks,
    /// and, once ``loss(_:batch:)`` ran, the gradient of the loss with respect to the output).
    associatedtype ForwardPass

    /// Runs the model over `batch`; with `training`, dropout masks are drawn from `generator`.
    func forward(_ batch: Batch, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass

    /// The mean loss of the pass against the batch's targets (labels, next tokens or decoder
    /// outputs), and how many predictions it averages. A training pass also keeps the loss's
    /// gradient in `pass` for ``backward(_:)``.
    func loss(_ pass: inout ForwardPass, batch: Batch) throws -> BatchLoss

    /// Accumulates every parameter's gradient from a training pass whose ``loss(_:batch:)`` was
    /// taken. Returns, for each of ``embeddingTables``, the rows the batch used (ascending): an
    /// optimizer may update those tables in these rows only.
    @discardableResult
    func backward(_ pass: ForwardPass) throws -> [[Int]]

    /// The embedding tables whose gradient is confined to the rows ``backward(_:)`` reports,
    /// under their state-dict names.
    var embeddingTables: [(name: String, parameter: Parameter)] { get }
}

/// The loss of one batch.
public struct BatchLoss: Sendable, Equatable {
    /// The mean loss over ``count`` predictions (NaN when none counted).
    public var value: Float
    /// Predictions counted: examples (classification) or non-padding targets (sequences).
    public var count: Int

    /// A loss of `value` over `count` predictions.
    public init(value: Float, count: Int) {
        self.value = value
        self.count = count
    }
}

/// The distinct ids of `ids` other than `excluded`, ascending: the embedding rows a batch used.
func distinctRows<ID: BinaryInteger>(_ ids: [ID], excluding excluded: Int, limit: Int) -> [Int] {
    var seen = [Bool](repeating: false, count: limit)
    for id in ids where Int(id) != excluded && id >= 0 && Int(id) < limit { seen[Int(id)] = true }
    return seen.indices.filter { seen[$0] }
}

extension Array where Element == TokenID {
    /// The ids as `Int` (what embedding lookups index with).
    var ints: [Int] { map { Int($0) } }
}

extension PaddedSequences {
    /// Row lengths as recurrent layers read them: at least one step (an empty row reads one padding token).
    public var stepLengths: [Int] { lengths.map { Swift.max(1, Int($0)) } }
}
