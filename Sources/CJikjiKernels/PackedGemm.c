// Matrix products against a pre-packed right-hand side, for the recurrent step
// (`[B, H] x [H, G*H]` at every time step with the same weights). See JikjiKernels.h.
//
// The micro-kernel keeps an 8 x 48 block of C in 24 AVX-512 registers and walks K: eight
// broadcasts of the repacked A and three loads of the packed panel per 24 FMAs. Only built for x86-64 with
// clang/gcc; elsewhere `jk_packed_gemm_available` returns 0 and callers use BLAS.

#include "JikjiKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define JK_HAS_PACKED 1
#else
#define JK_HAS_PACKED 0
#endif

int jk_packed_gemm_available(void) {
#if JK_HAS_PACKED
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

// Columns per packed panel: three AVX-512 vectors.
#define JK_PANEL 48

// The store mask of a 16-wide vector holding `cols` valid columns (all when >= 16).
static inline unsigned short jk_mask(int cols) {
    return cols >= 16 ? 0xFFFF : cols <= 0 ? 0 : (unsigned short)((1u << cols) - 1);
}

size_t jk_packed_size(int K, int N) {
    return (size_t)((N + JK_PANEL - 1) / JK_PANEL) * (size_t)K * JK_PANEL;
}

void jk_pack_b(int K, int N, const float *src, int strideK, int strideN, float *packed) {
    int panels = (N + JK_PANEL - 1) / JK_PANEL;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (size_t)p * K * JK_PANEL;
        for (int k = 0; k < K; k++) {
            float *row = panel + (size_t)k * JK_PANEL;
            for (int c = 0; c < JK_PANEL; c++) {
                int n = p * JK_PANEL + c;
                row[c] = n < N ? src[(size_t)k * strideK + (size_t)n * strideN] : 0.0f;
            }
        }
    }
}

#if JK_HAS_PACKED

#define JK_AVX512 __attribute__((target("avx512f")))

// One block of 8 rows x 48 columns of C: A is packed as [K][8] (row r of the block at
// offset r), so the 8 broadcasts of a step read consecutive floats through one pointer. Only
// the first `rows` rows are stored (the packed A is zero beyond them).
JK_AVX512 static inline __attribute__((always_inline)) void jk_block(
    int rows, int K, const float *Ap, const float *panel, float *C, int ldc,
    __mmask16 mask0, __mmask16 mask1, __mmask16 mask2, int accumulate) {
    __m512 c0[8], c1[8], c2[8];
    for (int r = 0; r < 8; r++) {
        c0[r] = _mm512_setzero_ps();
        c1[r] = _mm512_setzero_ps();
        c2[r] = _mm512_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(panel + (size_t)k * JK_PANEL);
        __m512 b1 = _mm512_loadu_ps(panel + (size_t)k * JK_PANEL + 16);
        __m512 b2 = _mm512_loadu_ps(panel + (size_t)k * JK_PANEL + 32);
        const float *a = Ap + (size_t)k * 8;
        for (int r = 0; r < 8; r++) {
            __m512 av = _mm512_set1_ps(a[r]);
            c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
            c2[r] = _mm512_fmadd_ps(av, b2, c2[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *row = C + (size_t)r * ldc;
        if (accumulate) {
            c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(mask0, row));
            c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(mask1, row + 16));
            c2[r] = _mm512_add_ps(c2[r], _mm512_maskz_loadu_ps(mask2, row + 32));
        }
        _mm512_mask_storeu_ps(row, mask0, c0[r]);
        _mm512_mask_storeu_ps(row + 16, mask1, c1[r]);
        _mm512_mask_storeu_ps(row + 32, mask2, c2[r]);
    }
}

JK_AVX512 void jk_gemm_packed(int m, int N, int K, const float *A, int lda, const float *packedB,
                              float *C, int ldc, int accumulate, float *scratchA) {
    // Pack A into blocks of 8 rows, [block][K][8], zero rows past m.
    int blocks = (m + 7) / 8;
    for (int blk = 0; blk < blocks; blk++) {
        float *dst = scratchA + (size_t)blk * K * 8;
        for (int r = 0; r < 8; r++) {
            int row = blk * 8 + r;
            if (row < m) {
                const float *src = A + (size_t)row * lda;
                for (int k = 0; k < K; k++) dst[(size_t)k * 8 + r] = src[k];
            } else {
                for (int k = 0; k < K; k++) dst[(size_t)k * 8 + r] = 0.0f;
            }
        }
    }
    int panels = (N + JK_PANEL - 1) / JK_PANEL;
    // Panel-outer: one panel (K x 48) stays in cache while every row block uses it.
    for (int p = 0; p < panels; p++) {
        const float *panel = packedB + (size_t)p * K * JK_PANEL;
        int cols = N - p * JK_PANEL;
        __mmask16 mask0 = jk_mask(cols), mask1 = jk_mask(cols - 16), mask2 = jk_mask(cols - 32);
        float *Cp = C + p * JK_PANEL;
        for (int blk = 0; blk < blocks; blk++) {
            int rows = m - blk * 8 < 8 ? m - blk * 8 : 8;
            jk_block(rows, K, scratchA + (size_t)blk * K * 8, panel, Cp + (size_t)blk * 8 * ldc, ldc,
                     mask0, mask1, mask2, accumulate);
        }
    }
}

#else

void jk_gemm_packed(int m, int N, int K, const float *A, int lda, const float *packedB,
                    float *C, int ldc, int accumulate, float *scratchA) {
    (void)scratchA; (void)m; (void)N; (void)K; (void)A; (void)lda; (void)packedB; (void)C; (void)ldc; (void)accumulate;
}

#endif
