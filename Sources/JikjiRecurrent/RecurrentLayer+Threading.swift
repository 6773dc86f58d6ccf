/// How a layer's passes share the CPU: directions side by side, rows split between threads.
extension RecurrentLayer {
    /// Runs `body(direction)` for each direction, in parallel when the schedule says so.
    /// `body` must write only state owned by its direction.
    func forEachDirection(_ body: (Int) -> Void) {
        let threads = BLAS.threadCount
        let parallel = directionCount == 2
            && (directionSchedule == .parallel || (directionSchedule == .automatic && threads >= 2))
        guard parallel else {
            for direction in 0..<directionCount { body(direction) }
            return
        }
        if threads != 1 { BLAS.setThreads(1) }
        ParallelLoop.run(iterations: 2, body)
        if threads != 1 { BLAS.setThreads(threads) }
    }

    /// Runs `body(part)` for `part in 0..<count`, on `count` threads when `count > 1`, with
    /// BLAS limited to one thread meanwhile (each part's products are single-threaded).
    func runParts(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let threads = BLAS.threadCount
        BLAS.setThreads(1)
        ParallelLoop.run(iterations: count, body)
        BLAS.setThreads(threads)
    }

    /// Runs `body(range)` over `count` rows (of a product's result) split into one contiguous
    /// range per BLAS thread, each on its own thread with single-threaded BLAS.
    ///
    /// Why not let OpenBLAS split the product: after a threaded call its worker threads keep
    /// spinning (calling sched_yield) for a while, and on a machine with as many cores as
    /// threads they then take time slices from the time loop's own threads that follow.
    /// Splitting the large products here keeps OpenBLAS's workers asleep for the whole pass.
    func forEachRowRange(_ count: Int, _ body: (Range<Int>) -> Void) {
        // Ranges in multiples of 16 rows keep the kernels' row blocks whole.
        let parts = max(1, min(BLAS.threadCount, count / 16))
        guard parts > 1 else {
            body(0..<count)
            return
        }
        // Each range holds ceil(count / parts) rows rounded up to 16, so the ranges cover every
        // row (rounding count / parts down instead left the last rows of, say, 97 unwritten).
        let chunk = ((count + parts - 1) / parts + 15) / 16 * 16
        let ranges = (0..<parts).map { min($0 * chunk, count)..<min(($0 + 1) * chunk, count) }.filter { !$0.isEmpty }
        runParts(ranges.count) { body(ranges[$0]) }
    }
}
