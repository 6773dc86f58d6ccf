import CICU
import JikjiIO

/// The origin of every UTF-16 unit of a cleaner's buffer, in UTF-16 units of the text before
/// cleaning, kept through the steps: each step records where its output units come from in its
/// input (``OriginSpans``), and ``compose(count:inputCount:)`` turns that into original spans.
struct UnitAlignment {
    /// Original span of each unit of the cleaner's current text.
    var starts: [Int32] = []
    var ends: [Int32] = []
    /// Span in the step's input of each unit the step wrote.
    var stepStarts: [Int32] = []
    var stepEnds: [Int32] = []

    /// Every unit of a text of `count` units from itself.
    mutating func reset(identity count: Int) {
        if starts.count < count + 1 {
            starts = [Int32](repeating: 0, count: count + 1)
            ends = [Int32](repeating: 0, count: count + 1)
        }
        for k in 0..<count {
            starts[k] = Int32(k)
            ends[k] = Int32(k + 1)
        }
    }

    /// Room for a step to record `count` units, and for the composed result.
    mutating func reserve(_ count: Int) {
        if stepStarts.count < count {
            stepStarts = [Int32](repeating: 0, count: count)
            stepEnds = [Int32](repeating: 0, count: count)
        }
        if starts.count < count {
            starts += [Int32](repeating: 0, count: count - starts.count)
            ends += [Int32](repeating: 0, count: count - ends.count)
        }
    }

    /// After a step wrote `count` units from `inputCount`: the original span of each new unit
    /// runs from the original start of the first input unit it came from to the original end
    /// of the last. A unit inserted out of nothing sits where its input position begins.
    mutating func compose(count: Int, inputCount: Int) {
        let endOfText: Int32 = inputCount > 0 ? ends[inputCount - 1] : 0
        for j in 0..<count {
            let from = Int(stepStarts[j]), to = Int(stepEnds[j])
            if from < to {
                stepStarts[j] = starts[from]
                stepEnds[j] = ends[to - 1]
            } else {
                let at = from < inputCount ? starts[from] : endOfText
                stepStarts[j] = at
                stepEnds[j] = at
            }
        }
        swap(&starts, &stepStarts)
        swap(&ends, &stepEnds)
    }

    /// Where the step records.
    mutating func withStepSpans<T>(_ body: (OriginSpans) throws -> T) rethrows -> T {
        try stepStarts.withUnsafeMutableBufferPointer { s in
            try stepEnds.withUnsafeMutableBufferPointer { e in
                try body(OriginSpans(starts: s.baseAddress!, ends: e.baseAddress!))
            }
        }
    }
}

extension TextCleaner {
    /// Cleans the UTF-8 text `input` like ``cleanSegments(_:substituteInvalidUTF8:into:)`` (U+0000
    /// separates segments cleaned on their own), replacing the contents of `output`, and sets
    /// `alignment` to where each cleaned character came from in `input` (characters are Unicode
    /// scalars; see ``CleaningAlignment`` for how exact each step is).
    ///
    /// Slower than cleaning alone (each step also records origins, and normalization runs piece
    /// by piece): use it only when offsets are wanted.
    /// - Throws: a ``TextInputError`` of kind `invalidUTF8` when `input` is not UTF-8, or an ICU error.
    public func clean(utf8 input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
                      alignment result: inout CleaningAlignment) throws {
        output.removeAll(keepingCapacity: true)
        let empty: [UInt8] = [0]
        var count = try empty.withUnsafeBufferPointer { fallback -> Int in
            let source = input.baseAddress ?? fallback.baseAddress!
            return try UTF16Call.run(into: &current, estimate: input.count + 16, what: "UTF-8 input") { dest, capacity, status in
                jikji_utf8_to_utf16(source, Int32(input.count), dest, capacity, -1, nil, &status)
            }
        }
        // Scalars of the original before each of its units: units → characters at the end.
        var scalarsBefore = [Int32](repeating: 0, count: count + 1)
        for u in 0..<count {
            let continues = u > 0 && (current[u] & 0xFC00) == 0xDC00 && (current[u - 1] & 0xFC00) == 0xD800
            scalarsBefore[u + 1] = scalarsBefore[u] + (continues ? 0 : 1)
        }
        alignment.reset(identity: count)
        count = try runOperationsAligned(count: count)
        try appendUTF8(count: count, to: &output)
        fill(&result, count: count, scalarsBefore: scalarsBefore)
    }

    /// `text` cleaned, and where each cleaned character came from in `text` (see
    /// ``clean(utf8:into:alignment:)``).
    public func cleanAligned(_ text: String) throws -> (text: String, alignment: CleaningAlignment) {
        var copy = text
        var output: [UInt8] = []
        var alignment = CleaningAlignment()
        try copy.withUTF8 { try clean(utf8: $0, into: &output, alignment: &alignment) }
        return (String(decoding: output, as: UTF8.self), alignment)
    }

