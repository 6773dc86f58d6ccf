// Queue entries that cannot be merged until the merge loop's last phase, kept in a temporary
// file until then.
//
// An entry whose count is below min_frequency (or 0) is popped only once every entry in the
// queue is below it, and most entries are such (pairs seen once): holding them, with their word
// lists, was most of the trainer's memory. Yet when the loop goes on to that last phase (it runs
// out of mergeable pairs before the vocabulary is full), HF pops them too: one whose pair has a
// stale count (a merged pair keeps its count) is refreshed to it and merged again. So they are
// written here as they drop out, in push order, and read back into the queue when that phase
// begins: the queue is then exactly the one a run that kept them would hold.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only temporary file of queue entries (count, pair, push sequence, words).
///
/// A class: it owns the file, closed (and so deleted: `tmpfile`) when the last reference goes.
final class DroppedEntryFile {
    private let file: UnsafeMutablePointer<FILE>?
    /// Entries written and not yet drained.
    private(set) var count = 0

    /// Opens an anonymous temporary file; without one (``isAvailable`` false) the engine keeps
    /// every entry in its queue, as HF does.
    init() { file = tmpfile() }

    deinit { if let file { fclose(file) } }

    /// Whether the temporary file could be made.
    var isAvailable: Bool { file != nil }

    private typealias Header = (count: Int64, pair: UInt64, sequence: UInt64, words: Int64)

    /// Appends one entry.
    /// - Throws: ``WordPieceTrainerError/temporaryFileFailed(reason:)`` when it cannot be written.
    func append(count entryCount: Int64, pair: UInt64, sequence: UInt64, words: UnsafeBufferPointer<Int32>) throws {
        guard let file else { throw WordPieceTrainerError.temporaryFileFailed(reason: "no temporary file") }
        var header: Header = (entryCount, pair, sequence, Int64(words.count))
        let wroteHeader = withUnsafeBytes(of: &header) { fwrite($0.baseAddress, 1, $0.count, file) == $0.count }
        guard wroteHeader, words.isEmpty || fwrite(words.baseAddress, 4, words.count, file) == words.count else {
            throw WordPieceTrainerError.temporaryFileFailed(reason: "cannot write the queue's entries below min frequency "
                                                            + "to a temporary file (\(systemErrorText()))")
        }
        count += 1
    }

    /// Calls `body(count, pair, sequence, words)` for every entry written, in order, then
    /// empties the file.
    /// - Throws: ``WordPieceTrainerError/temporaryFileFailed(reason:)`` when it cannot be read back.
    func drain(_ body: (Int64, UInt64, UInt64, [Int32]) -> Void) throws {
        guard count > 0, let file else { return }
        guard fflush(file) == 0, fseek(file, 0, SEEK_SET) == 0 else {
            throw WordPieceTrainerError.temporaryFileFailed(reason: "cannot read back the temporary file of queue entries "
                                                            + "(\(systemErrorText()))")
        }
        for _ in 0..<count {
            var header: Header = (0, 0, 0, 0)
            let gotHeader = withUnsafeMutableBytes(of: &header) { fread($0.baseAddress, 1, $0.count, file) == $0.count }
            guard gotHeader, header.words >= 0, header.words <= Int64(Int32.max) else {
                throw WordPieceTrainerError.temporaryFileFailed(reason: "the temporary file of queue entries is cut short")
            }
            var words = [Int32](repeating: 0, count: Int(header.words))
            let gotWords = words.isEmpty || words.withUnsafeMutableBufferPointer { fread($0.baseAddress, 4, $0.count, file) == $0.count }
            guard gotWords else {
                throw WordPieceTrainerError.temporaryFileFailed(reason: "the temporary file of queue entries is cut short")
            }
            body(header.count, header.pair, header.sequence, words)
        }
        count = 0
        _ = fseek(file, 0, SEEK_SET)
    }
}

private func systemErrorText() -> String { String(cString: strerror(errno)) }
