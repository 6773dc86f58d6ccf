#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
