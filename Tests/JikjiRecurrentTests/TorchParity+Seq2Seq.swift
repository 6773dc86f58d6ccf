import Foundation
import JikjiRecurrent
import JikjiTestSupport

extension TorchParity {
    /// seq2seq_lstm_luong_general: LSTM encoder-decoder with Luong general attention.
    ///
    /// source `[B, S]` → embedding (padding id 0) → LSTM over packed source lengths; its final
    /// `(h, c)` start the decoder LSTM over the embedded `target_input` `[B, T]` (teacher forcing);
    /// attention over the encoder outputs gives `h̃ = tanh(W_c [h_t; c_t])`; `out` gives logits
    /// `[B, T, V]`; cross-entropy ignores the pad id. Checks logits, loss and every gradient.
    static func checkSeq2Seq(_ fixture: TorchFixture) throws -> [String] {
        let ignoreIndex = try seq2SeqIgnoreIndex(fixture)
        let source = try fixture.tensor("source"), targetInput = try fixture.tensor("target_input")
        let sourceLengths = try fixture.tensor("source_lengths").ints
        let hidden = try fixture.int("hidden"), embeddingSize = try fixture.int("embedding")

        // The embeddings' padding id is the pad id the loss ignores (rows 0 stay zero in the fixture).
        let sourceEmbedding = try Embedding(weight: try fixture.jikjiTensor("src_embedding.weight"), paddingIndex: ignoreIndex)
        let targetEmbedding = try Embedding(weight: try fixture.jikjiTensor("tgt_embedding.weight"), paddingIndex: ignoreIndex)
        var generator = SeededGenerator(seed: 1)
        let encoder = try RecurrentLayer(cell: .lstm, inputSize: embeddingSize, hiddenSize: hidden, generator: &generator)
        let decoder = try RecurrentLayer(cell: .lstm, inputSize: embeddingSize, hiddenSize: hidden, generator: &generator)
        for (prefix, layer) in [("encoder.", encoder), ("decoder.", decoder)] {
            for (name, parameter) in layer.namedParameters {
                parameter.value = try fixture.jikjiTensor(prefix + name)
            }
        }
        let attention = try LuongAttention(
            score: .general, combineWeight: try fixture.jikjiTensor("W_c.weight"),
            scoreWeight: try fixture.jikjiTensor("W_a.weight"))
        let output = try Linear(weight: try fixture.jikjiTensor("out.weight"), bias: try fixture.jikjiTensor("out.bias"))

        // Forward.
        let sourceVectors = try sourceEmbedding.forward(ids: source.ints, shape: source.shape)
        let encoded = try encoder.forward(sourceVectors, lengths: sourceLengths)
        let targetVectors = try targetEmbedding.forward(ids: targetInput.ints, shape: targetInput.shape)
        let decoded = try decoder.forward(targetVectors, initialHidden: encoded.finalHidden, initialCell: encoded.finalCell)
        let state = LuongAttentionState()
        let attentional = try attention.forward(
            encoderOutputs: encoded.output, sourceLengths: sourceLengths, decoderStates: decoded.output, state: state)
        let logits = output.forward(attentional)
        let loss = try Loss.crossEntropy(logits: logits, targets: try fixture.tensor("target_output").ints,
                                         ignoreIndex: ignoreIndex)

        // Backward, in reverse order.
        let dAttentional = output.backward(input: attentional, outputGradient: loss.gradient)
        let dAttention = attention.backward(attentionalGradient: dAttentional, state: state)
        let dDecoder = try decoder.backward(decoded.tape, outputGradient: dAttention.decoderStates)
        targetEmbedding.backward(ids: targetInput.ints, outputGradient: dDecoder.input)
        let dEncoder = try encoder.backward(
            encoded.tape, outputGradient: dAttention.encoderOutputs,
            finalHiddenGradient: dDecoder.initialHidden, finalCellGradient: dDecoder.initialCell)
        sourceEmbedding.backward(ids: source.ints, outputGradient: dEncoder.input)

        var list = MismatchList()
        try list.compare(logits, fixture, "logits")
        try list.compare(loss.value, fixture, "loss")
        let modules: [(String, any ParameterContainer)] = [
            ("src_embedding", sourceEmbedding), ("encoder", encoder), ("tgt_embedding", targetEmbedding),
            ("decoder", decoder), ("", attention), ("out", output),
        ]
        var checked = 0
        for (prefix, module) in modules {
            for (name, parameter) in module.namedParameters(prefix: prefix) {
                try list.compare(parameter.gradient, fixture, "grad." + name)
                checked += 1
            }
        }
        let expected = fixture.tensors.keys.filter { $0.hasPrefix("grad.") }.count
        if checked != expected { list.problems.append("checked \(checked) gradients, the fixture has \(expected)") }
        return list.problems
    }

    /// The pad id from the description's `ignore_index=<n>`.
    private static func seq2SeqIgnoreIndex(_ fixture: TorchFixture) throws -> Int {
        guard let range = fixture.description.range(of: #"ignore_index=(-?\d+)"#, options: .regularExpression),
              let value = Int(fixture.description[range].dropFirst("ignore_index=".count)) else {
            throw FixtureError.missingConfig(fixture.name, "ignore_index (in the description)")
        }
        return value
    }
}
