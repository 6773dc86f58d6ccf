import JikjiIO

extension DatasetBuildResult {
    /// Writes every skipped row as TSV (`file`, `line`, `reason`, `detail`, under a header line)
    /// to `output` and commits it: the file appears whole, or not at all when a write fails.
    public func writeSkippedRows(to output: OutputFile) throws {
        try output.write("file\tline\treason\tdetail\n".utf8)
        for row in skippedRows {
            try output.write("\(row.file)\t\(row.line)\t\(row.reason.rawValue)\t\(row.detail)\n".utf8)
        }
        try output.commit()
    }
}
