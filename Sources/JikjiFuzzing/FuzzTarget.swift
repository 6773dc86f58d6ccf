/// A parser of user files that the fuzzers drive, each through the library entry points the CLI
/// calls for that file (never a private copy of their logic).
///
/// An input either parses (``FuzzOutcome/accepted``) or is refused with a thrown error
/// (``FuzzOutcome/rejected``); both are fine. A crash (a trap, an overflow, an out-of-range
/// index) is what the fuzzers look for: under libFuzzer it stops the run and keeps the input,
/// in the mutation loop it fails the test process.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `model.safetensors` / `state.safetensors`: header, tensors, and loading into a model.
    case safetensors
    /// An HF `tokenizer.json` given to `encode`/`decode --vocab` or `vocab import`.
    case tokenizerJSON = "tokenizer-json"
    /// An HF / BERT `vocab.txt` given to `encode --vocab` or `vocab import`.
    case vocabTxt = "vocab-txt"
    /// A job file (`jikji job run FILE`), and its resolved form as a run stores it.
    case jobYAML = "job-yaml"
    /// A cleaning pipeline file (`--pipeline FILE`), YAML or JSON.
    case pipelineYAML = "pipeline-yaml"
    /// Lines, TSV, CSV and JSONL records, as `dataset build`, `predict` and `clean` read them.
    case records
    /// The encoder and decoder on arbitrary bytes, as `jikji encode` and `jikji decode` run them.
    case encoder

    /// What the target reads, for listings.
    public var summary: String {
        switch self {
        case .safetensors: return "safetensors files: header, tensors, loading into a classifier"
        case .tokenizerJSON: return "tokenizer.json: reading, encoder, vocab import, export round trip"
        case .vocabTxt: return "vocab.txt: reading, encoder, vocab import"
        case .jobYAML: return "job files (YAML and JSON) and their resolved form"
        case .pipelineYAML: return "cleaning pipelines (YAML and JSON), compiled and run"
        case .records: return "lines, TSV, CSV and JSONL records: readers, corpus rows, clean"
        case .encoder: return "encode and decode of arbitrary bytes with real vocabularies"
        }
    }

    /// Runs one input through the target's parsers.
    ///
    /// Errors the parsers throw are the expected refusal of a bad input and are swallowed here;
    /// only a crash escapes.
    @discardableResult
    public func run(_ input: [UInt8]) -> FuzzOutcome {
        do {
            switch self {
            case .safetensors: try Self.readSafeTensors(input)
            case .tokenizerJSON: try Self.readTokenizerJSON(input)
            case .vocabTxt: try Self.readVocabTxt(input)
            case .jobYAML: try Self.readJobFile(input)
            case .pipelineYAML: try Self.readPipelineFile(input)
            case .records: try Self.readRecords(input)
            case .encoder: try Self.encodeAndDecode(input)
            }
            return .accepted
        } catch {
            return .rejected
        }
    }
}

/// How a parser treated one fuzz input.
public enum FuzzOutcome: Equatable, Sendable {
    /// Parsed and used without error.
    case accepted
    /// Refused with a thrown error (the input is bad; that is not a failure).
    case rejected
}
