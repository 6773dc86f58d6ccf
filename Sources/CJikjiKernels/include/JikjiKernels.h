#ifndef JIKJI_KERNELS_H
#define JIKJI_KERNELS_H

// Fused element-wise kernels of Jikji's recurrent layers.
//
// Each function processes `rows` batch rows of one time step. Matrices are row-major with
// an explicit row stride ("ld*", in floats) so callers can read and write slices of larger
// packed buffers without copies. Gate layouts follow PyTorch: LSTM i,f,g,o; GRU r,z,n.
// The functions are compiled for several instruction sets and chosen at run time
// (clang's target_clones), so one binary runs everywhere and uses AVX-512 where present.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// LSTM step, forward. `gates` [rows, 4H] holds W_ih x + W_hh h_prev (no bias) and is
/// replaced by the activated gates i,f,g,o. `bias` [4H] is b_ih + b_hh. `cState` and
/// `hState` [rows, H] hold c_prev and h_prev and receive c and h; `cPrevOut`, `cOut` and
/// `hPrevOut` [rows, H] receive copies of c_prev, c and h_prev for the backward pass;
/// `h` (stride ldh) receives h (the layer output). Without `cPrevOut`, `cOut` or `hPrevOut`
/// (NULL: inference, nothing kept for backward) `gates` is left as it was.
void jk_lstm_forward(int rows, int H, float *gates, const float *bias,
                     float *cState, float *cPrevOut, float *cOut,
                     float *hState, float *hPrevOut, float *h, int ldh);

/// LSTM step, backward. `gates` [rows, 4H] activated gates, `cPrev`, `cNew` [rows, H].
/// `dh` [rows, H] is the gradient reaching h from the next step; `dOut` (stride ldo, may be
/// NULL) is added to it. `dc` [rows, H] holds dL/dc from the next step and receives
/// dL/dc_prev. `dGates` [rows, 4H] receives dL/d(pre-activation gates).
void jk_lstm_backward(int rows, int H, const float *gates, const float *cPrev, const float *cNew,
                      const float *dh, const float *dOut, int ldo, float *dc, float *dGates);

/// GRU step, forward. `gates` [rows, 3H] holds W_ih x (no bias) and receives r,z,n.
/// `hh` [rows, 3H] holds W_hh h_prev (no bias). `biasIH`, `biasHH` [3H]. `hPrev` [rows, H]
/// (named hState) receives h in place. `hnOut` [rows, H] receives W_hn h_prev + b_hn;
/// `hPrevOut` [rows, H] a copy of h_prev; `h` (stride ldh) a copy of the new h. With
/// `hnOut` or `hPrevOut` NULL (inference) neither they nor `gates` are written.
void jk_gru_forward(int rows, int H, float *gates, const float *hh, const float *biasIH,
                    const float *biasHH, float *hState, float *hnOut, float *hPrevOut,
                    float *h, int ldh);

/// GRU step, backward. `dh` [rows, H] (plus `dOut`, stride ldo, may be NULL) is the gradient
/// reaching h. Writes `dGatesIH` [rows, 3H] (gradient of W_ih x + b_ih), `dGatesHH` [rows, 3H]
/// (gradient of W_hh h_prev + b_hh) and `dhPrev` [rows, H] = the direct part z * dh
/// (the caller adds dGatesHH x W_hh). `dhPrev` may alias `dh`.
void jk_gru_backward(int rows, int H, const float *gates, const float *hn, const float *hPrev,
                     const float *dh, const float *dOut, int ldo,
                     float *dGatesIH, float *dGatesHH, float *dhPrev);

/// Plain RNN step, forward: `pre` [rows, H] holds W_ih x + W_hh h_prev (no bias) and receives
/// h = act(pre + bias); `relu` selects ReLU instead of tanh. `hState` [rows, H] holds h_prev
/// (copied to `hPrevOut` unless NULL) and receives h; `h` (stride ldh) receives h too.
void jk_rnn_forward(int rows, int H, int relu, float *pre, const float *bias,
                    float *hState, float *hPrevOut, float *h, int ldh);

/// Plain RNN step, backward: `dPre` [rows, H] = (dh + dOut) * act'(h) where `act` is the
/// stored activation [rows, H].
void jk_rnn_backward(int rows, int H, int relu, const float *act, const float *dh,
                     const float *dOut, int ldo, float *dPre);

