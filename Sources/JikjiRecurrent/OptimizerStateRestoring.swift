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

/// A parameter's own step count, saved under `<name>.step` when it differs from the global
/// `global` (a parameter that sat frozen); absent, the parameter took every step.
func restoredParameterStep(_ tensors: [String: Tensor], _ name: String, global: Int) throws -> Int {
    guard let t = tensors[name + ".step"] else { return global }
    guard t.count == 1, let value = t.storage.first, value >= 0, value <= Float(global), value == value.rounded() else {
        throw CheckpointError("optimizer state tensor '\(name).step' is not one step count between 0 and \(global)")
    }
    return Int(value)
}
