import JikjiIO
import CICU
import Foundation

/// Runs a ``CleaningPipeline`` over many lines at once: the compiled form of a pipeline.
///
/// Lines go in as one buffer of UTF-8 segments separated by NUL bytes; the buffer is converted
/// to UTF-16 once, every step runs over the whole buffer (ICU normalization in one call, regexes
/// compiled once), and the result is converted back once. Not thread-safe: use one cleaner per
/// thread.
public final class TextCleaner {
    /// The pipeline this cleaner runs.
    public let pipeline: CleaningPipeline

    /// A compiled step.
    enum Operation {
        case normalize(UnsafeRawPointer)
        /// NFKC (this normalizer) with compatibility jamo kept out of it.
        case normalizeKeepingCompatibilityJamo(UnsafeRawPointer)
        case lowercase
        case casefold
        /// A compiled ICU regex; `segmented` when the pattern might match across a NUL.
        case regex(UnsafeMutableRawPointer, replacement: [UInt16], segmented: Bool)
        case transliterate(UnsafeMutableRawPointer)
        /// A loop over the buffer that writes at most `growth` × the input length.
        case native(growth: Int, NativeLoop)
    }

    /// One loop of ``CharacterSteps`` or ``HangulJamo``, specialized twice: without alignment
    /// (what cleaning runs) and recording the origin of every unit it writes.
    struct NativeLoop {
        let plain: (UnsafeBufferPointer<UInt16>, UnsafeMutablePointer<UInt16>) -> Int
        let aligned: (UnsafeBufferPointer<UInt16>, UnsafeMutablePointer<UInt16>, OriginSpans) -> Int
    }

    var operations: [Operation] = []
    /// The text being cleaned, and the buffer each step writes into (then swapped).
    var current = [UInt16](repeating: 0, count: 1 << 16)
    var scratch = [UInt16](repeating: 0, count: 1 << 16)
    /// With alignment: the original span of every unit of `current`, and the step's own spans.
    var alignment = UnitAlignment()

    /// Compiles `pipeline` (its regexes and transliterators). Throws an error naming the step
    /// and the problem when a pattern or transliterator id is invalid.
    public convenience init(pipeline: CleaningPipeline) throws {
        try self.init(pipeline: pipeline, firstStepNumber: 1)
    }

    /// Compiles `pipeline`, numbering its steps from `firstStepNumber` in errors.
    init(pipeline: CleaningPipeline, firstStepNumber: Int) throws {
        self.pipeline = pipeline
        for (index, step) in pipeline.steps.enumerated() {
            operations.append(try Self.compile(step, index: index + firstStepNumber))
        }
    }

    deinit {
        for operation in operations {
            switch operation {
            case .regex(let handle, _, _): jikji_regex_close(handle)
            case .transliterate(let handle): jikji_translit_close(handle)
            default: break
            }
        }
    }

    // Built-in patterns never match U+0000, so they run over the whole buffer in one call.
    static let htmlTagPattern = #"<!--[^\x00]*?-->|</?[A-Za-z][^<>\x00]*>"#
    static let urlPattern = #"(?:(?:https?|ftp)://|www\.)[^\s<>"\x00]+"#
    static let emailPattern = #"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"#

