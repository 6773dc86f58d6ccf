import ArgumentParser
import Foundation
import JikjiIO

/// How a command ended, and the exit status and message that say so.
///
/// - success: status 0, unless a write to standard output or standard error failed on the way
///   (then 1, with the reason on standard error when it still works);
/// - a closed standard output pipe (`EPIPE`): status 141 (128 + SIGPIPE) and no message, like
///   the Unix tools a closed pipe stops;
/// - any other error: ArgumentParser's message and status; Foundation's file errors are told in
///   plain words (`PATH: No such file or directory`), never as `NSCocoaErrorDomain` codes.
struct CommandOutcome {
    /// The error the command ended with, if any.
    let error: Error?

    init(_ error: Error?) { self.error = error }

    /// 128 + SIGPIPE, the status a shell reports for a process a closed pipe stopped.
    static let brokenPipeStatus: Int32 = 141

    /// Prints the message the outcome calls for and returns the status.
    func finish() -> Int32 {
        if let error {
            if isBrokenPipe(error) { return Self.brokenPipeStatus }
            return report(error)
        }
        // The command succeeded, but a log or progress line could not be written.
        if let lost = StandardStreams.firstFailure {
            if lost.stream == .output, lost.isBrokenPipe { return Self.brokenPipeStatus }
            StandardStreams.log("Error: \(lost)\n")
            return 1
        }
        return 0
    }

    /// A write to a pipe whose reader has gone, however it was reported.
    private func isBrokenPipe(_ error: Error) -> Bool {
        if let failed = error as? StandardStreamError { return failed.isBrokenPipe }
        return SystemErrorText.posixCode(error) == EPIPE
    }

    /// Prints ArgumentParser's text for `error` (help and version go to standard output) and
    /// returns its status.
    private func report(_ error: Error) -> Int32 {
        let shown: Error = SystemErrorText.reason(error) == nil ? error : PlainError(SystemErrorText.describe(error))
        let code = Jikji.exitCode(for: shown)
        let text = Jikji.fullMessage(for: shown)
        guard !text.isEmpty else { return code.rawValue }
        if code == .success {
            do {
                try StandardStreams.write(text + "\n", to: .output)
            } catch let failed as StandardStreamError {
                if failed.isBrokenPipe { return Self.brokenPipeStatus }
                StandardStreams.log("Error: \(failed)\n")
                return 1
            } catch {
                return 1
            }
            return 0
        }
        StandardStreams.log(text + "\n")
        return code.rawValue
    }
}

/// An error told by its message alone.
struct PlainError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
