import Foundation
import JikjiData
import JikjiModels
import JikjiWordPiece

/// Sample predictions of a finished run, for its report: the trained model (best checkpoint) run
/// on a few examples of the test split (else the validation split).
extension ReportSupplement {
    /// How many examples are classified to pick the most confident right and wrong ones.
    static let classifiedLimit = 1000
    /// Rows of each sample table.
    static let shown = 5

    /// The supplement of run `runID` trained on `data`: sample predictions and data provenance;
    /// the vocabulary's tokens are written as `vocab.txt` into the run folder `directory`.
    public static func make(runID: Int, registryPath: String, data: JobData, directory: String) throws -> ReportSupplement {
        let trained = try TrainedRun(runID: runID, registryPath: registryPath)
        var supplement = ReportSupplement(vocabulary: data.vocabulary.stored.reference)
        try data.vocabulary.stored.export(to: URL(fileURLWithPath: directory + "/vocab.txt"), format: .vocabTxt)
        supplement.vocabularyFile = "vocab.txt"
        supplement.datasets = [provenance(of: data.main, role: "main")] + (data.test.map { [provenance(of: $0, role: "test")] } ?? [])
        // The test file's examples are all in its train split; the main dataset's held-out ones in valid.
        let (dataset, indices, split): (EncodedDataset, [Int], String) = if let test = data.test {
            (test, test.indices(of: .train), "test")
        } else {
            (data.main, data.main.indices(of: .valid), "valid")
        }
        supplement.sampleSplit = split
        guard !indices.isEmpty else { return supplement }
        switch data.main.info.kind {
        case .classification:
            guard let labels = dataset.labels else { return supplement }
            let chosen = Array(indices.prefix(classifiedLimit))
            let texts = chosen.map { trained.decode(Array(dataset.source[$0])) }
            let scores = try trained.scores(texts)
            var right: [Classified] = [], wrong: [Classified] = []
            for (k, score) in scores.enumerated() {
                let label = Int(labels[chosen[k]])
                let sample = Classified(text: texts[k], label: label, predicted: score.label,
                                        probability: score.probabilities[score.label])
                if label == score.label { right.append(sample) } else { wrong.append(sample) }
            }
            // Most confident first; ties keep the split's order.
            func top(_ samples: [Classified]) -> [Classified] {
                Array(samples.enumerated().sorted { $0.element.probability != $1.element.probability
                    ? $0.element.probability > $1.element.probability : $0.offset < $1.offset }.prefix(shown).map(\.element))
            }
            supplement.mostConfidentRight = top(right)
            supplement.mostConfidentWrong = top(wrong)
            supplement.classifiedExamples = scores.count
        case .lm:
            // Prompts: the first three tokens of the first documents; greedy continuations.
            for index in indices.prefix(3) {
                let prompt = trained.decode(Array(dataset.source[index].prefix(3)))
                guard !prompt.isEmpty else { continue }
                let text = try trained.generate(prompt: prompt, maxTokens: 20, temperature: 0, topK: 0, seed: trained.run.seed)
                supplement.generations.append(Generation(prompt: prompt, text: text))
            }
        case .pairs:
            guard let targets = dataset.target else { return supplement }
            let chosen = Array(indices.prefix(shown))
            let sources = chosen.map { trained.decode(Array(dataset.source[$0])) }
            let answers = try trained.translate(sources, options: Seq2Seq.SearchOptions())
            for (k, index) in chosen.enumerated() {
                let reference = Array(targets[index])
                let hypothesis = answers[k].first ?? ""
                let bleu = Metrics.bleu(hypotheses: [try trained.encode([hypothesis])[0]], references: [reference])
                supplement.translations.append(Translation(source: sources[k], reference: trained.decode(reference),
                                                           hypothesis: hypothesis, bleu: bleu))
            }
        }
        return supplement
    }
}