    private static func compile(_ step: CleaningStep, index: Int) throws -> Operation {
        switch step {
        case .normalize(let form):
            return .normalize(form.handle)
        case .lowercase:
            return .lowercase
        case .casefold:
            return .casefold
        case .nfkcKeepingCompatibilityJamo:
            return .normalizeKeepingCompatibilityJamo(NormalizationForm.nfkc.handle)
        case .hangulToJamo:
            return .native(growth: 3, NativeLoop(plain: { HangulJamo.decompose($0, into: $1, NoOrigins()) },
                                                 aligned: { HangulJamo.decompose($0, into: $1, $2) }))
        case .jamoToHangul:
            return .native(growth: 1, NativeLoop(plain: { HangulJamo.compose($0, into: $1, NoOrigins()) },
                                                 aligned: { HangulJamo.compose($0, into: $1, $2) }))
        case .compatibilityJamoToConjoining:
            return .native(growth: 1, NativeLoop(plain: { HangulJamo.toConjoining($0, into: $1, NoOrigins()) },
                                                 aligned: { HangulJamo.toConjoining($0, into: $1, $2) }))
        case .conjoiningJamoToCompatibility:
            return .native(growth: 1, NativeLoop(plain: { HangulJamo.toCompatibility($0, into: $1, NoOrigins()) },
                                                 aligned: { HangulJamo.toCompatibility($0, into: $1, $2) }))
        case .collapseWhitespace:
            return .native(growth: 1, NativeLoop(plain: { CharacterSteps.collapseWhitespace($0, into: $1, NoOrigins()) },
                                                 aligned: { CharacterSteps.collapseWhitespace($0, into: $1, $2) }))
        case .stripControl:
            return .native(growth: 1, NativeLoop(plain: { CharacterSteps.stripControl($0, into: $1, NoOrigins()) },
                                                 aligned: { CharacterSteps.stripControl($0, into: $1, $2) }))
        case .repeatLimit(let limit, let unit, let digits):
            return .native(growth: 1, NativeLoop(
                plain: { CharacterSteps.repeatLimit($0, into: $1, limit: limit, unit: unit, digits: digits, NoOrigins()) },
                aligned: { CharacterSteps.repeatLimit($0, into: $1, limit: limit, unit: unit, digits: digits, $2) }))
        case .punctuationToSpace(let except, let symbols):
            let keep = Set(except.unicodeScalars.map(\.value))
            return .native(growth: 1, NativeLoop(
                plain: { CharacterSteps.punctuationToSpace($0, into: $1, keep: keep, symbols: symbols, NoOrigins()) },
                aligned: { CharacterSteps.punctuationToSpace($0, into: $1, keep: keep, symbols: symbols, $2) }))
        case .hangulOnly(let latin, let digits, let keep):
            let keepSet = Set(keep.unicodeScalars.map(\.value))
            return .native(growth: 1, NativeLoop(
                plain: { CharacterSteps.hangulOnly($0, into: $1, latin: latin, digits: digits, keep: keepSet, NoOrigins()) },
                aligned: { CharacterSteps.hangulOnly($0, into: $1, latin: latin, digits: digits, keep: keepSet, $2) }))
        case .htmlTags(let replace):
            return try regex(htmlTagPattern, literal: replace, flags: 0, step: step, index: index)
        case .urls(let replace):
            return try regex(urlPattern, literal: replace, flags: UInt32(JIKJI_REGEX_CASE_INSENSITIVE),
                             step: step, index: index)
        case .emails(let replace):
            return try regex(emailPattern, literal: replace, flags: 0, step: step, index: index)
        case .regex(let pattern, let replace, let ignoreCase):
            let handle = try openRegex(pattern, flags: ignoreCase ? UInt32(JIKJI_REGEX_CASE_INSENSITIVE) : 0,
                                       index: index)
            return .regex(handle, replacement: Array(replace.utf16), segmented: true)
        case .transliterate(let id):
            let units = Array(id.utf16)
            var status: Int32 = 0
            guard let handle = jikji_translit_open(units, Int32(units.count), &status) else {
                throw TextInputError(.badParameter, file: "pipeline",
                                     "step \(index) 'transliterate': key 'id': ICU has no transliterator '\(id)' "
                                     + "(\(ICU.errorName(status))); try e.g. Hangul-Latin or Any-Latin")
            }
            return .transliterate(handle)
        }
    }

    private static func regex(_ pattern: String, literal replace: String, flags: UInt32,
                              step: CleaningStep, index: Int) throws -> Operation {
        let handle = try openRegex(pattern, flags: flags, index: index)
        // The replacement of a built-in rule is literal text: escape ICU's `$` and `\`.
        var escaped = ""
        for character in replace.unicodeScalars {
            if character == "$" || character == "\\" { escaped += "\\" }
            escaped.unicodeScalars.append(character)
        }
        return .regex(handle, replacement: Array(escaped.utf16), segmented: false)
    }

