import JikjiConfig

/// `model.encoder.init: {from: RUN[@STEP], strict: true}` — start a model's embedding and
/// recurrent weights (a language model: every weight) from a language-model run's checkpoint.
public struct EncoderInitSection: Sendable, Equatable {
    /// What `from` names: a run id or the name of a job whose newest completed run is meant.
    public enum Source: Sendable, Equatable {
        case run(Int)
        case job(String)
    }

    public var source: Source
    /// A checkpoint step of that run (nil: its best checkpoint, else its last).
    public var step: Int?
    /// true: every copied tensor of the source must find a parameter of the same name and shape
    /// (anything else is an error); false: those that do not are skipped and reported.
    public var strict: Bool

    init(_ r: ConfigReader) throws {
        let text = try r.requiredString("from", what: "a language-model run (its id, or its job's name for the newest completed run), optionally @STEP")
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            guard let step = Int(parts[1]), step >= 0 else {
                throw r.error("from", "'\(parts[1])' after @ is not a checkpoint step (a whole number)", kind: .wrongType)
            }
            self.step = step
        } else {
            step = nil
        }
        guard !parts[0].isEmpty else { throw r.error("from", "'\(text)' names no run before @", kind: .wrongType) }
        source = Int(parts[0]).map(Source.run) ?? .job(parts[0])
        strict = try r.bool("strict", default: true)
    }
}
