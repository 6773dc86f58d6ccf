#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Uninitialised Float storage owned by a recurrent layer's forward pass.
///
/// The recurrent kernels write whole buffers before reading them, so zero-filling an `Array`
/// first would be a wasted pass over memory; this class hands out a raw pointer instead. Its
/// memory comes from, and returns to, a ``BufferPool`` when one is given.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let pool: BufferPool?

    /// `count` floats, uninitialised unless `zeroed`.
    init(count: Int, zeroed: Bool = false, pool: BufferPool? = nil) {
        self.count = count
        self.pool = pool
        pointer = pool?.take(count) ?? .allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    deinit {
        if let pool { pool.give(pointer, count) } else { pointer.deallocate() }
    }

    /// Sets every element to zero.
    func zero() { pointer.update(repeating: 0, count: count) }
}

/// Recycles the large work buffers of a recurrent layer between calls.
///
/// Without it every forward/backward pass maps tens of megabytes fresh from the kernel
/// (glibc serves large blocks with mmap and trims them on free) and spends ~10% of its time
/// in page faults. Sizes are rounded up to classes of 1/8 of a power of two so that batches
/// of varying length still reuse buffers; at most ``limit`` floats are kept.
final class BufferPool: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cached = 0
    /// The most floats kept for reuse (1 GiB).
    let limit = 1 << 28

    init() { pthread_mutex_init(&mutex, nil) }

    deinit {
        for (_, pointers) in free { for p in pointers { p.deallocate() } }
        pthread_mutex_destroy(&mutex)
    }

    /// The size class of `count`: the next multiple of 1/8 of its power of two.
    static func sizeClass(_ count: Int) -> Int {
        let n = max(count, 16)
        let high = Int.bitWidth - (n - 1).leadingZeroBitCount // 2^high >= n
        let step = 1 << max(high - 3, 0)
        return (n + step - 1) / step * step
    }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let size = Self.sizeClass(count)
        pthread_mutex_lock(&mutex)
        let reused = free[size]?.popLast()
        if reused != nil { cached -= size }
        pthread_mutex_unlock(&mutex)
        return reused ?? .allocate(capacity: size)
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
        let size = Self.sizeClass(count)
        pthread_mutex_lock(&mutex)
        let keep = cached + size <= limit
        if keep {
            free[size, default: []].append(pointer)
            cached += size
        }
        pthread_mutex_unlock(&mutex)
        if !keep { pointer.deallocate() }
    }
}

/// How a batch of variable-length sequences is laid out inside a recurrent layer.
///
/// Like PyTorch's `PackedSequence`: sequences are sorted by decreasing length, and time step
/// `t` stores the rows of the `batchSizes[t]` sequences still running, one after another, at
/// rows `offsets[t] ..< offsets[t] + batchSizes[t]` of a `[N, features]` matrix (`N` = total
/// valid steps). The running sequences of every step are then a prefix of the sorted batch,
/// so each step's recurrent product is one gemm over contiguous rows.
struct PackedLayout: Sendable {
    /// Batch size B and padded length T of the batch-first tensors.
    let batch: Int
    let steps: Int
    /// `order[i]` is the original batch index of sorted position `i`.
    let order: [Int]
    /// Number of running sequences at each step (non-increasing).
    let batchSizes: [Int]
    /// First packed row of each step; `offsets[steps]` is the total row count N.
    let offsets: [Int]

    var rowCount: Int { offsets[steps] }

    init(batch: Int, steps: Int, lengths: [Int]) {
        self.batch = batch
        self.steps = steps
        // Stable sort: equal lengths keep their batch order, as PyTorch's sort does for ties
        // (either choice gives the same numbers; stability keeps it deterministic).
        order = (0..<batch).sorted { (lengths[$0], $1) > (lengths[$1], $0) }
        var sizes = [Int](repeating: 0, count: steps)
        for length in lengths {
            for t in 0..<length { sizes[t] += 1 }
        }
        batchSizes = sizes
        var running = [0]
        running.reserveCapacity(steps + 1)
        for size in sizes { running.append(running.last! + size) }
        offsets = running
    }

    /// Copies batch-first `[B, T, F]` rows into packed `[N, F]` (only valid steps).
    func pack(_ source: UnsafePointer<Float>, features: Int, into packed: UnsafeMutablePointer<Float>) {
        for t in 0..<steps {
            for i in 0..<batchSizes[t] {
                let b = order[i]
                (packed + (offsets[t] + i) * features)
                    .update(from: source + (b * steps + t) * features, count: features)
            }
        }
    }

    /// Copies packed `[N, F]` rows back to a batch-first `[B, T, F]` tensor whose padded steps are zero.
    func unpack(_ packed: UnsafePointer<Float>, features: Int) -> Tensor {
        var result = Tensor(shape: [batch, steps, features])
        result.storage.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            for t in 0..<steps {
                for i in 0..<batchSizes[t] {
                    let b = order[i]
                    (base + (b * steps + t) * features)
                        .update(from: packed + (offsets[t] + i) * features, count: features)
                }
            }
        }
        return result
    }

    /// Copies slice `index` of a `[S, B, H]` state tensor into a sorted `[B, H]` buffer.
    func sortState(_ source: UnsafePointer<Float>, index: Int, hidden: Int, into target: UnsafeMutablePointer<Float>) {
        for i in 0..<batch {
            (target + i * hidden).update(from: source + (index * batch + order[i]) * hidden, count: hidden)
        }
    }

    /// Copies a sorted `[B, H]` buffer into slice `index` of a `[S, B, H]` state tensor.
    func unsortState(_ sorted: UnsafePointer<Float>, index: Int, hidden: Int, into target: UnsafeMutablePointer<Float>) {
        for i in 0..<batch {
            (target + (index * batch + order[i]) * hidden).update(from: sorted + i * hidden, count: hidden)
        }
    }
}
