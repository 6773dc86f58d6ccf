import Foundation

/// What mpirun told this process through its environment: whether it was started as one rank of
/// an MPI job, its rank and the job's size. Read before Open MPI is opened, so a run without
/// mpirun never touches MPI.
public struct MPILaunch: Sendable, Equatable {
    /// This process's rank in the job.
    public var rank: Int
    /// The number of ranks mpirun started.
    public var size: Int

    /// Rank `rank` of a job of `size` ranks.
    public init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The launch mpirun describes in `environment` (Open MPI's OMPI_COMM_WORLD_*, else PMIx's
    /// or PMI's variables), or nil when the process was not started by an MPI launcher.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> MPILaunch? {
        let rankNames = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]
        let sizeNames = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "OMPI_UNIVERSE_SIZE"]
        guard let rank = rankNames.lazy.compactMap({ environment[$0].flatMap(Int.init) }).first else { return nil }
        let size = sizeNames.lazy.compactMap({ environment[$0].flatMap(Int.init) }).first ?? 1
        guard size >= 1, (0..<size).contains(rank) else { return nil }
        return MPILaunch(rank: rank, size: size)
    }
}
