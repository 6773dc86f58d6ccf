/// The classifier's per-class scores and confusion matrix in the report (issue 18), from the last
/// evaluation of the test split (the validation split when there is no test).
extension RunReport {
    /// Whether `name` is a per-class score or a confusion count (`f1.0`, `confusion.1.0`): a table, not a chart.
    static func isPerClass(_ name: String) -> Bool { name.contains(".") }

    /// The per-class table and the confusion matrix, or "" when the run recorded none.
    func classificationTables() -> String {
        guard let split = ["test", "valid"].first(where: { s in metrics.contains { $0.split == s && $0.name.hasPrefix("confusion.") } })
        else { return "" }
        var last: [String: Double] = [:]
        for m in metrics where m.split == split { last[m.name] = m.value }
        var classes = 0
        while last["precision.\(classes)"] != nil { classes += 1 }
        guard classes > 0 else { return "" }
        var out = "<h2>Per class (\(Self.escape(split)))</h2>\n"
        out += "<table class=\"per-class\"><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n"
        for c in 0..<classes {
            let support = (0..<classes).reduce(0.0) { $0 + (last["confusion.\(c).\($1)"] ?? 0) }
            out += "<tr><td>\(c)</td>" + ["precision", "recall", "f1"].map { "<td>\(Self.number(last["\($0).\(c)"] ?? 0))</td>" }.joined()
                + "<td>\(Int(support))</td></tr>\n"
        }
        if let macro = last["macro_f1"] { out += "<tr><th>macro</th><td></td><td></td><td>\(Self.number(macro))</td><td></td></tr>\n" }
        out += "</table>\n<h2>Confusion matrix (\(Self.escape(split)); rows: true class, columns: predicted)</h2>\n"
        out += "<table class=\"confusion\"><tr><th></th>" + (0..<classes).map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for t in 0..<classes {
            out += "<tr><th>\(t)</th>" + (0..<classes).map { "<td>\(Int(last["confusion.\(t).\($0)"] ?? 0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }
}
