import ArgumentParser

/// `jikji vocab` (being built).
struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(being built)")
    func run() throws { throw ValidationError("jikji vocab is not built yet") }
}
