import Foundation
import JikjiWordPiece

extension FuzzTarget {
    /// Arbitrary bytes through the encoder and the decoder.
    ///
    /// The first byte chooses the encoder (``FuzzFixtures/encoders``), the output format and the
    /// truncation and padding options; the rest is the input, which is
    /// - encoded line by line from a file as `jikji encode` does (``TextEncoder/encodeLines(from:to:options:progress:)``),
    /// - encoded whole as a text and as a pair with truncation (the library API),
    /// - decoded as lines of ids as `jikji decode` does, and read as raw ids (16-bit little-endian
    ///   numbers, so that every id in and out of the vocabulary occurs) for the decoder.
    static func encodeAndDecode(_ input: [UInt8]) throws {
        guard let control = input.first else { throw ScratchFile.Failure(description: "empty input") }
        let bytes = Array(input.dropFirst())
        let encoders = try FuzzFixtures.encoders
        let encoder = encoders[Int(control & 3) % encoders.count]
        let formats = LineEncodingOptions.Format.allCases
        var options = LineEncodingOptions(format: formats[Int(control >> 2 & 3) % formats.count])
        switch control >> 4 & 7 {
        case 1: options.maxLength = 8
        case 2: options.maxLength = 8; options.padToMaxLength = true
        case 3: options.maxLength = 0
        case 4: options.maxLength = 1
        case 5: options.ignoreTokenizerTruncation = true; options.ignoreTokenizerPadding = true
        case 6: options.addSpecialTokens = false
        default: break
        }
        options.blockSize = control & 0x80 != 0 ? 7 : 1 << 16
        // The verdict is `jikji encode`'s on the whole input; the other uses run for their crashes
        // only (text is seldom a line of ids, and a pair may not fit the truncation asked for).
        var verdict: Error?
        try ScratchFile.withFile(containing: bytes) { path in
            guard let output = FuzzFixtures.nullOutput else {
                throw ScratchFile.Failure(description: "cannot open /dev/null")
            }
            do { _ = try encoder.encodeLines(from: path, to: output, options: options) } catch { verdict = error }
            _ = try? encoder.decodeLines(from: path, to: output, skipSpecialTokens: control & 1 == 0)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let encoding = try? encoder.encode(text, truncation: options.maxLength.map { TruncationOptions(maxLength: $0) }) {
            _ = encoder.decode(encoding.ids, skipSpecialTokens: false)
        }
        let half = text.index(text.startIndex, offsetBy: text.count / 2)
        let pair = (String(text[..<half]), String(text[half...]))
        let strategies = TruncationOptions.Strategy.allCases
        let truncation = TruncationOptions(maxLength: Int(control % 16), stride: Int(control >> 6),
                                           strategy: strategies[Int(control) % strategies.count],
                                           direction: control & 0x20 == 0 ? .right : .left)
        _ = try? encoder.tokenizer.encodeBatch(pairs: [pair], truncation: truncation)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 2)
        var k = 0
        while k + 1 < bytes.count {
            ids.append(Int32(bytes[k]) | Int32(bytes[k + 1]) << 8)
            k += 2
        }
        _ = encoder.decode(ids)
        _ = encoder.decode(ids, skipSpecialTokens: false)
        if let verdict { throw verdict }
    }
}
