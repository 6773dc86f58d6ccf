/// OpenBLAS could not be opened: no file of its usual names loads, or the file lacks an entry
/// point Jikji calls.
public struct BLASLoadError: Error, Sendable, CustomStringConvertible {
    /// The file names tried, in order.
    public let triedNames: String
    /// The loader's message for the last name tried, or the missing entry point.
    public let reason: String

    /// What went wrong and what to do about it.
    public var description: String {
        "cannot load OpenBLAS (tried \(triedNames)): \(reason); install it (Debian: apt-get install libopenblas0) "
            + "or add its folder to LD_LIBRARY_PATH"
    }
}
