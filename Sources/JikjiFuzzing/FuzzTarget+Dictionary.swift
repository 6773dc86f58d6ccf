extension FuzzTarget {
    /// Tokens of the target's formats, inserted by the mutators (``FuzzMutator`` and, as a
    /// `-dict` file, libFuzzer's).
    public var dictionary: [String] {
        switch self {
        case .safetensors:
            return Self.json + ["\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F64\"",
                                "\"F16\"", "\"BF16\"", "\"I64\"", "\"I32\"", "\"I16\"", "\"I8\"", "\"U8\"", "\"BOOL\"",
                                "\"embedding.weight\"", "\"fc.weight\"", "\"fc.bias\"", "\"rnn.weight_ih_l0\""]
        case .tokenizerJSON:
            return Self.json + ["\"model\"", "\"vocab\"", "\"WordPiece\"", "\"unk_token\"", "\"continuing_subword_prefix\"",
                                "\"max_input_chars_per_word\"", "\"normalizer\"", "\"BertNormalizer\"", "\"Sequence\"",
                                "\"lowercase\"", "\"strip_accents\"", "\"clean_text\"", "\"handle_chinese_chars\"",
                                "\"pre_tokenizer\"", "\"post_processor\"", "\"TemplateProcessing\"", "\"BertProcessing\"",
                                "\"decoder\"", "\"added_tokens\"", "\"special\"", "\"normalized\"", "\"lstrip\"",
                                "\"rstrip\"", "\"single_word\"", "\"truncation\"", "\"padding\"", "\"max_length\"",
                                "\"stride\"", "\"pad_id\"", "\"pad_to_multiple_of\"", "\"type_id\"", "\"$A\"", "\"$B\"",
                                "\"[UNK]\"", "\"[CLS]\"", "\"[SEP]\"", "\"##\""]
        case .vocabTxt:
            return ["\n", "\r\n", "\r", "##", "[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "\u{FEFF}", "\u{301}",
                    "\u{93E}", "\u{1F3FD}", "\u{FE0F}", "\u{200D}", " ", "\t", "\u{0}"]
        case .jobYAML:
            return Self.yaml + ["name:", "seed:", "data:", "train:", "test:", "text_column:", "label_column:",
                                "valid_ratio:", "vocab:", "vocab_size:", "batching:", "batch_size:", "max_length:",
                                "bucket_pool:", "model:", "kind:", "classifier", "language_model", "seq2seq",
                                "embedding:", "encoder:", "decoder:", "cell:", "lstm", "gru", "rnn", "hidden:",
                                "layers:", "bidirectional:", "attention:", "optim:", "lr:", "epochs:", "metric:",
                                "pipeline:", "null"]
        case .pipelineYAML:
            return Self.yaml + Self.json + ["steps:", "nfkc", "nfd", "lowercase", "hangul-to-jamo", "jamo-to-hangul",
                                            "repeat-limit", "max:", "unit:", "regex", "pattern:", "replace:",
                                            "ignore-case:", "transliterate", "Hangul-Latin", "html-tags",
                                            "punctuation-to-space", "except:", "hangul-only", "keep:",
                                            "collapse-whitespace", "(", ")", "*", "+", "\\", "$1", "[^", "(?i)"]
        case .records:
            return ["\t", ",", "\"", "\"\"", "\n", "\r\n", "\r", "\u{0}", "\u{FEFF}", "{\"document\":", "\"label\":",
                    "}", "id\tdocument\tlabel\n", "Q,A,label\n", "\\u0000", "\\ud800"]
        case .encoder:
            return ["\n", " ", "##", "[CLS]", "[SEP]", "[UNK]", "[MASK]", "<mask>", "\u{301}", "\u{93E}", "\u{1F3FD}",
                    "\u{FE0F}", "\u{200D}", "\u{FEFF}", "ㅋㅋㅋ", "가", "각", "ᄀ", "ᅡ", ",", "101", "102 "]
                + FuzzMutator.limitNumbers
        }
    }

    /// JSON tokens, and the numbers at which sizes overflow (libFuzzer seldom builds 19 digits).
    private static let json = FuzzMutator.limitNumbers + ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "-0", "1e999", "\"\\u0000\"",
                               "\"\\ud800\"", "\"\""]
    private static let yaml = FuzzMutator.limitNumbers + ["&a ", "*a", "<<: *a", "!!binary ", "!!str ", "? ", ": ", "- ", "|\n", ">\n", "---\n",
                               "...\n", "%YAML 1.2\n", "#", "~", "\n  ", "'", "\""]
}
