import Foundation

/// A bounded, deterministic fuzzing run of one target without libFuzzer: every seed once, then
/// `iterations` inputs, each a ``FuzzMutator`` mutation of a seed or of an earlier accepted
/// input (spliced with another), run through the target.
///
/// A crash ends the process, as under libFuzzer. To know which input it was, give
/// `lastInputPath`: each input is written there before it runs (slower; for reproducing).
public struct MutationLoop {
    /// What a run did.
    public struct Statistics: Equatable, Sendable, CustomStringConvertible {
        /// Inputs run, the seeds included.
        public var tried = 0
        /// Inputs the target parsed and used.
        public var accepted = 0
        /// Inputs the target refused with an error.
        public var rejected = 0
        /// Wall-clock seconds.
        public var seconds = 0.0

        public var description: String {
            "\(tried) inputs (\(accepted) accepted, \(rejected) rejected) in "
                + String(format: "%.1f s", seconds)
        }
    }

    /// The target fuzzed.
    public let target: FuzzTarget
    /// The inputs mutations start from.
    public let seeds: [[UInt8]]
    /// Where each input is written before it runs, when set.
    public var lastInputPath: String?
    private var mutator: FuzzMutator

    /// A loop over `target` from `seeds` (the target's own when nil), drawing from `seed`.
    public init(target: FuzzTarget, seeds: [[UInt8]]? = nil, seed: UInt64 = 0x4A49_4B4A_4946_555A) throws {
        self.target = target
        self.seeds = try seeds ?? target.seeds()
        mutator = FuzzMutator(seed: seed ^ Self.stableHash(target.rawValue),
                              dictionary: target.dictionary, maximumLength: 1 << 15)
    }

    /// Runs every seed, then `iterations` mutated inputs (stopping early after `seconds`, when given).
    public mutating func run(iterations: Int, seconds: Double? = nil) -> Statistics {
        let started = Date()
        var statistics = Statistics()
        // Accepted inputs join the pool: mutations of valid inputs reach deeper than of seeds alone.
        var pool = seeds.isEmpty ? [[]] : seeds
        func runOne(_ input: [UInt8]) -> FuzzOutcome {
            if let lastInputPath { _ = FileManager.default.createFile(atPath: lastInputPath, contents: Data(input)) }
            let outcome = target.run(input)
            statistics.tried += 1
            if outcome == .accepted { statistics.accepted += 1 } else { statistics.rejected += 1 }
            return outcome
        }
        for seed in seeds { _ = runOne(seed) }
        for _ in 0..<max(iterations, 0) {
            if let seconds, Date().timeIntervalSince(started) > seconds { break }
            let base = pool[mutator.below(pool.count)]
            let other = pool[mutator.below(pool.count)]
            let input = mutator.mutate(base, splicingWith: other)
            if runOne(input) == .accepted, pool.count < 256 { pool.append(input) }
        }
        statistics.seconds = Date().timeIntervalSince(started)
        return statistics
    }

    /// A hash of the UTF-8 bytes that is the same in every process (FNV-1a; `hashValue` is
    /// seeded per process), so that each target draws its own inputs.
    private static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
