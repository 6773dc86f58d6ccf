import ArgumentParser
import JikjiExport
import JikjiJobs

/// `jikji export RUN --format onnx --output model.onnx`: classifier, language model, or encoder-decoder graphs.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained run for other tools: ONNX graphs that ONNX Runtime serves, or a PyTorch module.",
        discussion: """
            A classifier's graph takes `ids` (int64 [batch, steps], post-padded, as `jikji predict --tokens` feeds them) \
            and `lengths` (int64 [batch]) and returns `logits` and `probabilities`. A language model's graph is one \
            step of generation: `ids` [batch, steps] and the state (`hidden`, and `cell` for LSTM) in, \
            `log_probabilities` over the whole vocabulary and the state (`hidden_out`, `cell_out`) out. An \
            encoder-decoder is written as two graphs beside each other, NAME.encoder.onnx (ids, lengths → \
            encoder_outputs, source_mask, the decoder's initial state) and NAME.decoder.onnx (one decoder step: \
            token, state, feed, encoder_outputs, source_mask → logits, log_probabilities, new state, attentional). \
            Batch and length are dynamic. --with-tokenizer writes the run's vocabulary as HF tokenizer.json beside the model.
            --format pytorch --output DIR writes model.py (an nn.Module of the run's architecture that loads \
            model.safetensors with strict=True), model.safetensors, tokenizer.json and predict.py into DIR.
            """)

    @Argument(help: "The run id (see `jikji job list`).") var runID: Int
    @Option(help: "best (default), last, or a checkpoint's step.") var checkpoint: CheckpointArgument = .init(choice: .best)
    @Option(help: "onnx or pytorch.") var format: RunExport.Format
    @Option(name: [.short, .long], help: "The file to write (replaced atomically); a folder for pytorch.") var output: String
    @Flag(help: "Also write the run's tokenizer.json (HF format) beside the ONNX model (pytorch always does).") var withTokenizer = false
    @OptionGroup var registry: RunRegistryOptions
    @Option(help: "The vocabulary database (default: the one the run recorded).") var db: String?

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath, vocabularyDatabase: db,
                                     checkpoint: checkpoint.choice)
        let written = try RunExport.write(trained, format: format, output: output, withTokenizer: withTokenizer)
        for file in written.files { print("wrote \(file)") }
        print("from run \(runID)'s checkpoint of step \(written.step)")
    }
}

extension RunExport.Format: ExpressibleByArgument {}

/// `--checkpoint best|last|STEP`.
struct CheckpointArgument: ExpressibleByArgument {
    let choice: TrainedRun.CheckpointChoice

    init(choice: TrainedRun.CheckpointChoice) { self.choice = choice }

    init?(argument: String) {
        switch argument {
        case "best": choice = .best
        case "last": choice = .last
        default:
            guard let step = Int(argument), step >= 0 else { return nil }
            choice = .step(step)
        }
    }
}
