import Foundation

/// Runs the built `jikji` executable, for end-to-end tests of the CLI.
public enum JikjiCommand {
    /// The `jikji` binary built next to the test bundle (`.build/<config>/jikji`), or the one
    /// `JIKJI_TEST_EXECUTABLE` names: the same CLI tests then run against another build (say, an
    /// older revision's, to check that a test fails there).
    public static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["JIKJI_TEST_EXECUTABLE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Test bundles live in the products folder (`.build/release/JikjiPackageTests.xctest`).
        let products = Bundle.allBundles
            .map(\.bundleURL)
            .first { $0.pathExtension == "xctest" }?
            .deletingLastPathComponent()
        let candidates = [products, ProjectPaths.root.appendingPathComponent(".build/release"),
                          ProjectPaths.root.appendingPathComponent(".build/debug")]
        for folder in candidates.compactMap({ $0 }) {
            let url = folder.appendingPathComponent("jikji")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return ProjectPaths.root.appendingPathComponent(".build/release/jikji")
    }

    /// What one run of the command produced.
    public struct Result {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        /// Standard output as UTF-8 text.
        public var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `jikji arguments…` in `directory` (default: the package root), feeding `input` on stdin,
    /// with `environment` added to this process's and the variables of `unsetting` removed.
    public static func run(_ arguments: [String], input: Data? = nil, in directory: URL? = nil,
                           environment: [String: String] = [:], unsetting: Set<String> = []) throws -> Result {
        try RunningJikjiCommand(arguments, input: input, in: directory, environment: environment, unsetting: unsetting).finish()
    }
}

/// A `jikji` process started in the background, for tests that act on it while it runs
/// (send Ctrl-C once it is training, for example).
///
/// `@unchecked Sendable`: the reader tasks and the test share it; the captured output
/// (`errorText`, `outputText`) is touched only while holding `lock`, and `process` and `readers`
/// are only used through their thread-safe methods after `init`.
public final class RunningJikjiCommand: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var errorText = Data()
    private var outputText = Data()
    private let readers = DispatchGroup()

    /// Starts `jikji arguments…` in `directory` (default: the package root) with `environment`
    /// added to this process's and the variables of `unsetting` removed, feeding `input` on stdin
    /// (then closing it).
    public init(_ arguments: [String], input: Data? = nil, in directory: URL? = nil,
                environment: [String: String] = [:], unsetting: Set<String> = []) throws {
        process.executableURL = JikjiCommand.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? ProjectPaths.root
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        for key in unsetting { env[key] = nil }
        process.environment = env
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        for (handle, isError) in [(out.fileHandleForReading, false), (err.fileHandleForReading, true)] {
            readers.enter()
            DispatchQueue.global().async {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.lock.lock()
                    if isError { self.errorText.append(chunk) } else { self.outputText.append(chunk) }
                    self.lock.unlock()
                }
                self.readers.leave()
            }
        }
        // Both outputs are drained by then, so a chatty command cannot block this write.
        if let input { inPipe.fileHandleForWriting.write(input) }
        try? inPipe.fileHandleForWriting.close()
    }

    /// Standard error so far.
    public var stderr: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: errorText, as: UTF8.self)
    }

    /// Waits until standard error contains `text`; false when the process ended or `timeout`
    /// seconds passed first.
    public func waitForStderr(containing text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    public func interrupt() { process.interrupt() }

    /// Sends `signal` (SIGKILL: `kill -9`, a process that gets no chance to clean up).
    public func send(_ signal: Int32) { _ = kill(process.processIdentifier, signal) }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Waits for the process to end and returns what it produced.
    public func finish() -> JikjiCommand.Result {
        process.waitUntilExit()
        readers.wait()
        lock.lock(); defer { lock.unlock() }
        return JikjiCommand.Result(status: process.terminationStatus, stdout: outputText,
                                   stderr: String(decoding: errorText, as: UTF8.self))
    }
}
