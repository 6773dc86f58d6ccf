import Dispatch
import Foundation
import JikjiIO

/// Reading and writing overlapped with encoding: while the cores encode block `k`, one more
/// thread writes block `k-1`'s output and reads block `k+1`.
///
/// Without it each block was read, then encoded on all cores, then written, and the cores idled
/// during the reads and writes (the second core gave 1.3×). Order and errors stay a sequential
/// run's: outputs are written in block order, and a failure is reported in the order a
/// sequential run would meet it (the write of `k-1`, then the encoding of `k`, then the read of
/// `k+1`).
///
/// `@unchecked Sendable`: the reader and the pending results are touched by the background
/// thread only between ``start(writing:)`` and ``finish()``, when the caller does not touch them.
final class OverlappedBlockIO: @unchecked Sendable {
    private var reader: RecordBlockReader
    private let output: FileHandle
    private let queue = DispatchQueue(label: "jikji.line-io")
    private let group = DispatchGroup()
    private var running = false
    private var readResult: Result<RecordBlock?, Error> = .success(nil)
    private var writeError: Error?

    /// Input bytes handed out in blocks so far (the block being prefetched not counted).
    private(set) var bytesRead = 0

    init(reader: RecordBlockReader, output: FileHandle) {
        self.reader = reader
        self.output = output
    }

    /// The first block, read on the calling thread.
    func first() throws -> RecordBlock? {
        let block = try reader.next()
        bytesRead = reader.bytesRead
        return block
    }

    /// Starts writing `chunks` (in order), then reading the next block, on the I/O thread.
    func start(writing chunks: [Data]) {
        running = true
        writeError = nil
        queue.async(group: group) { [self] in
            do {
                for chunk in chunks where !chunk.isEmpty { try WordPieceTokenizer.write(chunk, to: output) }
            } catch {
                writeError = error
                readResult = .success(nil)
                return
            }
            readResult = Result { try reader.next() }
        }
    }

    /// Waits for the I/O thread; throws its write error, else returns the block it read (or
    /// throws the read's error). `encodingError`, the current block's, comes between the two.
    func finish(encodingError: Error?) throws -> RecordBlock? {
        wait()
        if let writeError { throw writeError }
        if let encodingError { throw encodingError }
        let block = try readResult.get()
        bytesRead = reader.bytesRead
        return block
    }

    /// Waits for the I/O thread (also when the caller leaves early).
    func wait() {
        guard running else { return }
        group.wait()
        running = false
    }

    /// Writes `chunks` on the calling thread (the I/O thread being idle).
    func writeNow(_ chunks: [Data]) throws {
        wait()
        for chunk in chunks where !chunk.isEmpty { try WordPieceTokenizer.write(chunk, to: output) }
    }
}
