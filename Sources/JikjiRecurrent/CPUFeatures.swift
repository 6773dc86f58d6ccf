import CBLAS

/// The instruction-set extensions of this CPU that decide which OpenBLAS kernel can run and
/// which runs fastest: what the processor reports (cpuid) and the operating system enables
/// (the registers are saved on context switches). Off x86-64 every extension is absent.
public struct CPUFeatures: Sendable, Equatable {
    /// Who made the processor: OpenBLAS tunes some kernels per vendor (AMD's Zen).
    public enum Vendor: Sendable, Equatable {
        case intel, amd, other
    }

    /// The extensions that matter to the kernel choice.
    public struct Extensions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        /// Creates a set from its bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// SSE3, the x86-64 baseline OpenBLAS's generic Prescott kernel needs.
        public static let sse3 = Extensions(rawValue: 1 << 0)
        /// 256-bit AVX.
        public static let avx = Extensions(rawValue: 1 << 1)
        /// Fused multiply-add on 256-bit registers.
        public static let fma = Extensions(rawValue: 1 << 2)
        /// AVX2.
        public static let avx2 = Extensions(rawValue: 1 << 3)
        /// AVX-512 Foundation.
        public static let avx512f = Extensions(rawValue: 1 << 4)
        /// AVX-512 conflict detection.
        public static let avx512cd = Extensions(rawValue: 1 << 5)
        /// AVX-512 byte and word instructions.
        public static let avx512bw = Extensions(rawValue: 1 << 6)
        /// AVX-512 doubleword and quadword instructions.
        public static let avx512dq = Extensions(rawValue: 1 << 7)
        /// AVX-512 on 128- and 256-bit registers.
        public static let avx512vl = Extensions(rawValue: 1 << 8)
        /// AVX-512 bfloat16 dot products (`vdpbf16ps`).
        public static let avx512bf16 = Extensions(rawValue: 1 << 9)
        /// AVX-512 half-precision arithmetic.
        public static let avx512fp16 = Extensions(rawValue: 1 << 10)
        /// AMX tile registers (with operating-system support for their state).
        public static let amxTile = Extensions(rawValue: 1 << 11)
        /// AMX bfloat16 tile products.
        public static let amxBF16 = Extensions(rawValue: 1 << 12)

        /// The AVX-512 subsets of Skylake-SP, which OpenBLAS's SkylakeX kernels assume.
        public static let avx512Skylake: Extensions = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]
        /// AVX2 with FMA, which OpenBLAS's Haswell and Zen kernels assume.
        public static let avx2FMA: Extensions = [.avx, .avx2, .fma]

        /// The extensions' usual names, in a fixed order (for logs).
        public var names: [String] {
            let all: [(Extensions, String)] = [
                (.sse3, "SSE3"), (.avx, "AVX"), (.fma, "FMA"), (.avx2, "AVX2"), (.avx512f, "AVX512F"),
                (.avx512cd, "AVX512CD"), (.avx512bw, "AVX512BW"), (.avx512dq, "AVX512DQ"), (.avx512vl, "AVX512VL"),
                (.avx512bf16, "AVX512-BF16"), (.avx512fp16, "AVX512-FP16"), (.amxTile, "AMX-TILE"), (.amxBF16, "AMX-BF16"),
            ]
            return all.filter { contains($0.0) }.map(\.1)
        }
    }

    /// The processor's vendor.
    public var vendor: Vendor
    /// The extensions the processor has and the operating system enables.
    public var extensions: Extensions

    /// Creates a description of a CPU (for tests of the kernel choice).
    public init(vendor: Vendor, extensions: Extensions) {
        self.vendor = vendor
        self.extensions = extensions
    }

    /// This machine's CPU, read once.
    public static let current: CPUFeatures = {
        let raw = jikji_cpu_detect()
        var set: Extensions = []
        let flags: [(Int32, Extensions)] = [
            (raw.sse3, .sse3), (raw.avx, .avx), (raw.fma, .fma), (raw.avx2, .avx2), (raw.avx512f, .avx512f),
            (raw.avx512cd, .avx512cd), (raw.avx512bw, .avx512bw), (raw.avx512dq, .avx512dq), (raw.avx512vl, .avx512vl),
            (raw.avx512bf16, .avx512bf16), (raw.avx512fp16, .avx512fp16), (raw.amxTile, .amxTile), (raw.amxBF16, .amxBF16),
        ]
        for (flag, extensionSet) in flags where flag != 0 { set.insert(extensionSet) }
        let vendor: Vendor = raw.vendor == JIKJI_CPU_VENDOR_INTEL ? .intel : raw.vendor == JIKJI_CPU_VENDOR_AMD ? .amd : .other
        return CPUFeatures(vendor: vendor, extensions: set)
    }()

    /// The widest vector extension level, for logs: "AVX-512", "AVX2", "AVX", "SSE3" or "no x86 vector extensions".
    public var vectorLevel: String {
        if extensions.isSuperset(of: .avx512Skylake) { return "AVX-512" }
        if extensions.isSuperset(of: .avx2FMA) { return "AVX2" }
        if extensions.contains(.avx) { return "AVX" }
        if extensions.contains(.sse3) { return "SSE3" }
        return "no x86 vector extensions"
    }
}
