/// How the two directions of a bidirectional ``RecurrentLayer`` are scheduled.
public enum DirectionSchedule: Sendable {
    /// Side by side on two threads, one BLAS thread each, when BLAS has two or more threads;
    /// one after the other otherwise.
    case automatic
    /// One after the other, each using every BLAS thread.
    case sequential
    /// Side by side on two threads, one BLAS thread each.
    case parallel
}
