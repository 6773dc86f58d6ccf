/// Reads the step counter saved under `step`.
func restoredStep(_ tensors: [String: Tensor]) throws -> Int {
    guard let t = tensors["step"], t.count == 1 else {
        throw CheckpointError("optimizer state lacks the one-element tensor 'step'")
    }
    return Int(t.storage[0])
}

/// Reads a saved buffer, checking its shape against the parameter's.
func restoredBuffer(_ tensors: [String: Tensor], _ key: String, like parameter: Parameter) throws -> Tensor {
    guard let t = tensors[key] else { throw CheckpointError("optimizer state lacks tensor '\(key)'") }
    guard t.shape == parameter.value.shape else {
        throw CheckpointError("optimizer state tensor '\(key)' has shape \(t.shape), the parameter has \(parameter.value.shape)")
    }
    return t
}
