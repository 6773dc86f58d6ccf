"""Checks the DOM of a run report as headless Chromium rendered it (run by scripts/check-report.sh):
curves (SVG polylines of more than one point) for the training loss, the learning rate, tokens/s
and the validation metric, the confusion matrix's rows, the per-class table, the sample
predictions, the throughput table and the provenance links. Standard library only.

    python3 check_report_dom.py DOM.html CLASSES
"""

import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figure = None          # the caption of the figure being read
        self.in_caption = False
        self.curves = {}            # caption -> polylines of more than one point
        self.tables = {}            # class -> rows
        self.table = None
        self.links = []
        self.headings = []
        self.in_heading = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.figure = ""
        elif tag == "figcaption":
            self.in_caption = True
        elif tag == "polyline" and self.figure is not None:
            points = a.get("points", "").split()
            if len(points) > 1:
                self.curves[self.figure] = self.curves.get(self.figure, 0) + 1
        elif tag == "table":
            self.table = a.get("class", "")
            self.tables.setdefault(self.table, 0)
        elif tag == "tr" and self.table is not None:
            self.tables[self.table] += 1
        elif tag == "a":
            self.links.append(a.get("href", ""))
        elif tag in ("h2", "h3"):
            self.in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        elif tag == "figcaption":
            self.in_caption = False
        elif tag == "table":
            self.table = None
        elif tag in ("h2", "h3"):
            self.in_heading = False

    def handle_data(self, data):
        if self.in_caption:
            self.figure += data
        if self.in_heading:
            self.headings[-1] += data


def main():
    path, classes = sys.argv[1], int(sys.argv[2])
    report = Report()
    with open(path, encoding="utf-8") as f:
        report.feed(f.read())
    problems = []
    for caption in ("loss", "accuracy", "learning_rate", "tokens_per_second", "grad_norm"):
        if report.curves.get(caption, 0) < 1:
            problems.append(f"no curve of more than one point for {caption} (curves: {report.curves})")
    if report.curves.get("loss", 0) < 2:
        problems.append("the loss chart should have a training and a validation curve")
    if report.tables.get("confusion", 0) != classes + 1:
        problems.append(f"confusion matrix: {report.tables.get('confusion', 0)} rows, expected {classes + 1}")
    if report.tables.get("per-class", 0) < classes + 1:
        problems.append(f"per-class table: {report.tables.get('per-class', 0)} rows")
    if report.tables.get("samples", 0) < 2:
        problems.append(f"sample predictions: {report.tables.get('samples', 0)} rows")
    if not any(h.startswith("Most confident right") for h in report.headings):
        problems.append(f"no most-confident-right table (headings {report.headings})")
    if report.tables.get("throughput", 0) < 2:
        problems.append("no throughput rows")
    if "vocab.txt" not in report.links:
        problems.append(f"no link to the vocabulary (links {report.links})")
    if problems:
        raise SystemExit("check-report: " + "\n  ".join(problems))
    print(f"report: curves {report.curves}; tables {report.tables}")


if __name__ == "__main__":
    main()
