/// A problem restoring optimizer state or checkpoints: a missing tensor, a shape that does not fit.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the tensor and the file when known.
    public let description: String
    /// An error with an actionable message.
    public init(_ description: String) { self.description = description }
}
