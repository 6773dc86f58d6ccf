import JikjiConfig
import JikjiModels
import JikjiRecurrent

/// `model:` — the network.
public struct ModelSection: Sendable {
    public var task: JobConfig.Task
    /// Embedding width.
    public var embedding: Int
    /// The encoder (classifier, seq2seq) or the stack (language model).
    public var encoder: RecurrentSettings
    /// `encoder.init`: start from a language-model run's weights (nil: fresh initialisation).
    public var encoderInit: EncoderInitSection?
    /// The decoder (seq2seq only).
    public var decoder: RecurrentSettings?
    /// Dropout before the output layer.
    public var dropout: Double
    /// Classifier pooling: `final` (final states of both directions), `mean` or `max` over valid
    /// steps, `concat` (ULMFiT's [final, max, mean]) or `attention` (learned weights over valid steps).
    public var pooling: SequenceClassifier.Pooling
    /// Classifier with attention pooling: `attention_size`, the scorer's width (nil: `D * H`).
    public var attentionSize: Int?
    /// Classifier classes (2 = one logit with BCE unless `loss: cross_entropy`; more = softmax with cross-entropy).
    public var classes: Int
    /// Classifier loss: `bce` (two classes: one logit, `fc.weight [1, H]`, the default for 2 classes)
    /// or `cross_entropy` (one logit per class, `fc.weight [classes, H]`, as `nn.Linear(H, classes)`).
    public var loss: SequenceClassifier.Objective
    /// Language model: share the embedding and output weights (needs embedding == hidden).
    public var tieWeights: Bool
    /// Language model: 0 keeps PyTorch's module initialisation (embedding `N(0, 1)`); r > 0 draws
    /// the embedding (and an untied output weight) uniformly in `[-r, r]`, as PyTorch's
    /// word_language_model example does with 0.1. With tied weights `N(0, 1)` gives logits of
    /// ±100 as soon as an LSTM state saturates; ±0.1 keeps them small.
    public var initRange: Double
    /// Language model and classifier: `forward` (the default) reads each document from its start,
    /// `backward` from its end (every document's ids reversed), for a backward model to pair with
    /// a forward one (a backward classifier starts from a backward language model).
    public var direction: Direction
    /// A language model's reading direction.
    public enum Direction: String, CaseIterable, Sendable {
        case forward, backward
    }
    /// Language model: the output layer (`model.output`), the full softmax unless set.
    public var output: OutputSection
    /// Language model: `model.encoder.last_hidden`, the last layer's size when it differs from
    /// `encoder.hidden` (AWD-LSTM's 1150, 1150, 400); nil: every layer has `encoder.hidden`.
    public var lastHidden: Int?
    /// Language model: `model.regularisation`, AWD-LSTM's dropouts and AR/TAR (nil: none).
    public var regularisation: RegularisationSection?
    /// Seq2seq: `dot`, `general`, `concat` or `none`.
    public var attention: Seq2Seq.Attention
    public var inputFeeding: Bool
    /// Seq2seq bridge from a bidirectional encoder: `project` (concatenate and project) or `sum`.
    public var bridge: Seq2Seq.Bridge
    /// Seq2seq: probability of feeding the true previous token during training.
    public var teacherForcing: Double

