import Foundation

/// This machine's CPU as Linux describes it in `/proc/cpuinfo`: an oracle for tests of Jikji's
/// OpenBLAS kernel choice that shares no code with it (Jikji asks the processor with cpuid).
public struct CPUInfo {
    /// The `flags` words of the first processor (the kernel lists only what it enabled).
    public let flags: Set<String>
    /// The `vendor_id` value ("GenuineIntel", "AuthenticAMD"), empty when not listed.
    public let vendor: String

    /// Reads `/proc/cpuinfo`; empty flags where it does not exist (not Linux) or lists none (not x86).
    public init() {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name) && $0.contains(":") }
                .map { String($0[$0.index(after: $0.firstIndex(of: ":")!)...]).trimmingCharacters(in: .whitespaces) }
        }
        flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        vendor = field("vendor_id") ?? ""
    }

    /// Whether the CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels execute.
    public var hasAVX512: Bool { flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) }

    /// The OpenBLAS kernel Jikji must run here when nobody asked for one: SkylakeX with AVX-512,
    /// Zen (AMD) or Haswell with AVX2 and FMA, Sandybridge with AVX; nil (OpenBLAS's own
    /// detection) without AVX.
    public var expectedOpenBLASKernel: String? {
        if hasAVX512 { return "SkylakeX" }
        if flags.isSuperset(of: ["avx", "avx2", "fma"]) { return vendor == "AuthenticAMD" || vendor == "HygonGenuine" ? "Zen" : "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }
}
