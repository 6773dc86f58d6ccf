/// Why data-parallel training cannot start or go on.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// Started by mpirun with several ranks, but Open MPI's library could not be opened.
    case libraryUnavailable(ranks: Int, names: String, reason: String)
    /// An MPI call failed (with Open MPI's error text).
    case call(String, code: Int32, text: String)
    /// What another rank sent does not fit what this one expects.
    case mismatch(String)

    public var description: String {
        switch self {
        case let .libraryUnavailable(ranks, names, reason):
            return "started by mpirun as one of \(ranks) ranks, but Open MPI could not be opened (tried \(names): \(reason)); "
                + "install it (Debian: apt-get install openmpi-bin libopenmpi-dev) or run without mpirun"
        case let .call(name, code, text):
            return "\(name) failed (MPI error \(code)): \(text)"
        case let .mismatch(why):
            return "ranks disagree: \(why)"
        }
    }
}
