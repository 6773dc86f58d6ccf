import XCTest
import JikjiConfig
import JikjiJobs
import JikjiTestSupport

final class JobConfigTests: XCTestCase {
    let classifier = """
    seed: 7
    data:
      train: corpora/nsmc/ratings_train.txt
      test: [corpora/nsmc/ratings_test.txt]
    vocab:
      name: nsmc-wp30k
    model:
      kind: classifier
      embedding: 128
      encoder: {cell: lstm, hidden: 128, bidirectional: true}
    """

    func testDefaultsAreFilledInAndResolvedJobReadsBackTheSame() throws {
        let job = try JobConfig(yaml: classifier, source: "inline.yaml", defaultName: "nsmc")
        XCTAssertEqual(job.seed, 7)
        XCTAssertEqual(job.data.train, ["corpora/nsmc/ratings_train.txt"])
        XCTAssertEqual(job.data.textColumn, "document")
        XCTAssertEqual(job.batching.batchSize, 64)
        XCTAssertEqual(job.optim.optimizer, .adam)
        XCTAssertEqual(job.optim.learningRate, 1e-3)
        XCTAssertEqual(job.model.encoder.cell, .lstm)
        XCTAssertTrue(job.model.encoder.bidirectional)
        XCTAssertEqual(job.train.metric, .accuracy)

        let yaml = job.resolved.yaml()
        XCTAssertTrue(yaml.contains("batch_size: 64"), yaml)
        let again = try JobConfig(yaml: yaml, source: "resolved.yaml")
        XCTAssertEqual(again.resolved, job.resolved, "resolved job must read back to itself:\n\(yaml)")
        XCTAssertEqual(again.name, "nsmc")
    }

    func testPrecisionIsFP32UnlessTheJobAsksForBF16() throws {
        let job = try JobConfig(yaml: classifier, source: "inline.yaml")
        XCTAssertEqual(job.optim.precision, .fp32)
        XCTAssertTrue(job.resolved.yaml().contains("precision: fp32"), job.resolved.yaml())
        let bf16 = try JobConfig(yaml: classifier + "\noptim: {precision: bf16}\n", source: "inline.yaml")
        XCTAssertEqual(bf16.optim.precision, .bf16)
        let overridden = try JobConfig(yaml: classifier, source: "inline.yaml", overrides: ["optim.precision=bf16"])
        XCTAssertEqual(overridden.optim.precision, .bf16)
    }

    func testOverridesByDottedKeyPath() throws {
        let job = try JobConfig(yaml: classifier, source: "inline.yaml",
                                overrides: ["model.encoder.cell=gru", "optim.lr=0.01", "train.epochs=1", "batching.bucket_pool=5"])
        XCTAssertEqual(job.model.encoder.cell, .gru)
        XCTAssertEqual(job.optim.learningRate, 0.01)
        XCTAssertEqual(job.train.epochs, 1)
        XCTAssertEqual(job.batching.bucketPool, 5)
    }

