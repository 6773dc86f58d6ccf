/// A problem with the tensors handed to a recurrent layer.
public enum RecurrentError: Error, CustomStringConvertible, Equatable {
    /// A tensor's shape differs from what the layer needs.
    case shape(name: String, expected: String, actual: [Int])
    /// A sequence length is outside `1...T` or the length count differs from the batch.
    case lengths(String)
    /// The layer was configured with impossible sizes.
    case configuration(String)
    /// `backward` was called without the forward pass having recorded a tape.
    case notRecorded

    /// The problem in one line, prefixed with "recurrent layer:".
    public var description: String {
        switch self {
        case let .shape(name, expected, actual):
            return "recurrent layer: '\(name)' has shape \(actual), expected \(expected)"
        case let .lengths(why): return "recurrent layer: bad sequence lengths: \(why)"
        case let .configuration(why): return "recurrent layer: bad configuration: \(why)"
        case .notRecorded: return "recurrent layer: backward needs the tape of a forward pass"
        }
    }
}
