import Foundation
import JikjiText

/// Compiled ``TextCleaner``s of one cleaning pipeline, lent to one worker at a time.
///
/// A `TextCleaner` keeps mutable buffers and ICU handles, so it must never be shared between
/// threads; compiling one (regexes, transliterators) costs far more than cleaning a line. The
/// pool compiles one cleaner up front, so a pipeline that does not compile is an error when the
/// encoder is made, and hands out a cleaner per worker, compiling another only when every
/// cleaner is in use. Workers therefore never wait on each other while they clean.
final class CleanerPool: @unchecked Sendable {
    // @unchecked Sendable: `idle` is only read and written under `lock`, and a cleaner taken
    // from it belongs to exactly one worker until that worker gives it back.

    /// The pipeline every cleaner of the pool runs.
    let pipeline: CleaningPipeline
    private let lock = NSLock()
    private var idle: [TextCleaner]

    /// A pool for `pipeline`, with its first cleaner compiled.
    /// - Throws: the compile error of the first step that is invalid (a bad regex or
    ///   transliterator id), naming the step.
    init(pipeline: CleaningPipeline) throws {
        self.pipeline = pipeline
        idle = [try TextCleaner(pipeline: pipeline)]
    }

    /// A cleaner that no other thread uses until it is given back with ``giveBack(_:)``.
    func take() throws -> TextCleaner {
        lock.lock()
        let spare = idle.popLast()
        lock.unlock()
        // The pipeline compiled in init, so compiling it again does not fail; if it did, the
        // error goes to the caller rather than trapping.
        return try spare ?? TextCleaner(pipeline: pipeline)
    }

    /// Returns a cleaner got from ``take()``; the caller must not use it afterwards.
    func giveBack(_ cleaner: TextCleaner) {
        lock.lock()
        idle.append(cleaner)
        lock.unlock()
    }

    /// Runs `body` with a cleaner that no other thread uses meanwhile.
    func withCleaner<T>(_ body: (TextCleaner) throws -> T) throws -> T {
        let cleaner = try take()
        defer { giveBack(cleaner) }
        return try body(cleaner)
    }

    /// Runs `body` with a cleaner of `pool`, or with nil when there is no pool (no cleaning).
    static func withCleaner<T>(from pool: CleanerPool?, _ body: (TextCleaner?) throws -> T) throws -> T {
        guard let pool else { return try body(nil) }
        return try pool.withCleaner { try body($0) }
    }
}

extension TextCleaner {
    /// Cleans the UTF-8 text `bytes`, replacing the contents of `output` with the result.
    ///
    /// The same as ``TextCleaner/clean(_:)`` on the same text, but over bytes (no `String` is
    /// made) and throwing instead of trapping: a ``TextInputError`` of kind `invalidUTF8` when
    /// `bytes` is not UTF-8, or an ICU error.
    func clean(utf8 bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws {
        output.removeAll(keepingCapacity: true)
        if bytes.baseAddress != nil {
            try cleanSegments(bytes, into: &output)
        } else {
            // An empty buffer may have no address; ICU wants one even for no text.
            let empty: [UInt8] = [0]
            try empty.withUnsafeBufferPointer { try cleanSegments(UnsafeBufferPointer(rebasing: $0[0..<0]), into: &output) }
        }
    }
}
