import JikjiRecurrent

/// ONNX's `LSTM`, `GRU` and `RNN` operators fed with PyTorch-layout weights (issue 18): the gate
/// blocks reordered (PyTorch LSTM i,f,g,o → ONNX i,o,f,c; GRU r,z,n → ONNX z,r,h, run with
/// `linear_before_reset=1`, which is PyTorch's GRU), the directions stacked (`W [D, G·H, in]`,
/// `R [D, G·H, H]`, `B [D, 2·G·H]` = input then hidden biases), and `sequence_lens` for packing.
enum ONNXRecurrent {
    /// The operator of `cell`.
    static func opType(_ cell: RecurrentCell) -> String {
        switch cell {
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        case .rnnTanh, .rnnReLU: return "RNN"
        }
    }

    /// Where ONNX's gate block `k` comes from in PyTorch's order.
    static func blockOrder(_ cell: RecurrentCell) -> [Int] {
        switch cell {
        case .lstm: return [0, 3, 1, 2]   // i, o, f, c  from  i, f, g, o
        case .gru: return [1, 0, 2]       // z, r, h  from  r, z, n
        case .rnnTanh, .rnnReLU: return [0]
        }
    }

    /// `matrix` (`[G·H, width]` row-major, PyTorch gate order) with its row blocks in ONNX's order.
    static func reorder(_ matrix: [Float], cell: RecurrentCell, hidden: Int, width: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(matrix.count)
        for block in blockOrder(cell) { out += matrix[(block * hidden * width)..<((block + 1) * hidden * width)] }
        return out
    }

    /// Adds one recurrent layer's node over `input` (`[steps, batch, in]`) with `lengths` (int32 `[batch]`);
    /// returns `Y` (`[steps, D, batch, H]`) and `Y_h` (`[D, batch, H]`).
    static func layer(_ model: inout ONNXModel, input: String, lengths: String, weights: [String: Tensor], prefix: String,
                      layer: Int, cell: RecurrentCell, inputSize: Int, hidden: Int, bidirectional: Bool) throws -> (y: String, yh: String) {
        let directions = bidirectional ? 2 : 1
        let gates = blockOrder(cell).count
        var w: [Float] = [], r: [Float] = [], b: [Float] = []
        for d in 0..<directions {
            let suffix = "_l\(layer)" + (d == 1 ? "_reverse" : "")
            func tensor(_ name: String) throws -> [Float] {
                guard let t = weights[prefix + name + suffix] else { throw ExportError.missingWeight(prefix + name + suffix) }
                return t.storage
            }
            w += reorder(try tensor("weight_ih"), cell: cell, hidden: hidden, width: inputSize)
            r += reorder(try tensor("weight_hh"), cell: cell, hidden: hidden, width: hidden)
            b += reorder(try tensor("bias_ih"), cell: cell, hidden: hidden, width: 1)
            b += reorder(try tensor("bias_hh"), cell: cell, hidden: hidden, width: 1)
        }
        let stem = "\(prefix)l\(layer)"
        let W = model.constant(stem + ".W", dims: [directions, gates * hidden, inputSize], floats: w)
        let R = model.constant(stem + ".R", dims: [directions, gates * hidden, hidden], floats: r)
        let B = model.constant(stem + ".B", dims: [directions, 2 * gates * hidden], floats: b)
        var attributes: [(String, ONNXModel.Attribute)] = [("hidden_size", .int(Int64(hidden))),
                                                           ("direction", .string(bidirectional ? "bidirectional" : "forward"))]
        switch cell {
        case .gru: attributes.append(("linear_before_reset", .int(1)))
        case .rnnTanh: attributes.append(("activations", .strings(Array(repeating: "Tanh", count: directions))))
        case .rnnReLU: attributes.append(("activations", .strings(Array(repeating: "Relu", count: directions))))
        case .lstm: break
        }
        let outputCount = cell == .lstm ? 3 : 2
        let outs = model.node(opType(cell), [input, W, R, B, lengths], outputCount: outputCount, attributes)
        return (outs[0], outs[1])
    }
}

/// Why a run cannot be exported.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint lacks a weight the architecture needs.
    case missingWeight(String)
    /// This kind of run or setting has no export in this format.
    case unsupported(String)

    public var description: String {
        switch self {
        case let .missingWeight(name): return "the checkpoint has no \(name)"
        case let .unsupported(why): return why
        }
    }
}
