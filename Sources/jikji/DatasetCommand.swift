import ArgumentParser

/// `jikji dataset` (being built).
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(being built)")
    func run() throws { throw ValidationError("jikji dataset is not built yet") }
}