    /// Converts the unit spans of the cleaned text `current[0..<count]` into character spans.
    private func fill(_ result: inout CleaningAlignment, count: Int, scalarsBefore: [Int32]) {
        result.starts.removeAll(keepingCapacity: true)
        result.ends.removeAll(keepingCapacity: true)
        result.originalCount = Int(scalarsBefore[scalarsBefore.count - 1])
        var u = 0
        while u < count {
            let width = (current[u] & 0xFC00) == 0xD800 && u + 1 < count && (current[u + 1] & 0xFC00) == 0xDC00 ? 2 : 1
            let lo = Int(min(alignment.starts[u], alignment.starts[u + width - 1]))
            let hi = Int(max(alignment.ends[u], alignment.ends[u + width - 1]))
            if lo < hi {
                // The character holding unit `lo`, up to the last character that starts before `hi`.
                result.starts.append(scalarsBefore[lo + 1] - 1)
                result.ends.append(scalarsBefore[hi])
            } else {
                result.starts.append(scalarsBefore[lo])
                result.ends.append(scalarsBefore[lo])
            }
            u += width
        }
        // Steps that rewrite pieces of text can make neighbouring spans overlap; widening them
        // (ends never decrease going forward, starts never increase going back) keeps every
        // span covering its origin and lets a range of characters map by its two ends.
        var k = 1
        while k < result.ends.count {
            if result.ends[k] < result.ends[k - 1] { result.ends[k] = result.ends[k - 1] }
            k += 1
        }
        k = result.starts.count - 2
        while k >= 0 {
            if result.starts[k] > result.starts[k + 1] { result.starts[k] = result.starts[k + 1] }
            k -= 1
        }
    }

    /// ``runOperations(count:)`` recording, through every step, the origin of each unit.
    private func runOperationsAligned(count initial: Int) throws -> Int {
        var count = initial
        for operation in operations {
            let length = count
            switch operation {
            case .normalize(let handle):
                count = try alignedCall(length, estimate: length * 3 + 16) { src, dest, capacity, origins in
                    try NormalizationPieces.normalizeAligned(handle, src.baseAddress!, from: 0, to: src.count, into: dest,
                                                             capacity: capacity, origins)
                }
            case .normalizeKeepingCompatibilityJamo(let handle):
                count = try alignedCall(length, estimate: length * 3 + 16) { src, dest, capacity, origins in
                    try NormalizationPieces.normalizeKeepingCompatibilityJamo(handle, src, into: dest, capacity: capacity,
                                                                              aligned: true, origins)
                }
            case .lowercase, .casefold:
                let fold: Bool
                if case .casefold = operation { fold = true } else { fold = false }
                count = try icuCall(length, estimate: length + length / 2 + 16) { src, dest, capacity, status in
                    fold ? jikji_fold_case(src, Int32(length), dest, capacity, &status)
                        : jikji_to_lower(src, Int32(length), dest, capacity, &status)
                }
                alignment.reserve(scratch.count)
                let written = count
                current.withUnsafeBufferPointer { src in
                    alignment.withStepSpans { CaseMappingOrigins.record(UnsafeBufferPointer(rebasing: src[0..<length]),
                                                                       mappedCount: written, fold: fold, $0) }
                }
            case .regex(let handle, let replacement, _):
                count = try alignedCall(length, estimate: length + length / 4 + 64) { src, dest, capacity, origins in
                    var status: Int32 = 0
                    let written = jikji_regex_replace_aligned(handle, replacement, Int32(replacement.count), src.baseAddress,
                                                              Int32(src.count), dest, origins.starts, origins.ends,
                                                              Int32(capacity), &status)
                    if status == JIKJI_BUFFER_OVERFLOW { return nil }
                    if status > 0 { throw TextInputError(.icu, file: "cleaning", "ICU regex failed: \(ICU.errorName(status))") }
                    return Int(written)
                }
            case .transliterate(let handle):
                count = try icuCall(length, estimate: length * 2 + 64) { src, dest, capacity, status in
                    jikji_translit_segments(handle, src, Int32(length), dest, capacity, &status)
                }
                alignment.reserve(scratch.count)
                let written = count
                try current.withUnsafeBufferPointer { src in
                    try scratch.withUnsafeBufferPointer { dst in
                        try alignment.withStepSpans {
                            try TransliterationOrigins.record(handle, UnsafeBufferPointer(rebasing: src[0..<length]),
                                                              UnsafeBufferPointer(rebasing: dst[0..<written]), $0)
                        }
                    }
                }
            case .native(let growth, let loop):
                count = try alignedCall(length, estimate: length * growth + 1) { src, dest, _, origins in
                    loop.aligned(src, dest, origins)
                }
            }
            alignment.compose(count: count, inputCount: length)
            swap(&current, &scratch)
        }
        return count
    }

