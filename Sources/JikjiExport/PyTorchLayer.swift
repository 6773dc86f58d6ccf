import Foundation
import JikjiRecurrent

/// One submodule of a generated PyTorch module: the `nn` constructor it is written as, and the
/// state_dict entries (names and shapes) that constructor creates in PyTorch. The exported
/// `model.py` lists those entries as its own table (`STATE_DICT`), which the checks compare with
/// the checkpoint's tensors, with and without torch.
struct PyTorchLayer {
    /// The attribute name (`embedding`, `rnn`, `fc`): the prefix of its state_dict names.
    var attribute: String
    /// The Python expression building it.
    var constructor: String
    /// `(name without the prefix, shape)`, in PyTorch's registration order.
    var parameters: [(String, [Int])]

    /// `nn.Embedding(count, width, padding_idx=…)`.
    static func embedding(_ attribute: String, count: Int, width: Int, paddingIndex: Int?) -> PyTorchLayer {
        PyTorchLayer(attribute: attribute,
                     constructor: "nn.Embedding(\(count), \(width), padding_idx=\(paddingIndex.map(String.init) ?? "None"))",
                     parameters: [("weight", [count, width])])
    }

    /// `nn.Linear(inputs, outputs, bias=…)`.
    static func linear(_ attribute: String, inputs: Int, outputs: Int, bias: Bool = true) -> PyTorchLayer {
        PyTorchLayer(attribute: attribute, constructor: "nn.Linear(\(inputs), \(outputs), bias=\(bias ? "True" : "False"))",
                     parameters: [("weight", [outputs, inputs])] + (bias ? [("bias", [outputs])] : []))
    }

    /// `nn.LSTM`, `nn.GRU` or `nn.RNN` (batch first), with PyTorch's per-layer, per-direction weights.
    static func recurrent(_ attribute: String, cell: RecurrentCell, inputs: Int, hidden: Int, layers: Int,
                          bidirectional: Bool) -> PyTorchLayer {
        let gates: Int, type: String
        var extra = ""
        switch cell {
        case .lstm: gates = 4; type = "LSTM"
        case .gru: gates = 3; type = "GRU"
        case .rnnTanh: gates = 1; type = "RNN"; extra = ", nonlinearity=\"tanh\""
        case .rnnReLU: gates = 1; type = "RNN"; extra = ", nonlinearity=\"relu\""
        }
        let D = bidirectional ? 2 : 1
        var parameters: [(String, [Int])] = []
        for layer in 0..<layers {
            for direction in 0..<D {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let width = layer == 0 ? inputs : D * hidden
                parameters += [("weight_ih" + suffix, [gates * hidden, width]), ("weight_hh" + suffix, [gates * hidden, hidden]),
                               ("bias_ih" + suffix, [gates * hidden]), ("bias_hh" + suffix, [gates * hidden])]
            }
        }
        return PyTorchLayer(attribute: attribute,
                            constructor: "nn.\(type)(\(inputs), \(hidden), num_layers=\(layers), bidirectional=\(bidirectional ? "True" : "False"), "
                                + "batch_first=True\(extra))",
                            parameters: parameters)
    }

    /// `nn.AdaptiveLogSoftmaxWithLoss(inputs, classes, cutoffs, div_value, head_bias)`; cluster i
    /// projects to `int(inputs // div_value ** (i + 1))` dimensions, as PyTorch computes it.
    static func adaptiveSoftmax(_ attribute: String, inputs: Int, classes: Int, cutoffs: [Int], divValue: Float,
                                headBias: Bool) -> PyTorchLayer {
        let bounds = cutoffs + [classes]
        var parameters: [(String, [Int])] = [("head.weight", [cutoffs[0] + cutoffs.count, inputs])]
        if headBias { parameters.append(("head.bias", [cutoffs[0] + cutoffs.count])) }
        for i in 0..<cutoffs.count {
            let projected = Int((Double(inputs) / pow(Double(divValue), Double(i + 1))).rounded(.down))
            parameters += [("tail.\(i).0.weight", [projected, inputs]), ("tail.\(i).1.weight", [bounds[i + 1] - bounds[i], projected])]
        }
        return PyTorchLayer(attribute: attribute,
                            constructor: "nn.AdaptiveLogSoftmaxWithLoss(\(inputs), \(classes), cutoffs=\(cutoffs), "
                                + "div_value=\(Double(divValue)), head_bias=\(headBias ? "True" : "False"))",
                            parameters: parameters)
    }

    /// The bias of an output layer that shares its weight with the embedding table (`_TiedOutput`).
    static func tiedOutput(_ attribute: String, classes: Int) -> PyTorchLayer {
        PyTorchLayer(attribute: attribute, constructor: "_TiedOutput(\(classes))", parameters: [("bias", [classes])])
    }

    /// The full state_dict names and shapes of `layers`.
    static func stateDict(_ layers: [PyTorchLayer]) -> [(String, [Int])] {
        layers.flatMap { layer in layer.parameters.map { (layer.attribute + "." + $0.0, $0.1) } }
    }
}
