import JikjiTestSupport

extension TorchParity {
    static func checkLuongAttention(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkOptimizer(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkBCEWithLogits(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkCrossEntropyLabelSmoothing(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkEmbeddingLinearCrossEntropy(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkClipGradNorm(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
}
