import Foundation
import JikjiData
import JikjiIO
import JikjiText

extension FuzzTarget {
    /// A corpus file read as the commands read records.
    ///
    /// The first byte chooses the format (lines, TSV, CSV, JSONL: the file is named with that
    /// extension, as users name them), the block size (small blocks put record boundaries
    /// everywhere) and the `clean` repair flags; the rest is the file. It is read by
    /// ``CorpusReader`` (`dataset build`, bad rows skipped), ``RecordReader/readTexts(path:column:labelColumn:)``
    /// (`predict`, `translate`) and ``CleaningJob`` (`jikji clean`, one column or whole lines).
    static func readRecords(_ input: [UInt8]) throws {
        guard let control = input.first else { throw ScratchFile.Failure(description: "empty input") }
        let contents = Array(input.dropFirst())
        let formats: [RecordFormat] = [.lines, .tsv, .csv, .jsonl]
        let format = formats[Int(control & 3)]
        let blockSize = [16, 100, 4096, 1 << 20][Int(control >> 2 & 3)]
        let suffix = [".txt", ".tsv", ".csv", ".jsonl"][Int(control & 3)]
        try ScratchFile.withFile(containing: contents, suffix: suffix) { path in
            var firstError: Error?
            func attempt(_ body: () throws -> Void) {
                do { try body() } catch { firstError = firstError ?? error }
            }
            let columns = try columnNames(path: path, format: format, blockSize: blockSize)
            attempt {
                var reader = try CorpusReader(path: path, format: format, columns: columns)
                while let row = try reader.next() { _ = row }
                _ = try reader.finish()
            }
            attempt {
                _ = try RecordReader.readTexts(path: path, column: format == .lines ? nil : columns[0],
                                               labelColumn: columns.count > 1 ? columns[1] : nil)
            }
            attempt {
                var options = CleaningJob.Options()
                options.input = path
                let output = try FuzzFixtures.outputFolder.get().appendingPathComponent("clean" + suffix)
                defer { try? FileManager.default.removeItem(at: output) }
                options.output = output.path
                options.column = format.hasHeader ? columns[0] : nil
                options.format = format
                options.repairInvalidUTF8 = control & 0x10 != 0
                options.removeNULs = control & 0x20 != 0
                options.keepBadRows = control & 0x40 != 0
                options.batchBytes = blockSize
                _ = try CleaningJob(pipeline: try CleaningPipeline(preset: "korean-web"), options: options).run()
            }
            if let firstError { throw firstError }
        }
    }

    /// The columns to read: the header's first and last (TSV, CSV), NSMC's `document` and
    /// `label` keys (JSONL), or the one text column of lines.
    private static func columnNames(path: String, format: RecordFormat, blockSize: Int) throws -> [String] {
        switch format {
        case .lines: return [RecordFormat.linesColumn]
        case .jsonl: return ["document", "label"]
        case .tsv, .csv:
            let header = try RecordBlockReader(path: path, format: format, blockSize: blockSize).header
            guard let first = header.first, let last = header.last else { return ["document"] }
            return first == last ? [first] : [first, last]
        }
    }
}
