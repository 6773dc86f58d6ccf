// Matrix products against a pre-packed right-hand side, for the recurrent step
// (`[B, H] x [H, G*H]` at every time step with the same weights). See JikjiKernels.h.
//
// The micro-kernel keeps a 6 x 64 block of C in 24 AVX-512 registers and walks K: six
// broadcasts straight from the rows of A and four loads of the packed panel per 24 FMAs. A is
// read in place (no repacking: its rows stay in L1 for the whole K walk). 64-column panels fit
// the layers' sizes (H, 3H, 4H for H a multiple of 64) without padding. Only built for x86-64
// with clang/gcc; elsewhere `jk_packed_gemm_available` returns 0 and callers use BLAS.

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

// Columns per packed panel: four AVX-512 vectors.
#define JK_PANEL 64
// Rows per register block: 6 x 4 vectors = 24 accumulators, + 4 panel vectors.
#define JK_BLOCK_ROWS 6

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

// The store mask of a 16-wide vector holding `cols` valid columns (all when >= 16).
static inline __mmask16 jk_mask(int cols) {
    return cols >= 16 ? 0xFFFF : cols <= 0 ? 0 : (__mmask16)((1u << cols) - 1);
}

// One block of R rows (R <= 6, a literal at each call) x 64 columns of C. Named accumulators:
// an array of vectors indexed in the loop ends up on the stack.
JK_AVX512 static inline __attribute__((always_inline)) void jk_block(
    const int R, int K, const float *A, int lda, const float *panel, float *C, int ldc,
    __mmask16 m0, __mmask16 m1, __mmask16 m2, __mmask16 m3, int accumulate) {
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
    __m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m512 a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    __m512 a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    __m512 a40 = a00, a41 = a00, a42 = a00, a43 = a00;
    __m512 a50 = a00, a51 = a00, a52 = a00, a53 = a00;
    const float *s0 = A, *s1 = s0 + lda, *s2 = s1 + lda, *s3 = s2 + lda, *s4 = s3 + lda, *s5 = s4 + lda;
    const float *w = panel;
#define JK_ROW(r)                                                                                  \
    if (R > r) {                                                                                   \
        __m512 av = _mm512_set1_ps(s##r[k]);                                                       \
        a##r##0 = _mm512_fmadd_ps(av, b0, a##r##0);                                                \
        a##r##1 = _mm512_fmadd_ps(av, b1, a##r##1);                                                \
        a##r##2 = _mm512_fmadd_ps(av, b2, a##r##2);                                                \
        a##r##3 = _mm512_fmadd_ps(av, b3, a##r##3);                                                \
    }
    for (int k = 0; k < K; k++, w += JK_PANEL) {
        __m512 b0 = _mm512_loadu_ps(w), b1 = _mm512_loadu_ps(w + 16);
        __m512 b2 = _mm512_loadu_ps(w + 32), b3 = _mm512_loadu_ps(w + 48);
        JK_ROW(0) JK_ROW(1) JK_ROW(2) JK_ROW(3) JK_ROW(4) JK_ROW(5)
    }
#undef JK_ROW
#define JK_STORE(r)                                                                                \
    if (R > r) {                                                                                   \
        float *c = C + (size_t)r * ldc;                                                            \
        if (accumulate) {                                                                          \
            a##r##0 = _mm512_add_ps(a##r##0, _mm512_maskz_loadu_ps(m0, c));                        \
            a##r##1 = _mm512_add_ps(a##r##1, _mm512_maskz_loadu_ps(m1, c + 16));                   \
            a##r##2 = _mm512_add_ps(a##r##2, _mm512_maskz_loadu_ps(m2, c + 32));                   \
            a##r##3 = _mm512_add_ps(a##r##3, _mm512_maskz_loadu_ps(m3, c + 48));                   \
        }                                                                                          \
        _mm512_mask_storeu_ps(c, m0, a##r##0);                                                     \
        _mm512_mask_storeu_ps(c + 16, m1, a##r##1);                                                \
        _mm512_mask_storeu_ps(c + 32, m2, a##r##2);                                                \
        _mm512_mask_storeu_ps(c + 48, m3, a##r##3);                                                \
    }
    JK_STORE(0) JK_STORE(1) JK_STORE(2) JK_STORE(3) JK_STORE(4) JK_STORE(5)
#undef JK_STORE
}

JK_AVX512 void jk_gemm_packed(int m, int N, int K, const float *A, int lda, const float *packedB,
                              float *C, int ldc, int accumulate) {
    int panels = (N + JK_PANEL - 1) / JK_PANEL;
    // Panel-outer: one panel (K x 64) stays in cache while every row block uses it.
    for (int p = 0; p < panels; p++) {
        const float *panel = packedB + (size_t)p * K * JK_PANEL;
        int cols = N - p * JK_PANEL;
        __mmask16 m0 = jk_mask(cols), m1 = jk_mask(cols - 16), m2 = jk_mask(cols - 32), m3 = jk_mask(cols - 48);
        float *Cp = C + p * JK_PANEL;
        int r = 0;
        for (; r + JK_BLOCK_ROWS <= m; r += JK_BLOCK_ROWS)
            jk_block(6, K, A + (size_t)r * lda, lda, panel, Cp + (size_t)r * ldc, ldc, m0, m1, m2, m3, accumulate);
        const float *Ar = A + (size_t)r * lda;
        float *Cr = Cp + (size_t)r * ldc;
        switch (m - r) {
        case 5: jk_block(5, K, Ar, lda, panel, Cr, ldc, m0, m1, m2, m3, accumulate); break;
        case 4: jk_block(4, K, Ar, lda, panel, Cr, ldc, m0, m1, m2, m3, accumulate); break;
        case 3: jk_block(3, K, Ar, lda, panel, Cr, ldc, m0, m1, m2, m3, accumulate); break;
        case 2: jk_block(2, K, Ar, lda, panel, Cr, ldc, m0, m1, m2, m3, accumulate); break;
        case 1: jk_block(1, K, Ar, lda, panel, Cr, ldc, m0, m1, m2, m3, accumulate); break;
        default: break;
        }
    }
}

#else

void jk_gemm_packed(int m, int N, int K, const float *A, int lda, const float *packedB,
                    float *C, int ldc, int accumulate) {
    (void)m; (void)N; (void)K; (void)A; (void)lda; (void)packedB; (void)C; (void)ldc; (void)accumulate;
}

#endif
