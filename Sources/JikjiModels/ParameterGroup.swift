import JikjiRecurrent

/// A named set of a model's parameters that trains together: one learning rate under
/// discriminative fine-tuning, frozen or unfrozen together under gradual unfreezing (ULMFiT).
///
/// A model lists its groups bottom to top (``SequenceClassifier/parameterGroups``,
/// ``LanguageModel/parameterGroups``, ``Seq2Seq/parameterGroups``); every parameter is in exactly
/// one group, and a weight shared by two layers (a tied output projection) appears once, in the
/// group of the name it is listed under.
public struct ParameterGroup: Sendable, Equatable {
    /// The group's name as logs show it (`embedding`, `rnn.l0`, `head`, …).
    public let name: String
    /// State-dict names of the group's parameters, in the model's parameter order.
    public var parameterNames: [String]

    /// A group; see each property.
    public init(name: String, parameterNames: [String]) {
        self.name = name
        self.parameterNames = parameterNames
    }
}

extension ParameterGroup {
    /// Where a state-dict name sits in a layered model, bottom to top.
    enum Slot: Hashable, Comparable {
        /// An embedding table (`prefix` orders two tables: source before target).
        case embedding(order: Int)
        /// Recurrent layer `layer` of stack `stack` (0: the only or the encoder stack, 1: a decoder).
        case recurrent(stack: Int, layer: Int)
        /// Everything else: the classifier's or seq2seq's head, a language model's output layer.
        case top

        /// The group's name: `embeddings[order]`, `<stack>.l<layer>` or `top`.
        func title(stacks: [String], embeddings: [String], top: String) -> String {
            switch self {
            case let .embedding(order): return embeddings[order]
            case let .recurrent(stack, layer): return "\(stacks[stack]).l\(layer)"
            case .top: return top
            }
        }
    }

    /// The recurrent layer index in a PyTorch `nn.LSTM` parameter name (`weight_ih_l1`,
    /// `bias_hh_l0_reverse` → 1, 0), or nil for another name.
    static func recurrentLayer(_ name: Substring) -> Int? {
        guard let marker = name.range(of: "_l", options: .backwards) else { return nil }
        let digits = name[marker.upperBound...].prefix { $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let rest = name[marker.upperBound...].dropFirst(digits.count)
        guard rest.isEmpty || rest == "_reverse" else { return nil }
        return Int(digits)
    }

    /// Groups `names` by `slot` (nil: the top group), bottom to top, dropping empty groups.
    static func layered(_ names: [String], stacks: [String], embeddings: [String], top: String,
                        slot: (String) -> Slot) -> [ParameterGroup] {
        var bySlot: [Slot: [String]] = [:]
        for name in names { bySlot[slot(name), default: []].append(name) }
        return bySlot.keys.sorted().map { key in
            ParameterGroup(name: key.title(stacks: stacks, embeddings: embeddings, top: top), parameterNames: bySlot[key] ?? [])
        }
    }

    /// The slot of `name` when it starts with `prefix.` and carries a recurrent layer index.
    static func recurrentSlot(_ name: String, prefix: String, stack: Int) -> Slot? {
        guard name.hasPrefix(prefix + ".") else { return nil }
        return recurrentLayer(name.dropFirst(prefix.count + 1)).map { .recurrent(stack: stack, layer: $0) }
    }
}

extension SequenceClassifier {
    /// Bottom to top: `embedding` (`embedding.weight`), one group per recurrent layer (`rnn.l0`,
    /// `rnn.l1`, …, both directions of a layer together), then `head`: every other parameter
    /// (`fc.*` and any pooling parameters), so parameters added to the head land there.
    public var parameterGroups: [ParameterGroup] { ParameterGroup.classifierGroups(namedParameters.map(\.name)) }
}

extension ParameterGroup {
    /// A classifier's groups of `names` (state-dict names): `embedding`, `rnn.l<k>` per recurrent
    /// layer, and `head` for every other name, known or not.
    public static func classifierGroups(_ names: [String]) -> [ParameterGroup] {
        layered(names, stacks: ["rnn"], embeddings: ["embedding"], top: "head") { name in
            if name.hasPrefix("embedding.") { return .embedding(order: 0) }
            return recurrentSlot(name, prefix: "rnn", stack: 0) ?? .top
        }
    }
}

extension LanguageModel {
    /// Bottom to top: `embedding`, one group per recurrent layer (`rnn.l0`, …), then `output`:
    /// the output layer (`fc.weight` and `fc.bias` of a full softmax, the adaptive softmax's
    /// `fc.*`, its never-trained `frequency_order`). A tied output projection is
    /// `embedding.weight` itself and so belongs to `embedding` (only `fc.bias` is in `output`).
    public var parameterGroups: [ParameterGroup] {
        ParameterGroup.layered(namedParameters.map(\.name), stacks: ["rnn"], embeddings: ["embedding"], top: "output") { name in
            if name.hasPrefix("embedding.") { return .embedding(order: 0) }
            return ParameterGroup.recurrentSlot(name, prefix: "rnn", stack: 0) ?? .top
        }
    }
}

extension Seq2Seq {
    /// Bottom to top, following the data: `src_embedding`, the encoder's layers (`encoder.l0`, …),
    /// `tgt_embedding`, the decoder's layers (`decoder.l0`, …), then `head`: the bridges
    /// (`bridge_h`, `bridge_c`), the attention and the output projection (`out.*`), and any
    /// other parameter. (The target embedding sits below the decoder, which reads it, and above
    /// the encoder, so unfreezing from the top reaches the decoder side first.)
    public var parameterGroups: [ParameterGroup] {
        let names = namedParameters.map(\.name)
        var groups = ParameterGroup.layered(names, stacks: ["encoder", "decoder"], embeddings: ["src_embedding", "tgt_embedding"],
                                            top: "head") { name in
            if name.hasPrefix("src_embedding.") { return .embedding(order: 0) }
            if name.hasPrefix("tgt_embedding.") { return .embedding(order: 1) }
            return ParameterGroup.recurrentSlot(name, prefix: "encoder", stack: 0)
                ?? ParameterGroup.recurrentSlot(name, prefix: "decoder", stack: 1) ?? .top
        }
        // Slot order puts both embeddings first; move the target embedding up to just below the decoder.
        if let target = groups.firstIndex(where: { $0.name == "tgt_embedding" }),
           let decoder = groups.firstIndex(where: { $0.name.hasPrefix("decoder.") }) {
            let moved = groups.remove(at: target)
            groups.insert(moved, at: decoder - 1)
        }
        return groups
    }
}
