import JikjiTestSupport

extension TorchParity {
    /// seq2seq_lstm_luong_general: LSTM encoder-decoder with Luong general attention.
    static func checkSeq2Seq(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
}
