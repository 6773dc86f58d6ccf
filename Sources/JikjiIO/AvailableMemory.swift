import Foundation

/// How much memory the process may still take, for refusing work that cannot fit before
/// allocating it (a model of 16384 × 16384 LSTM layers, a batch padded to 2^62 tokens) instead
/// of growing until the system kills the process.
public enum AvailableMemory {
    /// The bytes available now: `MemAvailable` of `/proc/meminfo`, lowered to what a cgroup v2
    /// limit (`/sys/fs/cgroup/memory.max` minus `memory.current`) leaves; nil when neither can be
    /// read (then no check is made).
    public static func bytes() -> Int64? {
        var available = meminfoAvailable()
        if let limit = cgroupRemaining() { available = min(available ?? limit, limit) }
        return available
    }

    /// The check every size estimate goes through: throws ``MemoryEstimateError`` naming `what`
    /// and the figures when `needed` bytes exceed the available memory.
    /// - Parameters:
    ///   - needed: the estimate in bytes; nil means the arithmetic overflowed (more than any memory).
    ///   - what: the work, e.g. "the model (parameters, gradients, optimizer state) and one batch".
    ///   - advice: how to make it fit (a smaller option, or the override that skips the check).
    public static func check(_ needed: Int64?, for what: String, advice: String) throws {
        // Small work fits any machine: /proc/meminfo is read only for estimates that matter.
        if let needed, needed < smallestChecked { return }
        guard let available = bytes() else { return }
        guard let needed else { throw MemoryEstimateError(what: what, needed: nil, available: available, advice: advice) }
        if needed > available { throw MemoryEstimateError(what: what, needed: needed, available: available, advice: advice) }
    }

    /// Estimates below this many bytes (64 MiB) are not checked.
    public static let smallestChecked: Int64 = 64 << 20

    /// `a × b` in bytes, nil on overflow (an estimate too large for any memory).
    public static func product(_ factors: Int...) -> Int64? {
        var total: Int64 = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: Int64(factor))
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// The sum of estimates, nil when one is nil or the sum overflows.
    public static func sum(_ terms: Int64?...) -> Int64? {
        var total: Int64 = 0
        for term in terms {
            guard let term else { return nil }
            let (s, overflow) = total.addingReportingOverflow(term)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// `n` bytes as "24.1 GiB" / "512.0 MiB".
    public static func format(_ n: Int64) -> String {
        let gib = Double(n) / Double(1 << 30)
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.1f MiB", Double(n) / Double(1 << 20))
    }

    private static func meminfoAvailable() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kilobytes = Int64(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    private static func cgroupRemaining() -> Int64? {
        func read(_ name: String) -> Int64? {
            guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/" + name, encoding: .utf8) else { return nil }
            return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))  // "max" gives nil: no limit
        }
        guard let limit = read("memory.max") else { return nil }
        return max(0, limit - (read("memory.current") ?? 0))
    }
}

/// Work that would need more memory than is available, refused before it is allocated.
public struct MemoryEstimateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What would be allocated.
    public var what: String
    /// The estimate in bytes; nil when it is beyond 2^63.
    public var needed: Int64?
    /// The bytes available.
    public var available: Int64
    /// How to make it fit.
    public var advice: String

    public var description: String {
        let figure = needed.map { "about \(AvailableMemory.format($0))" } ?? "more than 2^63 bytes"
        return "\(what) would need \(figure), more than the \(AvailableMemory.format(available)) of memory available "
            + "(MemAvailable in /proc/meminfo); \(advice)"
    }
}
