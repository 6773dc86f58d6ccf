import JikjiData
import JikjiRecurrent
import JikjiTraining

/// Data-parallel training over MPI: the ``TrainingDistribution`` a ``Trainer`` calls.
///
/// Each rank takes rows `[r·B/N, (r+1)·B/N)` of every global batch of B rows. After its forward
/// and backward pass, its gradients (of the mean loss over its `count_r` predictions) are
/// weighted by `count_r`, summed over the ranks and divided by the global count: the gradient
/// of the global batch's mean loss, as one process computes it.
///
/// One step's collectives, in a fixed order: an allgather of the number of rows each rank's
/// embedding tables touched; an allgatherv of those row ids; one allreduce over a single flat
/// buffer (every dense gradient in parameter order, the embedding tables reduced dense, and the
/// count, loss, tokens and stop request); an allgatherv of the touched rows of the tables reduced
/// sparse. A table goes sparse when its gathered rows are fewer bytes than a dense reduction.
///
/// Determinism: every rank ends with the same bits, and a fixed N repeats them run after run.
/// The sparse rows are summed by each rank itself in rank order; the flat allreduce is Open MPI's,
/// whose algorithm is a function of N and the buffer's size only (``pinnedAlgorithmEnvironment``
/// pins it to the ring as well), and each of its algorithms hands every rank the same result.
/// Against one process the sums run in another order (per-rank partial sums, weighted means), so
/// weights agree to float rounding, not bit for bit.
public final class DataParallelTraining: TrainingDistribution {
    /// The job's communicator.
    public let communicator: Communicator
    /// What the reductions sent so far.
    public private(set) var traffic = GradientTraffic()

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// Training over `communicator`'s ranks.
    public init(communicator: Communicator) {
        self.communicator = communicator
    }

    /// Open MPI settings (read by MPI_Init) that pin the allreduce to the ring algorithm, whatever
    /// the message size, and make a rank waiting in a collective yield its core (rank 0 trains
    /// the vocabulary and builds the datasets while the others wait; ranks may share cores): set
    /// before the communicator starts unless the user chose otherwise.
    public static let pinnedAlgorithmEnvironment = [
        "OMPI_MCA_coll_tuned_use_dynamic_rules": "1",
        "OMPI_MCA_coll_tuned_allreduce_algorithm": "4",
        "OMPI_MCA_mpi_yield_when_idle": "1",
    ]

    /// Rows of a batch of `rows` that rank `rank` of `ranks` takes.
    public static func rowRange(rank: Int, ranks: Int, rows: Int) -> Range<Int> {
        (rank * rows / ranks)..<((rank + 1) * rows / ranks)
    }

    public func share(of batch: Batch) -> Batch {
        batch.rows(Self.rowRange(rank: rank, ranks: size, rows: batch.size))
    }

    public func generator(forStep step: Int, base: SeededGenerator) -> SeededGenerator {
        // A stream per (run, step, rank): the base state fixes the run, and resuming at a step
        // draws that step's masks again.
        let s = base.state
        var seed = s.0 ^ (s.1 &* 0x9E37_79B9_7F4A_7C15) ^ (s.2 &* 0xBF58_476D_1CE4_E5B9) ^ (s.3 &* 0x94D0_49BB_1331_11EB)
        seed ^= UInt64(truncatingIfNeeded: step) &* 0xD1B5_4A32_D192_ED03
        seed ^= UInt64(truncatingIfNeeded: rank &+ 1) &* 0xCA5A_8263_9512_1157
        return SeededGenerator(seed: seed)
    }

