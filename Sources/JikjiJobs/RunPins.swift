/// What a run trained on, recorded when its data was prepared, so that resuming it and using
/// its model load exactly these and never a newer version that appeared since.
public struct RunPins: Sendable, Equatable {
    /// One encoded dataset of the run.
    public struct Dataset: Sendable, Equatable {
        /// `main` (train and valid) or `test`.
        public var role: String
        /// Its name in the dataset catalog.
        public var name: String
        /// A digest of its corpus files' SHA-256s and its counts: a rebuilt dataset with other
        /// contents has another one.
        public var digest: String

        /// A dataset pin; see each property.
        public init(role: String, name: String, digest: String) {
            self.role = role; self.name = name; self.digest = digest
        }
    }

    /// The vocabulary as `name@version`.
    public var vocabulary: String
    /// The absolute path of the vocabulary database (which also holds the dataset catalog).
    public var vocabularyDatabase: String
    /// The datasets, `main` first.
    public var datasets: [Dataset]

    /// Pins; see each property.
    public init(vocabulary: String, vocabularyDatabase: String, datasets: [Dataset]) {
        self.vocabulary = vocabulary; self.vocabularyDatabase = vocabularyDatabase; self.datasets = datasets
    }

    /// The datasets as the registry stores them: one `role name digest` line each.
    var datasetsText: String {
        datasets.map { "\($0.role) \($0.name) \($0.digest)" }.joined(separator: "\n")
    }

    init(vocabulary: String, vocabularyDatabase: String, datasetsText: String) {
        self.vocabulary = vocabulary
        self.vocabularyDatabase = vocabularyDatabase
        datasets = datasetsText.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            return parts.count == 3 ? Dataset(role: parts[0], name: parts[1], digest: parts[2]) : nil
        }
    }
}
