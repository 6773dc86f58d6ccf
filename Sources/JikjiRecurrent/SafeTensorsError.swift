/// A safetensors file could not be read or written; the message names the file and the tensor.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and where.
    public let description: String
    /// An error with an actionable message.
    public init(_ description: String) { self.description = description }
}
