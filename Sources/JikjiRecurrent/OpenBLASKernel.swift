/// The OpenBLAS kernels ("cores", the names `OPENBLAS_CORETYPE` takes) Jikji chooses between,
/// each with the extensions it executes.
///
/// Only the cores whose single-precision products differ matter to Jikji, which calls sgemm
/// and sgemv: Prescott (SSE3, OpenBLAS's fallback), Sandybridge (AVX), Haswell and Zen (AVX2
/// and FMA), SkylakeX (AVX-512), and Cooperlake (SkylakeX's kernels plus AVX512-BF16 bfloat16
/// products). OpenBLAS 0.3.21, Debian 12's, knows all of these names; its Sapphire Rapids
/// core (AMX, from 0.3.22) runs the same sgemm as SkylakeX.
public enum OpenBLASKernel: String, CaseIterable, Sendable {
    case cooperlake = "Cooperlake"
    case skylakeX = "SkylakeX"
    case zen = "Zen"
    case haswell = "Haswell"
    case sandybridge = "Sandybridge"

    /// The extensions the kernel's code executes: loading it on a CPU without them faults.
    public var requiredExtensions: CPUFeatures.Extensions {
        switch self {
        case .cooperlake: CPUFeatures.Extensions.avx512Skylake.union(.avx512bf16)
        case .skylakeX: .avx512Skylake
        case .zen, .haswell: .avx2FMA
        case .sandybridge: .avx
        }
    }

    /// Whether `cpu` can run the kernel.
    public func runs(on cpu: CPUFeatures) -> Bool {
        cpu.extensions.isSuperset(of: requiredExtensions)
    }

    /// The kernel Jikji runs on `cpu`: the widest-vector one the CPU executes, Zen rather than
    /// Haswell on AMD's AVX2 processors (OpenBLAS tunes its blocking for them); nil when the CPU
    /// has no AVX (OpenBLAS's own choice is then as good as any).
    ///
    /// SkylakeX rather than Cooperlake on CPUs with AVX512-BF16: measured on such a Xeon
    /// (BENCHMARKS.md, issue 14) their sgemm runs at the same speed (the same AVX-512 kernel),
    /// Jikji calls no bfloat16 product of OpenBLAS, and SkylakeX is the kernel every figure and
    /// fixture of the project was produced on.
    public static func best(for cpu: CPUFeatures) -> OpenBLASKernel? {
        let preference: [OpenBLASKernel] = cpu.vendor == .amd ? [.skylakeX, .zen, .sandybridge] : [.skylakeX, .haswell, .sandybridge]
        return preference.first { $0.runs(on: cpu) }
    }

    /// The kernel named `name`, compared as OpenBLAS compares `OPENBLAS_CORETYPE` (ignoring case).
    public init?(named name: String) {
        guard let kernel = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = kernel
    }
}
