import JikjiIO

/// The CLI's `print`: the text goes to standard output through ``StandardStreams``, not through
/// C's buffered `stdout`, whose failed writes (`> /dev/full`, a closed pipe) Swift's `print` drops
/// in silence. A failed write is remembered, and the command's exit status reports it
/// (``CommandOutcome``); every command prints its text this way.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { String(describing: $0) }.joined(separator: separator) + terminator
    try? StandardStreams.write(text, to: .output)
}
