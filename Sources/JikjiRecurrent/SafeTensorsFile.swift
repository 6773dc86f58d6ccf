import Foundation
import JikjiIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The contents of a safetensors file: named tensors and string metadata.
///
/// The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length `N`, `N` bytes of JSON `{"__metadata__": {…}, name: {"dtype", "shape",
/// "data_offsets": [begin, end]}}` (padded with spaces to a multiple of 8), then the raw
/// little-endian data, offsets relative to its start. Jikji writes `F32` and `I64`; it reads
/// `F32`, `F64`, `F16`, `BF16` and the integer types, converting floating ones to Float32.
public struct SafeTensorsFile: Equatable, Sendable {
    /// Float tensors by name (written as `F32`).
    public var tensors: [String: Tensor]
    /// Integer tensors by name (written as `I64`; integer tensors read from a file land here).
    public var integerTensors: [String: IntegerTensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// A file with the given contents.
    public init(tensors: [String: Tensor] = [:], integerTensors: [String: IntegerTensor] = [:],
                metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.integerTensors = integerTensors
        self.metadata = metadata
    }

    // MARK: Writing

    /// The file's bytes. Tensors are laid out in name order (floats, then integers).
    public func encoded() throws -> Data {
        if let clash = tensors.keys.first(where: { integerTensors[$0] != nil }) {
            throw SafeTensorsError("tensor name '\(clash)' is used by a float and an integer tensor")
        }
        if tensors["__metadata__"] != nil || integerTensors["__metadata__"] != nil {
            throw SafeTensorsError("'__metadata__' is reserved and cannot name a tensor")
        }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let floatNames = tensors.keys.sorted(), integerNames = integerTensors.keys.sorted()
        for name in floatNames {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        for name in integerNames {
            let t = integerTensors[name]!
            header[name] = ["dtype": "I64", "shape": t.shape, "data_offsets": [offset, offset + 8 * t.values.count]] as [String: Any]
            offset += 8 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        // Pad so the data starts 8-byte aligned, as the reference implementation does.
        let padding = (8 - (json.count % 8)) % 8
        json.append(contentsOf: [UInt8](repeating: 0x20, count: padding))

        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in floatNames {
            tensors[name]!.storage.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!)
                    .assumingMemoryBound(to: UInt8.self), count: buffer.count * 4))
                #else
                for x in buffer { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #endif
            }
        }
        for name in integerNames {
            for x in integerTensors[name]!.values {
                withUnsafeBytes(of: x.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Writes the file atomically: to a temporary file beside `url`, flushed, then renamed over
    /// `url`, so a crash never leaves a half-written checkpoint.
    public func write(to url: URL) throws {
        let data = try encoded()
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw SafeTensorsError("cannot create \(temporary.path): does the folder \(directory.path) exist and is it writable?")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError("cannot write \(temporary.path): \(SystemErrorText.plainReason(error))")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError("cannot move \(temporary.path) to \(url.path): \(reason)")
        }
    }

    // MARK: Reading

    /// Reads a safetensors file; throws naming the file and the problem.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try WholeFile.read(url.path)
        } catch {
            throw SafeTensorsError("cannot read \(url.path): \(SystemErrorText.plainReason(error))")
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses the bytes of a safetensors file; `source` names it in errors.
    public init(data: Data, source: String = "safetensors data") throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw SafeTensorsError("\(source): \(bytes.count) bytes, too short for the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= 100_000_000 else {
            throw SafeTensorsError("\(source): header length \(headerLength) exceeds the file's \(bytes.count - 8) remaining bytes")
        }
        let dataStart = 8 + Int(headerLength)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw SafeTensorsError("\(source): the header is not valid JSON" + (detail.map { " (\($0))" } ?? ""))
        }
        guard let header = parsed as? [String: Any] else {
            throw SafeTensorsError("\(source): the header is not a JSON object")
        }
        let dataLength = bytes.count - dataStart
        var tensors: [String: Tensor] = [:], integers: [String: IntegerTensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafeTensorsError("\(source): __metadata__ is not an object")
                }
                for (k, v) in map {
                    guard let s = v as? String else { throw SafeTensorsError("\(source): metadata '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                  offsets.count == 2 else {
                throw SafeTensorsError("\(source): tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let kind = ElementType(rawValue: dtype) else {
                throw SafeTensorsError("\(source): tensor '\(name)' has unsupported dtype \(dtype)")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError("\(source): tensor '\(name)' has a negative dimension in \(shape)")
            }
            // Sizes come from the file: every product is checked, so a shape such as [2^62, 4]
            // is refused instead of overflowing.
            guard let count = Self.elementCount(shape), let byteCount = Self.checkedProduct(count, kind.size) else {
                throw SafeTensorsError("\(source): tensor '\(name)' has shape \(shape), too large to address (its size overflows 64 bits)")
            }
            guard byteCount <= dataLength else {
                throw SafeTensorsError("\(source): tensor '\(name)' (\(dtype) \(shape)) needs \(byteCount) bytes, more than the file's \(dataLength) bytes of data")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength, end - begin == byteCount else {
                throw SafeTensorsError("\(source): tensor '\(name)' (\(dtype) \(shape)) has data_offsets [\(begin), \(end)], which do not fit \(byteCount) bytes within \(dataLength)")
            }
            let base = dataStart + begin
            if kind.isInteger {
                var values = [Int64](repeating: 0, count: count)
                for i in 0..<count { values[i] = kind.integer(bytes, at: base + i * kind.size) }
                integers[name] = IntegerTensor(shape: shape, values: values)
            } else {
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count { values[i] = kind.float(bytes, at: base + i * kind.size) }
                tensors[name] = Tensor(shape: shape, values: values)
            }
        }
        self.init(tensors: tensors, integerTensors: integers, metadata: metadata)
    }

    /// The number of elements of `shape`, or nil when the product overflows `Int`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard let product = checkedProduct(count, dimension) else { return nil }
            count = product
        }
        return count
    }

    /// `a × b`, or nil when it overflows.
    static func checkedProduct(_ a: Int, _ b: Int) -> Int? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    /// Throws naming the first tensor (and element) that holds a NaN or an infinity: weights and
    /// optimizer state loaded from a checkpoint must be finite, or every prediction made with
    /// them would be NaN without a word.
    public func requireFiniteValues(source: String) throws {
        for name in tensors.keys.sorted() {
            let storage = tensors[name]!.storage
            let bad = storage.withUnsafeBufferPointer { values in values.firstIndex { !$0.isFinite } }
            if let bad {
                let value = storage.withUnsafeBufferPointer { $0[bad] }
                throw SafeTensorsError("\(source): tensor '\(name)' holds \(value) at element \(bad); a checkpoint's values must be finite (the training that wrote it diverged, or the file was changed)")
            }
        }
    }

    /// The element types Jikji reads.
    private enum ElementType: String {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }

        var isInteger: Bool {
            switch self {
            case .f32, .f64, .f16, .bf16: return false
            default: return true
            }
        }

        func bits(_ b: [UInt8], at i: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            return v
        }

        func float(_ b: [UInt8], at i: Int) -> Float {
            let v = bits(b, at: i)
            switch self {
            case .f32: return Float(bitPattern: UInt32(v))
            case .f64: return Float(Double(bitPattern: v))
            case .bf16: return Float(bitPattern: UInt32(v) << 16)
            case .f16: return halfToFloat(UInt16(v))
            default: return 0
            }
        }

        func integer(_ b: [UInt8], at i: Int) -> Int64 {
            let v = bits(b, at: i)
            switch self {
            case .i64: return Int64(bitPattern: v)
            case .i32: return Int64(Int32(bitPattern: UInt32(v)))
            case .i16: return Int64(Int16(bitPattern: UInt16(v)))
            case .i8: return Int64(Int8(bitPattern: UInt8(v)))
            default: return Int64(v)
            }
        }

        func halfToFloat(_ h: UInt16) -> Float {
            let sign: Float = (h & 0x8000) != 0 ? -1 : 1
            let exponent = Int((h >> 10) & 0x1F), mantissa = Float(h & 0x3FF)
            if exponent == 0 { return sign * mantissa * 0x1p-24 }
            if exponent == 31 { return mantissa == 0 ? sign * .infinity : .nan }
            return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
