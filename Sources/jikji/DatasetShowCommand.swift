import ArgumentParser
import Foundation
import JikjiData

/// `jikji dataset show`: a dataset's provenance and counts.
struct DatasetShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a dataset's provenance and counts.")

    @OptionGroup var reference: DatasetReference

    @Flag(name: .long, help: "Print the stored provenance as JSON.")
    var json = false


    func run() throws {
        let entry = try reference.store.readOnlyCatalog().entry(named: reference.name)
        let info = entry.info
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
            return
        }
        print("dataset:     \(info.name) (\(info.kind.rawValue))")
        print("vocabulary:  \(info.vocabulary) (\(info.vocabularySize) tokens; [PAD]=\(info.specialTokens.pad)"
              + (info.specialTokens.cls.map { ", [CLS]=\($0)" } ?? "") + (info.specialTokens.sep.map { ", [SEP]=\($0)" } ?? "") + ")")
        print("examples:    " + Split.allCases.map { "\($0) \(info.examples[$0.description] ?? 0)" }.joined(separator: ", "))
        print("tokens:      \(info.sourceTokens)" + (info.kind == .pairs ? " source, \(info.targetTokens) target" : ""))
        print("rows read:   \(info.rowsRead); left out: "
              + (info.skipped.isEmpty ? "none" : info.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        if !info.labelCounts.isEmpty {
            print("labels:      " + info.labelCounts.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        let spec = info.spec
        var columns: [String] = []
        if !spec.text.isEmpty { columns.append("text \(spec.text.joined(separator: "+"))") }
        if let source = spec.source, let target = spec.target { columns.append("source \(source), target \(target)") }
        if let label = spec.label { columns.append("label \(label)" + (spec.labelMap.map { " mapped \($0.text)" } ?? "")) }
        print("columns:     \(columns.joined(separator: "; "))")
        if let split = spec.split { print("split:       \(split.train)/\(split.valid)/\(split.test) seed \(spec.seed)") }
        print("bad rows:    \(spec.onBadRow.rawValue)")
        for file in info.files {
            print("file:        [\(file.role)] \(file.fingerprint.path)")
            print("             \(file.fingerprint.bytes) bytes, \(file.fingerprint.lines) lines, sha256 \(file.fingerprint.sha256)")
        }
        print("created:     \(info.created) by jikji \(info.toolVersion) in \(String(format: "%.2f", info.buildSeconds)) s")
        print("shard:       \(entry.shardPath)")
    }
}