    private static func openRegex(_ pattern: String, flags: UInt32, index: Int) throws -> UnsafeMutableRawPointer {
        let units = Array(pattern.utf16)
        var line: Int32 = 0, offset: Int32 = 0, status: Int32 = 0
        guard let handle = jikji_regex_open(units, Int32(units.count), flags, &line, &offset, &status) else {
            throw TextInputError(.badParameter, file: "pipeline",
                                 "step \(index) 'regex': key 'pattern': invalid ICU regular expression "
                                 + "\(jsonQuoted(pattern)) at offset \(offset): \(ICU.errorName(status))")
        }
        return handle
    }

    // MARK: Running

    /// Cleans `input` — UTF-8 segments separated by NUL bytes — and appends the cleaned segments,
    /// separated by NUL bytes, to `output` (as many segments as went in, in order).
    ///
    /// - Parameter substituteInvalidUTF8: when true, ill-formed UTF-8 becomes U+FFFD; when false
    ///   it is an error (``TextInputError/Kind/invalidUTF8``; the caller knows the line numbers
    ///   and can find the bad line with ``UTF8Validation``).
    /// - Returns: the number of ill-formed sequences replaced.
    @discardableResult
    public func cleanSegments(_ input: UnsafeBufferPointer<UInt8>, substituteInvalidUTF8: Bool = false,
                              into output: inout [UInt8]) throws -> Int {
        // UTF-8 → UTF-16, once for the whole buffer.
        var substitutions: Int32 = 0
        var count = try UTF16Call.run(into: &current, estimate: input.count + 16, what: "UTF-8 input") {
            dest, capacity, status in
            jikji_utf8_to_utf16(input.baseAddress, Int32(input.count), dest, capacity,
                                substituteInvalidUTF8 ? 0xFFFD : -1, &substitutions, &status)
        }
        count = try runOperations(count: count)
        try appendUTF8(count: count, to: &output)
        return Int(substitutions)
    }

