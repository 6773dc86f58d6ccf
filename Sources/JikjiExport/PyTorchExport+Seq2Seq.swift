import JikjiModels

extension PyTorchExport {
    /// The `nn.Module` of a ``Seq2Seq``: `encode(ids, lengths)` (encoder outputs, source mask and the
    /// bridged initial decoder state), `step(token, state, feed, memory, mask)` (one decoder step with
    /// Luong attention and, when the job feeds it, the previous attentional state), and `greedy`
    /// (as `jikji translate --beam 1`).
    static func seq2seqModule(_ c: Seq2Seq.Configuration) -> ModuleSource {
        let De = c.encoder.bidirectional ? 2 : 1, He = c.encoder.hiddenSize, Hd = c.decoder.hiddenSize
        let We = De * He, Le = c.encoder.layers, Ld = c.decoder.layers
        let decoderInputs = c.embeddingSize + (c.inputFeeding ? Hd : 0)
        var layers = [
            PyTorchLayer.embedding("src_embedding", count: c.vocabularySize, width: c.embeddingSize, paddingIndex: c.paddingIndex),
            PyTorchLayer.recurrent("encoder", cell: c.encoder.cell, inputs: c.embeddingSize, hidden: He, layers: Le,
                                   bidirectional: c.encoder.bidirectional),
            PyTorchLayer.embedding("tgt_embedding", count: c.vocabularySize, width: c.embeddingSize, paddingIndex: c.paddingIndex),
            PyTorchLayer.recurrent("decoder", cell: c.decoder.cell, inputs: decoderInputs, hidden: Hd, layers: Ld, bidirectional: false),
        ]
        // A projection only when the widths differ (the identity otherwise); its cell twin only between LSTMs.
        let projects = c.bridge == .project && We != Hd
        let bothLSTM = c.encoder.cell.hasCellState && c.decoder.cell.hasCellState
        if projects {
            layers.append(.linear("bridge_h", inputs: We, outputs: Hd))
            if bothLSTM { layers.append(.linear("bridge_c", inputs: We, outputs: Hd)) }
        }
        switch c.attention {
        case .dot, .none: break
        case .general: layers.append(.linear("W_a", inputs: Hd, outputs: We, bias: false))
        case .concat:
            layers.append(.linear("W_a", inputs: Hd + We, outputs: Hd, bias: false))
            layers.append(.linear("v", inputs: Hd, outputs: 1, bias: false))
        }
        if c.attention != .none { layers.append(.linear("W_c", inputs: Hd + We, outputs: Hd, bias: false)) }
        layers.append(.linear("out", inputs: Hd, outputs: c.vocabularySize))

        let bridgeRow: String
        switch (projects, c.bridge == .sum && De == 2) {
        case (true, _): bridgeRow = "rows.append(linear(side_by_side))"
        case (false, true): bridgeRow = "rows.append(side_by_side[:, :\(He)] + side_by_side[:, \(He):])   # sum of directions"
        case (false, false): bridgeRow = "rows.append(side_by_side)"
        }
        let cellStart: String
        if !c.decoder.cell.hasCellState {
            cellStart = "state = hidden"
        } else if c.encoder.cell.hasCellState {
            cellStart = "state = (hidden, bridge(encoder_state[1], \(projects ? "self.bridge_c" : "None")))"
        } else {
            cellStart = "state = (hidden, torch.zeros_like(hidden))   # no encoder cell states: the decoder's start at zero"
        }
        let scores: String
        switch c.attention {
        case .dot: scores = "scores = torch.bmm(memory, h[:, :, None])[:, :, 0]"
        case .general: scores = "scores = torch.bmm(memory, self.W_a(h)[:, :, None])[:, :, 0]"
        case .concat:
            scores = "both = torch.cat([h[:, None, :].expand(-1, memory.shape[1], -1), memory], dim=2)\n"
                + "        scores = self.v(torch.tanh(self.W_a(both)))[:, :, 0]"
        case .none: scores = ""
        }
        let attend = c.attention == .none ? "        attentional = h\n" : """
                    \(scores)
                    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
                    context = torch.bmm(weights[:, None, :], memory)[:, 0]
                    attentional = torch.tanh(self.W_c(torch.cat([h, context], dim=1)))

            """
        let body = """
                def encode(self, ids, lengths):
                    \"\"\"Post-padded source `ids` [batch, steps] with `lengths` [batch]: (encoder outputs, mask of
                    the valid steps, the decoder's initial state through the bridge).\"\"\"
                    packed = nn.utils.rnn.pack_padded_sequence(self.src_embedding(ids), lengths.cpu(), batch_first=True,
                                                               enforce_sorted=False)
                    output, encoder_state = self.encoder(packed)
                    memory, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=ids.shape[1])
                    mask = torch.arange(ids.shape[1])[None, :] < lengths[:, None]
                    final_hidden = encoder_state[0] if isinstance(encoder_state, tuple) else encoder_state

                    def bridge(states, linear):
                        # Decoder layer l starts from encoder layer min(l, \(Le - 1)), its directions side by side.
                        rows = []
                        for layer in range(\(Ld)):
                            k = min(layer, \(Le - 1))
                            side_by_side = states[k * \(De):(k + 1) * \(De)].transpose(0, 1).reshape(ids.shape[0], \(We))
                            \(bridgeRow)
                        return torch.stack(rows)

                    hidden = bridge(final_hidden, \(projects ? "self.bridge_h" : "None"))
                    \(cellStart)
                    return memory, mask, state

                def step(self, token, state, feed, memory, mask):
                    \"\"\"One decoder step from the previous `token` [batch]: (logits, new state, attentional state:
                    the next step's `feed`).\"\"\"
                    x = self.tgt_embedding(token)

            """ + (c.inputFeeding ? "        x = torch.cat([x, feed], dim=1)\n" : "") + """
                    output, state = self.decoder(x[:, None, :], state)
                    h = output[:, 0]

            """ + attend + """
                    return self.out(attentional), state, attentional

                @torch.no_grad()
                def greedy(self, ids, lengths, max_length=50):
                    \"\"\"Greedy answers (ids, end id included when produced) of a padded source batch, as
                    `jikji translate --beam 1`: (answers, their log-probabilities).\"\"\"
                    memory, mask, state = self.encode(ids, lengths)
                    batch = ids.shape[0]
                    token = torch.full((batch,), START_ID, dtype=torch.long)
                    feed = torch.zeros(batch, \(Hd))
                    answers, scores, done = [[] for _ in range(batch)], [0.0] * batch, [False] * batch
                    for _ in range(max_length):
                        logits, state, feed = self.step(token, state, feed, memory, mask)
                        log_probabilities = F.log_softmax(logits, dim=1)
                        token = torch.argmax(log_probabilities, dim=1)
                        for i in range(batch):
                            if not done[i]:
                                answers[i].append(int(token[i]))
                                scores[i] += float(log_probabilities[i, token[i]])
                                done[i] = int(token[i]) == END_ID
                        if all(done):
                            break
                    return answers, scores

            """
        let constants = "START_ID = \(c.startID)  # the decoder's first input\nEND_ID = \(c.endID)  # the id that ends an answer\n"
        return ModuleSource(className: "JikjiSeq2Seq", summary: "a recurrent encoder-decoder with Luong attention",
                            layers: layers, buffers: [], body: body, constants: constants)
    }
}
