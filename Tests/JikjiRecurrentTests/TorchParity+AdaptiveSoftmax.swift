import Foundation
import XCTest
import JikjiRecurrent
import JikjiTestSupport

/// `AdaptiveLogSoftmax` against PyTorch's `nn.AdaptiveLogSoftmaxWithLoss` (fixtures in
/// `Tests/JikjiRecurrentTests/Fixtures/adaptive_log_softmax*.json`, written by
/// `scripts/make-adaptive-softmax-fixture.py`): per-target log-probabilities, the loss,
/// `log_prob` over every class, and the gradient of the loss for the input and every parameter.
extension TorchParity {
    func testAdaptiveLogSoftmaxWithLoss() throws {
        let folder = ProjectPaths.root.appendingPathComponent("Tests/JikjiRecurrentTests/Fixtures")
        let names = ["adaptive_log_softmax", "adaptive_log_softmax_nobias"]
        for name in names {
            let fixture = try TorchFixture(contentsOf: folder.appendingPathComponent(name + ".json"))
            for problem in try Self.checkAdaptiveLogSoftmax(fixture) { XCTFail("\(name): \(problem)") }
        }
    }

    /// adaptive_log_softmax*: the fixture's weights loaded by state_dict name, then its input and targets.
    static func checkAdaptiveLogSoftmax(_ fixture: TorchFixture) throws -> [String] {
        guard let cutoffs = fixture.config["cutoffs"] as? [Int], let headBias = fixture.config["head_bias"] as? Bool else {
            throw FixtureError.missingConfig(fixture.name, "cutoffs/head_bias")
        }
        var generator = SeededGenerator(seed: 1)
        let layer = try AdaptiveLogSoftmax(inputSize: try fixture.int("in_features"), classCount: try fixture.int("n_classes"),
                                           cutoffs: cutoffs, divValue: Float(try fixture.double("div_value")),
                                           headBias: headBias, generator: &generator)
        var list = MismatchList()
        let stateDictNames = Set(fixture.tensors.keys.filter { !$0.hasPrefix("grad.") })
            .subtracting(["input", "target", "output", "loss", "log_prob"])
        let ours = Set(layer.namedParameters.map(\.name))
        if ours != stateDictNames { list.problems.append("parameter names \(ours.sorted()), PyTorch's \(stateDictNames.sorted())") }
        for (name, parameter) in layer.namedParameters {
            let value = try fixture.jikjiTensor(name)
            guard value.shape == parameter.value.shape else {
                list.problems.append("\(name): shape \(parameter.value.shape), PyTorch's \(value.shape)")
                continue
            }
            parameter.value = value
        }
        guard list.problems.isEmpty else { return list.problems }
        let input = try fixture.jikjiTensor("input")
        let targets = try fixture.tensor("target").int32s
        let (loss, inputGradient) = try layer.loss(input: input, targets: targets, accumulateGradients: true)
        try list.compare(loss, fixture, "loss")
        let logProbabilities = try layer.logProbabilities(input)
        try list.compare(logProbabilities, fixture, "log_prob")
        let C = layer.classCount
        let output = targets.enumerated().map { logProbabilities.storage[$0.offset * C + Int($0.element)] }
        try list.compare(Tensor(shape: [targets.count], values: output), fixture, "output")
        guard let inputGradient else { return list.problems + ["no input gradient"] }
        try list.compare(inputGradient, fixture, "grad.input")
        for (name, parameter) in layer.namedParameters {
            try list.compare(parameter.gradient, fixture, "grad." + name)
        }
        return list.problems
    }
}
