import Foundation

/// A ``WordPieceDecoderTable`` built the first time something decodes.
///
/// Building the table runs HF's cleanup over every token's two forms (about 100M instructions
/// for a 30k vocabulary): a tokenizer made only to encode, as `jikji encode` does, never pays it.
/// `@unchecked Sendable`: the table is built and read under `lock`; once built it never changes.
final class LazyDecoderTable: @unchecked Sendable {
    private let build: @Sendable () -> WordPieceDecoderTable
    private let lock = NSLock()
    private var built: WordPieceDecoderTable?

    /// - Parameter build: makes the table (called at most once).
    init(_ build: @escaping @Sendable () -> WordPieceDecoderTable) {
        self.build = build
    }

    /// The table, built now if this is the first use.
    var table: WordPieceDecoderTable {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let table = build()
        built = table
        return table
    }
}
