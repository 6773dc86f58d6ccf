import Synchronization

/// Recycles the large work buffers of a recurrent layer between calls.
///
/// Without it every forward/backward pass maps tens of megabytes fresh from the kernel
/// (glibc serves large blocks with mmap and trims them on free) and spends ~10% of its time
/// in page faults. Sizes are rounded up to classes of 1/8 of a power of two so that batches
/// of varying length still reuse buffers; at most ``limit`` floats are kept.
///
/// Buffers are taken and given back from any thread (tapes may be released on another one),
/// so the free lists live behind a mutex.
final class BufferPool: Sendable {
    /// The free lists by size class and the floats they hold.
    private let state = Mutex(FreeLists())
    /// The most floats kept for reuse (1 GiB).
    let limit = 1 << 28

    /// Free buffers by size class, and their total size in floats. The buffers are kept as
    /// addresses: plain integers, which the mutex may hold whichever thread gave them back.
    private struct FreeLists: ~Copyable {
        var free: [Int: [UInt]] = [:]
        var cached = 0
    }

    init() {}

    deinit {
        state.withLock { lists in
            for (_, addresses) in lists.free {
                for address in addresses { UnsafeMutablePointer<Float>(bitPattern: address)?.deallocate() }
            }
        }
    }

    /// The size class of `count`: the next multiple of 1/8 of its power of two.
    static func sizeClass(_ count: Int) -> Int {
        let n = max(count, 16)
        let high = Int.bitWidth - (n - 1).leadingZeroBitCount // 2^high >= n
        let step = 1 << max(high - 3, 0)
        return (n + step - 1) / step * step
    }

    /// A buffer of at least `count` floats, uninitialised: a recycled one of its size class when
    /// there is one.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let size = Self.sizeClass(count)
        let reused = state.withLock { lists -> UInt? in
            let reused = lists.free[size]?.popLast()
            if reused != nil { lists.cached -= size }
            return reused
        }
        return reused.flatMap { UnsafeMutablePointer(bitPattern: $0) } ?? .allocate(capacity: size)
    }

    /// Takes back a buffer from ``take(_:)`` (`count` as asked then), keeping it for reuse while
    /// the pool holds less than ``limit`` floats, else freeing it.
    func give(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
        let size = Self.sizeClass(count)
        let address = UInt(bitPattern: pointer)
        let keep = state.withLock { lists -> Bool in
            let keep = lists.cached + size <= limit
            if keep {
                lists.free[size, default: []].append(address)
                lists.cached += size
            }
            return keep
        }
        if !keep { pointer.deallocate() }
    }
}
