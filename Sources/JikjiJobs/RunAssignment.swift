import Foundation
import JikjiDistributed

/// What rank 0 of a data-parallel run tells the other ranks before training: which run, the
/// resolved job it pinned (vocabulary version, datasets), and the checkpoint it resumes from.
/// The other ranks then load the vocabulary and datasets rank 0 prepared (from the same paths:
/// a shared or copied folder on other machines) and the checkpoint's files.
struct RunAssignment: Codable, Equatable {
    var runID: Int
    var directory: String
    var jobName: String
    var jobYAML: String
    /// The checkpoint resumed from (step, folder, metric, best): nil at the start.
    var checkpointStep: Int?
    var checkpointPath: String?
    var checkpointMetric: Double?
    var checkpointIsBest = false

    /// The assignment of run `runID` in `directory`, trained as `jobYAML` from `checkpoint`.
    init(runID: Int, directory: String, jobName: String, jobYAML: String, checkpoint: RunRegistry.Checkpoint?) {
        self.runID = runID
        self.directory = directory
        self.jobName = jobName
        self.jobYAML = jobYAML
        checkpointStep = checkpoint?.step
        checkpointPath = checkpoint?.path
        checkpointMetric = checkpoint?.metric
        checkpointIsBest = checkpoint?.isBest ?? false
    }

    /// The checkpoint resumed from, nil at the start.
    var checkpoint: RunRegistry.Checkpoint? {
        guard let checkpointStep, let checkpointPath else { return nil }
        return RunRegistry.Checkpoint(step: checkpointStep, path: checkpointPath, metric: checkpointMetric, isBest: checkpointIsBest)
    }

    /// Broadcasts this assignment from rank 0.
    func send(over parallel: DataParallelTraining) throws {
        _ = try parallel.communicator.broadcast(Array(try JSONEncoder().encode(self)))
    }

    /// The assignment rank 0 broadcast.
    static func receive(over parallel: DataParallelTraining) throws -> RunAssignment {
        let bytes = try parallel.communicator.broadcast([])
        do {
            return try JSONDecoder().decode(RunAssignment.self, from: Data(bytes))
        } catch {
            throw DistributedError.mismatch("rank \(parallel.rank) cannot read the run rank 0 sent: \(error)")
        }
    }
}
