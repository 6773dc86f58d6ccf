import ArgumentParser

/// `jikji decode` (being built).
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(being built)")
    func run() throws { throw ValidationError("jikji decode is not built yet") }
}
