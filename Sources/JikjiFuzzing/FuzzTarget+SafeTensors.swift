import Foundation
import JikjiModels
import JikjiRecurrent

extension FuzzTarget {
    /// A checkpoint file as `predict`, `generate`, `translate` and `job resume` read it: the
    /// file (``SafeTensorsFile/init(contentsOf:)``), then its float tensors loaded into a model
    /// (strict names and shapes), as ``TrainedRun`` does with `model.safetensors`.
    ///
    /// An input whose first byte is even is the file itself. An odd first byte is followed by
    /// the JSON header, a NUL byte, then the data: the entry writes the 8-byte header length in
    /// front, so that mutations of the header are not all stopped by a wrong length.
    static func readSafeTensors(_ input: [UInt8]) throws {
        let file = try ScratchFile.withFile(containing: safeTensorsFileBytes(input)) { path in
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        }
        // Written back, the file must be readable again (a checkpoint is rewritten on resume).
        _ = try SafeTensorsFile(data: try file.encoded(), source: "re-encoded fuzz input")
        var generator = SeededGenerator(seed: 1)
        let model = try SequenceClassifier(FuzzFixtures.classifierConfiguration, generator: &generator)
        try model.loadStateDict(file.tensors)
    }

    /// The file an input stands for (see ``readSafeTensors(_:)``).
    static func safeTensorsFileBytes(_ input: [UInt8]) -> [UInt8] {
        guard let mode = input.first else { return [] }
        let rest = input.dropFirst()
        guard mode & 1 == 1 else { return Array(rest) }
        let header = rest.prefix { $0 != 0 }
        let data = rest.dropFirst(header.count + 1)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + rest.count)
        var length = UInt64(header.count)
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: data)
        return bytes
    }

    /// An input in the header form (odd first byte) standing for the safetensors file `bytes`.
    static func safeTensorsHeaderInput(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 8 else { return nil }
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        guard length >= 0, length <= bytes.count - 8 else { return nil }
        return [1] + bytes[8..<(8 + length)] + [0] + bytes[(8 + length)...]
    }
}
