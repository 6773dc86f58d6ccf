import JikjiText

/// The steps of a cleaning pipeline that HF's normalizers cannot express, refused by
/// ``HFNormalizer/sequence(expressing:)``.
public struct HFPipelineExportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// One step HF cannot express.
    public struct Step: Equatable, Sendable {
        /// Its number in the pipeline, from 1.
        public var number: Int
        /// Its name (`repeat-limit`).
        public var name: String
        /// Why HF cannot express it.
        public var reason: String
    }

    /// The steps HF cannot express, in pipeline order.
    public var steps: [Step]

    public var description: String {
        steps.map { "step \($0.number) '\($0.name)': \($0.reason)" }.joined(separator: "; ")
    }
}

extension HFNormalizer {
    /// Whitespace as the `collapse-whitespace` step sees it (Python's `str.isspace`), as an
    /// explicit set both regex engines read alike.
    static let collapsibleSpace = #"[\x{9}-\x{D}\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"#

    /// The HF normalizers that do what `pipeline` does, in order, for a `Sequence` before the
    /// `BertNormalizer`.
    ///
    /// Written: `nfc`/`nfd`/`nfkc`/`nfkd` (NFC…NFKD), `lowercase` (Lowercase), `regex` (Replace
    /// with the pattern in Oniguruma's dialect, see ``HFRegexDialect``, when its replacement is
    /// literal), `collapse-whitespace`, `strip-control` and `punctuation-to-space` (Replace with
    /// explicit character sets).
    /// - Throws: ``HFPipelineExportError`` listing every step that HF cannot express, and why.
    public static func sequence(expressing pipeline: CleaningPipeline) throws -> [HFNormalizer] {
        var out: [HFNormalizer] = []
        var refused: [HFPipelineExportError.Step] = []
        for (index, step) in pipeline.steps.enumerated() {
            do {
                out += try normalizers(for: step)
            } catch let problem as HFRegexDialect.Problem {
                refused.append(.init(number: index + 1, name: step.name, reason: problem.description))
            }
        }
        guard refused.isEmpty else { throw HFPipelineExportError(steps: refused) }
        return out
    }

