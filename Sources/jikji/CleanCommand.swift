import ArgumentParser

/// `jikji clean`: normalizes and cleans text with a pipeline (implemented by the text module).
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Clean and normalize text with a pipeline.")
    func run() throws { throw ValidationError("jikji clean is not built yet") }
}
