#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JikjiIO

/// A progress display on standard error for long commands (cleaning, training vocabularies,
/// building datasets, training models).
///
/// On a terminal it redraws one line in place (`label [=====>    ] 41% 24.1/59.0 MB 12.3 MB/s
/// ETA 0:03 loss 0.412`), at most every ``redrawInterval``. When standard error is not a
/// terminal (CI, a log file) it prints a plain line every ``plainInterval`` instead, so logs stay
/// readable. Updates are cheap enough for a hot loop: they only take a lock and compare a clock,
/// and may come from any thread.
///
/// `@unchecked Sendable`: the progress state is read and written only while holding `lock`;
/// ``redrawInterval`` and ``plainInterval`` are settings, made before the bar is shared.
public final class ProgressBar: @unchecked Sendable {
    /// How totals and rates are shown.
    public enum Unit: Sendable {
        /// Bytes, shown as kB/MB/GB.
        case bytes
        /// A count of `name` (for example "lines", "merges", "steps").
        case count(String)
    }

    /// Whether the display redraws in place (a terminal) or prints plain lines.
    public let isInteractive: Bool
    /// Minimum time between two redraws on a terminal.
    public var redrawInterval: Double = 0.1
    /// Time between two plain lines when not on a terminal.
    public var plainInterval: Double

    private var label: String
    private var total: Int64?
    private var unit: Unit
    private var start: Double
    /// Guards the mutable state: progress callbacks may come from worker threads.
    private let lock = NSLock()
    private var lastDraw: Double = -Double.infinity
    private var done: Int64 = 0
    private var extra: String = ""
    private let output: (String) -> Void
    private var finished = false
    private let enabled: Bool

    /// A progress display for `label`, `total` units in all when known.
    /// - Parameters:
    ///   - enabled: false makes every call a no-op (for `--quiet`).
    ///   - interactive: overrides terminal detection (tests).
    ///   - output: where text goes (default: standard error).
    public init(_ label: String, total: Int64?, unit: Unit, enabled: Bool = true, interactive: Bool? = nil,
                plainInterval: Double = 10, output: ((String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
        self.isInteractive = interactive ?? (isatty(STDERR_FILENO) == 1)
        self.plainInterval = plainInterval
        // Never a trapping write: a progress line that cannot be written must not stop the work.
        self.output = output ?? { text in StandardStreams.log(text) }
        self.start = ProgressBar.now()
    }

    /// Sets the amount done so far, and optional extra text (for example "loss 0.41").
    public func update(_ done: Int64, extra: String? = nil) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        self.done = done
        if let extra { self.extra = extra }
        let t = ProgressBar.now()
        let interval = isInteractive ? redrawInterval : plainInterval
        guard t - lastDraw >= interval else { return }
        lastDraw = t
        draw(at: t, final: false)
    }

    /// Changes the total (for example when it becomes known).
    public func setTotal(_ total: Int64?) {
        lock.lock()
        self.total = total
        lock.unlock()
    }

    /// Ends the current phase's line and starts another (for example "reading" bytes, then
    /// "merging" merges), with its own label, total, unit and clock.
    public func beginPhase(_ label: String, total: Int64?, unit: Unit) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        if lastDraw > -Double.infinity { draw(at: ProgressBar.now(), final: true) }
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.extra = ""
        self.start = ProgressBar.now()
        self.lastDraw = -Double.infinity
    }

    /// Draws the final state and ends the line.
    public func finish(extra: String? = nil) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        if let extra { self.extra = extra }
        draw(at: ProgressBar.now(), final: true)
        finished = true
    }

    /// The text of the display for `done` after `elapsed` seconds (no escape codes).
    public func line(elapsed: Double) -> String {
        var parts = [label]
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
                + String(repeating: " ", count: max(0, width - filled - 1))
            parts.append("[\(bar)] \(String(format: "%3.0f", fraction * 100))%")
            parts.append("\(format(done, withUnit: false))/\(format(total, withUnit: true))")
        } else {
            parts.append(format(done, withUnit: true))
        }
        parts.append("\(formatRate(rate))")
        if let total, total > 0, rate > 0, done < total {
            parts.append("ETA \(ProgressBar.clock(Double(total - done) / rate))")
        } else {
            parts.append("\(ProgressBar.clock(elapsed))")
        }
        if !extra.isEmpty { parts.append(extra) }
        return parts.joined(separator: " ")
    }

    private func draw(at t: Double, final: Bool) {
        let text = line(elapsed: t - start)
        if isInteractive {
            output("\r\u{1B}[2K" + text + (final ? "\n" : ""))
        } else {
            output(text + "\n")
        }
    }

    private func format(_ value: Int64, withUnit: Bool) -> String {
        switch unit {
        case .bytes:
            let v = Double(value)
            if v >= 1e9 { return String(format: "%.2f", v / 1e9) + (withUnit ? " GB" : "") }
            if v >= 1e6 { return String(format: "%.1f", v / 1e6) + (withUnit ? " MB" : "") }
            return String(format: "%.0f", v / 1e3) + (withUnit ? " kB" : "")
        case let .count(name):
            return withUnit ? "\(value) \(name)" : "\(value)"
        }
    }

    private func formatRate(_ rate: Double) -> String {
        switch unit {
        case .bytes: return String(format: "%.1f MB/s", rate / 1e6)
        case let .count(name):
            return rate >= 10_000 ? String(format: "%.1fk %@/s", rate / 1000, name) : String(format: "%.1f %@/s", rate, name)
        }
    }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
