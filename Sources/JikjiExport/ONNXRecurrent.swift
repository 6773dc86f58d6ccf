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

    /// Adds one recurrent layer's node over `input` (`[steps, batch, in]`) with `lengths` (int32 `[batch]`;
    /// nil: every row runs all steps) and initial states `initialHidden`, `initialCell` (`[D, batch, H]`;
    /// nil: zeros); returns `Y` (`[steps, D, batch, H]`), `Y_h` (`[D, batch, H]`) and, for LSTM, `Y_c`.
    static func layer(_ model: inout ONNXModel, input: String, lengths: String?, initialHidden: String? = nil,
                      initialCell: String? = nil, weights: [String: Tensor], prefix: String,
                      layer: Int, cell: RecurrentCell, inputSize: Int, hidden: Int,
                      bidirectional: Bool) throws -> (y: String, yh: String, yc: String?) {
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
        // Optional inputs are positional: an empty name skips one; trailing absent ones are left off.
        var inputs = [input, W, R, B, lengths ?? "", initialHidden ?? ""]
        if cell == .lstm { inputs.append(initialCell ?? "") }
        while inputs.last == "" { inputs.removeLast() }
        let outs = model.node(opType(cell), inputs, outputCount: outputCount, attributes)
        return (outs[0], outs[1], cell == .lstm ? outs[2] : nil)
    }
}

extension ONNXRecurrent {
    /// What ``stack(_:input:lengths:initialHidden:initialCell:weights:prefix:cell:inputSize:hidden:layers:bidirectional:)`` adds.
    struct Stack {
        /// The top layer's outputs, `[steps, batch, D·H]` (forward then reverse features, as PyTorch concatenates them).
        var output: String
        /// Every layer's final states, `[L·D, batch, H]` (PyTorch's `h_n` layout).
        var finalHidden: String
        /// The LSTM's final cell states, `[L·D, batch, H]`; nil for other cells.
        var finalCell: String?
        /// Each layer's `Y_h`, `[D, batch, H]`.
        var layerHidden: [String]
        /// Each layer's `Y_c` (LSTM).
        var layerCell: [String]
    }

    /// A PyTorch-layout recurrent stack of `layers` (`rnn.*_l{k}` under `prefix`) over `input`
    /// (`[steps, batch, inputSize]`); `initialHidden`/`initialCell` are `[L·D, batch, H]` (nil: zeros),
    /// each layer starting from its own `D` rows.
    static func stack(_ m: inout ONNXModel, input: String, lengths: String?, initialHidden: String? = nil,
                      initialCell: String? = nil, weights: [String: Tensor], prefix: String, cell: RecurrentCell,
                      inputSize: Int, hidden: Int, layers: Int, bidirectional: Bool) throws -> Stack {
        let D = bidirectional ? 2 : 1
        let flatShape = m.constant(dims: [3], ints: [0, 0, -1])
        var x = input
        var hs: [String] = [], cs: [String] = []
        for layer in 0..<layers {
            func rows(_ state: String?) -> String? {
                state.map { s in
                    m.op("Slice", [s, m.constant(dims: [1], ints: [Int64(layer * D)]), m.constant(dims: [1], ints: [Int64((layer + 1) * D)]),
                                   m.constant(dims: [1], ints: [0])])
                }
            }
            let h0 = rows(initialHidden), c0 = cell == .lstm ? rows(initialCell) : nil
            let (y, yh, yc) = try Self.layer(&m, input: x, lengths: lengths, initialHidden: h0, initialCell: c0, weights: weights,
                                             prefix: prefix, layer: layer, cell: cell, inputSize: layer == 0 ? inputSize : D * hidden,
                                             hidden: hidden, bidirectional: bidirectional)
            // [steps, D, batch, H] → [steps, batch, D·H].
            x = m.op("Reshape", [m.op("Transpose", [y], [("perm", .ints([0, 2, 1, 3]))]), flatShape])
            hs.append(yh)
            if let yc { cs.append(yc) }
        }
        let finalHidden = layers == 1 ? hs[0] : m.op("Concat", hs, [("axis", .int(0))])
        let finalCell = cs.isEmpty ? nil : (layers == 1 ? cs[0] : m.op("Concat", cs, [("axis", .int(0))]))
        return Stack(output: x, finalHidden: finalHidden, finalCell: finalCell, layerHidden: hs, layerCell: cs)
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
