import ArgumentParser
import Foundation
import JikjiIO
import JikjiTerminal
import JikjiWordPiece
#if canImport(Glibc)
import Glibc
#endif

/// `jikji vocab count`: counts the words of a corpus (or of one shard of it) into a count file,
/// the first step of training on many machines.
struct VocabCount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count the words of a corpus, or of one shard of it, into a count file.",
        discussion: """
            Reads text exactly as vocab train does (same column, cleaning pipeline, normalizer and \
            pre-tokenizer) and writes every word with its count, sorted by bytes, under a header with \
            the counting settings' fingerprint and the fingerprint of the bytes read. --shard I/N reads \
            the records starting in the I-th of N equal byte ranges of the inputs (cut at record ends, \
            never inside a CSV record): the N shards' counts add up to the whole corpus's. Merge shards \
            with vocab merge-counts, train with vocab train --from-counts.
            """
    )

    @Option(name: .customLong("input"), parsing: .upToNextOption, help: "Corpus files (one or more; - reads standard input).")
    var inputs: [String]

    @Option(help: "Count only shard I of N (0-based), e.g. 3/8.")
    var shard: String?

    @Option(name: [.short, .long], help: "The count file to write (replaced atomically; - for standard output).")
    var output: String

    @OptionGroup var counting: VocabCountingOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one --input file") }
        if let shard {
            do { _ = try InputShard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
        }
    }

    func run() throws {
        ProcessMemory.returnLargeBlocksToSystem()
        let shard = try self.shard.map { try InputShard(parsing: $0) }
        let reading = try counting.readingOptions()
        let out = try OutputFile(path: output)
        let bar = ProgressBar("counting", total: nil, unit: .bytes, enabled: isatty(STDERR_FILENO) == 1)
        let result = try CorpusWordCounter.writeCounts(
            files: inputs, options: reading, shard: shard, toolVersion: JikjiVersion.string, to: out,
            progress: { done, total in
                bar.setTotal(total)
                bar.update(done)
            })
        bar.finish()
        // With the counts on standard output, the summary goes to standard error.
        let lines = [
            "counted \(shard.map { "shard \($0) of " } ?? "")\(inputs.count) input(s) into \(output): "
                + "\(result.documents) documents, \(result.totalWords) words, \(result.distinctWords) distinct",
        ] + result.header.parts.map { part in
            "part: \(part.file.path) from byte \(part.start): \(part.file.bytes) bytes, \(part.file.lines) lines, sha256 \(part.file.sha256)"
        } + [
            "counting fingerprint: \(result.header.settings.fingerprint)",
            String(format: "memory: word counts %.1f MiB", Double(result.wordCountBytes) / 1_048_576),
        ]
        for line in lines {
            if output == "-" { try? StandardStreams.write(line + "\n", to: .error) } else { print(line) }
        }
    }
}

/// `jikji vocab merge-counts`: merges count files into one (sums per word, in byte order).
struct VocabMergeCounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-counts",
        abstract: "Merge count files (from vocab count or earlier merges) into one.",
        discussion: """
            A streaming k-way merge: memory for one entry per input. Refuses inputs counted with other \
            settings than the first one, naming what differs. Any order of the inputs gives the same \
            counts; the merged file lists every input's corpus parts, in input order.
            """
    )

    @Argument(help: "The count files to merge.")
    var shards: [String]

    @Option(name: [.short, .long], help: "The merged count file (replaced atomically; - for standard output).")
    var output: String

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give at least one count file") }
    }

    func run() throws {
        let result = try WordCountMerger.merge(paths: shards, into: try OutputFile(path: output))
        let line = "merged \(result.inputs) count file(s) into \(output): \(result.header.parts.count) corpus parts, "
            + "\(result.header.documents) documents, \(result.totalWords) words, \(result.distinctWords) distinct"
        if output == "-" { try? StandardStreams.write(line + "\n", to: .error) } else { print(line) }
    }
}
