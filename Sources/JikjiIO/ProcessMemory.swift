// How the C allocator hands memory back, for commands whose peak memory is their figure of merit
// (`jikji vocab count`, `merge-counts`, `train`: a few large tables that grow by doubling).
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings.
public enum ProcessMemory {
    /// Serves every block of at least `threshold` bytes with its own mapping, returned to the
    /// system when freed.
    ///
    /// glibc raises its mapping threshold each time a mapped block is freed (up to 32 MiB), so
    /// the old buffer of a table that doubled goes to the heap instead, where it lingers in the
    /// resident size while later tables grow above it: 12 MiB of `train --from-counts`' peak on
    /// the review corpus. A fixed threshold keeps the resident size at the live tables. Not for
    /// loops that allocate and free large buffers at every step (each new mapping is zeroed by the
    /// kernel): the vocabulary commands allocate their tables a few dozen times in all.
    /// No effect outside glibc.
    public static func returnLargeBlocksToSystem(threshold: Int = 256 << 10) {
        #if canImport(Glibc)
        // <malloc.h> is not part of the Glibc module: look `mallopt` up (nil handle: the
        // default search order, RTLD_DEFAULT); M_MMAP_THRESHOLD is -3 there.
        guard let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, Int32(clamping: threshold))
        #endif
    }
}