/// Softmax cross-entropy of `rows` rows of logits `z` [rows, V] (row stride `ldz`), in place.
/// Returns the sum over rows whose target is not `ignore` of log Σ_j exp(z_j) − z_target.
/// With `gradient` nonzero each such row becomes `scale · softmax(z)` minus `scale` at the target
/// (d loss / d logits of a mean over counted rows when `scale` = 1 / count) and ignored rows
/// become zeros; otherwise `z` is left unchanged. Targets must lie in 0..<V (or equal `ignore`).
double jk_softmax_cross_entropy(int rows, int V, float *z, int ldz, const int32_t *targets,
                                int32_t ignore, float scale, int gradient);

/// `sum[j] += sum over rows of m[r, j]` for a [rows, cols] matrix with row stride ld.
void jk_column_sums(int rows, int cols, const float *m, int ld, float *sum);

/// `y[i] = x[i] * mask[i]` (dropout with a precomputed scaled mask).
void jk_multiply(size_t count, const float *x, const float *mask, float *y);

/// 1 when this CPU runs the AVX-512 packed products below, 0 otherwise (use BLAS then).
int jk_packed_gemm_available(void);

/// Floats needed by `jk_pack_b` for a `[K, N]` right-hand side (N rounded up to 64).
size_t jk_packed_size(int K, int N);

/// Packs a `[K, N]` right-hand side whose element (k, n) is `src[k * strideK + n * strideN]`
/// into column panels of 64 (`[ceil(N/64)][K][64]`, zero-padded), the layout `jk_gemm_packed`
/// streams. Recurrent layers pack W_hh once per pass and reuse it at every time step, where
/// a BLAS call would repack it each time.
void jk_pack_b(int K, int N, const float *src, int strideK, int strideN, float *packed);

/// `C[m, N] = A[m, K] · B` (or `+=` when `accumulate`), B packed by `jk_pack_b`; row-major
/// A and C with row strides lda and ldc. Requires `jk_packed_gemm_available()`.
void jk_gemm_packed(int m, int N, int K, const float *A, int lda, const float *packedB,
                    float *C, int ldc, int accumulate);

/// 1 when this CPU runs `jk_lstm_step` (x86-64 with AVX-512F), 0 otherwise.
int jk_lstm_step_available(void);

/// Floats needed by `jk_lstm_pack` for input size E and hidden size H
/// (`ceil(H/16)` panels of `[E+H][64]`).
size_t jk_lstm_packed_size(int E, int H);

/// Packs `weightIH` `[4H, E]` and `weightHH` `[4H, H]` (PyTorch layouts, gates i,f,g,o) into
/// panels of 16 hidden units, `[ceil(H/16)][E+H][64]`: row k of panel p holds, for gates i, f,
/// g, o in turn, the weights of units 16p..16p+15 for input feature k (k < E) or hidden
/// feature k-E. Units past H are zero. `packed` should be 64-byte aligned.
void jk_lstm_pack(int E, int H, const float *weightIH, const float *weightHH, float *packed);

/// Packs panels `[panelBegin, panelEnd)` only (see `jk_lstm_pack`): threads that split a
/// layer's hidden units pack their own panels.
void jk_lstm_pack_panels(int E, int H, const float *weightIH, const float *weightHH, float *packed,
                         int panelBegin, int panelEnd);

/// A barrier for threads that run the steps of one time loop side by side (each on its own
/// hidden units): zero-initialise it, then every thread calls `jk_spin_barrier_wait` after
/// each step. Waiting spins first (a step takes tens of microseconds, less than a sleep and
/// wake-up), then sleeps (Linux futex) so that a partner thread that lost its core to another
/// process can have this one's: spinning on would hold every step to a scheduler time slice.
typedef struct {
    int arrived;
    int phase;
    /// Threads asleep in the current phase (the last arriver wakes them when non-zero).
    int sleepers;
} jk_spin_barrier;

/// Returns once `threads` threads have called it for the current phase.
void jk_spin_barrier_wait(jk_spin_barrier *barrier, int threads);

/// Arguments of `jk_lstm_step` (a struct: there are many, and most stay fixed over a pass).
typedef struct {
    /// Running rows this step, input size E, hidden size H.
    int rows, E, H;
    /// The hidden units computed by this call: panels `[panelBegin, panelEnd)` of 16 units.
    int panelBegin, panelEnd;
    /// `[ceil(H/16)][E+H][64]` from `jk_lstm_pack`, 64-byte aligned.
    const float *packed;
    /// `[4H]`: b_ih + b_hh.
    const float *bias;
    /// `[rows, E]` (row stride ldx): this step's inputs.
    const float *x; int ldx;
    /// `[rows, H]` (row stride ldh): h_{t-1}. Must not alias hNext (other panels still read it).
    const float *hPrev; int ldh;
    /// `[rows, H]` (row stride ldc): c_{t-1}, replaced by c_t (each unit by its own call).
    float *cState; int ldc;
    /// `[rows, H]` (row stride ldhNext): receives h_t.
    float *hNext; int ldhNext;
    /// `[rows, H]` (row stride ldo) or NULL: receives h_t too (the layer output).
    float *output; int ldo;
    /// NULL for inference. Otherwise, for backward: `[rows, 4H]` activated gates i,f,g,o, and
    /// `[rows, H]` each: c_{t-1}, c_t and h_{t-1} (cPrevOut, cNewOut, hPrevOut must be set too).
    float *gatesOut;
    float *cPrevOut, *cNewOut, *hPrevOut;
} jk_lstm_step_args;

