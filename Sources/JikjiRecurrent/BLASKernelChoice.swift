import Foundation

/// Which OpenBLAS kernel this process asks for, decided from the environment and the CPU before
/// the library loads (OpenBLAS reads `OPENBLAS_CORETYPE` once, while it loads).
///
/// In order:
/// - `JIKJI_BLAS_KERNEL=<core>` (any name OpenBLAS knows, e.g. `Haswell`): that kernel;
///   `JIKJI_BLAS_KERNEL=openblas`: OpenBLAS's own CPU detection; `JIKJI_BLAS_KERNEL=auto`:
///   Jikji's choice even where the environment sets `OPENBLAS_CORETYPE`.
/// - `OPENBLAS_CORETYPE=<core>`: honoured as OpenBLAS honours it (the log says when Jikji
///   would choose otherwise).
/// - Otherwise Jikji's choice for the CPU, ``OpenBLASKernel/best(for:)``: Debian's OpenBLAS
///   0.3.21 does not recognise recent Xeons and would run its SSE3 kernel there.
///
/// A named kernel the CPU cannot execute (SkylakeX without AVX-512) is refused with a note in
/// the log and Jikji's choice runs instead: loading it would end the process on an illegal
/// instruction at the first product.
public struct BLASKernelChoice: Sendable, Equatable {
    /// Who decided the kernel.
    public enum Source: Sendable, Equatable {
        /// Jikji, from the CPU's extensions.
        case cpu
        /// The user, with `JIKJI_BLAS_KERNEL=<core>`.
        case jikjiVariable
        /// The environment's `OPENBLAS_CORETYPE` (no `JIKJI_BLAS_KERNEL`).
        case openBLASVariable
        /// OpenBLAS's own detection, asked for with `JIKJI_BLAS_KERNEL=openblas`.
        case openBLASDetection
        /// OpenBLAS's own detection because no kernel of ``OpenBLASKernel`` runs on this CPU.
        case noKernelForCPU
    }

    /// The variable a user sets to choose the kernel: a core name, `auto` or `openblas`.
    public static let kernelVariable = "JIKJI_BLAS_KERNEL"
    /// OpenBLAS's own variable, read when the library loads.
    public static let openBLASVariable = "OPENBLAS_CORETYPE"
    /// The ``kernelVariable`` value asking for Jikji's choice whatever `OPENBLAS_CORETYPE` says.
    public static let automaticValue = "auto"
    /// The ``kernelVariable`` value asking for OpenBLAS's own detection.
    public static let openBLASValue = "openblas"

    /// The value `OPENBLAS_CORETYPE` has while the library loads; nil: unset, OpenBLAS detects.
    public var requestedKernel: String?
    /// Who decided ``requestedKernel``.
    public var source: Source
    /// The kernel Jikji chooses for this CPU (the log names it when someone else decided).
    public var cpuChoice: OpenBLASKernel?
    /// Why a named kernel was not used (the CPU cannot execute it), when one was refused.
    public var refusal: String?
    /// The CPU the choice is for.
    public var cpu: CPUFeatures

    /// Decides the kernel for `cpu` under `environment` (see the type's documentation).
    public static func choose(environment: [String: String], cpu: CPUFeatures) -> BLASKernelChoice {
        let best = OpenBLASKernel.best(for: cpu)
        var choice = BLASKernelChoice(
            requestedKernel: best?.rawValue, source: best == nil ? .noKernelForCPU : .cpu, cpuChoice: best, refusal: nil, cpu: cpu)
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let named: (kernel: String, source: Source, variable: String)?
        if let jikji = value(kernelVariable) {
            switch jikji.lowercased() {
            case automaticValue: return choice
            case openBLASValue:
                choice.requestedKernel = nil
                choice.source = .openBLASDetection
                return choice
            default: named = (jikji, .jikjiVariable, kernelVariable)
            }
        } else if let openBLAS = value(openBLASVariable) {
            named = (openBLAS, .openBLASVariable, openBLASVariable)
        } else {
            named = nil
        }
        guard let named else { return choice }
        if let known = OpenBLASKernel(named: named.kernel), !known.runs(on: cpu) {
            let missing = known.requiredExtensions.subtracting(cpu.extensions).names.joined(separator: ", ")
            choice.refusal = "\(named.variable)=\(named.kernel) refused: this CPU lacks \(missing)"
            return choice
        }
        choice.requestedKernel = named.kernel
        choice.source = named.source
        return choice
    }

    /// The CPU's extensions that decided Jikji's choice, for logs: "AVX-512, AVX512-BF16, AMX-BF16".
    public var cpuSummary: String {
        let extras = cpu.extensions.intersection([.avx512bf16, .amxBF16]).names
        return ([cpu.vectorLevel] + extras).joined(separator: ", ")
    }

    /// Why this kernel, for the log line after the kernel's name.
    public var reason: String {
        var text: String
        switch source {
        case .cpu: text = "chosen for this CPU (\(cpuSummary)); \(Self.kernelVariable) overrides"
        case .jikjiVariable: text = "set by \(Self.kernelVariable)"
        case .openBLASVariable: text = "set by \(Self.openBLASVariable) in the environment"
        case .openBLASDetection: text = "from OpenBLAS's own detection (\(Self.kernelVariable)=\(Self.openBLASValue))"
        case .noKernelForCPU: text = "from OpenBLAS's own detection: no AVX on this CPU (\(cpuSummary))"
        }
        if let cpuChoice, source != .cpu, requestedKernel?.lowercased() != cpuChoice.rawValue.lowercased() {
            text += "; Jikji would choose \(cpuChoice.rawValue) for this CPU (\(cpuSummary))"
        }
        if let refusal { text = refusal + "; " + text }
        return text
    }
}
