import JikjiConfig
import JikjiRecurrent

/// A recurrent stack: cell kind, size, depth, direction.
public struct RecurrentSettings: Sendable, Equatable {
    public var cell: RecurrentCell
    public var hidden: Int
    public var layers: Int
    public var bidirectional: Bool
    /// Dropout between stacked layers (training only).
    public var dropout: Double

    init(_ r: ConfigReader, defaultCell: RecurrentCell = .lstm, defaultBidirectional: Bool) throws {
        cell = try r.choice("cell", default: defaultCell)
        hidden = try r.int("hidden", default: 128, range: 1...16384)
        layers = try r.int("layers", default: 1, range: 1...16)
        bidirectional = try r.bool("bidirectional", default: defaultBidirectional)
        dropout = try r.double("dropout", default: 0, range: 0...0.99)
        if layers == 1, dropout > 0 {
            throw r.error("dropout", "dropout between layers needs layers > 1 (use model.dropout for the output)")
        }
    }
}
