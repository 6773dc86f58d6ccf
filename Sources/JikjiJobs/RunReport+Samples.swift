/// Sample predictions and data provenance in the report, from the run's ``ReportSupplement``.
extension RunReport {
    /// The sample-prediction tables (classifier, language model or encoder-decoder), or "".
    func sampleTables() -> String {
        guard let s = supplement else { return "" }
        var out = ""
        let split = Self.escape(s.sampleSplit)
        func classified(_ title: String, _ rows: [ReportSupplement.Classified]) {
            guard !rows.isEmpty else { return }
            out += "<h3>\(title)</h3>\n<table class=\"samples\"><tr><th>probability</th><th>true</th><th>predicted</th><th>text</th></tr>\n"
            for r in rows {
                out += "<tr><td>\(Self.number(r.probability))</td><td>\(r.label)</td><td>\(r.predicted)</td><td>\(Self.escape(r.text))</td></tr>\n"
            }
            out += "</table>\n"
        }
        if !s.mostConfidentRight.isEmpty || !s.mostConfidentWrong.isEmpty {
            out += "<h2>Sample predictions (\(split), best checkpoint, \(s.classifiedExamples) examples classified)</h2>\n"
            classified("Most confident right", s.mostConfidentRight)
            classified("Most confident wrong", s.mostConfidentWrong)
        }
        if !s.generations.isEmpty {
            out += "<h2>Sample generations (greedy, best checkpoint; prompts from \(split))</h2>\n"
            out += "<table class=\"samples\"><tr><th>prompt</th><th>text</th></tr>\n"
            for g in s.generations { out += "<tr><td>\(Self.escape(g.prompt))</td><td>\(Self.escape(g.text))</td></tr>\n" }
            out += "</table>\n"
        }
        if !s.translations.isEmpty {
            out += "<h2>Sample translations (greedy, best checkpoint; \(split))</h2>\n"
            out += "<table class=\"samples\"><tr><th>source</th><th>reference</th><th>model</th><th>BLEU</th></tr>\n"
            for t in s.translations {
                out += "<tr><td>\(Self.escape(t.source))</td><td>\(Self.escape(t.reference))</td><td>\(Self.escape(t.hypothesis))</td>"
                    + "<td>\(Self.number(t.bleu))</td></tr>\n"
            }
            out += "</table>\n"
        }
        return out
    }

    /// The vocabulary (a link to its tokens beside the report) and every dataset's corpus files, or "".
    func provenanceTable() -> String {
        guard let s = supplement, !s.vocabulary.isEmpty || !s.datasets.isEmpty else { return "" }
        var out = "<h2>Provenance</h2>\n<table class=\"provenance\">\n"
        let vocabulary = Self.escape(s.vocabulary)
        out += "<tr><th>vocabulary</th><td>" + (s.vocabularyFile.map { "<a href=\"\(Self.escape($0))\">\(vocabulary)</a>" } ?? vocabulary)
            + " (<code>jikji vocab show \(vocabulary)</code>)</td></tr>\n"
        for d in s.datasets {
            let counts = ["train", "valid", "test"].compactMap { k in d.examples[k].map { "\(k) \($0)" } }.joined(separator: ", ")
            out += "<tr><th>dataset \(Self.escape(d.role))</th><td>\(Self.escape(d.name)) (\(Self.escape(counts)); "
                + "<code>jikji dataset show \(Self.escape(d.name))</code>)</td></tr>\n"
            for f in d.files {
                out += "<tr><td></td><td>[\(Self.escape(f.role))] <a href=\"file://\(Self.escape(f.path))\">\(Self.escape(f.path))</a>, "
                    + "\(f.lines) lines, sha256 <code>\(Self.escape(f.sha256))</code></td></tr>\n"
            }
        }
        return out + "</table>\n"
    }
}