    init(_ r: ConfigReader) throws {
        let task = try r.choice("kind", default: JobConfig.Task.classifier)
        self.task = task
        embedding = try r.int("embedding", default: 128, range: 1...16384)
        let awd = task == .languageModel && r.has("regularisation")
        dropout = try r.double("dropout", default: task == .classifier ? 0.3 : awd ? 0 : 0.2, range: 0...0.99)
        // (> 0, not "written": a run's resolved job.yaml, read again on resume, writes the default 0.)
        if awd, dropout > 0 {
            throw r.error("dropout", "with model.regularisation the output dropout is regularisation.output_dropout (locked); remove model.dropout")
        }
        var encoderInit: EncoderInitSection? = nil, lastHidden: Int? = nil
        encoder = try r.section("encoder") { reader in
            let settings = try RecurrentSettings(reader, defaultBidirectional: task == .classifier)
            // Read only when written, so the resolved job of a freshly initialised model stays as it was.
            if reader.has("init") { encoderInit = try reader.section("init") { try EncoderInitSection($0) } }
            if task == .languageModel, reader.has("last_hidden") {
                lastHidden = try reader.int("last_hidden", default: settings.hidden, range: 1...16384)
                if settings.layers < 2 {
                    throw reader.error("last_hidden", "a different last layer needs layers >= 2 (with one layer, set hidden)")
                }
            }
            if awd, settings.dropout > 0 {
                throw reader.error("dropout", "with model.regularisation the dropout between layers is regularisation.hidden_dropout (locked); remove it")
            }
            return settings
        }
        self.encoderInit = encoderInit
        self.lastHidden = lastHidden
        regularisation = awd ? try r.section("regularisation") { try RegularisationSection($0) } : nil
        switch task {
        case .classifier:
            pooling = try r.choice("pooling", default: SequenceClassifier.Pooling.final)
            if r.has("attention_size") {
                guard pooling == .attention else {
                    throw r.error("attention_size", "only attention pooling has an attention size (pooling is \(pooling.rawValue)); remove it or set pooling: attention")
                }
                attentionSize = try r.int("attention_size", default: 1, range: 1...16384)
            } else {
                attentionSize = nil
            }
            classes = try r.int("classes", default: 2, range: 2...100_000)
            let objectives: [SequenceClassifier.Objective] = classes == 2 ? [.binaryCrossEntropy, .crossEntropy] : [.crossEntropy]
            loss = try r.choice("loss", default: classes == 2 ? .binaryCrossEntropy : .crossEntropy, allowed: objectives)
            decoder = nil; tieWeights = false; attention = .none; inputFeeding = false; bridge = .project; teacherForcing = 1
            initRange = 0; output = .full
            // Read only when written, so the resolved job of a forward classifier stays as it was.
            direction = r.has("direction") ? try r.choice("direction", default: Direction.forward) : .forward
        case .languageModel:
            tieWeights = try r.bool("tie_weights", default: false)
            initRange = try r.double("init_range", default: 0, range: 0...10)
            // Read only when written, so the resolved job of a full-softmax model stays as it was.
            output = r.has("output") ? try r.section("output") { try OutputSection($0) } : .full
            direction = r.has("direction") ? try r.choice("direction", default: Direction.forward) : .forward
            if tieWeights, output.kind == .adaptive {
                throw r.error("tie_weights", "tied weights need the full softmax (an adaptive output has no [V, H] table to share); set it to false")
            }
            pooling = .final; classes = 0; loss = .crossEntropy; attentionSize = nil
            decoder = nil; attention = .none; inputFeeding = false; bridge = .project; teacherForcing = 1
            if encoder.bidirectional {
                throw ConfigError(.impossible, at: r.node("encoder")?["bidirectional"]?.location ?? r.location(of: "encoder"),
                                  path: r.keyPath("encoder.bidirectional"),
                                  "a language model predicts the next token and cannot read ahead; set it to false")
            }
            if tieWeights, embedding != (lastHidden ?? encoder.hidden) {
                throw r.error("tie_weights", lastHidden == nil
                              ? "tied weights need embedding (\(embedding)) == encoder.hidden (\(encoder.hidden))"
                              : "tied weights need embedding (\(embedding)) == encoder.last_hidden (\(lastHidden!))")
            }
        case .seq2seq:
            decoder = try r.section("decoder") { try RecurrentSettings($0, defaultBidirectional: false) }
            attention = try r.choice("attention", default: Seq2Seq.Attention.general)
            inputFeeding = try r.bool("input_feeding", default: false)
            bridge = try r.choice("bridge", default: Seq2Seq.Bridge.project)
            teacherForcing = try r.double("teacher_forcing", default: 1, range: 0...1)
            pooling = .final; classes = 0; loss = .crossEntropy; tieWeights = false; initRange = 0; output = .full
            direction = .forward; attentionSize = nil
            if decoder!.bidirectional {
                throw ConfigError(.impossible, at: r.node("decoder")?["bidirectional"]?.location ?? r.location(of: "decoder"),
                                  path: r.keyPath("decoder.bidirectional"),
                                  "a decoder generates left to right; set it to false")
            }
            let encoderWidth = encoder.hidden * (encoder.bidirectional ? 2 : 1)
            if attention == .dot, encoderWidth != decoder!.hidden {
                throw r.error("attention", "dot attention needs encoder outputs (\(encoderWidth)) as wide as decoder.hidden (\(decoder!.hidden)); use general or concat")
            }
            if bridge == .sum, encoder.bidirectional, encoder.hidden != decoder!.hidden {
                throw r.error("bridge", "sum bridge needs encoder.hidden == decoder.hidden; use project")
            }
        }
    }
}

extension ModelSection {
    /// For classifiers, what the output layer is in PyTorch's terms (nil for other models): with
    /// two classes and `bce`, one logit, which an `nn.Linear(H, 2)` cannot load.
    public var classifierHeadDescription: String? {
        guard task == .classifier else { return nil }
        let width = encoder.hidden * (encoder.bidirectional ? 2 : 1) * (pooling == .concat ? 3 : 1)
        switch loss {
        case .binaryCrossEntropy:
            return "fc.weight [1, \(width)]: one logit with BCEWithLogitsLoss (nn.Linear(\(width), 1)); "
                + "model.loss: cross_entropy gives [2, \(width)] for nn.Linear(\(width), 2)"
        case .crossEntropy:
            return "fc.weight [\(classes), \(width)]: one logit per class with cross-entropy (nn.Linear(\(width), \(classes)))"
        }
    }
}