    public func reduce(_ step: TrainingStep, parameters: [Parameter], sparseTables: [Parameter], stop: Bool) throws
        -> (step: TrainingStep, stop: Bool) {
        let ranks = size
        // Dense embedding updates (no row-wise tables): the rows a step reports do not matter.
        var step = step
        if sparseTables.isEmpty { step.touchedRows = [] }
        guard step.touchedRows.count == sparseTables.count else {
            throw DistributedError.mismatch("the step reports rows of \(step.touchedRows.count) tables, the trainer has \(sparseTables.count)")
        }
        let weight = Float(step.count)
        // 1. Rows touched per table and rank.
        let rowCounts = try communicator.gather(step.touchedRows.map { Int32($0.count) })
        func rowsOf(rank r: Int, table t: Int) -> Int { Int(rowCounts[r * sparseTables.count + t]) }
        // 2. The row ids, every table's in turn, rank after rank.
        let ids = try communicator.gather(step.touchedRows.flatMap { $0.map { Int32($0) } },
                                          counts: (0..<ranks).map { r in (0..<sparseTables.count).reduce(0) { $0 + rowsOf(rank: r, table: $1) } })
        // Each rank decides the same from the same counts.
        var sparse: [Bool] = [], denseTableBytes = 0, idBytes = ids.count * 4
        for (t, table) in sparseTables.enumerated() {
            let width = table.gradient.shape.count == 2 ? table.gradient.shape[1] : 1
            let gathered = (0..<ranks).reduce(0) { $0 + rowsOf(rank: $1, table: t) } * width * 4
            let dense = table.gradient.count * 4
            sparse.append(GradientTraffic.allgather(gathered, ranks: ranks) < GradientTraffic.allreduce(dense, ranks: ranks))
            denseTableBytes += dense
        }
        // 3. One flat buffer: dense gradients, dense-reduced tables, then count, loss, tokens, stop.
        let tableIDs = Set(sparseTables.map(ObjectIdentifier.init))
        let dense = parameters.filter { !tableIDs.contains(ObjectIdentifier($0)) }
            + zip(sparseTables, sparse).filter { !$0.1 }.map(\.0)
        var flat = [Float]()
        flat.reserveCapacity(dense.reduce(4) { $0 + $1.gradient.count })
        for p in dense { for g in p.gradient.storage { flat.append(g * weight) } }
        flat.append(weight)
        flat.append(Float(step.loss) * weight)
        flat.append(Float(step.tokens))
        flat.append(stop ? 1 : 0)
        try communicator.sum(&flat)
        let globalCount = flat[flat.count - 4]
        let scale: Float = globalCount > 0 ? 1 / globalCount : 0
        var offset = 0
        for p in dense {
            let n = p.gradient.count
            p.gradient.storage.withUnsafeMutableBufferPointer { out in
                flat.withUnsafeBufferPointer { sum in for i in 0..<n { out[i] = sum[offset + i] * scale } }
            }
            offset += n
        }
        // 4. The sparse tables' rows, summed here in rank order into the union of the rows.
        var sent = [Float](), counts = [Int](repeating: 0, count: ranks)
        for (t, table) in sparseTables.enumerated() where sparse[t] {
            let width = table.gradient.count / max(1, table.gradient.shape[0])
            for row in step.touchedRows[t] {
                for j in 0..<width { sent.append(table.gradient.storage[row * width + j] * weight) }
            }
            for r in 0..<ranks { counts[r] += rowsOf(rank: r, table: t) * width }
        }
        let rows = try communicator.gather(sent, counts: counts)
        var union: [[Int]] = []
        var idStarts = [Int](repeating: 0, count: ranks), rowStarts = [Int](repeating: 0, count: ranks)
        for r in 1..<max(1, ranks) {
            idStarts[r] = idStarts[r - 1] + (0..<sparseTables.count).reduce(0) { $0 + rowsOf(rank: r - 1, table: $1) }
            rowStarts[r] = rowStarts[r - 1] + counts[r - 1]
        }
        var idCursor = idStarts, rowCursors = rowStarts
        for (t, table) in sparseTables.enumerated() {
            let width = table.gradient.count / max(1, table.gradient.shape[0])
            var all = Set<Int>()
            for r in 0..<ranks {
                for k in 0..<rowsOf(rank: r, table: t) { all.insert(Int(ids[idCursor[r] + k])) }
            }
            let sorted = all.sorted()
            union.append(sorted)
            if sparse[t] {
                table.gradient.storage.withUnsafeMutableBufferPointer { g in
                    for row in step.touchedRows[t] { for j in 0..<width { g[row * width + j] = 0 } }
                    for r in 0..<ranks {
                        for k in 0..<rowsOf(rank: r, table: t) {
                            let row = Int(ids[idCursor[r] + k]), base = rowCursors[r] + k * width
                            for j in 0..<width { g[row * width + j] += rows[base + j] }
                        }
                    }
                    for row in sorted { for j in 0..<width { g[row * width + j] *= scale } }
                }
                for r in 0..<ranks { rowCursors[r] += rowsOf(rank: r, table: t) * width }
            }
            for r in 0..<ranks { idCursor[r] += rowsOf(rank: r, table: t) }
        }
        traffic.steps += 1
        // The flat buffer without the tables it carried: what goes dense whatever the tables do.
        let denseOthers = flat.count * 4 - dense.filter { p in sparseTables.contains { $0 === p } }.reduce(0) { $0 + $1.gradient.count * 4 }
        traffic.bytesSent += GradientTraffic.allreduce(flat.count * 4, ranks: ranks)
            + GradientTraffic.allgather(rows.count * 4 + idBytes, ranks: ranks) + Double(rowCounts.count * 4)
        traffic.denseBytesSent += GradientTraffic.allreduce(denseOthers + denseTableBytes, ranks: ranks)
            + GradientTraffic.allgather(idBytes, ranks: ranks) + Double(rowCounts.count * 4)
        traffic.gatheredValues += rows.count
        traffic.reducedValues += flat.count
        var global = step
        global.count = Int(globalCount)
        global.loss = globalCount > 0 ? Double(flat[flat.count - 3] / globalCount) : 0
        global.tokens = Int(flat[flat.count - 2])
        global.touchedRows = union
        traffic.tokens += global.tokens
        return (global, flat[flat.count - 1] > 0)
    }

