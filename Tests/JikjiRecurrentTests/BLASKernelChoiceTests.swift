import JikjiRecurrent
import JikjiTestSupport
import XCTest

/// Which OpenBLAS kernel Jikji asks for, for CPUs described by hand and for this machine.
final class BLASKernelChoiceTests: XCTestCase {
    typealias Ext = CPUFeatures.Extensions
    let sapphireRapids = CPUFeatures(vendor: .intel, extensions: [.sse3, .avx, .fma, .avx2, .avx512f, .avx512cd, .avx512bw,
                                                                    .avx512dq, .avx512vl, .avx512bf16, .avx512fp16, .amxTile, .amxBF16])
    let skylakeServer = CPUFeatures(vendor: .intel, extensions: [.sse3, .avx, .fma, .avx2, .avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl])
    let intelAVX2 = CPUFeatures(vendor: .intel, extensions: [.sse3, .avx, .fma, .avx2])
    let zen3 = CPUFeatures(vendor: .amd, extensions: [.sse3, .avx, .fma, .avx2])
    let sandyBridge = CPUFeatures(vendor: .intel, extensions: [.sse3, .avx])
    let oldCore = CPUFeatures(vendor: .intel, extensions: [.sse3])
    /// AVX-512 Foundation alone (the processor has it but not the subsets the SkylakeX kernels use).
    let foundationOnly = CPUFeatures(vendor: .intel, extensions: [.sse3, .avx, .fma, .avx2, .avx512f])

    func testWithNoVariablesTheWidestVectorKernelTheCPUExecutesIsChosen() {
        let cases: [(CPUFeatures, String?)] = [
            (sapphireRapids, "SkylakeX"), (skylakeServer, "SkylakeX"), (intelAVX2, "Haswell"), (zen3, "Zen"),
            (sandyBridge, "Sandybridge"), (oldCore, nil), (foundationOnly, "Haswell"),
        ]
        for (cpu, expected) in cases {
            let choice = BLASKernelChoice.choose(environment: ["PATH": "/usr/bin"], cpu: cpu)
            XCTAssertEqual(choice.requestedKernel, expected, "\(cpu.extensions.names)")
            XCTAssertEqual(choice.source, expected == nil ? .noKernelForCPU : .cpu)
            XCTAssertNil(choice.refusal)
        }
        let reason = BLASKernelChoice.choose(environment: [:], cpu: sapphireRapids).reason
        XCTAssertEqual(reason, "chosen for this CPU (AVX-512, AVX512-BF16, AMX-BF16); JIKJI_BLAS_KERNEL overrides")
        XCTAssertEqual(BLASKernelChoice.choose(environment: [:], cpu: oldCore).reason,
                       "from OpenBLAS's own detection: no AVX on this CPU (SSE3)")
    }

    func testTheEnvironmentsOpenBLASVariableIsHonouredAndTheLogSaysWhatJikjiWouldChoose() {
        let choice = BLASKernelChoice.choose(environment: ["OPENBLAS_CORETYPE": "Haswell"], cpu: sapphireRapids)
        XCTAssertEqual(choice.requestedKernel, "Haswell")
        XCTAssertEqual(choice.source, .openBLASVariable)
        XCTAssertEqual(choice.reason, "set by OPENBLAS_CORETYPE in the environment; Jikji would choose SkylakeX for this CPU (AVX-512, AVX512-BF16, AMX-BF16)")
        // The same kernel as Jikji's, compared as OpenBLAS compares names (ignoring case): nothing to add.
        let same = BLASKernelChoice.choose(environment: ["OPENBLAS_CORETYPE": "skylakex"], cpu: skylakeServer)
        XCTAssertEqual(same.reason, "set by OPENBLAS_CORETYPE in the environment")
    }

    func testJikjisVariableWinsOverOpenBLASs() {
        let pinned = ["OPENBLAS_CORETYPE": "Haswell"]
        let named = BLASKernelChoice.choose(environment: pinned.merging(["JIKJI_BLAS_KERNEL": "Prescott"]) { $1 }, cpu: sapphireRapids)
        XCTAssertEqual(named.requestedKernel, "Prescott")
        XCTAssertEqual(named.source, .jikjiVariable)
        XCTAssertTrue(named.reason.hasPrefix("set by JIKJI_BLAS_KERNEL; Jikji would choose SkylakeX"), named.reason)

        let automatic = BLASKernelChoice.choose(environment: pinned.merging(["JIKJI_BLAS_KERNEL": "AUTO"]) { $1 }, cpu: sapphireRapids)
        XCTAssertEqual(automatic.requestedKernel, "SkylakeX")
        XCTAssertEqual(automatic.source, .cpu)

        let library = BLASKernelChoice.choose(environment: pinned.merging(["JIKJI_BLAS_KERNEL": "openblas"]) { $1 }, cpu: sapphireRapids)
        XCTAssertNil(library.requestedKernel, "OPENBLAS_CORETYPE is removed while the library loads")
        XCTAssertEqual(library.source, .openBLASDetection)

        // Empty or blank values count as unset.
        let blank = BLASKernelChoice.choose(environment: ["JIKJI_BLAS_KERNEL": " ", "OPENBLAS_CORETYPE": ""], cpu: skylakeServer)
        XCTAssertEqual(blank.requestedKernel, "SkylakeX")
        XCTAssertEqual(blank.source, .cpu)
    }

