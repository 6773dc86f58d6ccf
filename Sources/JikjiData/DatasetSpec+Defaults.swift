import JikjiIO

extension DatasetSpec {
    /// The kind of a spec described by options alone when none is named: pairs when a source or
    /// target column is given, else classification.
    public var impliedKind: DatasetKind { source != nil || target != nil ? .pairs : .classification }

    /// The spec with the one column of plain-lines files (`text`) as its text column, when it
    /// names none, its kind reads text and its first file is read as lines.
    public func namingTheLinesColumn() -> DatasetSpec {
        var spec = self
        if spec.text.isEmpty, spec.kind != .pairs, let first = spec.train.first, spec.format(of: first) == .lines {
            spec.text = [RecordFormat.linesColumn]
        }
        return spec
    }
}