    /// The normalizers of one step; throws a ``HFRegexDialect/Problem`` saying why there are none.
    private static func normalizers(for step: CleaningStep) throws -> [HFNormalizer] {
        typealias Problem = HFRegexDialect.Problem
        switch step {
        case .normalize(.nfc): return [.nfc]
        case .normalize(.nfd): return [.nfd]
        case .normalize(.nfkc): return [.nfkc]
        case .normalize(.nfkd): return [.nfkd]
        case .normalize(.nfkcCasefold), .casefold:
            throw Problem("HF has no case-folding normalizer")
        case .lowercase:
            return [.lowercase]
        case .regex(let pattern, let replace, let ignoreCase):
            guard let content = HFRegexDialect.literal(ofReplacement: replace) else {
                throw Problem("the replacement \(replace) refers to a group; HF's Replace inserts its content literally")
            }
            return [.replace(.regex(try HFRegexDialect.onigPattern(fromICU: pattern, ignoreCase: ignoreCase)), content: content)]
        case .collapseWhitespace:
            let ws = collapsibleSpace
            return [.replace(.regex(#"\A\#(ws)+|\#(ws)+\z"#), content: ""), .replace(.regex("\(ws)+"), content: " ")]
        case .stripControl:
            // Whitespace controls become spaces first; then the other Cc, Cf and Co go.
            return [.replace(.regex(#"[\x{9}-\x{D}\x{1C}-\x{1F}\x{85}]"#), content: " "),
                    .replace(.regex(#"[\p{Cc}\p{Cf}\p{Co}]"#), content: "")]
        case .punctuationToSpace(let except, let symbols):
            let set = symbols ? #"[\p{P}\p{S}]"# : #"\p{P}"#
            let kept = except.unicodeScalars.map { "\\x{\(String($0.value, radix: 16, uppercase: true))}" }.joined()
            return [.replace(.regex(kept.isEmpty ? set : "(?![\(kept)])\(set)"), content: " ")]
        case .repeatLimit:
            throw Problem("HF's Replace inserts its content literally: it cannot keep N repetitions of the unit it matched")
        case .hangulToJamo, .jamoToHangul, .compatibilityJamoToConjoining, .conjoiningJamoToCompatibility:
            throw Problem("HF has no Hangul jamo normalizer")
        case .htmlTags, .urls, .emails:
            throw Problem("Jikji's built-in pattern for it is not written for HF's regex engine; a regex step you write can be")
        case .hangulOnly:
            throw Problem("HF has no normalizer keeping only some scripts")
        case .nfkcKeepingCompatibilityJamo:
            throw Problem("HF's NFKC composes compatibility jamo with their neighbours (ㅋ + ㅠ becomes 큐); it has no form that keeps them")
        case .transliterate:
            throw Problem("HF has no transliterator")
        }
    }

    /// The cleaning steps that do what `normalizers` do, for Jikji to run them before the BERT
    /// normalizer: NFC…NFKD, Lowercase, Strip, Prepend, and Replace with a literal string or a
    /// regex in the dialect both engines share (``HFRegexDialect/isShared(_:)``).
    /// - Throws: ``HFRegexDialect/Problem`` for a regex Jikji cannot run with the same meaning.
    public static func cleaningSteps(_ normalizers: [HFNormalizer]) throws -> [CleaningStep] {
        try normalizers.flatMap { normalizer -> [CleaningStep] in
            switch normalizer {
            case .nfc: return [.normalize(.nfc)]
            case .nfd: return [.normalize(.nfd)]
            case .nfkc: return [.normalize(.nfkc)]
            case .nfkd: return [.normalize(.nfkd)]
            case .lowercase: return [.lowercase]
            case let .strip(left, right):
                // Rust's char::is_whitespace is the White_Space property.
                return (left ? [CleaningStep.regex(pattern: #"\A\p{White_Space}+"#, replace: "", ignoreCase: false)] : [])
                    + (right ? [.regex(pattern: #"\p{White_Space}+\z"#, replace: "", ignoreCase: false)] : [])
            case .prepend(let prefix):
                // HF prepends to a text that is not empty.
                return [.regex(pattern: #"\A(?=[\s\S])"#, replace: HFRegexDialect.literalReplacement(prefix), ignoreCase: false)]
            case let .replace(.string(literal), content):
                guard !literal.isEmpty else { throw HFRegexDialect.Problem("a Replace of the empty string is not supported") }
                return [.regex(pattern: HFRegexDialect.literalPattern(literal),
                               replace: HFRegexDialect.literalReplacement(content), ignoreCase: false)]
            case let .replace(.regex(pattern), content):
                guard HFRegexDialect.isShared(pattern) else {
                    let problem: String
                    do {
                        _ = try HFRegexDialect.onigPattern(fromICU: pattern)
                        problem = "it uses constructs ICU reads differently (., ^, $, \\d, \\s, \\w, \\u, \\x without braces)"
                    } catch {
                        problem = "\(error)"
                    }
                    throw HFRegexDialect.Problem("the Regex \(pattern) cannot run in ICU with HF's meaning: \(problem)")
                }
                return [.regex(pattern: pattern, replace: HFRegexDialect.literalReplacement(content), ignoreCase: false)]
            }
        }
    }
}

extension HFTokenizerJSON {
    /// The cleaning pipeline of the file's `Sequence` normalizer (its members before the
    /// `BertNormalizer`); nil when there is none.
    /// - Throws: ``HFTokenizerJSONError/unsupported(path:key:found:supported:)`` for a member Jikji
    ///   cannot run with HF's meaning (checked when the file is read).
    public func cleaningPipeline(path: String = "tokenizer.json") throws -> CleaningPipeline? {
        guard !normalizers.isEmpty else { return nil }
        do {
            return CleaningPipeline(steps: try HFNormalizer.cleaningSteps(normalizers))
        } catch let problem as HFRegexDialect.Problem {
            throw HFTokenizerJSONError.unsupported(path: path, key: "normalizer.normalizers", found: problem.description,
                                                   supported: "Regex patterns in the dialect ICU and Oniguruma share")
        }
    }
}
