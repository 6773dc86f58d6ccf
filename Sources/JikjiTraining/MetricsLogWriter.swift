import Foundation

/// Appends a run's metrics to a JSON Lines file (`runs/<id>/metrics.jsonl`), one object a value:
/// `{"step":50,"epoch":0,"split":"train","name":"loss","value":0.6931,"wall_time":1764600000.5}` —
/// the same values as its TensorBoard events, for scripts and plotting without TensorBoard.
public final class MetricsLogWriter: TrainingMetricSink {
    /// The file written.
    public let path: String
    private let handle: FileHandle

    /// Opens `path` for appending (created when missing). `keepingThrough`: lines of later steps,
    /// and the test's, are dropped first — a run resumed from the checkpoint of that step records them again.
    public init(path: String, keepingThrough step: Int? = nil) throws {
        self.path = path
        let manager = FileManager.default
        if let step, let existing = manager.contents(atPath: path) {
            let kept = String(decoding: existing, as: UTF8.self).split(separator: "\n").filter { line in
                (Self.step(of: line).map { $0 <= step } ?? false) && !line.contains("\"split\":\"test\"")
            }
            try Data(kept.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } else if !manager.fileExists(atPath: path) {
            manager.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        try handle.seekToEnd()
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func receive(_ metrics: [TrainingMetric], wallTime: Date) throws {
        var text = ""
        for m in metrics {
            // Non-finite values have no JSON number: null says "not a number" to every reader.
            let value = m.value.isFinite ? "\(m.value)" : "null"
            text += "{\"step\":\(m.step),\"epoch\":\(m.epoch),\"split\":\(Self.quoted(m.split)),\"name\":\(Self.quoted(m.name)),"
                + "\"value\":\(value),\"wall_time\":\(wallTime.timeIntervalSince1970)}\n"
        }
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The `step` of a line this writer wrote.
    static func step(of line: Substring) -> Int? {
        guard let range = line.range(of: "\"step\":") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber || $0 == "-" })
    }

    /// `text` as a JSON string (split and metric names are plain ASCII words; escaped anyway).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
