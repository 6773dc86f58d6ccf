import JikjiIO

/// An ONNX model being built: a graph of nodes over named values, its weights as initializers,
/// typed inputs and outputs with symbolic (dynamic) dimensions, serialized as the `ModelProto`
/// protocol buffer (onnx.proto, IR version 8, the default opset 17) by ``ProtobufWriter``.
public struct ONNXModel: Sendable {
    /// ONNX element types used here (`TensorProto.DataType`).
    public enum ElementType: Int64, Sendable {
        case float = 1
        case int32 = 6
        case int64 = 7
        case bool = 9
    }

    /// A dimension of a graph input or output: fixed, or named and dynamic (`batch`, `steps`).
    public enum Dimension: Sendable, Equatable {
        case fixed(Int)
        case named(String)
    }

    /// A node attribute (`AttributeProto`).
    public enum Attribute: Sendable {
        case int(Int64)
        case float(Float)
        case string(String)
        case ints([Int64])
        case floats([Float])
        case strings([String])
    }

    /// A typed graph input or output (`ValueInfoProto`).
    public struct ValueInfo: Sendable {
        public var name: String
        public var type: ElementType
        public var shape: [Dimension]
        public var doc: String
    }

    /// A constant tensor (`TensorProto`): weights, shapes, scalars.
    public struct Initializer: Sendable {
        public var name: String
        public var dims: [Int]
        public var floats: [Float]?
        public var int64s: [Int64]?
    }

    struct Node: Sendable {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String
        var attributes: [(String, Attribute)]
    }

    /// The graph's name.
    public var name: String
    /// The operator set the nodes are from.
    public var opset: Int64
    var nodes: [Node] = []
    public private(set) var initializers: [Initializer] = []
    public private(set) var inputs: [ValueInfo] = []
    public private(set) var outputs: [ValueInfo] = []
    /// `metadata_props` of the model (what it was exported from).
    public var metadata: [(String, String)] = []
    private var counter = 0

    /// An empty graph named `name` on `opset` (17 or later for the operators used here).
    public init(name: String, opset: Int64 = 17) {
        self.name = name
        self.opset = opset
    }

    /// Declares a graph input.
    public mutating func input(_ name: String, _ type: ElementType, _ shape: [Dimension], doc: String = "") {
        inputs.append(ValueInfo(name: name, type: type, shape: shape, doc: doc))
    }

    /// Declares a graph output (a value some node produces).
    public mutating func output(_ name: String, _ type: ElementType, _ shape: [Dimension], doc: String = "") {
        outputs.append(ValueInfo(name: name, type: type, shape: shape, doc: doc))
    }

    /// Adds a float initializer and returns its name.
    @discardableResult
    public mutating func constant(_ name: String, dims: [Int], floats: [Float]) -> String {
        initializers.append(Initializer(name: name, dims: dims, floats: floats, int64s: nil))
        return name
    }

    /// Adds an int64 initializer (a fresh name when `name` is nil) and returns its name.
    @discardableResult
    public mutating func constant(_ name: String? = nil, dims: [Int], ints: [Int64]) -> String {
        let n = name ?? fresh("const")
        initializers.append(Initializer(name: n, dims: dims, floats: nil, int64s: ints))
        return n
    }

