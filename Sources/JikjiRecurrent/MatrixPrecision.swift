/// The number format of the inputs of Jikji's matrix products.
///
/// Products always accumulate in fp32 and write fp32 results; parameters, optimizer state,
/// gate math, softmax and losses stay fp32 whatever the choice.
public enum MatrixPrecision: String, Sendable, CaseIterable {
    /// fp32 inputs (OpenBLAS sgemm and Jikji's fp32 kernels): the default, matching PyTorch's
    /// fp32 results to float rounding.
    case fp32
    /// bf16 inputs (fp32 rounded to 8 significant bits, to nearest even) with fp32 accumulation,
    /// like PyTorch's `torch.autocast("cpu", dtype=torch.bfloat16)`: on AMX tiles where the CPU
    /// has them, otherwise fp32 (said by ``MatrixProducts/description``).
    case bf16
}
