/// An optimizer whose rows can lag (``Optimizer/step(lazyRows:)``): it says how to catch rows
/// up, and the shared bookkeeping below does the rest.
protocol LazyRowUpdating {
    var parameters: [(name: String, parameter: Parameter)] { get }
    var stepCount: Int { get }
    var lazyClock: LazyRowClock { get set }
    /// Applies the updates `rows` of parameter `index` missed since their clocks, up to step
    /// `end`, and sets their clocks to `end`.
    mutating func catchUp(_ index: Int, rows: [Int], clocks: inout [Int32], to end: Int)
}

extension LazyRowUpdating {
    /// Before a step over `lazyRows`: catches those rows up to the previous step and marks them
    /// as updated by the coming one.
    mutating func catchUpRowsBeforeStep(_ lazyRows: [String: [Int]]) {
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            guard let rows = lazyRows[name] else { continue }
            var clocks = lazyClock.takeClocks(of: index, rowCount: parameter.value.shape.first ?? 1, upTo: stepCount)
            catchUp(index, rows: rows, clocks: &clocks, to: stepCount)
            for row in rows { clocks[row] = Int32(stepCount + 1) }
            lazyClock.rows[index] = clocks
        }
    }

    /// Catches every lagging row of every lazily updated parameter up to the current step.
    mutating func catchUpEveryLaggingRow() {
        for index in Array(lazyClock.rows.keys) {
            guard var clocks = lazyClock.rows.removeValue(forKey: index) else { continue }
            let stale = clocks.indices.filter { Int(clocks[$0]) < stepCount }
            catchUp(index, rows: stale, clocks: &clocks, to: stepCount)
            lazyClock.rows[index] = clocks
        }
    }
}
