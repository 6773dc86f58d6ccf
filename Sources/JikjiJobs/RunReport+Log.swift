import Foundation

/// The run's `metrics.jsonl` in the report: tokens per second (which only the log holds), and
/// throughput and time per epoch from its wall-clock times.
extension RunReport {
    /// One line of `metrics.jsonl` (``MetricsLogWriter``'s format); `value` is null for a non-finite value.
    public struct LogLine: Decodable, Sendable, Equatable {
        public let step: Int
        public let epoch: Int
        public let split: String
        public let name: String
        public let value: Double?
        /// Seconds since 1970 when the value was recorded.
        public let wallTime: Double

        enum CodingKeys: String, CodingKey { case step, epoch, split, name, value, wallTime = "wall_time" }

        /// A line; see each property.
        public init(step: Int, epoch: Int, split: String, name: String, value: Double?, wallTime: Double) {
            self.step = step; self.epoch = epoch; self.split = split; self.name = name; self.value = value; self.wallTime = wallTime
        }
    }

    /// The lines of `<directory>/metrics.jsonl` that parse (none when the file is missing).
    static func readLog(directory: String) -> [LogLine] {
        guard let data = FileManager.default.contents(atPath: directory + "/metrics.jsonl") else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(LogLine.self, from: Data($0)) }
    }

    /// The log's values that the registry does not hold (tokens per second), as chart series.
    var streamedOnlyMetrics: [RunRegistry.Metric] {
        log.filter { $0.name == "tokens_per_second" }.compactMap { line in
            line.value.map { RunRegistry.Metric(step: line.step, epoch: line.epoch, split: line.split, name: line.name, value: $0) }
        }
    }

    /// One epoch's figures: steps, seconds from the previous epoch's last value, mean tokens/s.
    struct EpochFigures: Equatable {
        var epoch: Int
        var lastStep: Int
        var seconds: Double
        var tokensPerSecond: Double?
    }

    /// Per epoch of the log: its last step, its wall time (from the run's start for the first)
    /// and its mean training tokens per second.
    var epochFigures: [EpochFigures] {
        var epochs: [Int] = []
        for line in log where !epochs.contains(line.epoch) && line.split != "test" { epochs.append(line.epoch) }
        // The evaluation after the last step is recorded under the next epoch's number: an epoch
        // without a logged training step is counted with the one before.
        let trained = Set(log.filter { $0.name == "tokens_per_second" }.map(\.epoch))
        if !trained.isEmpty { epochs = epochs.filter(trained.contains) }
        var previous = run.startedAt.timeIntervalSince1970
        var out: [EpochFigures] = []
        for epoch in epochs.sorted() {
            let next = epochs.sorted().first { $0 > epoch } ?? Int.max
            let lines = log.filter { $0.epoch >= epoch && $0.epoch < next && $0.split != "test" }
            guard let end = lines.map(\.wallTime).max(), let last = lines.map(\.step).max() else { continue }
            let rates = lines.filter { $0.name == "tokens_per_second" }.compactMap(\.value)
            out.append(EpochFigures(epoch: epoch, lastStep: last, seconds: max(0, end - previous),
                                    tokensPerSecond: rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count)))
            previous = end
        }
        return out
    }

    /// The throughput table, or "" without a log.
    func throughputTable() -> String {
        let figures = epochFigures
        guard !figures.isEmpty else { return "" }
        var out = "<h2>Throughput</h2>\n<table class=\"throughput\"><tr><th>epoch</th><th>last step</th><th>time</th>"
            + "<th>training tokens/s (mean of logged steps)</th></tr>\n"
        for f in figures {
            out += "<tr><td>\(f.epoch + 1)</td><td>\(f.lastStep)</td><td>\(String(format: "%.1f s", f.seconds))</td>"
                + "<td>\(f.tokensPerSecond.map { String(format: "%.0f", $0) } ?? "—")</td></tr>\n"
        }
        return out + "</table>\n"
    }
}
