import Foundation

/// An HTML page for one run: its job, its status and an SVG line chart per metric over steps,
/// one line per split (train / valid / test). Self-contained (no scripts, no external files),
/// so it opens in any browser from disk.
public struct RunReport {
    public let run: RunRegistry.Run
    public let metrics: [RunRegistry.Metric]
    public let checkpoints: [RunRegistry.Checkpoint]
    /// The run's `metrics.jsonl` (tokens per second and wall times).
    public let log: [LogLine]
    /// Sample predictions and provenance made when the run ended.
    public let supplement: ReportSupplement?

    /// A report of `run` with what the registry holds for it; `log` and `supplement` are read from
    /// the run's folder when not given.
    public init(run: RunRegistry.Run, metrics: [RunRegistry.Metric], checkpoints: [RunRegistry.Checkpoint],
                log: [LogLine]? = nil, supplement: ReportSupplement?? = nil) {
        self.run = run
        self.metrics = metrics
        self.checkpoints = checkpoints
        self.log = log ?? Self.readLog(directory: run.directory)
        self.supplement = supplement ?? ReportSupplement.read(directory: run.directory)
    }

    /// The page.
    public func html() -> String {
        let metrics = self.metrics + streamedOnlyMetrics
        var names: [String] = []
        for m in metrics where !names.contains(m.name) && !Self.isPerClass(m.name) { names.append(m.name) }
        let formatter = ISO8601DateFormatter()
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Jikji run \(run.id): \(Self.escape(run.jobName))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
        table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #eee; }
        .charts { display: flex; flex-wrap: wrap; gap: 18px; }
        .value { width: 340px; } .value p { font-size: 1.6em; margin: 0.3em 0; } .value span { font-size: 0.6em; color: #666; }
        table.samples td { max-width: 640px; }
        figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
        pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; }
        </style></head><body>
        <h1>Run \(run.id) — \(Self.escape(run.jobName))</h1>
        <table>
        <tr><th>status</th><td>\(run.status.rawValue)</td></tr>
        <tr><th>job file</th><td>\(Self.escape(run.jobFile))</td></tr>
        <tr><th>started</th><td>\(formatter.string(from: run.startedAt))</td></tr>
        <tr><th>ended</th><td>\(run.endedAt.map { formatter.string(from: $0) } ?? "—")</td></tr>
        <tr><th>machine</th><td>\(Self.escape(run.machine))</td></tr>
        <tr><th>seed</th><td>\(run.seed)</td></tr>

        """
        if let error = run.error { page += "<tr><th>error</th><td>\(Self.escape(error))</td></tr>\n" }
        if let pins = run.pins {
            page += "<tr><th>vocabulary</th><td>\(Self.escape(pins.vocabulary)) in \(Self.escape(pins.vocabularyDatabase))</td></tr>\n"
            for d in pins.datasets { page += "<tr><th>dataset \(Self.escape(d.role))</th><td>\(Self.escape(d.name))</td></tr>\n" }
        }
        if let head = (try? JobConfig(yaml: run.resolvedConfig, source: "run \(run.id)"))?.model.classifierHeadDescription {
            page += "<tr><th>output layer</th><td>\(Self.escape(head))</td></tr>\n"
        }
        page += "</table>\n"
        page += "<h2>Metrics</h2>\n"
        if names.isEmpty {
            page += "<p>No metrics recorded yet.</p>\n"
        } else {
            page += "<div class=\"charts\">\n"
            for name in names {
                page += "<figure><figcaption>\(Self.escape(name))</figcaption>\n"
                let series = metrics.filter { $0.name == name }
                page += isSingleEvaluation(series) ? valueCard(for: series) : chart(for: series)
                page += "</figure>\n"
            }
            page += "</div>\n"
            page += finalTable(names: names.filter { name in self.metrics.contains { $0.name == name } })
            page += classificationTables()
        }
        page += throughputTable()
        page += sampleTables()
        page += provenanceTable()
        if !checkpoints.isEmpty {
            page += "<h2>Checkpoints</h2>\n<table><tr><th>step</th><th>metric</th><th>best</th><th>file</th></tr>\n"
            for c in checkpoints {
                page += "<tr><td>\(c.step)</td><td>\(c.metric.map { Self.number($0) } ?? "—")</td>"
                page += "<td>\(c.isBest ? "★" : "")</td><td>\(Self.escape(c.path))</td></tr>\n"
            }
            page += "</table>\n"
        }
        page += "<h2>Resolved job</h2>\n<pre>\(Self.escape(run.resolvedConfig))</pre>\n</body></html>\n"
        return page
    }

    /// Writes the page atomically (temporary file + rename) to `url`.
    public func write(to url: URL) throws {
        try Data(html().utf8).write(to: url, options: .atomic)
    }

    private func finalTable(names: [String]) -> String {
        var splits: [String] = []
        for m in metrics where !splits.contains(m.split) { splits.append(m.split) }
        var out = "<h2>Last values</h2>\n<table><tr><th>metric</th>" + splits.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
        for name in names {
            out += "<tr><td>\(Self.escape(name))</td>"
            for split in splits {
                let last = metrics.last { $0.name == name && $0.split == split }
                out += "<td>\(last.map { Self.number($0.value) } ?? "—")</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }

    static let palette = ["train": "#1f77b4", "valid": "#d62728", "test": "#2ca02c"]

    /// An SVG line chart of one metric: x = step, y = value, a polyline per split.
    func chart(for series: [RunRegistry.Metric]) -> String {
        let width = 340.0, height = 210.0, left = 52.0, right = 10.0, top = 10.0, bottom = 30.0
        let steps = series.map { Double($0.step) }, values = series.filter { $0.value.isFinite }.map(\.value)
        let xAxis = ChartAxis(steps.min() ?? 0, steps.max() ?? 1, integers: true)
        let yAxis = ChartAxis(values.min() ?? 0, values.max() ?? 1, bounds: ChartAxis.naturalBounds(of: series.first?.name ?? ""))
        let minX = xAxis.lower, maxX = xAxis.upper, minY = yAxis.lower, maxY = yAxis.upper
        func x(_ v: Double) -> Double { left + (v - minX) / (maxX - minX) * (width - left - right) }
        func y(_ v: Double) -> Double { top + (1 - (min(max(v, minY), maxY) - minY) / (maxY - minY)) * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        svg += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"10\">\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
        for v in yAxis.ticks {
            svg += "<text x=\"\(left - 4)\" y=\"\(Self.number(y(v) + 3))\" text-anchor=\"end\">\(Self.number(v))</text>\n"
        }
        for s in xAxis.ticks {
            svg += "<text x=\"\(Self.number(x(s)))\" y=\"\(height - bottom + 14)\" text-anchor=\"middle\">\(Int(s))</text>\n"
        }
        svg += "<text x=\"\(Self.number((left + width) / 2))\" y=\"\(height - 2)\" text-anchor=\"middle\">step</text>\n"
        var splits: [String] = []
        for m in series where !splits.contains(m.split) { splits.append(m.split) }
        for (n, split) in splits.enumerated() {
            let points = series.filter { $0.split == split }
            let color = Self.palette[split] ?? "#9467bd"
            let coordinates = points.map { "\(Self.number(x(Double($0.step)))),\(Self.number(y($0.value)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(coordinates)\"/>\n"
            for p in points {
                svg += "<circle cx=\"\(Self.number(x(Double(p.step))))\" cy=\"\(Self.number(y(p.value)))\" r=\"2.2\" fill=\"\(color)\">"
                svg += "<title>\(Self.escape(split)) step \(p.step): \(Self.number(p.value))</title></circle>\n"
            }
            // A lone evaluation is a value to read, not a dot to guess at: it is written beside its dot.
            let label = points.count == 1 ? " \(Self.number(points[0].value)) at step \(points[0].step)" : ""
            svg += "<text x=\"\(Self.number(width - right - 4))\" y=\"\(Self.number(top + 12 + Double(n) * 12))\" "
            svg += "text-anchor=\"end\" fill=\"\(color)\">\(Self.escape(split))\(label)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Whether every split of `series` has a single value: a number to read, not a chart.
    func isSingleEvaluation(_ series: [RunRegistry.Metric]) -> Bool {
        var seen = Set<String>()
        for m in series where !seen.insert(m.split).inserted { return false }
        return true
    }

    /// A metric with one value per split, written out with its split and step.
    func valueCard(for series: [RunRegistry.Metric]) -> String {
        var out = "<div class=\"value\">\n"
        for m in series {
            let color = Self.palette[m.split] ?? "#9467bd"
            out += "<p style=\"color: \(color)\">\(Self.number(m.value)) <span>\(Self.escape(m.split)), step \(m.step)</span></p>\n"
        }
        return out + "</div>\n"
    }

    static func number(_ v: Double) -> String {
        if v != 0, abs(v) < 0.001 || abs(v) >= 100_000 { return String(format: "%.3g", v) }
        return String(format: "%.4g", v)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