    /// Appends `current[0..<count]` as UTF-8 to `output`: once, straight into the caller's array.
    func appendUTF8(count: Int, to output: inout [UInt8]) throws {
        let start = output.count
        var capacity = count * 3 + 16
        while true {
            output.append(contentsOf: repeatElement(0, count: capacity))
            var status: Int32 = 0
            let written = current.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    jikji_utf16_to_utf8(src.baseAddress, Int32(count), dst.baseAddress! + start,
                                        Int32(capacity), &status)
                }
            }
            output.removeLast(output.count - start - (status == 0 ? Int(written) : 0))
            if status == JIKJI_BUFFER_OVERFLOW { capacity = Int(written) + 16; continue }
            if status > 0 {
                throw TextInputError(.icu, file: "cleaner", "UTF-16 to UTF-8 failed: \(ICU.errorName(status))")
            }
            return
        }
    }

    /// `text` cleaned by the pipeline (see ``CleaningPipeline/clean(_:)``).
    public func clean(_ text: String) -> String {
        var output = [UInt8]()
        var input = Array(text.utf8)
        input.append(0)  // keeps the base address non-nil for empty text
        do {
            try input.withUnsafeBufferPointer { raw in
                _ = try cleanSegments(UnsafeBufferPointer(rebasing: raw[0..<(raw.count - 1)]), into: &output)
            }
        } catch {
            // A Swift String is valid Unicode, and the pipeline compiled: ICU cannot fail here.
            preconditionFailure("cleaning valid text failed: \(error)")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Applies every operation to `current[0..<count]`, swapping buffers; returns the new count.
    func runOperations(count initial: Int) throws -> Int {
        var count = initial
        for operation in operations {
            let length = count
            switch operation {
            case .normalize(let handle):
                count = try icuCall(length, estimate: length * 3 + 16) { src, dest, capacity, status in
                    jikji_normalize(handle, src, Int32(length), dest, capacity, &status)
                }
            case .normalizeKeepingCompatibilityJamo(let handle):
                count = try piecewiseCall(length, estimate: length * 3 + 16) { src, dest, capacity in
                    try NormalizationPieces.normalizeKeepingCompatibilityJamo(handle, src, into: dest, capacity: capacity,
                                                                              aligned: false, NoOrigins())
                }
            case .lowercase:
                count = try icuCall(length, estimate: length + length / 2 + 16) { src, dest, capacity, status in
                    jikji_to_lower(src, Int32(length), dest, capacity, &status)
                }
            case .casefold:
                count = try icuCall(length, estimate: length + length / 2 + 16) { src, dest, capacity, status in
                    jikji_fold_case(src, Int32(length), dest, capacity, &status)
                }
            case .regex(let handle, let replacement, let segmented):
                count = try icuCall(length, estimate: length + length / 4 + 64) { src, dest, capacity, status in
                    jikji_regex_replace_segments(handle, replacement, Int32(replacement.count), src, Int32(length),
                                                 dest, capacity, segmented ? 1 : 0, &status)
                }
            case .transliterate(let handle):
                count = try icuCall(length, estimate: length * 2 + 64) { src, dest, capacity, status in
                    jikji_translit_segments(handle, src, Int32(length), dest, capacity, &status)
                }
            case .native(let growth, let body):
                let need = length * growth + 1
                if scratch.count < need { scratch = [UInt16](repeating: 0, count: need) }
                count = current.withUnsafeBufferPointer { src in
                    scratch.withUnsafeMutableBufferPointer { dst in
                        body.plain(UnsafeBufferPointer(rebasing: src[0..<length]), dst.baseAddress!)
                    }
                }
            }
            swap(&current, &scratch)
        }
        return count
    }

    /// Runs `body` from `current[0..<length]` into `scratch`, doubling `scratch` while `body`
    /// says it is too small (returns nil).
    func piecewiseCall(_ length: Int, estimate: Int,
                       _ body: (UnsafeBufferPointer<UInt16>, UnsafeMutablePointer<UInt16>, Int) throws -> Int?) throws -> Int {
        if scratch.count < estimate { scratch = [UInt16](repeating: 0, count: estimate) }
        while true {
            let written = try current.withUnsafeBufferPointer { src in
                try scratch.withUnsafeMutableBufferPointer { dst in
                    try body(UnsafeBufferPointer(rebasing: src[0..<length]), dst.baseAddress!, dst.count)
                }
            }
            if let written { return written }
            scratch = [UInt16](repeating: 0, count: scratch.count * 2 + 16)
        }
    }

    /// Runs an ICU call from `current` into `scratch`, growing `scratch` on overflow.
    func icuCall(_ length: Int, estimate: Int,
                         _ body: (UnsafePointer<UInt16>, UnsafeMutablePointer<UInt16>, Int32, inout Int32) -> Int32) throws -> Int {
        if scratch.count < estimate { scratch = [UInt16](repeating: 0, count: estimate) }
        return try current.withUnsafeBufferPointer { src in
            try UTF16Call.run(into: &scratch, estimate: estimate, what: "cleaning") { dest, capacity, status in
                body(src.baseAddress!, dest, capacity, &status)
            }
        }
    }
}

/// The compiled cleaner behind ``CleaningPipeline/clean(_:)``: built on first use, rebuilt if
/// the steps changed, used under a lock (so a pipeline can be shared between threads; heavy
/// multi-threaded users should give each thread its own ``TextCleaner``).
///
/// `@unchecked Sendable`: `cleaner` is read, used and replaced only while holding `lock`.
final class CompiledCleaner: @unchecked Sendable {
    private let lock = NSLock()
    private var cleaner: TextCleaner?

    func withCleaner<T>(for steps: [CleaningStep], _ body: (TextCleaner) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        if let cleaner, cleaner.pipeline.steps == steps { return body(cleaner) }
        do {
            let fresh = try TextCleaner(pipeline: CleaningPipeline(steps: steps))
            cleaner = fresh
            return body(fresh)
        } catch {
            // Pipelines read from files or presets were compiled when read; only a pipeline
            // built in code with an invalid regex or transliterator id can get here.
            preconditionFailure("the cleaning pipeline does not compile: \(error)")
        }
    }
}
