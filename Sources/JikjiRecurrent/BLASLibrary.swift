import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenBLAS, opened for this process once its kernel was chosen (``BLASKernelChoice``).
///
/// Why Jikji opens the library itself (dlopen) instead of linking it: OpenBLAS chooses its
/// kernel in its load-time constructor, from `OPENBLAS_CORETYPE` or its own CPU table, and a
/// linked library is loaded before `main`, before Jikji can set the variable. Re-executing the
/// process with the variable set would also work for the `jikji` command, but costs a second
/// process start per command (about as long again as the whole start), and test bundles and
/// benchmarks would each need it too; opening the library after the choice works in every
/// process that calls ``BLAS`` and keeps commands that multiply no matrices (clean, encode)
/// from starting OpenBLAS's thread pool at all. The other way in, swapping OpenBLAS's internal
/// kernel table after load (`gotoblas`), depends on unexported behaviour of one version.
public struct BLASLibrary: Sendable {
    /// How the kernel was chosen.
    public let choice: BLASKernelChoice
    /// The kernel OpenBLAS runs (`openblas_get_corename`), e.g. "SkylakeX".
    public let kernel: String
    /// OpenBLAS's version and build options (`openblas_get_config`), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH …".
    public let configuration: String

    /// OpenBLAS's version ("0.3.21"), when ``configuration`` names one.
    public var version: String? {
        let words = configuration.split(separator: " ")
        guard words.count > 1, words[0] == "OpenBLAS" else { return nil }
        return String(words[1])
    }

    /// Whether OpenBLAS runs the kernel that was asked for (false when it does not know the name
    /// and fell back to its own choice); true when nothing was asked for.
    public var runsRequestedKernel: Bool {
        guard let requested = choice.requestedKernel else { return true }
        return requested.lowercased() == kernel.lowercased()
    }

    /// The kernel and why, for the log: "SkylakeX kernel chosen for this CPU (AVX-512); …".
    public var kernelDescription: String {
        var text = "\(kernel) kernel "
        if !runsRequestedKernel, let requested = choice.requestedKernel {
            text += "instead of \(requested), a kernel this OpenBLAS does not know (\(choice.reason))"
        } else {
            text += choice.reason
        }
        return text
    }

    /// Applies `choice` to `OPENBLAS_CORETYPE`, opens the library, and puts the variable back as
    /// it was (OpenBLAS has read it by then; child processes make their own choice).
    /// Call it once, before other threads run (the environment is process-wide).
    static func open(choice: BLASKernelChoice) throws(BLASLoadError) -> BLASLibrary {
        let variable = BLASKernelChoice.openBLASVariable
        let saved = getenv(variable).map { String(cString: $0) }
        if choice.source != .openBLASVariable {
            if let requested = choice.requestedKernel { setenv(variable, requested, 1) } else { unsetenv(variable) }
        }
        var message = [CChar](repeating: 0, count: 512)
        let status = jikji_blas_open(&message, message.count)
        if let saved { setenv(variable, saved, 1) } else { unsetenv(variable) }
        guard status == 0 else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw BLASLoadError(triedNames: String(cString: jikji_blas_library_names()), reason: reason)
        }
        return BLASLibrary(
            choice: choice,
            kernel: jikji_blas_kernel_name().map { String(cString: $0) } ?? "unknown",
            configuration: jikji_blas_configuration().map { String(cString: $0) } ?? "OpenBLAS")
    }
}
