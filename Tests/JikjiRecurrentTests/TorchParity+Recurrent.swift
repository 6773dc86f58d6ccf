import JikjiTestSupport

extension TorchParity {
    /// rnn_*, lstm_*, gru_* fixtures: a recurrent layer's outputs and gradients.
    static func checkRecurrentLayer(_ fixture: TorchFixture) throws -> [String] {
        ["recurrent layers are not implemented yet"]
    }

    /// classifier_bi*: embedding → bidirectional recurrent layer → linear → BCE.
    static func checkClassifier(_ fixture: TorchFixture) throws -> [String] {
        ["classifier is not implemented yet"]
    }
}
