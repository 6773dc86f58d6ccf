import Dispatch

/// Data-parallel loops over Dispatch's worker threads, for kernels that work on raw pointers.
///
/// Why not `DispatchQueue.concurrentPerform` directly: in the Swift 6 language mode its closure
/// is `@Sendable`, which forbids capturing the raw pointers every kernel here works on. Those
/// loops are race-free by construction, which the compiler cannot see: each iteration writes
/// only its own part of the output (its rows, columns, slice or direction) and reads shared
/// input that no iteration writes. ``run(iterations:_:)`` carries that contract, stated here once.
enum ParallelLoop {
    /// Runs `body(i)` for every `i in 0..<iterations`, concurrently, and returns once all have
    /// finished (`DispatchQueue.concurrentPerform`).
    ///
    /// The caller guarantees that iteration `i` writes only memory that no other iteration reads
    /// or writes, and that everything `body` reads stays unchanged during the call.
    static func run(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let shared = SharedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: iterations) { shared.body($0) }
        }
    }

    /// `body` of ``run(iterations:_:)`` handed to Dispatch's `@Sendable` closure.
    ///
    /// `@unchecked Sendable`: the iterations of `body` touch disjoint memory (the contract of
    /// ``run(iterations:_:)``), and the box does not outlive the call, which waits for them all.
    private struct SharedBody: @unchecked Sendable {
        let body: (Int) -> Void
    }
}
