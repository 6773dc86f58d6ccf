import Foundation

extension ParameterContainer {
    /// The parameters' values by state_dict name (PyTorch's `module.state_dict()`).
    public func stateDict(prefix: String = "") -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in namedParameters(prefix: prefix) { result[name] = parameter.value }
        return result
    }

    /// Copies values from a state dict into the parameters (PyTorch's `load_state_dict`, strict):
    /// every parameter must be present with its shape; extra entries are ignored only when
    /// `strict` is false. Throws naming the first missing, misshapen or unexpected tensor.
    public func loadStateDict(_ values: [String: Tensor], prefix: String = "", strict: Bool = true) throws {
        let named = namedParameters(prefix: prefix)
        for (name, parameter) in named {
            guard let value = values[name] else {
                throw CheckpointError("state dict lacks '\(name)' (shape \(parameter.value.shape))")
            }
            guard value.shape == parameter.value.shape else {
                throw CheckpointError("state dict tensor '\(name)' has shape \(value.shape), the model expects \(parameter.value.shape)")
            }
        }
        if strict {
            let known = Set(named.map(\.name))
            let scoped = values.keys.filter { prefix.isEmpty || $0.hasPrefix(prefix + ".") }
            if let extra = scoped.sorted().first(where: { !known.contains($0) }) {
                throw CheckpointError("state dict has unexpected tensor '\(extra)'")
            }
        }
        for (name, parameter) in named { parameter.value = values[name]! }
    }

    /// Saves the parameters as a safetensors checkpoint (atomically), loadable by
    /// `safetensors.torch.load_file` + `module.load_state_dict`.
    public func saveCheckpoint(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensorsFile(tensors: stateDict(), metadata: metadata).write(to: url)
    }

    /// Loads parameters from a safetensors checkpoint (strict names and shapes, finite values).
    public func loadCheckpoint(from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        try file.requireFiniteValues(source: url.path)
        do {
            try loadStateDict(file.tensors)
        } catch let error as CheckpointError {
            throw CheckpointError("\(url.path): \(error.description)")
        }
    }
}
