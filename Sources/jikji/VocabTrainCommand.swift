import ArgumentParser

/// `jikji vocab train` (being built; registered by `jikji vocab`).
struct VocabTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "(being built)")
    func run() throws { throw ValidationError("jikji vocab train is not built yet") }
}
