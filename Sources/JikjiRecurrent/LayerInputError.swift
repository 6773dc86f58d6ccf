/// A problem with data handed to a layer: an id outside the vocabulary, a length outside the
/// sequence, sizes that do not fit together. The message names the value and what it must be.
public struct LayerInputError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, in words a user can act on.
    public let description: String
    /// An error with an actionable message.
    public init(_ description: String) { self.description = description }
}
