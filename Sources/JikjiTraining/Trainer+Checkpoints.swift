import Foundation
import JikjiRecurrent

/// Checkpoints: writing them atomically, keeping the last N and the best, and restoring one.
extension Trainer {
    /// Writes a checkpoint of the current step (model, optimizer state, data position, generator)
    /// and records it; then forgets and deletes the checkpoints the keep policy drops. Without a
    /// checkpoint directory, does nothing.
    func checkpoint(metric: Double?, isBest: Bool) throws {
        // Collective under data parallelism: every rank's rows of the carried state.
        let carried = try options.distribution?.gatherCarried(task.carriedTensors) ?? task.carriedTensors
        guard let directory = options.checkpointDirectory else { return }
        let folder = directory + "/step-\(step)"
        let temporary = folder + ".partial"
        let fm = FileManager.default
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        // The model file holds every row up to date (what predict and PyTorch read), from a
        // caught-up copy; the state file holds the rows as they lag, with the optimizer's row
        // clocks, so a resumed run continues exactly like an uninterrupted one — catching up
        // here instead would round differently from a run that never stopped.
        let lagging = sparseTables.map { (name: $0.name, parameter: $0.parameter, value: $0.parameter.value) }
        var caughtUp = optimizer
        caughtUp.catchUpLazyRows()
        try saveModel(to: URL(fileURLWithPath: temporary + "/model.safetensors"))
        var state = SafeTensorsFile(tensors: [:], metadata: [:])
        for (name, parameter, value) in lagging where parameter.value.storage != value.storage {
            state.tensors["lagging." + name] = value
            parameter.value = value
        }
        for (name, tensor) in optimizer.stateTensors() { state.tensors["optimizer." + name] = tensor }
        for (name, tensor) in carried { state.tensors["task." + name] = tensor }
        let g = generator.state
        state.integerTensors["position"] = IntegerTensor(shape: [3], values: [Int64(epoch), Int64(batchIndex), Int64(step)])
        state.integerTensors["generator"] = IntegerTensor(shape: [4], values: [g.0, g.1, g.2, g.3].map { Int64(bitPattern: $0) })
        state.metadata["evaluations_without_improvement"] = String(evaluationsWithoutImprovement)
        if let bestMetric { state.metadata["best_metric"] = String(bestMetric) }
        // Swift prints the shortest text that reads back as the same Double: the sum continues exactly.
        state.metadata["running_loss"] = String(runningLoss)
        state.metadata["running_count"] = String(runningCount)
        state.metadata["evaluated"] = lastEvaluationStep == step ? "true" : "false"
        try state.write(to: URL(fileURLWithPath: temporary + "/state.safetensors"))
        try? fm.removeItem(atPath: folder)
        try fm.moveItem(atPath: temporary, toPath: folder)
        try recorder.record(TrainingCheckpoint(step: step, path: folder, metric: metric, isBest: isBest))
        // Keep the last N and the best; forget (then delete) the others.
        let all = try recorder.checkpoints()
        let keep = Set(all.suffix(configuration.keepLast).map(\.step) + (configuration.keepBest ? all.filter(\.isBest).map(\.step) : []))
        for old in all where !keep.contains(old.step) {
            try recorder.removeCheckpoint(step: old.step)
            try? fm.removeItem(atPath: old.path)
        }
    }

    /// Writes the model's state dict (PyTorch names) with its architecture in the metadata.
    public func saveModel(to url: URL) throws {
        var values: [String: Tensor] = [:]
        for (name, p) in task.namedParameters { values[name] = p.value }
        try SafeTensorsFile(tensors: values, metadata: ["format": "pt", "jikji.architecture": task.architectureJSON]).write(to: url)
    }

    /// Loads the weights of the checkpoint in `folder`.
    func loadModel(from folder: String) throws {
        let path = folder + "/model.safetensors"
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        try file.requireFiniteValues(source: path)
        try task.loadStateDict(file.tensors)
    }

    /// Puts the run back where `checkpoint` left it: weights, optimizer state, lagging embedding
    /// rows, carried state, data position, generator, the early-stopping counters, the running
    /// training loss and whether the checkpoint's weights were already evaluated.
    /// - Throws: ``CheckpointError`` when the checkpoint's files do not fit this model and optimizer.
    public func restore(_ checkpoint: TrainingCheckpoint) throws {
        try loadModel(from: checkpoint.path)
        let statePath = checkpoint.path + "/state.safetensors"
        let state = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: statePath))
        try state.requireFiniteValues(source: statePath)
        var optimizerState: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("optimizer.") {
            optimizerState[String(name.dropFirst("optimizer.".count))] = tensor
        }
        try optimizer.loadState(optimizerState)
        // Rows of lazily updated tables as they lagged when the checkpoint was taken (see checkpoint()).
        for table in sparseTables {
            guard let value = state.tensors["lagging." + table.name] else { continue }
            guard value.shape == table.parameter.value.shape else {
                throw CheckpointError("\(checkpoint.path)/state.safetensors: 'lagging.\(table.name)' has shape \(value.shape), expected \(table.parameter.value.shape)")
            }
            table.parameter.value = value
        }
        var carried: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("task.") { carried[String(name.dropFirst("task.".count))] = tensor }
        try task.restoreCarriedTensors(options.distribution?.shareOfCarried(carried) ?? carried)

        guard let position = state.integerTensors["position"], position.values.count == 3,
              let words = state.integerTensors["generator"], words.values.count == 4 else {
            throw CheckpointError("\(statePath) lacks the data position or generator state")
        }
        // The position comes from a file: it must name a batch of this run's plan, or the loop
        // would index outside the epoch's batches.
        let (savedEpoch, savedBatch, savedStep) = (position.values[0], position.values[1], position.values[2])
        guard (0...Int64(configuration.epochs)).contains(savedEpoch), (0...Int64(stepsPerEpoch)).contains(savedBatch),
              (0...Int64(totalSteps)).contains(savedStep) else {
            throw CheckpointError("\(statePath): the data position (epoch \(savedEpoch), batch \(savedBatch), step \(savedStep)) is outside this run's \(configuration.epochs) epochs of \(stepsPerEpoch) batches (\(totalSteps) steps)")
        }
        epoch = Int(savedEpoch); batchIndex = Int(savedBatch); step = Int(savedStep)
        let w = words.values.map { UInt64(bitPattern: $0) }
        generator = SeededGenerator(state: (w[0], w[1], w[2], w[3]))
        evaluationsWithoutImprovement = Int(state.metadata["evaluations_without_improvement"] ?? "0") ?? 0
        bestMetric = state.metadata["best_metric"].flatMap(Double.init)
        // Checkpoints written before these were saved restart the running loss, as they always did.
        runningLoss = state.metadata["running_loss"].flatMap(Double.init) ?? 0
        runningCount = state.metadata["running_count"].flatMap(Int.init) ?? 0
        lastEvaluationStep = state.metadata["evaluated"] == "true" ? step : nil
    }
}
