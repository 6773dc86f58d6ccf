import Foundation
import JikjiIO

/// Writes a run's metrics as a TensorBoard event file (`<folder>/events.out.tfevents.<time>.<host>.<pid>`):
/// TFRecord framing around `Event` protocol buffers, the first carrying `file_version`
/// `brain.Event:2`, then one `Event` per step with a `Summary` of scalar values tagged
/// `split/name` (`train/loss`, `valid/accuracy`). TensorBoard reads the folder (`tensorboard
/// --logdir runs/<id>/tb`), and so do tools importing its files (W&B). Each process of a run
/// writes its own file; TensorBoard drops the steps a resumed run records again.
public final class TensorBoardWriter: TrainingMetricSink {
    /// The event file written.
    public let path: String
    private let handle: FileHandle

    /// Creates `folder` when missing and a new event file in it, headed by the file-version event.
    public init(folder: String, now: Date = Date()) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        let base = folder + "/events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host).\(ProcessInfo.processInfo.processIdentifier)"
        // A second writer of the same second and process (a resume in a test) gets a file of its own.
        var candidate = base, counter = 0
        while FileManager.default.fileExists(atPath: candidate) {
            counter += 1
            candidate = base + ".\(counter)"
        }
        path = candidate
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
        try write(Self.fileVersionEvent(wallTime: now))
    }

    deinit { try? handle.close() }

    public func receive(_ metrics: [TrainingMetric], wallTime: Date) throws {
        // One event per step, as TensorFlow's summary writers do.
        var bySteps: [Int: [TrainingMetric]] = [:]
        for m in metrics { bySteps[m.step, default: []].append(m) }
        var records: [UInt8] = []
        for (step, values) in bySteps.sorted(by: { $0.key < $1.key }) {
            records += TFRecord.frame(Self.scalarEvent(values, step: step, wallTime: wallTime))
        }
        try handle.write(contentsOf: records)
    }

    private func write(_ event: [UInt8]) throws { try handle.write(contentsOf: TFRecord.frame(event)) }

    /// `Event { wall_time = 1; step = 2; file_version = 3 }`.
    static func fileVersionEvent(wallTime: Date) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime.timeIntervalSince1970)
        event.string(3, "brain.Event:2")
        return event.bytes
    }

    /// `Event { wall_time = 1; step = 2; summary = 5 }` with `Summary { repeated Value value = 1 }`
    /// and `Value { tag = 1; simple_value = 2 }`.
    static func scalarEvent(_ metrics: [TrainingMetric], step: Int, wallTime: Date) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime.timeIntervalSince1970)
        event.int(2, Int64(step))
        event.message(5) { summary in
            for m in metrics {
                summary.message(1) { value in
                    value.string(1, "\(m.split)/\(m.name)")
                    value.float(2, Float(m.value))
                }
            }
        }
        return event.bytes
    }
}
