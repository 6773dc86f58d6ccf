/// A layer or model whose parameters carry PyTorch `state_dict` names
/// (`weight_ih_l0`, `weight_hh_l0_reverse`, `embedding.weight`, …), in a stable order.
public protocol ParameterContainer {
    /// Every parameter with its PyTorch state_dict name, in a stable order.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
}

extension ParameterContainer {
    /// The parameters of a sub-module, named `prefix.name` as PyTorch nests them.
    public func namedParameters(prefix: String) -> [(name: String, parameter: Parameter)] {
        namedParameters.map { (prefix.isEmpty ? $0.name : prefix + "." + $0.name, $0.parameter) }
    }

    /// Zeroes every gradient.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.zeroGradient() }
    }
}
