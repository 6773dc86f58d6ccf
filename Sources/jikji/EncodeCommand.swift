import ArgumentParser

/// `jikji encode` (being built).
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(being built)")
    func run() throws { throw ValidationError("jikji encode is not built yet") }
}