    func testUnknownKeyNamesThePathLineAndAllowedKeys() {
        let yaml = classifier + "\n  hiden: 256\n"
        XCTAssertThrowsError(try JobConfig(yaml: yaml, source: "x.yaml")) { error in
            guard let error = error as? ConfigError, error.kind == .unknownKey else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(error.path, "model.hiden")
            XCTAssertEqual(error.line, 11)
            XCTAssertTrue(error.allowed.contains("embedding"))
            XCTAssertTrue("\(error)".contains("x.yaml:11: model.hiden: unknown key; allowed:"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["optim.learning_rate=1"])) { error in
            XCTAssertEqual((error as? ConfigError).map { $0.kind == .unknownKey ? $0.path : nil }, "optim.learning_rate")
        }
    }

    func testWrongTypeAndValueOutsideTheAllowedSet() {
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["batching.batch_size=lots"])) { error in
            XCTAssertEqual("\(error)", "--set: batching.batch_size: expected an integer in 1...65536, found 'lots'")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["model.encoder.cell=transformer"])) { error in
            XCTAssertEqual("\(error)", "--set: model.encoder.cell: 'transformer' is not allowed; allowed: rnn, rnn_relu, lstm, gru")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["model=3"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: model: expected a mapping of keys"), "\(error)")
        }
    }

    func testImpossibleCombinationsAreRejectedWithTheKeyPath() {
        let lm = """
        data: {train: corpora/nsmc/reviews_train.tsv}
        vocab: {name: reviews}
        model: {kind: language_model, embedding: 128, tie_weights: true, encoder: {hidden: 256}}
        """
        XCTAssertThrowsError(try JobConfig(yaml: lm, source: "lm.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("lm.yaml:3: model.tie_weights: tied weights need embedding (128) == encoder.hidden (256)"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["model.encoder.hidden=128", "model.encoder.bidirectional=true"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: model.encoder.bidirectional:"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["model.encoder.dropout=0.2"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: model.encoder.dropout: dropout between layers needs layers > 1"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["batching.token_budget=10"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: batching.token_budget: a token budget of 10 cannot hold"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["optim.optimizer=adamw", "optim.embedding_update=lazy"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: optim.embedding_update: lazy updates need weight_decay 0"), "\(error)")
        }
        // Without an explicit choice, weight decay selects dense updates and no decay lazy ones.
        XCTAssertEqual(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["optim.optimizer=adamw"]).optim.embeddingUpdate, .dense)
        XCTAssertEqual(try JobConfig(yaml: classifier, source: "x.yaml").optim.embeddingUpdate, .lazy)
    }

    /// `train.hidden_state` is carry, reset or document, language models only, and carry is filled in by default.
    /// A small tied language model job (the LM-only keys are checked against it).
    let lm = """
    data: {train: corpora/nsmc/reviews_train.tsv}
    vocab: {name: reviews}
    model: {kind: language_model, embedding: 128, tie_weights: true, encoder: {hidden: 128}}
    """

    func testLanguageModelHiddenStateIsValidatedAndResolved() throws {
        let job = try JobConfig(yaml: lm, source: "lm.yaml")
        XCTAssertEqual(job.train.hiddenState, .carry)
        XCTAssertTrue(job.resolved.yaml().contains("hidden_state: carry"), job.resolved.yaml())
        XCTAssertEqual(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["train.hidden_state=reset"]).train.hiddenState, .reset)
        XCTAssertEqual(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["train.hidden_state=document"]).train.hiddenState, .document)
        XCTAssertThrowsError(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["train.hidden_state=keep"])) { error in
            XCTAssertEqual("\(error)", "--set: train.hidden_state: 'keep' is not allowed; allowed: carry, reset, document")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["train.hidden_state=carry"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: train.hidden_state: hidden_state applies only to model.kind language_model"), "\(error)")
        }
        XCTAssertNil(try JobConfig(yaml: classifier, source: "x.yaml").train.hiddenState)
    }

    func testLanguageModelInitRangeIsValidatedAndResolved() throws {
        let job = try JobConfig(yaml: lm, source: "lm.yaml")
        XCTAssertEqual(job.model.initRange, 0)
        XCTAssertTrue(job.resolved.yaml().contains("init_range: 0"), job.resolved.yaml())
        XCTAssertEqual(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["model.init_range=0.1"]).model.initRange, 0.1)
        XCTAssertThrowsError(try JobConfig(yaml: lm, source: "lm.yaml", overrides: ["model.init_range=-1"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--set: model.init_range: '-1' is not allowed"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: classifier, source: "x.yaml", overrides: ["model.init_range=0.1"])) { error in
            XCTAssertTrue("\(error)".contains("model.init_range"), "\(error)")
        }
    }

    func testMissingRequiredKeysSayWhatToWrite() {
        XCTAssertThrowsError(try JobConfig(yaml: "vocab: {name: v}\n", source: "x.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.yaml:1: data.train: missing; name one or more corpus files"), "\(error)")
        }
        XCTAssertThrowsError(try JobConfig(yaml: "data: {train: a.tsv}\n", source: "x.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.yaml:1: vocab.name: missing;"), "\(error)")
        }
    }

    func testSeq2SeqAttentionWidthIsChecked() {
        let s2s = """
        data: {train: corpora/chatbot/ChatbotData.csv}
        vocab: {name: chatbot}
        model:
          kind: seq2seq
          encoder: {hidden: 128, bidirectional: true}
          decoder: {hidden: 128}
          attention: dot
        """
        XCTAssertThrowsError(try JobConfig(yaml: s2s, source: "s.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("s.yaml:7: model.attention: dot attention needs encoder outputs (256)"), "\(error)")
        }
        XCTAssertNoThrow(try JobConfig(yaml: s2s, source: "s.yaml", overrides: ["model.attention=general"]))
    }

    func testUnparseableYamlNamesTheFile() {
        XCTAssertThrowsError(try JobConfig(yaml: "model: {kind: [", source: "broken.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("broken.yaml:1: not valid YAML"), "\(error)")
        }
    }
}

final class ShippedJobsTests: XCTestCase {
    /// The ULMFiT jobs start from one another in order, on one vocabulary.
    func testULMFiTJobsChain() throws {
        let folder = ProjectPaths.root.appendingPathComponent("jobs")
        let pretrain = try JobConfig(contentsOf: folder.appendingPathComponent("reviews-lm-pretrain.yaml"))
        let finetune = try JobConfig(contentsOf: folder.appendingPathComponent("nsmc-lm-finetune.yaml"))
        let classifier = try JobConfig(contentsOf: folder.appendingPathComponent("nsmc-sentiment-ulmfit.yaml"))
        XCTAssertEqual(finetune.model.encoderInit?.source, .job(pretrain.name))
        XCTAssertEqual(classifier.model.encoderInit?.source, .job(finetune.name))
        XCTAssertEqual(Set([pretrain.vocab.name, finetune.vocab.name, classifier.vocab.name]).count, 1)
        XCTAssertEqual(try JobConfig(contentsOf: folder.appendingPathComponent("reviews-lm-pretrain-backward.yaml")).model.direction, .backward)
        XCTAssertEqual(classifier.model.pooling, .concat)
        XCTAssertEqual(classifier.model.direction, .forward)
    }

    /// The backward chain mirrors the forward one: each job backward, each starting from the
    /// backward job before it, the classifier's architecture that of the forward classifier.
    func testBackwardULMFiTJobsChain() throws {
        let folder = ProjectPaths.root.appendingPathComponent("jobs")
        func job(_ name: String) throws -> JobConfig { try JobConfig(contentsOf: folder.appendingPathComponent(name + ".yaml")) }
        let pretrain = try job("reviews-lm-pretrain-backward"), finetune = try job("nsmc-lm-finetune-backward")
        let classifier = try job("nsmc-sentiment-ulmfit-backward"), forward = try job("nsmc-sentiment-ulmfit")
        let forwardFinetune = try job("nsmc-lm-finetune")
        XCTAssertEqual(finetune.model.encoderInit?.source, .job(pretrain.name))
        XCTAssertEqual(classifier.model.encoderInit?.source, .job(finetune.name))
        XCTAssertEqual([pretrain, finetune, classifier].map(\.model.direction), [.backward, .backward, .backward])
        XCTAssertEqual(Set([pretrain, finetune, classifier, forward].map(\.vocab.name)).count, 1)
        XCTAssertEqual(classifier.model.pooling, .concat)
        XCTAssertEqual(classifier.model.task, .classifier)
        XCTAssertEqual(classifier.model.embedding, forward.model.embedding)
        XCTAssertEqual(classifier.model.encoder.hidden, forward.model.encoder.hidden)
        XCTAssertEqual(classifier.data.train, forward.data.train)
        XCTAssertEqual(classifier.data.test, forward.data.test)
        // The same fine-tuning recipe, so the ensemble's halves are trained alike.
        XCTAssertEqual(classifier.optim.learningRate, forward.optim.learningRate)
        XCTAssertEqual(classifier.optim.layerLearningRateDecay, forward.optim.layerLearningRateDecay)
        XCTAssertEqual(classifier.optim.schedule, forward.optim.schedule)
        XCTAssertEqual(classifier.optim.precision, forward.optim.precision)
        XCTAssertEqual(classifier.train.epochs, forward.train.epochs)
        XCTAssertEqual(classifier.train.unfreeze, forward.train.unfreeze)
        XCTAssertEqual(finetune.optim.precision, forwardFinetune.optim.precision)
        XCTAssertEqual(finetune.model.encoder.hidden, forwardFinetune.model.encoder.hidden)
        XCTAssertEqual(finetune.model.output.kind, forwardFinetune.model.output.kind)
        XCTAssertEqual(finetune.data.train, forwardFinetune.data.train)
    }

    /// Every job file in jobs/ parses and validates, and names real corpus files.
    func testShippedJobFilesAreValid() throws {
        let folder = ProjectPaths.root.appendingPathComponent("jobs")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files, ["chatbot-seq2seq.yaml", "nsmc-lm-finetune-backward.yaml", "nsmc-lm-finetune.yaml", "nsmc-sentiment-gru.yaml",
                               "nsmc-sentiment-ulmfit-backward.yaml", "nsmc-sentiment-ulmfit.yaml", "nsmc-sentiment.yaml", "reviews-lm-pretrain-backward.yaml", "reviews-lm-pretrain.yaml", "reviews-lm.yaml"])
        for file in files {
            let job = try JobConfig(contentsOf: folder.appendingPathComponent(file))
            XCTAssertEqual(job.name + ".yaml", file)
            if job.model.task == .languageModel {
                XCTAssertNoThrow(try TestSideCorpusCheck.refuseTestSide(job.data.train, key: "data.train"), file)
            }
            for path in job.data.train + job.data.test {
                XCTAssertTrue(path.hasPrefix("corpora/"), "\(file): \(path)")
                _ = try ProjectPaths.corpus(String(path.dropFirst("corpora/".count)))
            }
        }
    }
}
