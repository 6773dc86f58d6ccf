import Foundation

extension StoredVocabulary {
    /// `date` as `2026-11-21T21:05:00Z`, the form listings use.
    public static func displayDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// What `jikji vocab show` prints: settings, size, kinds, provenance and the `top` tokens
    /// with the highest counts (or, when no counts are stored, the first `top` merged tokens).
    public func descriptionLines(top: Int) -> [String] {
        var lines: [String] = []
        lines.append("\(reference): \(tokens.count) tokens")
        lines.append("created: \(Self.displayDate(createdAt)) by jikji \(toolVersion); origin: \(origin)")
        let n = normalizer
        lines.append("normalizer: clean_text=\(n.cleanText) handle_chinese_chars=\(n.handleChineseChars) "
                     + "strip_accents=\(n.stripAccents.map { "\($0)" } ?? "null (follows lowercase)") lowercase=\(n.lowercase)")
        lines.append("model: unk_token=\(unknownToken) prefix=\(continuingSubwordPrefix) "
                     + "max_input_chars_per_word=\(maxInputCharactersPerWord)")
        let kinds = kindCounts
        lines.append("kinds: " + TokenKind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", "))
        lines.append("special tokens: " + (specialTokens.isEmpty ? "none" : specialTokens.joined(separator: " ")))
        lines.append("trainer settings: " + (trainerSettings ?? "none (imported)"))
        lines.append("cleaning pipeline: " + (pipeline ?? "none"))
        if let corpus {
            lines.append("corpus" + (corpus.column.map { " (column \($0))" } ?? "") + ":")
            for file in corpus.files {
                lines.append("  \(file.path): \(file.bytes) bytes, \(file.lines) lines, sha256 \(file.sha256)")
            }
        } else {
            lines.append("corpus: unknown (imported)")
        }
        if let statistics { lines.append("training statistics: \(statistics)") }
        guard top > 0 else { return lines }
        let counted: [(id: Int, token: StoredToken, count: Int64)] = tokens.enumerated().compactMap { id, token in
            guard token.kind != .special, let count = token.count else { return nil }
            return (id, token, count)
        }
        if !counted.isEmpty {
            // Highest count first; equal counts in id order.
            let best = counted.sorted { ($0.count, -$0.id) > ($1.count, -$1.id) }.prefix(top)
            lines.append("top \(best.count) tokens by count (id, token, kind, count):")
            for entry in best {
                lines.append("  \(entry.id)\t\(entry.token.text)\t\(entry.token.kind.rawValue)\t\(entry.count)")
            }
        } else {
            let merged = tokens.enumerated().filter { $0.element.kind == .merged }.prefix(top)
            lines.append("first \(merged.count) merged tokens (no counts stored; id, token):")
            for (id, token) in merged { lines.append("  \(id)\t\(token.text)") }
        }
        return lines
    }
}

extension VocabularyDiff {
    /// One line per setting that differs between `a` and `b` — the settings that change which
    /// ids a text gets even when the tokens are the same.
    public static func settingChanges(from a: StoredVocabulary, to b: StoredVocabulary) -> [String] {
        var lines: [String] = []
        func compare(_ label: String, _ x: String, _ y: String) {
            if x != y { lines.append("setting \(label): \(x) -> \(y)") }
        }
        let na = a.normalizer, nb = b.normalizer
        compare("clean_text", "\(na.cleanText)", "\(nb.cleanText)")
        compare("handle_chinese_chars", "\(na.handleChineseChars)", "\(nb.handleChineseChars)")
        compare("strip_accents", na.stripAccents.map { "\($0)" } ?? "null", nb.stripAccents.map { "\($0)" } ?? "null")
        compare("lowercase", "\(na.lowercase)", "\(nb.lowercase)")
        compare("unk_token", a.unknownToken, b.unknownToken)
        compare("prefix", a.continuingSubwordPrefix, b.continuingSubwordPrefix)
        compare("max_input_chars_per_word", "\(a.maxInputCharactersPerWord)", "\(b.maxInputCharactersPerWord)")
        compare("cleaning pipeline", a.pipeline ?? "none", b.pipeline ?? "none")
        compare("special tokens", a.specialTokens.joined(separator: " "), b.specialTokens.joined(separator: " "))
        return lines
    }
}
