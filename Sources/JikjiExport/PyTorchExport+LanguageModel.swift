import JikjiModels

extension PyTorchExport {
    /// The `nn.Module` of a ``LanguageModel``: `forward(ids, state)` → every id's log-probability
    /// after each step and the state; `generate(context, …)` continues greedily as
    /// `jikji generate --temperature 0` does. Tied weights read the embedding table (only `fc.bias`
    /// is the output layer's own); an adaptive softmax is PyTorch's `AdaptiveLogSoftmaxWithLoss`
    /// over frequency ranks, mapped back to ids through the `frequency_order` buffer.
    static func languageModelModule(_ c: LanguageModel.Configuration, startID: Int?, stopID: Int?) -> ModuleSource {
        var layers = [
            PyTorchLayer.embedding("embedding", count: c.vocabularySize, width: c.embeddingSize, paddingIndex: c.paddingIndex),
            PyTorchLayer.recurrent("rnn", cell: c.cell, inputs: c.embeddingSize, hidden: c.hiddenSize, layers: c.layers, bidirectional: false),
        ]
        var buffers: [(String, [Int])] = []
        let scores: String
        if let adaptive = c.adaptiveOutput {
            layers.append(.adaptiveSoftmax("fc", inputs: c.hiddenSize, classes: c.vocabularySize, cutoffs: adaptive.cutoffs,
                                           divValue: adaptive.divValue, headBias: adaptive.headBias))
            buffers.append(("frequency_order", [c.vocabularySize]))
            scores = """
                        # The adaptive softmax scores frequency ranks; frequency_order[r] is the id of rank r.
                        by_rank = self.fc.log_prob(output.reshape(-1, \(c.hiddenSize)))
                        log_probabilities = torch.empty_like(by_rank)
                        log_probabilities[:, self.frequency_order.long()] = by_rank
                        return log_probabilities.reshape(output.shape[0], output.shape[1], \(c.vocabularySize)), state

                """
        } else if c.tieWeights {
            layers.append(.tiedOutput("fc", classes: c.vocabularySize))
            scores = """
                        logits = F.linear(output, self.embedding.weight, self.fc.bias)   # tied: the embedding table
                        return F.log_softmax(logits, dim=-1), state

                """
        } else {
            layers.append(.linear("fc", inputs: c.hiddenSize, outputs: c.vocabularySize))
            scores = """
                        return F.log_softmax(self.fc(output), dim=-1), state

                """
        }
        let body = """
                def forward(self, ids, state=None):
                    \"\"\"Log-probabilities of every id after each step of `ids` [batch, steps], and the state after
                    them (`state` None: zeros, as every document starts).\"\"\"
                    output, state = self.rnn(self.embedding(ids), state)

            """ + scores + "\n" + """
                @torch.no_grad()
                def generate(self, context, max_tokens=50, stop_id=STOP_ID):
                    \"\"\"Greedy continuation of `context` (ids: the document start, then the prompt's ids), as
                    `jikji generate --temperature 0`: (ids, log-probabilities), stopping after `stop_id`.\"\"\"
                    log_probabilities, state = self(torch.tensor([context]))
                    produced, scores = [], []
                    for _ in range(max_tokens):
                        step = log_probabilities[0, -1]
                        token = int(torch.argmax(step))
                        produced.append(token)
                        scores.append(float(step[token]))
                        if token == stop_id:
                            break
                        log_probabilities, state = self(torch.tensor([[token]]), state)
                    return produced, scores

            """
        let constants = "START_ID = \(startID.map(String.init) ?? "None")  # what a generated document starts after\n"
            + "STOP_ID = \(stopID.map(String.init) ?? "None")  # the id that ends a generation\n"
        return ModuleSource(className: "JikjiLanguageModel", summary: "a recurrent language model", layers: layers,
                            buffers: buffers, body: body, constants: constants)
    }
}
