import Foundation
import JikjiModels
import JikjiRecurrent

/// A ``TrainerConfiguration`` that does not fit the model or the run.
public struct TrainerConfigurationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the job key.
    public let description: String

    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}

/// Discriminative learning rates and gradual unfreezing over the task's parameter groups.
extension Trainer {
    /// Checks ``TrainerConfiguration/unfreezeEpochs`` against the groups and the run's epochs.
    static func checkUnfreezing(_ configuration: TrainerConfiguration, groups: [ParameterGroup]) throws {
        let epochs = configuration.unfreezeEpochs
        guard !epochs.isEmpty else { return }
        let names = groups.map(\.name).joined(separator: ", ")
        guard epochs.count <= groups.count - 1 else {
            throw TrainerConfigurationError("train.unfreeze lists \(epochs.count) epochs, but the model has \(groups.count) parameter groups (\(names)): at most \(groups.count - 1) can be unfrozen after the top one")
        }
        guard zip(epochs, epochs.dropFirst()).allSatisfy({ $0 < $1 }), let first = epochs.first, first >= 1,
              let last = epochs.last, last <= configuration.epochs else {
            throw TrainerConfigurationError("train.unfreeze \(epochs) must be epochs in 1...\(configuration.epochs) (1-based), strictly ascending")
        }
    }

    /// The number of groups, from the top, that train in epoch `epoch` (0-based).
    func trainingGroups(inEpoch epoch: Int) -> Int {
        let unfreeze = configuration.unfreezeEpochs
        guard !unfreeze.isEmpty else { return parameterGroups.count }
        return min(parameterGroups.count, 1 + unfreeze.filter { $0 <= epoch + 1 }.count)
    }

    /// Sets which parameters train in the current epoch (the top ``trainingGroups(inEpoch:)``
    /// groups, of the parameters the task made trainable) and logs the change. A frozen
    /// parameter has `requiresGradient` false: the optimizer leaves its value and state alone,
    /// and layers skip its weight gradient. Returns whether anything changed.
    @discardableResult
    func applyUnfreezing() -> Bool {
        // Without train.unfreeze nothing is touched: parameters keep the flags their task gave them.
        guard !configuration.unfreezeEpochs.isEmpty else { return false }
        let count = trainingGroups(inEpoch: epoch)
        guard count != trainingGroupCount else { return false }
        trainingGroupCount = count
        let boundary = parameterGroups.count - count
        for (index, parameters) in groupParameters.enumerated() {
            for parameter in parameters where trainableAtStart.contains(ObjectIdentifier(parameter)) {
                parameter.requiresGradient = index >= boundary
            }
        }
        let training = parameterGroups[boundary...].map(\.name).joined(separator: ", ")
        let frozen = parameterGroups[..<boundary].map(\.name).joined(separator: ", ")
        options.log("epoch \(epoch + 1): training \(training)" + (frozen.isEmpty ? "; nothing frozen" : "; frozen \(frozen)"))
        return true
    }

    /// Each group's learning rate at the base rate, for the run log: `embedding 0.000148, …`.
    func groupRatesDescription() -> String {
        let scales = configuration.optimizer.groupRateScales(groupCount: parameterGroups.count)
        let base = configuration.optimizer.learningRate
        let rates = zip(parameterGroups, scales).map { "\($0.name) " + String(format: "%.3g", base * $1) }
        return "learning rates by group (bottom to top, decay \(configuration.optimizer.layerLearningRateDecay); schedules multiply each): "
            + rates.joined(separator: ", ")
    }
}
