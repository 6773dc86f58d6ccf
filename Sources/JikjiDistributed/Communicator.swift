import CMPI
import Foundation

/// MPI_COMM_WORLD of an Open MPI job: the few collectives data-parallel training needs, over
/// the library opened at run time (see CMPI.h). One per process; every collective must be
/// called by all ranks in the same order, from the thread that created the communicator.
public final class Communicator {
    /// This process's rank, 0..<``size``.
    public let rank: Int
    /// The number of ranks.
    public let size: Int
    /// The host this rank runs on (MPI_Get_processor_name).
    public let host: String
    private var finalized = false

    /// Opens Open MPI (`libraryPath`, or its usual names when nil) and initialises it (MPI_Init)
    /// for the job `launch` describes.
    /// - Throws: ``DistributedError/libraryUnavailable(ranks:names:reason:)`` when libmpi cannot
    ///   be opened, ``DistributedError/call(_:code:text:)`` when MPI_Init fails.
    public init(launch: MPILaunch, libraryPath: String? = nil) throws {
        var reason = [CChar](repeating: 0, count: 512)
        let opened = libraryPath.map { jikji_mpi_open($0, &reason, reason.count) } ?? jikji_mpi_open(nil, &reason, reason.count)
        guard opened == 0 else {
            throw DistributedError.libraryUnavailable(ranks: launch.size, names: libraryPath ?? String(cString: jikji_mpi_library_names()),
                                                      reason: Communicator.text(reason))
        }
        try Communicator.check("MPI_Init", jikji_mpi_init())
        var r: Int32 = 0, s: Int32 = 0
        try Communicator.check("MPI_Comm_rank", jikji_mpi_rank(&r))
        try Communicator.check("MPI_Comm_size", jikji_mpi_size(&s))
        var name = [CChar](repeating: 0, count: 300)
        try Communicator.check("MPI_Get_processor_name", jikji_mpi_processor_name(&name, name.count))
        rank = Int(r)
        size = Int(s)
        host = Communicator.text(name)
    }

    /// The NUL-terminated text in `buffer`.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Throws the MPI error of a call that did not return MPI_SUCCESS.
    static func check(_ name: String, _ code: Int32) throws {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 300)
        jikji_mpi_error_text(code, &text, text.count)
        throw DistributedError.call(name, code: code, text: Communicator.text(text))
    }

    /// Refuses a buffer MPI's `int` counts cannot describe.
    private static func count(_ n: Int, _ name: String) throws -> Int32 {
        guard let c = Int32(exactly: n) else { throw DistributedError.call(name, code: -1, text: "\(n) elements exceed MPI's int count") }
        return c
    }

    /// Sums `values` element-wise over all ranks, in place (MPI_Allreduce, MPI_SUM).
    public func sum(_ values: inout [Float]) throws {
        guard !values.isEmpty else { return }
        let n = try Communicator.count(values.count, "MPI_Allreduce")
        try values.withUnsafeMutableBufferPointer { try Communicator.check("MPI_Allreduce", jikji_mpi_allreduce_sum_float($0.baseAddress, n)) }
    }

    /// Every rank's `values` (each rank the same count), in rank order.
    public func gather(_ values: [Int32]) throws -> [Int32] {
        var received = [Int32](repeating: 0, count: values.count * size)
        guard !values.isEmpty else { return received }
        let n = try Communicator.count(values.count, "MPI_Allgather")
        try values.withUnsafeBufferPointer { sent in
            try received.withUnsafeMutableBufferPointer { out in
                try Communicator.check("MPI_Allgather", jikji_mpi_allgather_int(sent.baseAddress, n, out.baseAddress))
            }
        }
        return received
    }

    /// Every rank's `values` concatenated in rank order; rank r sent `counts[r]` of them.
    public func gather(_ values: [Float], counts: [Int]) throws -> [Float] {
        try gatherBlocks(values, counts: counts, with: jikji_mpi_allgatherv_float)
    }

    /// Every rank's `values` concatenated in rank order; rank r sent `counts[r]` of them.
    public func gather(_ values: [Int32], counts: [Int]) throws -> [Int32] {
        try gatherBlocks(values, counts: counts, with: jikji_mpi_allgatherv_int)
    }

    /// MPI_Allgatherv of `values` through `allgatherv`, the C shim's call for `Element`'s MPI
    /// datatype (the two public overloads differ only in it).
    private func gatherBlocks<Element: Numeric>(
        _ values: [Element], counts: [Int],
        with allgatherv: (UnsafePointer<Element>?, Int32, UnsafeMutablePointer<Element>?,
                          UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> Int32
    ) throws -> [Element] {
        let (c, displacements, total) = try Communicator.layout(counts, "MPI_Allgatherv")
        var received = [Element](repeating: 0, count: total)
        guard total > 0 else { return received }
        let n = try Communicator.count(values.count, "MPI_Allgatherv")
        try values.withUnsafeBufferPointer { sent in
            try received.withUnsafeMutableBufferPointer { out in
                try Communicator.check("MPI_Allgatherv", allgatherv(sent.baseAddress, n, out.baseAddress, c, displacements))
            }
        }
        return received
    }

    /// MPI counts and displacements of blocks of `counts`, and their total.
    private static func layout(_ counts: [Int], _ name: String) throws -> ([Int32], [Int32], Int) {
        var displacements: [Int32] = [], running = 0
        for n in counts {
            displacements.append(try count(running, name))
            running += n
        }
        _ = try count(running, name)
        return (try counts.map { try count($0, name) }, displacements, running)
    }

    /// Rank 0's `bytes` on every rank (MPI_Bcast: its length, then its contents).
    public func broadcast(_ bytes: [UInt8]) throws -> [UInt8] {
        var length = [UInt8](repeating: 0, count: 8)
        if rank == 0 { withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { length = Array($0) } }
        try length.withUnsafeMutableBytes { try Communicator.check("MPI_Bcast", jikji_mpi_broadcast_bytes($0.baseAddress, 8, 0)) }
        let n = length.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard let count = Int(exactly: n), count <= Int(Int32.max) else { throw DistributedError.mismatch("rank 0 broadcast \(n) bytes") }
        var buffer = rank == 0 ? bytes : [UInt8](repeating: 0, count: count)
        guard count > 0 else { return buffer }
        try buffer.withUnsafeMutableBytes {
            try Communicator.check("MPI_Bcast", jikji_mpi_broadcast_bytes($0.baseAddress, Int32(count), 0))
        }
        return buffer
    }

    /// Rank 0's `values` on every rank (every rank passes as many).
    public func broadcast(_ values: inout [Float]) throws {
        guard !values.isEmpty else { return }
        let n = try Communicator.count(values.count * 4, "MPI_Bcast")
        try values.withUnsafeMutableBytes { try Communicator.check("MPI_Bcast", jikji_mpi_broadcast_bytes($0.baseAddress, n, 0)) }
    }

    /// Waits until every rank got here.
    public func barrier() throws { try Communicator.check("MPI_Barrier", jikji_mpi_barrier()) }

    /// Ends MPI in this process (MPI_Finalize, after a barrier so no rank leaves while another
    /// still sends); later calls do nothing.
    public func finish() throws {
        guard !finalized else { return }
        finalized = true
        try barrier()
        try Communicator.check("MPI_Finalize", jikji_mpi_finalize())
    }
}