    public func agree(_ flag: Bool) throws -> Bool {
        try communicator.broadcast([flag ? 1 : 0]).first == 1
    }

    public func gatherCarried(_ tensors: [String: Tensor]) throws -> [String: Tensor] {
        let names = tensors.keys.sorted()
        // Names and shapes must agree (rank 0's list decides, the others check).
        let nameList = try communicator.broadcast(Array(names.joined(separator: "\n").utf8))
        guard String(decoding: nameList, as: UTF8.self) == names.joined(separator: "\n") else {
            throw DistributedError.mismatch("carried state \(names) on rank \(rank) differs from rank 0's")
        }
        var gathered: [String: Tensor] = [:]
        for name in names {
            let t = tensors[name]!
            guard t.shape.count == 3 else { throw DistributedError.mismatch("carried '\(name)' has shape \(t.shape), not [layers, rows, width]") }
            let rowsPerRank = try communicator.gather([Int32(t.shape[1])]).map(Int.init)
            let (layers, width) = (t.shape[0], t.shape[2])
            let parts = try communicator.gather(t.storage, counts: rowsPerRank.map { $0 * layers * width })
            let total = rowsPerRank.reduce(0, +)
            var full = Tensor(shape: [layers, total, width])
            var start = 0, firstRow = 0
            for b in rowsPerRank {
                for l in 0..<layers {
                    for i in 0..<b {
                        let from = start + (l * b + i) * width, to = (l * total + firstRow + i) * width
                        for j in 0..<width { full.storage[to + j] = parts[from + j] }
                    }
                }
                start += b * layers * width
                firstRow += b
            }
            gathered[name] = full
        }
        return gathered
    }

    public func shareOfCarried(_ tensors: [String: Tensor]) -> [String: Tensor] {
        tensors.mapValues { t in
            guard t.shape.count == 3 else { return t }
            let (layers, total, width) = (t.shape[0], t.shape[1], t.shape[2])
            let range = Self.rowRange(rank: rank, ranks: size, rows: total)
            var part = Tensor(shape: [layers, range.count, width])
            for l in 0..<layers {
                for (i, row) in range.enumerated() {
                    for j in 0..<width { part.storage[(l * range.count + i) * width + j] = t.storage[(l * total + row) * width + j] }
                }
            }
            return part
        }
    }
}