    /// A new value name with `stem`.
    public mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "\(stem)_\(counter)"
    }

    /// Adds a node of `op` and returns its outputs (`outputs` fresh names when not given).
    @discardableResult
    public mutating func node(_ op: String, _ inputs: [String], outputs: [String]? = nil, outputCount: Int = 1,
                              _ attributes: [(String, Attribute)] = []) -> [String] {
        let outs = outputs ?? (0..<outputCount).map { _ in fresh(op.lowercased()) }
        nodes.append(Node(opType: op, inputs: inputs, outputs: outs, name: fresh("n_" + op), attributes: attributes))
        return outs
    }

    /// Adds a one-output node and returns its output.
    public mutating func op(_ op: String, _ inputs: [String], _ attributes: [(String, Attribute)] = [], output: String? = nil) -> String {
        node(op, inputs, outputs: output.map { [$0] }, attributes)[0]
    }

    // MARK: Serialization

    /// The `ModelProto` bytes.
    public func serialized(producerVersion: String) -> [UInt8] {
        var model = ProtobufWriter()
        model.int(1, 8)                          // ir_version (IR 8: opsets up to 18)
        model.string(2, "jikji")                 // producer_name
        model.string(3, producerVersion)         // producer_version
        model.message(7, graphProto())           // graph
        model.message(8) { o in                  // opset_import: the default domain
            o.string(1, "")
            o.int(2, opset)
        }
        for (key, value) in metadata {           // metadata_props
            model.message(14) { p in p.string(1, key); p.string(2, value) }
        }
        return model.bytes
    }

    func graphProto() -> ProtobufWriter {
        var graph = ProtobufWriter()
        for n in nodes { graph.message(1, Self.nodeProto(n)) }
        graph.string(2, name)
        for i in initializers { graph.message(5, Self.tensorProto(i)) }
        for i in inputs { graph.message(11, Self.valueInfoProto(i)) }
        for o in outputs { graph.message(12, Self.valueInfoProto(o)) }
        return graph
    }

    static func nodeProto(_ n: Node) -> ProtobufWriter {
        var node = ProtobufWriter()
        for i in n.inputs { node.string(1, i) }
        for o in n.outputs { node.string(2, o) }
        node.string(3, n.name)
        node.string(4, n.opType)
        for (name, value) in n.attributes { node.message(5, attributeProto(name, value)) }
        return node
    }

    /// `AttributeProto`: name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20.
    static func attributeProto(_ name: String, _ value: Attribute) -> ProtobufWriter {
        var a = ProtobufWriter()
        a.string(1, name)
        switch value {
        case let .float(f): a.float(2, f); a.int(20, 1)
        case let .int(i): a.int(3, i); a.int(20, 2)
        case let .string(s): a.string(4, s); a.int(20, 3)
        case let .floats(fs): a.packedFloats(7, fs); a.int(20, 6)
        case let .ints(is_): a.packedInts(8, is_); a.int(20, 7)
        case let .strings(ss): for s in ss { a.string(9, s) }; a.int(20, 8)
        }
        return a
    }

    /// `TensorProto`: dims 1, data_type 2, name 8, raw_data 9 (little-endian values).
    static func tensorProto(_ t: Initializer) -> ProtobufWriter {
        var tensor = ProtobufWriter()
        tensor.packedInts(1, t.dims.map(Int64.init))
        var raw: [UInt8] = []
        if let floats = t.floats {
            tensor.int(2, ElementType.float.rawValue)
            // raw_data is little-endian, as Float's memory is on every platform Swift runs Jikji on.
            raw = floats.withUnsafeBytes { Array($0) }
        } else {
            tensor.int(2, ElementType.int64.rawValue)
            for v in t.int64s ?? [] { let b = UInt64(bitPattern: v); raw += (0..<8).map { UInt8(truncatingIfNeeded: b >> ($0 * 8)) } }
        }
        tensor.string(8, t.name)
        tensor.data(9, raw)
        return tensor
    }

    /// `ValueInfoProto { name 1; type 2 { tensor_type 1 { elem_type 1; shape 2 { dim 1 { dim_value 1 | dim_param 2 } } } }; doc_string 3 }`.
    static func valueInfoProto(_ v: ValueInfo) -> ProtobufWriter {
        var info = ProtobufWriter()
        info.string(1, v.name)
        info.message(2) { type in
            type.message(1) { tensorType in
                tensorType.int(1, v.type.rawValue)
                tensorType.message(2) { shape in
                    for d in v.shape {
                        shape.message(1) { dim in
                            switch d {
                            case let .fixed(n): dim.int(1, Int64(n))
                            case let .named(s): dim.string(2, s)
                            }
                        }
                    }
                }
            }
        }
        if !v.doc.isEmpty { info.string(3, v.doc) }
        return info
    }
}
