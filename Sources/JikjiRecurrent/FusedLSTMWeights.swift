import CJikjiKernels

/// An LSTM direction's weights packed for ``CJikjiKernels/jk_lstm_step``, which computes a
/// whole time step (input and recurrent products, gates, cell update) in registers.
///
/// `W_ih` `[4H, E]` and `W_hh` `[4H, H]` are packed once per pass into panels of 16 hidden
/// units `[ceil(H/16)][E+H][64]` (see `jk_lstm_pack`), 64-byte aligned so every weight load is
/// one cache line.
struct FusedLSTMWeights {
    let inputSize: Int, hiddenSize: Int
    /// Owns the packed panels (with room to align them).
    private let storage: FloatBuffer
    /// The aligned start of the panels inside `storage`.
    let packed: UnsafeMutablePointer<Float>
    /// `[4H]`: b_ih + b_hh.
    let bias: FloatBuffer

    /// Panels of 16 hidden units: the unit of work the kernel can split between threads.
    var panelCount: Int { (hiddenSize + 15) / 16 }

    /// Room for the panels (not yet packed: see ``pack(weightIH:weightHH:panels:)``) and the summed bias.
    init(biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>, inputSize: Int, hiddenSize: Int,
         pool: BufferPool) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let count = jk_lstm_packed_size(Int32(inputSize), Int32(hiddenSize))
        storage = FloatBuffer(count: count + 16, pool: pool)
        let address = UInt(bitPattern: storage.pointer)
        packed = storage.pointer + Int(((address + 63) & ~63) - address) / MemoryLayout<Float>.stride
        bias = FloatBuffer(count: 4 * hiddenSize, pool: pool)
        for j in 0..<(4 * hiddenSize) { bias.pointer[j] = biasIH[j] + biasHH[j] }
    }

    /// Packs the given panels of `W_ih` `[4H, E]` and `W_hh` `[4H, H]` (threads that split the
    /// hidden units pack only their own).
    func pack(weightIH: UnsafePointer<Float>, weightHH: UnsafePointer<Float>, panels: Range<Int>) {
        jk_lstm_pack_panels(Int32(inputSize), Int32(hiddenSize), weightIH, weightHH, packed,
                            Int32(panels.lowerBound), Int32(panels.upperBound))
    }

    /// Whether layers use the fused LSTM step (AVX-512 CPUs, unless ``RecurrentKernels/packedStepProducts``
    /// is off or the products run in bf16: the fused kernel's products are fp32).
    static var isEnabled: Bool {
        RecurrentKernels.packedStepProducts && RecurrentKernels.isFusedLSTMStepAvailable && !MatrixProducts.runsBF16
    }
}
