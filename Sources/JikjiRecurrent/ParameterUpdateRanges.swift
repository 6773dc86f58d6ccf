/// The element ranges of a parameter to update: whole, or the given rows of its first dimension.
func updateRanges(_ parameter: Parameter, rows: [Int]?) -> [Range<Int>] {
    let n = parameter.value.count
    guard let rows, let first = parameter.value.shape.first, first > 0 else { return [0..<n] }
    let width = n / first
    return rows.map { row in
        precondition(row >= 0 && row < first, "sparse row \(row) outside the parameter's \(first) rows")
        return (row * width)..<((row + 1) * width)
    }
}