    /// Runs `body` from `current[0..<length]` into `scratch` with room for its origins, doubling
    /// both while `body` says they are too small (returns nil).
    private func alignedCall(_ length: Int, estimate: Int,
                             _ body: (UnsafeBufferPointer<UInt16>, UnsafeMutablePointer<UInt16>, Int, OriginSpans) throws -> Int?)
        throws -> Int {
        if scratch.count < estimate { scratch = [UInt16](repeating: 0, count: estimate) }
        while true {
            alignment.reserve(scratch.count)
            let written = try current.withUnsafeBufferPointer { src in
                try scratch.withUnsafeMutableBufferPointer { dst in
                    try alignment.withStepSpans { origins in
                        try body(UnsafeBufferPointer(rebasing: src[0..<length]), dst.baseAddress!, dst.count, origins)
                    }
                }
            }
            if let written { return written }
            scratch = [UInt16](repeating: 0, count: scratch.count * 2 + 16)
        }
    }
}

/// Origins of lowercased or case-folded text: ICU maps each code point on its own (only final
/// sigma looks at its neighbours, and it stays one unit), so each code point's mapping alone
/// says how many output units it became.
enum CaseMappingOrigins {
    static func record(_ source: UnsafeBufferPointer<UInt16>, mappedCount: Int, fold: Bool, _ origins: OriginSpans) {
        var out = 0, i = 0
        var single = [UInt16](repeating: 0, count: 16)
        while i < source.count {
            let unit = source[i]
            let width = (unit & 0xFC00) == 0xD800 && i + 1 < source.count && (source[i + 1] & 0xFC00) == 0xDC00 ? 2 : 1
            var mapped = width
            if unit >= 0x80 {
                var status: Int32 = 0
                let base = source.baseAddress! + i
                mapped = Int(single.withUnsafeMutableBufferPointer { dest in
                    fold ? jikji_fold_case(base, Int32(width), dest.baseAddress, Int32(dest.count), &status)
                        : jikji_to_lower(base, Int32(width), dest.baseAddress, Int32(dest.count), &status)
                })
            }
            guard out + mapped <= mappedCount else { break }
            origins.record(out, mapped, from: i, to: i + width)
            out += mapped
            i += width
        }
        // Never expected: if the lengths disagree, everything comes from the whole text.
        if out != mappedCount || i != source.count { origins.record(0, mappedCount, from: 0, to: source.count) }
    }
}

/// Origins of transliterated text. ICU's transliterators rewrite text by rules that look at
/// context, so no character-level map exists: each whitespace-delimited word of a segment is
/// transliterated alone and, when the pieces put together give exactly the segment's
/// transliteration, each output unit comes from its word (spaces from themselves); otherwise
/// every unit of the segment comes from the whole segment.
enum TransliterationOrigins {
    static func record(_ handle: UnsafeMutableRawPointer, _ source: UnsafeBufferPointer<UInt16>,
                       _ output: UnsafeBufferPointer<UInt16>, _ origins: OriginSpans) throws {
        var inStart = 0, outStart = 0
        while inStart <= source.count && outStart <= output.count {
            var inEnd = inStart, outEnd = outStart
            while inEnd < source.count && source[inEnd] != 0 { inEnd += 1 }
            while outEnd < output.count && output[outEnd] != 0 { outEnd += 1 }
            try recordSegment(handle, source, inStart..<inEnd, output, outStart..<outEnd, origins)
            if outEnd < output.count { origins.same(outEnd, min(inEnd, source.count - 1)) }
            inStart = inEnd + 1
            outStart = outEnd + 1
        }
    }

    private static func recordSegment(_ handle: UnsafeMutableRawPointer, _ source: UnsafeBufferPointer<UInt16>, _ input: Range<Int>,
                                      _ output: UnsafeBufferPointer<UInt16>, _ result: Range<Int>, _ origins: OriginSpans) throws {
        guard !result.isEmpty else { return }
        var pieces: [(range: Range<Int>, text: [UInt16])] = []
        var i = input.lowerBound
        while i < input.upperBound {
            let space = isWhitespace(source[i])
            var j = i + 1
            while j < input.upperBound && isWhitespace(source[j]) == space { j += 1 }
            let text = Array(source[i..<j])
            pieces.append((i..<j, space ? text : try transliterate(handle, text)))
            i = j
        }
        let joined = pieces.flatMap(\.text)
        guard joined.elementsEqual(output[result]) else {
            origins.record(result.lowerBound, result.count, from: input.lowerBound, to: input.upperBound)
            return
        }
        var out = result.lowerBound
        for piece in pieces {
            if piece.text.count == piece.range.count && isWhitespace(source[piece.range.lowerBound]) {
                for k in 0..<piece.text.count { origins.same(out + k, piece.range.lowerBound + k) }
            } else {
                origins.record(out, piece.text.count, from: piece.range.lowerBound, to: piece.range.upperBound)
            }
            out += piece.text.count
        }
    }

    private static func transliterate(_ handle: UnsafeMutableRawPointer, _ text: [UInt16]) throws -> [UInt16] {
        var output: [UInt16] = []
        let count = try UTF16Call.run(into: &output, estimate: text.count * 4 + 16, what: "transliteration") { dest, capacity, status in
            jikji_translit_segments(handle, text, Int32(text.count), dest, capacity, &status)
        }
        return Array(output[0..<count])
    }
}