    func testAKernelTheCPUCannotExecuteIsRefusedForJikjisChoice() {
        let choice = BLASKernelChoice.choose(environment: ["JIKJI_BLAS_KERNEL": "SkylakeX"], cpu: intelAVX2)
        XCTAssertEqual(choice.requestedKernel, "Haswell")
        XCTAssertEqual(choice.source, .cpu)
        XCTAssertEqual(choice.refusal, "JIKJI_BLAS_KERNEL=SkylakeX refused: this CPU lacks AVX512F, AVX512CD, AVX512BW, AVX512DQ, AVX512VL")
        XCTAssertTrue(choice.reason.hasPrefix("JIKJI_BLAS_KERNEL=SkylakeX refused"), choice.reason)

        let pinned = BLASKernelChoice.choose(environment: ["OPENBLAS_CORETYPE": "cooperlake"], cpu: skylakeServer)
        XCTAssertEqual(pinned.requestedKernel, "SkylakeX")
        XCTAssertEqual(pinned.refusal, "OPENBLAS_CORETYPE=cooperlake refused: this CPU lacks AVX512-BF16")

        // Names Jikji does not choose between are OpenBLAS's business (it knows more cores).
        let other = BLASKernelChoice.choose(environment: ["JIKJI_BLAS_KERNEL": "Nehalem"], cpu: intelAVX2)
        XCTAssertEqual(other.requestedKernel, "Nehalem")
        XCTAssertNil(other.refusal)
    }

    /// The CPU facts Jikji reads with cpuid agree with what Linux lists in /proc/cpuinfo.
    func testThisCPUsExtensionsAgreeWithProcCPUInfo() throws {
        let info = CPUInfo()
        #if os(Linux) && arch(x86_64)
        XCTAssertFalse(info.flags.isEmpty, "/proc/cpuinfo lists no flags")
        #endif
        let pairs: [(String, Ext)] = [
            ("avx", .avx), ("fma", .fma), ("avx2", .avx2), ("avx512f", .avx512f), ("avx512cd", .avx512cd), ("avx512bw", .avx512bw),
            ("avx512dq", .avx512dq), ("avx512vl", .avx512vl), ("avx512_bf16", .avx512bf16), ("amx_bf16", .amxBF16), ("amx_tile", .amxTile),
        ]
        guard !info.flags.isEmpty else { return XCTAssertEqual(CPUFeatures.current.extensions.intersection(.avx2FMA), []) }
        for (flag, extensionSet) in pairs {
            XCTAssertEqual(CPUFeatures.current.extensions.contains(extensionSet), info.flags.contains(flag), flag)
        }
    }

    /// This test process (as every process calling BLAS) runs on the kernel chosen for the CPU
    /// unless its environment names one: on an AVX-512 machine never on a kernel without AVX-512.
    func testThisProcessRunsOnTheKernelChosenForItsCPU() throws {
        let library = try BLAS.load()
        // In the test log: which kernel the whole suite ran on, and why.
        print("BLAS backend of this test process: \(BLAS.backendDescription)")
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String { (environment[name] ?? "").trimmingCharacters(in: .whitespaces) }
        let jikji = value(BLASKernelChoice.kernelVariable), openBLAS = value(BLASKernelChoice.openBLASVariable)
        let told = jikji.isEmpty ? !openBLAS.isEmpty : jikji.lowercased() != "auto"
        guard !told else {
            // Told which kernel: the log must say who decided (BLASKernelCLITests checks the untold
            // case strictly, in a process started without the variables).
            XCTAssertTrue(library.choice.source != .cpu || library.choice.refusal != nil, library.kernelDescription)
            return
        }
        let info = CPUInfo()
        if let expected = info.expectedOpenBLASKernel {
            XCTAssertEqual(library.kernel.lowercased(), expected.lowercased(), BLAS.backendDescription)
            XCTAssertEqual(library.choice.source, .cpu)
            XCTAssertTrue(BLAS.backendDescription.contains("\(library.kernel) kernel chosen for this CPU"), BLAS.backendDescription)
        } else {
            XCTAssertEqual(library.choice.source, .noKernelForCPU, BLAS.backendDescription)
        }
    }
}
