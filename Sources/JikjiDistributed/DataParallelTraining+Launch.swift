import Foundation
import JikjiRecurrent
#if canImport(Glibc)
import Glibc
#endif

extension DataParallelTraining {
    /// How this process was started, in words for the log.
    public enum LaunchKind: Equatable, Sendable {
        /// Not started by mpirun: one process.
        case alone
        /// Started by mpirun as its only rank: one process, MPI not opened.
        case singleRank
        /// One of several ranks.
        case ranks(Int)
    }

    /// The data-parallel side of this process: nil when it trains alone (not started by mpirun,
    /// or started as its only rank), else this rank, with Open MPI opened and initialised (the
    /// ring allreduce pinned unless the environment chose an algorithm already). `JIKJI_MPI_LIBRARY`
    /// names another libmpi file (an Open MPI installed elsewhere).
    /// - Throws: ``DistributedError/libraryUnavailable(ranks:names:reason:)`` when mpirun
    ///   started several ranks but Open MPI cannot be opened.
    public static func join(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DataParallelTraining? {
        guard let launch = MPILaunch.detect(environment: environment), launch.size > 1 else { return nil }
        for (name, value) in pinnedAlgorithmEnvironment where environment[name] == nil { setenv(name, value, 0) }
        return DataParallelTraining(communicator: try Communicator(launch: launch, libraryPath: environment["JIKJI_MPI_LIBRARY"]))
    }

    /// How `environment` says this process was started.
    public static func launchKind(environment: [String: String] = ProcessInfo.processInfo.environment) -> LaunchKind {
        guard let launch = MPILaunch.detect(environment: environment) else { return .alone }
        return launch.size > 1 ? .ranks(launch.size) : .singleRank
    }

    /// Rank 0's parameter values on every rank (one broadcast of all of them, in order).
    public func broadcastValues(of parameters: [Parameter]) throws {
        var flat = parameters.flatMap(\.value.storage)
        try communicator.broadcast(&flat)
        var offset = 0
        for p in parameters {
            let n = p.value.count
            p.value.storage.replaceSubrange(0..<n, with: flat[offset..<(offset + n)])
            offset += n
        }
    }

    /// One line for the log: the ranks, this rank's host, and the traffic so far (bench/mpi.sh reads it).
    public var description: String {
        let kb = { (bytes: Double) in String(format: "%.1f KB", bytes / 1024) }
        return "data parallel: rank \(rank) of \(size) on \(communicator.host); gradients: \(kb(traffic.bytesPerStep)) sent per step and rank "
            + "(\(kb(traffic.denseBytesPerStep)) with dense embedding reduction); per step "
            + String(format: "%.0f tokens, %.0f values allreduced, %.0f embedding values gathered", traffic.tokensPerStep,
                     traffic.reducedValuesPerStep, traffic.gatheredValuesPerStep)
    }
}
