import Foundation
import JikjiData
import JikjiModels

/// What a run's report shows beyond the registry's metrics: sample predictions of the trained
/// model and the provenance of its data, made once when the run ends and kept beside the report
/// (`runs/<id>/report-supplement.json`) so `jikji job report` can render the page again.
public struct ReportSupplement: Codable, Sendable, Equatable {
    /// A classified example: its text (decoded from the stored ids), true and predicted class.
    public struct Classified: Codable, Sendable, Equatable {
        public var text: String
        public var label: Int
        public var predicted: Int
        /// The predicted class's probability.
        public var probability: Double

        /// A classified example; see each property.
        public init(text: String, label: Int, predicted: Int, probability: Double) {
            self.text = text; self.label = label; self.predicted = predicted; self.probability = probability
        }
    }

    /// A language model's greedy continuation of a prompt.
    public struct Generation: Codable, Sendable, Equatable {
        public var prompt: String
        /// The whole text, prompt included.
        public var text: String

        /// A generation; see each property.
        public init(prompt: String, text: String) { self.prompt = prompt; self.text = text }
    }

    /// An encoder-decoder's answer to a source beside the reference, with its sentence BLEU.
    public struct Translation: Codable, Sendable, Equatable {
        public var source: String
        public var reference: String
        public var hypothesis: String
        /// Sentence BLEU (up to 4-grams, on tokens) of the hypothesis against the reference.
        public var bleu: Double

        /// A translation; see each property.
        public init(source: String, reference: String, hypothesis: String, bleu: Double) {
            self.source = source; self.reference = reference; self.hypothesis = hypothesis; self.bleu = bleu
        }
    }

    /// One corpus file a dataset of the run was built from.
    public struct SourceFile: Codable, Sendable, Equatable {
        public var role: String
        public var path: String
        public var sha256: String
        public var lines: Int

        /// A file; see each property.
        public init(role: String, path: String, sha256: String, lines: Int) {
            self.role = role; self.path = path; self.sha256 = sha256; self.lines = lines
        }
    }

    /// A dataset of the run: its role (`main`, `test`), name, vocabulary, examples and files.
    public struct DatasetProvenance: Codable, Sendable, Equatable {
        public var role: String
        public var name: String
        public var vocabulary: String
        public var examples: [String: Int]
        public var files: [SourceFile]

        /// A dataset's provenance; see each property.
        public init(role: String, name: String, vocabulary: String, examples: [String: Int], files: [SourceFile]) {
            self.role = role; self.name = name; self.vocabulary = vocabulary; self.examples = examples; self.files = files
        }
    }

    /// Which split the samples were drawn from (`test`, else `valid`).
    public var sampleSplit: String
    /// Classifier: the most confident right and the most confident wrong predictions.
    public var mostConfidentRight: [Classified]
    public var mostConfidentWrong: [Classified]
    /// How many examples were classified to pick them.
    public var classifiedExamples: Int
    /// Language model: continuations of a few prompts.
    public var generations: [Generation]
    /// Encoder-decoder: sample translations.
    public var translations: [Translation]
    /// The run's vocabulary (`name@version`) and the file beside the report holding its tokens.
    public var vocabulary: String
    public var vocabularyFile: String?
    /// The run's datasets.
    public var datasets: [DatasetProvenance]

    /// A supplement; see each property.
    public init(sampleSplit: String = "test", mostConfidentRight: [Classified] = [], mostConfidentWrong: [Classified] = [],
                classifiedExamples: Int = 0, generations: [Generation] = [], translations: [Translation] = [],
                vocabulary: String = "", vocabularyFile: String? = nil, datasets: [DatasetProvenance] = []) {
        self.sampleSplit = sampleSplit
        self.mostConfidentRight = mostConfidentRight
        self.mostConfidentWrong = mostConfidentWrong
        self.classifiedExamples = classifiedExamples
        self.generations = generations
        self.translations = translations
        self.vocabulary = vocabulary
        self.vocabularyFile = vocabularyFile
        self.datasets = datasets
    }

    /// The file's name in a run's folder.
    public static let fileName = "report-supplement.json"

    /// The supplement in the run folder `directory`, or nil when there is none (or it does not parse).
    public static func read(directory: String) -> ReportSupplement? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(ReportSupplement.self, from: data)
    }

    /// Writes the supplement into the run folder `directory` (atomically).
    public func write(directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/" + Self.fileName), options: .atomic)
    }

    /// The provenance of `dataset` in role `role`.
    static func provenance(of dataset: EncodedDataset, role: String) -> DatasetProvenance {
        let info = dataset.info
        return DatasetProvenance(role: role, name: info.name, vocabulary: info.vocabulary, examples: info.examples,
                                 files: info.files.map { SourceFile(role: $0.role, path: $0.fingerprint.path,
                                                                    sha256: $0.fingerprint.sha256, lines: $0.fingerprint.lines) })
    }
}
