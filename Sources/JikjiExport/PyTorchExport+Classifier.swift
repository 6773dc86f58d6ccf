import JikjiModels

extension PyTorchExport {
    /// The `nn.Module` of a ``SequenceClassifier``: `forward(ids, lengths)` → logits (packed by
    /// lengths, pooled as the job pools), `probabilities(logits)` as `jikji predict` reports them.
    /// - Throws: ``ExportError/unsupported(_:)`` for attention pooling, which has no module yet.
    static func classifierModule(_ c: SequenceClassifier.Configuration) throws -> ModuleSource {
        if c.pooling == .attention {
            throw ExportError.unsupported("model.pooling: attention has no PyTorch export yet (final, mean, max and concat have)")
        }
        let D = c.bidirectional ? 2 : 1, part = c.encoderWidth
        let layers = [
            PyTorchLayer.embedding("embedding", count: c.vocabularySize, width: c.embeddingSize, paddingIndex: c.paddingIndex),
            PyTorchLayer.recurrent("rnn", cell: c.cell, inputs: c.embeddingSize, hidden: c.hiddenSize, layers: c.layers,
                                   bidirectional: c.bidirectional),
            PyTorchLayer.linear("fc", inputs: c.pooledSize, outputs: c.outputSize),
        ]
        var forward = """
                def forward(self, ids, lengths):
                    \"\"\"Logits of post-padded `ids` [batch, steps] with `lengths` [batch] valid ids per row.\"\"\"
                    x = self.embedding(ids)
                    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
                    output, state = self.rnn(packed)

            """
        switch c.pooling {
        case .final:
            forward += """
                        # The last layer's final states, forward then backward, side by side.
                        hidden = state[0] if isinstance(state, tuple) else state
                        pooled = hidden[-\(D):].transpose(0, 1).reshape(ids.shape[0], \(part))

                """
        case .concat:
            // ULMFiT's [final states, max, mean], as Jikji's concat pooling lays them out.
            forward += """
                        hidden = state[0] if isinstance(state, tuple) else state
                        final = hidden[-\(D):].transpose(0, 1).reshape(ids.shape[0], \(part))
                        output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=ids.shape[1])
                        valid = (torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None].to(ids.device))[..., None]
                        highest = output.masked_fill(~valid, float("-inf")).max(1).values
                        mean = (output * valid).sum(1) / lengths[:, None].to(output.dtype).to(output.device)
                        pooled = torch.cat([final, highest, mean], dim=1)

                """
        case .attention:
            throw ExportError.unsupported("model.pooling: attention has no PyTorch export yet")
        case .mean, .max:
            forward += """
                        output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=ids.shape[1])
                        valid = (torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None].to(ids.device))[..., None]

                """
            forward += c.pooling == .mean
                ? "        pooled = (output * valid).sum(1) / lengths[:, None].to(output.dtype).to(output.device)\n"
                : "        pooled = output.masked_fill(~valid, float(\"-inf\")).max(1).values\n"
        }
        forward += "        return self.fc(pooled)\n\n"
        if c.outputSize == 1 {
            forward += """
                    @staticmethod
                    def probabilities(logits):
                        \"\"\"One logit: (1 - p, p) with p = sigmoid(logit), class 1 from p = 0.5 up.\"\"\"
                        p = torch.sigmoid(logits[:, 0])
                        return torch.stack([1 - p, p], dim=1)

                """
        } else {
            forward += """
                    @staticmethod
                    def probabilities(logits):
                        \"\"\"The softmax over the classes.\"\"\"
                        return torch.softmax(logits, dim=1)

                """
        }
        return ModuleSource(className: "JikjiClassifier", summary: "a \(c.classes)-class recurrent text classifier",
                            layers: layers, buffers: [], body: forward)
    }
}