/// One LSTM time step fused with its products: for the given rows and units,
/// `gates = x W_ihᵀ + h_{t-1} W_hhᵀ + bias`, `c_t = f*c_{t-1} + i*g`, `h_t = o*tanh(c_t)`
/// (PyTorch's equations), without writing the pre-activation gates anywhere. Calls for
/// disjoint panel ranges may run on different threads at once. Requires `jk_lstm_step_available()`.
void jk_lstm_step(const jk_lstm_step_args *args);


/// `jk_bf16_kernel()` when this CPU multiplies bf16 on AMX tiles (AMX-BF16 with AVX512-BF16,
/// and Linux granted the process the tile data state).
#define JK_BF16_AMX 1

/// The bf16 product kernel this process can run: `JK_BF16_AMX`, or 0 (none: use fp32 BLAS).
/// The first call asks Linux for the AMX tile state (`arch_prctl(ARCH_REQ_XCOMP_PERM,
/// XFEATURE_XTILEDATA)`), which then holds for every thread of the process.
int jk_bf16_kernel(void);

/// bf16 elements needed by `jk_bf16_pack_b` for a `[K, N]` right-hand side (K and N rounded up to 32).
size_t jk_bf16_packed_b_size(int K, int N);

/// Packs `op(B)` `[K, N]` (element (k, n) is `B[k * ldb + n]`, or `B[n * ldb + k]` when
/// `transB`) as bf16 (rounded to nearest even) in the layout `jk_bf16_gemm_packed` reads:
/// column blocks of 16, each `[Kp/2][16][2]` (pairs of consecutive k side by side), zeros past
/// K and N. `packed` must be 64-byte aligned. Does nothing when `jk_bf16_kernel()` is 0.
void jk_bf16_pack_b(int K, int N, const float *B, int ldb, int transB, uint16_t *packed);

/// `C[M, N] = op(A)[M, K] · B` (or `+=` when `accumulate`), fp32 C, with A and B rounded to
/// bf16 and products accumulated in fp32; `op(A)(m, k)` is `A[m * lda + k]`, or `A[k * lda + m]`
/// when `transA`; B packed by `jk_bf16_pack_b`. Single-threaded. Returns 0, or -1 when this
/// CPU has no bf16 kernel (C untouched) and -2 when memory for the packed A ran out.
int jk_bf16_gemm_packed(int transA, int M, int N, int K, const float *A, int lda, const uint16_t *packedB,
                        float *C, int ldc, int accumulate);

/// `C[M, N] = op(A) · op(B)` (or `+=` when `accumulate`) in bf16 with fp32 accumulation: packs
/// B (see `jk_bf16_pack_b`) and calls `jk_bf16_gemm_packed`. Same return values.
int jk_bf16_gemm(int transA, int transB, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate);

/// A recurrent layer's weight and bias gradients from one gate-gradient matrix in one pass:
/// `C1[M, N1] += dGᵀ · B1`, `C2[M, N2] += dGᵀ · B2` (skipped when `B2` is NULL) and
/// `sums[m] += Σ_k dG[k, m]` (skipped when NULL), where `dG` is `[K, M]` at row stride `lda`
/// (K time-batch rows, M gate units) and `B1`, `B2` are row-major `[K, N]` (the layer input and
/// h_prev). dG is rounded to bf16 and packed once for both products (two `jk_bf16_gemm` calls pack
/// it twice); the sums are fp32 over the unrounded values in `jk_column_sums`'s order, and each
/// product is the one `jk_bf16_gemm(1, 0, ...)` computes, to the bit. Single-threaded. Returns 0,
/// -1 when this CPU has no bf16 kernel and -2 when memory ran out (nothing written in both cases).
int jk_bf16_weight_gradients(int M, int K, const float *A, int lda, int N1, const float *B1, int ldb1, float *C1,
                             int ldc1, int N2, const float *B2, int ldb2, float *C2, int ldc2, float *sums);

#ifdef __cplusplus
}
#endif

#endif
