import Foundation

/// A one-dimensional little-endian int64 array in NumPy's `.npy` format (version 1.0), which
/// `numpy.load(path, mmap_mode="r")` maps without copying.
///
/// Layout: the magic `\x93NUMPY`, the version bytes 1 0, a little-endian UInt16 header length,
/// then a Python dict literal (`descr`, `fortran_order`, `shape`) padded with spaces and ended
/// by a newline so that the data starts on a 64-byte boundary, then the elements.
public struct NPYArray: Sendable, Equatable {
    /// The elements, in order.
    public var values: [Int64]

    /// An array of `values`.
    public init(_ values: [Int64]) {
        self.values = values
    }

    /// The file's bytes.
    public func encoded() -> Data {
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(values.count),), }"
        // magic (6) + version (2) + length (2) + header + "\n" is padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(capacity: 10 + header.utf8.count + 8 * values.count)
        data.append(contentsOf: [0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        #endif
        return data
    }
}
