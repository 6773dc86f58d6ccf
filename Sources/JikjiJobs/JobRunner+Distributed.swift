import Foundation
import JikjiDistributed
import JikjiTraining

/// Data-parallel runs (mpirun -np N jikji job run|resume): rank 0 runs the job as one process
/// does (registry, vocabulary, datasets, checkpoints, report) and the other ranks follow it.
extension JobRunner {
    /// This process's rank when mpirun started several, with Open MPI opened; nil alone. Says in
    /// the log how the run trains.
    static func joinLaunch(options: Options) throws -> DataParallelTraining? {
        switch DataParallelTraining.launchKind() {
        case .alone:
            return nil
        case .singleRank:
            options.log("mpirun started one rank: training in one process")
            return nil
        case .ranks:
            let parallel = try DataParallelTraining.join()
            if let parallel, parallel.isPrimary {
                options.log("data parallel: \(parallel.size) ranks (Open MPI); rank 0 on \(parallel.communicator.host) writes the run")
            }
            return parallel
        }
    }

    /// A rank other than 0: waits for rank 0's run (its resolved job and checkpoint), loads the
    /// vocabulary and datasets rank 0 prepared, and trains its share of every batch with it,
    /// writing nothing. Its log stays quiet; errors still end the job.
    static func follow(_ parallel: DataParallelTraining, options: Options) throws -> Summary {
        let assignment = try RunAssignment.receive(over: parallel)
        let job = try JobConfig(yaml: assignment.jobYAML, source: "run \(assignment.runID)'s resolved job (from rank 0)",
                                defaultName: assignment.jobName)
        var quiet = options
        quiet.log = { _ in }
        quiet.progress = false
        let data = try JobData.prepare(job: job, trainVocabulary: nil, log: quiet.log)
        let (trainer, _) = try makeTrainer(job: job, data: data, recorder: TrainingHistory(), checkpointDirectory: nil,
                                           options: quiet, parallel: parallel)
        try restore(trainer, from: assignment.checkpoint, parallel: parallel)
        let outcome = try trainer.train()
        try parallel.communicator.finish()
        var summary = Summary(runID: assignment.runID, status: outcome.status == .interrupted ? .interrupted : .completed,
                              metrics: outcome.metrics, steps: outcome.steps, secondsPerEpoch: outcome.secondsPerEpoch,
                              trainingTokensPerSecond: outcome.trainingTokensPerSecond,
                              reportPath: assignment.directory + "/report.html", directory: assignment.directory)
        summary.reportsResult = false
        return summary
    }
}
