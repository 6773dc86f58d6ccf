import Foundation
import JikjiRecurrent
import JikjiWordPiece

/// Decoding: beam search (greedy with a beam of 1) over one source at a time.
extension Seq2Seq {
    /// Beam search settings.
    public struct SearchOptions: Sendable, Equatable {
        /// 1 = greedy.
        public var beamSize: Int
        /// GNMT length penalty α: scores are `log p / ((5 + length) / 6)^α` (0 = raw log-probability).
        public var lengthPenalty: Double
        /// Longest output, end token included.
        public var maxLength: Int
        /// How many finished hypotheses to return, best first.
        public var nBest: Int
        /// Search settings.
        public init(beamSize: Int = 1, lengthPenalty: Double = 0, maxLength: Int = 50, nBest: Int = 1) {
            self.beamSize = beamSize; self.lengthPenalty = lengthPenalty; self.maxLength = maxLength; self.nBest = nBest
        }
    }

    /// One decoded output.
    public struct Hypothesis: Sendable, Equatable {
        /// Output ids without the start token, ending with the end token when it was produced.
        public var tokens: [TokenID]
        /// Sum of the tokens' log-probabilities.
        public var logProbability: Double
        /// The length-penalised score used for ranking.
        public var score: Double
    }

    /// Decodes one source sequence (ids, unpadded) by beam search; each source is searched on its
    /// own, so results never depend on how many sources a caller translates together.
    public func translate(_ sourceTokens: [TokenID], options: SearchOptions) throws -> [Hypothesis] {
        guard !sourceTokens.isEmpty else { throw ModelError.input("cannot translate an empty source") }
        var unused = SeededGenerator(seed: 0)
        let sourceIDs = sourceTokens.ints  // the embedding's row indices
        let encoded = try encode(source: sourceIDs, batch: 1, steps: sourceIDs.count, lengths: [sourceIDs.count],
                                 training: false, generator: &unused)
        let c = configuration, E = c.embeddingSize, Hd = c.decoder.hiddenSize, V = c.vocabularySize
        let Ld = c.decoder.layers, S = sourceIDs.count, encoderWidth = c.encoder.width
        let K = max(1, options.beamSize)
        struct Beam { var tokens: [TokenID]; var logp: Double; var hidden: [Float]; var cell: [Float]?; var feed: [Float] }
        var beams = [Beam(tokens: [], logp: 0, hidden: encoded.initialHidden.storage, cell: encoded.initialCell?.storage,
                          feed: [Float](repeating: 0, count: Hd))]
        var finished: [Hypothesis] = []
        func penalised(_ logp: Double, _ length: Int) -> Double {
            options.lengthPenalty == 0 ? logp : logp / pow((5 + Double(length)) / 6, options.lengthPenalty)
        }
        let inputWidth = E + (c.inputFeeding ? Hd : 0)
        for _ in 0..<options.maxLength where !beams.isEmpty {
            let n = beams.count
            // One decoder step for every live hypothesis, as a batch of n.
            let ids = beams.map { Int($0.tokens.last ?? c.startID) }
            let embedded = try targetEmbedding.forward(ids: ids, shape: [n, 1])
            var x = Tensor(shape: [n, 1, inputWidth])
            var h0 = Tensor(shape: [Ld, n, Hd]), c0: Tensor? = decoder.cell.hasCellState ? Tensor(shape: [Ld, n, Hd]) : nil
            for (i, beam) in beams.enumerated() {
                for j in 0..<E { x.storage[i * inputWidth + j] = embedded.storage[i * E + j] }
                if c.inputFeeding { for j in 0..<Hd { x.storage[i * inputWidth + E + j] = beam.feed[j] } }
                for l in 0..<Ld {
                    for j in 0..<Hd {
                        h0.storage[(l * n + i) * Hd + j] = beam.hidden[l * Hd + j]
                        if let cell = beam.cell { c0!.storage[(l * n + i) * Hd + j] = cell[l * Hd + j] }
                    }
                }
            }
            let result = try decoder.forward(x, initialHidden: h0, initialCell: c0)
            let h = result.output.reshaped([n, Hd])
            var attentional = h
            if let attention {
                var memory = Tensor(shape: [n, S, encoderWidth])
                for i in 0..<n { for k in 0..<(S * encoderWidth) { memory.storage[i * S * encoderWidth + k] = encoded.result.output.storage[k] } }
                attentional = try attention.forward(encoderOutputs: memory, sourceLengths: [Int](repeating: S, count: n),
                                                    decoderStates: h, state: LuongAttentionState())
            }
            let logits = output.logits(hidden: attentional)
            var candidates: [(beam: Int, token: Int, logp: Double)] = []
            for i in 0..<n {
                let row = Array(logits.storage[(i * V)..<((i + 1) * V)])
                let maxLogit = row.max() ?? 0
                var sum = 0.0
                for v in row { sum += exp(Double(v - maxLogit)) }
                let logZ = Double(maxLogit) + log(sum)
                // The K best tokens of this hypothesis (ties by id, for determinism).
                var top: [(Int, Double)] = []
                for (token, v) in row.enumerated() {
                    let lp = Double(v) - logZ
                    if top.count < K || lp > top[top.count - 1].1 || (lp == top[top.count - 1].1 && token < top[top.count - 1].0) {
                        top.append((token, lp))
                        top.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                        if top.count > K { top.removeLast() }
                    }
                }
                for (token, lp) in top { candidates.append((i, token, beams[i].logp + lp)) }
            }
            candidates.sort { $0.logp != $1.logp ? $0.logp > $1.logp : ($0.beam, $0.token) < ($1.beam, $1.token) }
            var next: [Beam] = []
            for candidate in candidates {
                let parent = beams[candidate.beam]
                let tokens = parent.tokens + [TokenID(candidate.token)]
                if tokens.last == c.endID || tokens.count == options.maxLength {
                    finished.append(Hypothesis(tokens: tokens, logProbability: candidate.logp, score: penalised(candidate.logp, tokens.count)))
                } else if next.count < K {
                    var hidden = [Float](repeating: 0, count: Ld * Hd)
                    var cell: [Float]? = result.finalCell == nil ? nil : [Float](repeating: 0, count: Ld * Hd)
                    for l in 0..<Ld {
                        for j in 0..<Hd {
                            hidden[l * Hd + j] = result.finalHidden.storage[(l * n + candidate.beam) * Hd + j]
                            if let fc = result.finalCell { cell![l * Hd + j] = fc.storage[(l * n + candidate.beam) * Hd + j] }
                        }
                    }
                    let feed = Array(attentional.storage[(candidate.beam * Hd)..<((candidate.beam + 1) * Hd)])
                    next.append(Beam(tokens: tokens, logp: candidate.logp, hidden: hidden, cell: cell, feed: feed))
                }
                if next.count >= K && finished.count >= max(K, options.nBest) { break }
            }
            beams = next
            // Stop once no live hypothesis can beat the n-th best finished one (scores only fall without a penalty).
            if finished.count >= options.nBest, options.lengthPenalty == 0,
               let bestLive = beams.map(\.logp).max() {
                let nth = finished.map(\.score).sorted(by: >)[options.nBest - 1]
                if bestLive < nth { break }
            }
        }
        if finished.isEmpty {
            finished = beams.map { Hypothesis(tokens: $0.tokens, logProbability: $0.logp, score: penalised($0.logp, $0.tokens.count)) }
        }
        finished.sort { $0.score != $1.score ? $0.score > $1.score : $0.tokens.lexicographicallyPrecedes($1.tokens) }
        return Array(finished.prefix(max(1, options.nBest)))
    }
}

extension Seq2Seq {
    /// Decodes several sources; each is searched alone (see ``translate(_:options:)``).
    public func translate(batch sources: [[TokenID]], options: SearchOptions) throws -> [[Hypothesis]] {
        try sources.map { try translate($0, options: options) }
    }
}