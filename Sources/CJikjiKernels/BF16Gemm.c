// bf16 matrix products with fp32 accumulation on Intel AMX tiles. See JikjiKernels.h.
//
// Layout: the right-hand side B is packed into column blocks of 16, each `[Kp/2][16][2]` bf16
// (VNNI pairs: element (k, n) of the block sits at [k/2][n][k%2]), the layout a B tile of
// `tdpbf16ps` reads with a 64-byte stride; the left-hand side A into row blocks of 16, each
// `[16][Kp]` bf16. Kp is K rounded up to 32 and M, N are rounded up to 32 (zeros), so every
// micro-kernel call is a whole 2 x 2 block of 16 x 16 fp32 C tiles: four accumulators, two A
// and two B tiles, all eight tile registers. C tiles that lie wholly inside C are loaded and
// stored in place (row stride ldc); edge tiles go through a 16 x 16 scratch block.
//
// Why packing per call: bf16 halves the bytes moved and AMX multiplies 16 x 16 x 32 per
// instruction; the conversion of A (M x K) is small next to the M x N x K product. Weights that
// serve many products (the recurrent W_hh at every time step) are packed once per pass by the
// caller (`jk_bf16_pack_b`).
//
// Compiled for every x86-64 machine: the AMX/AVX512-BF16 functions carry target attributes and
// run only when `jk_bf16_kernel()` says the CPU has them and Linux granted the tile state.

#include "JikjiKernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define JK_HAS_AMX 1
#else
#define JK_HAS_AMX 0
#endif

#define JK_ROUND_UP(x, m) (((x) + (m) - 1) / (m) * (m))

size_t jk_bf16_packed_b_size(int K, int N) {
    return (size_t)JK_ROUND_UP(K, 32) * (size_t)JK_ROUND_UP(N, 32);
}

#if JK_HAS_AMX

// Linux's arch_prctl codes for the AMX tile data state (asm/prctl.h, uapi/asm/prctl.h).
#define JK_ARCH_GET_XCOMP_PERM 0x1022
#define JK_ARCH_REQ_XCOMP_PERM 0x1023
#define JK_XFEATURE_XTILEDATA 18

static int jk_detect_bf16_kernel(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) return 0;
    unsigned a, b, c, d;
    // CPUID.(EAX=7, ECX=0): EDX bit 22 AMX-BF16, bit 24 AMX-TILE; (EAX=7, ECX=1): EAX bit 5 AVX512-BF16.
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    int amx = ((d >> 22) & 1) && ((d >> 24) & 1);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    int avx512bf16 = (a >> 5) & 1;
    if (!amx || !avx512bf16) return 0;
    // The tile data state is off for a process until it asks (Linux 5.16+); the grant holds
    // for every thread of the process, present and future.
    if (syscall(SYS_arch_prctl, JK_ARCH_REQ_XCOMP_PERM, JK_XFEATURE_XTILEDATA) != 0) return 0;
    unsigned long granted = 0;
    if (syscall(SYS_arch_prctl, JK_ARCH_GET_XCOMP_PERM, &granted) != 0) return 0;
    return (granted >> JK_XFEATURE_XTILEDATA) & 1 ? JK_BF16_AMX : 0;
}

int jk_bf16_kernel(void) {
    // Decided once; racing first callers compute the same value.
    static volatile int cached = -1;
    int value = cached;
    if (value < 0) {
        value = jk_detect_bf16_kernel();
        cached = value;
    }
    return value;
}

#define JK_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16")))

// 32 floats (two vectors, the first `valid` of them real, the rest zeros) as 32 bf16, rounded
// to nearest even (vcvtne2ps2bf16).
JK_BF16_TARGET static inline __m512i jk_bf16x32(const float *src, int valid) {
    __mmask16 lo = valid >= 16 ? 0xFFFF : valid <= 0 ? 0 : (__mmask16)((1u << valid) - 1);
    int rest = valid - 16;
    __mmask16 hi = rest >= 16 ? 0xFFFF : rest <= 0 ? 0 : (__mmask16)((1u << rest) - 1);
    __m512 a = _mm512_maskz_loadu_ps(lo, src);
    __m512 b = _mm512_maskz_loadu_ps(hi, src + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(b, a);
}

// Words 0..15 of `pair` from row 2p, 16..31 from row 2p+1, reordered into 16 (row 2p, row 2p+1)
// dword pairs: the VNNI interleave.
JK_BF16_TARGET static inline __m512i jk_interleave_pairs(__m512i pair) {
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, pair);
}

// Two rows of 16 floats (r1 may be NULL: zeros; `valid` columns real) as 16 VNNI dword pairs.
JK_BF16_TARGET static inline __m512i jk_pair_rows(const float *r0, const float *r1, int valid) {
    __mmask16 m = valid >= 16 ? 0xFFFF : valid <= 0 ? 0 : (__mmask16)((1u << valid) - 1);
    __m512 a = _mm512_maskz_loadu_ps(m, r0);
    __m512 b = r1 ? _mm512_maskz_loadu_ps(m, r1) : _mm512_setzero_ps();
    return jk_interleave_pairs((__m512i)_mm512_cvtne2ps_pbh(b, a));
}

JK_BF16_TARGET static void jk_bf16_pack_b_amx(int K, int N, const float *B, int ldb, int transB,
                                              uint16_t *packed) {
    int Kp = JK_ROUND_UP(K, 32), Np = JK_ROUND_UP(N, 32), halfK = Kp / 2;
    if (!transB) {
        // B(k, n) = B[k * ldb + n]: rows 2p and 2p+1 give block row p directly.
        for (int j = 0; j < Np / 16; j++) {
            uint16_t *block = packed + (size_t)j * halfK * 32;
            int n0 = j * 16, valid = N - n0;
            for (int p = 0; p < halfK; p++) {
                int k = 2 * p;
                __m512i v = k < K ? jk_pair_rows(B + (size_t)k * ldb + n0, k + 1 < K ? B + (size_t)(k + 1) * ldb + n0 : NULL, valid)
                                  : _mm512_setzero_si512();
                _mm512_storeu_si512(block + (size_t)p * 32, v);
            }
        }
    } else {
        // B(k, n) = B[n * ldb + k]: a row of the stored matrix is one column of B, its pairs
        // adjacent; 32 of its floats are 16 dwords of 16 consecutive block rows (stride 16 dwords).
        const __m512i rowsApart = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                                     _mm512_set1_epi32(16));
        memset(packed, 0, jk_bf16_packed_b_size(K, N) * sizeof(uint16_t));
        for (int n = 0; n < N; n++) {
            uint16_t *column = packed + (size_t)(n / 16) * halfK * 32 + (size_t)(n % 16) * 2;
            const float *src = B + (size_t)n * ldb;
            for (int k = 0; k < K; k += 32) {
                __m512i v = jk_bf16x32(src + k, K - k);
                _mm512_i32scatter_epi32((int *)(column + (size_t)(k / 2) * 32), rowsApart, v, 4);
            }
        }
    }
}

// Transposes a 16 x 16 matrix of dwords held one row per vector: element c of row r becomes
// element r of row c. Unpacks gather 4 x 4 blocks within each 128-bit lane, lane shuffles move
// the blocks.
JK_BF16_TARGET static inline void jk_transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    // u[4g + j] holds, in lane L, column 4L + j of rows 4g..4g+3.
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
        u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
        u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
    for (int j = 0; j < 4; j++) {
        __m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), v1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
        __m512i v2 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44), v3 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_i32x4(v0, v2, 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
        r[8 + j] = _mm512_shuffle_i32x4(v1, v3, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
    }
}

// A as row blocks of 16, each `[Kp/32][16][32]` bf16: one 1 KB A tile after another (rows past
// M zero). Tile-contiguous rather than `[16][Kp]` rows: the transposed packing writes 16 rows
// at once, which at a row stride of Kp * 2 bytes (4 KB for K = 2048) fall into one cache set.
//
// With `sums` (transposed A only, else NULL): `sums[m] += Σ_k A(m, k)` in fp32 from the unrounded
// values, row k after row k in ascending order (the order of `jk_column_sums`, so the same
// result to the bit), while the rows pass through the cache for the packing anyway.
JK_BF16_TARGET static void jk_bf16_pack_a(int M, int K, const float *A, int lda, int transA, uint16_t *packed,
                                          float *sums) {
    int Kp = JK_ROUND_UP(K, 32), Mp = JK_ROUND_UP(M, 32);
    if (!transA) {
        for (int m = 0; m < Mp; m++) {
            uint16_t *row = packed + (size_t)(m / 16) * 16 * Kp + (size_t)(m % 16) * 32;
            for (int k = 0; k < Kp; k += 32) {
                __m512i v = m < M ? jk_bf16x32(A + (size_t)m * lda + k, K - k) : _mm512_setzero_si512();
                _mm512_storeu_si512(row + (size_t)(k / 32) * 512, v);
            }
        }
    } else {
        // A(m, k) = A[k * lda + m]: rows k, k+1 of the stored matrix give the (k, k+1) pairs of
        // 16 rows of A at once (one dword per row of A); 16 such pair vectors, transposed in
        // registers, are one A tile.
        int fullBlocks = (M + 15) / 16;
        if (Mp > fullBlocks * 16) memset(packed + (size_t)fullBlocks * 16 * Kp, 0, (size_t)(Mp - fullBlocks * 16) * Kp * sizeof(uint16_t));
        for (int m0 = 0; m0 < M; m0 += 16) {
            int valid = M - m0;
            uint16_t *block = packed + (size_t)m0 * Kp;
            __mmask16 columns = valid >= 16 ? 0xFFFF : (__mmask16)((1u << valid) - 1);
            __m512 total = sums ? _mm512_maskz_loadu_ps(columns, sums + m0) : _mm512_setzero_ps();
            for (int k0 = 0; k0 < Kp; k0 += 32) {
                __m512i r[16];
                for (int p = 0; p < 16; p++) {
                    int k = k0 + 2 * p;
                    if (k >= K) {
                        r[p] = _mm512_setzero_si512();
                        continue;
                    }
                    const float *row0 = A + (size_t)k * lda + m0, *row1 = k + 1 < K ? row0 + lda : NULL;
                    r[p] = jk_pair_rows(row0, row1, valid);
                    if (sums) {
                        total = _mm512_add_ps(total, _mm512_maskz_loadu_ps(columns, row0));
                        if (row1) total = _mm512_add_ps(total, _mm512_maskz_loadu_ps(columns, row1));
                    }
                }
                jk_transpose16(r);
                uint16_t *tile = block + (size_t)(k0 / 32) * 512;
                for (int m = 0; m < 16; m++) _mm512_storeu_si512(tile + (size_t)m * 32, r[m]);
            }
            if (sums) _mm512_mask_storeu_ps(sums + m0, columns, total);
        }
    }
}

// The tile configuration of the micro-kernel: tiles 0-7 all 16 rows of 64 bytes.
typedef struct {
    uint8_t palette;
    uint8_t startRow;
    uint8_t reserved[14];
    uint16_t columnBytes[16];
    uint8_t rows[16];
} jk_tile_config;

JK_BF16_TARGET static void jk_tiles_configure(void) {
    jk_tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.columnBytes[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
}

// Loads C tile (i, j) (16 x 16 from row r0, column c0) into `scratch` as the starting
// accumulator when it does not lie wholly inside C; returns whether it does (then in place).
static inline int jk_edge_in(int M, int N, int r0, int c0, const float *C, int ldc, int accumulate,
                             float *scratch) {
    if (r0 + 16 <= M && c0 + 16 <= N) return 1;
    memset(scratch, 0, 16 * 16 * sizeof(float));
    if (accumulate) {
        for (int r = 0; r < 16 && r0 + r < M; r++)
            for (int c = 0; c < 16 && c0 + c < N; c++) scratch[r * 16 + c] = C[(size_t)(r0 + r) * ldc + c0 + c];
    }
    return 0;
}

static inline void jk_edge_out(int M, int N, int r0, int c0, float *C, int ldc, const float *scratch) {
    for (int r = 0; r < 16 && r0 + r < M; r++)
        for (int c = 0; c < 16 && c0 + c < N; c++) C[(size_t)(r0 + r) * ldc + c0 + c] = scratch[r * 16 + c];
}

// One 32 x 32 block of C at rows r0, columns c0 (tile numbers must be literals, hence macros).
#define JK_C_IN(T, R, CC, S)                                                                      \
    do {                                                                                          \
        if (jk_edge_in(M, N, (R), (CC), C, ldc, accumulate, S)) {                                 \
            if (accumulate) _tile_loadd(T, C + (size_t)(R) * ldc + (CC), ldc * 4);                \
            else _tile_zero(T);                                                                   \
            inPlace[T] = 1;                                                                       \
        } else {                                                                                  \
            _tile_loadd(T, S, 64);                                                                \
            inPlace[T] = 0;                                                                       \
        }                                                                                         \
    } while (0)
#define JK_C_OUT(T, R, CC, S)                                                                     \
    do {                                                                                          \
        if (inPlace[T]) _tile_stored(T, C + (size_t)(R) * ldc + (CC), ldc * 4);                   \
        else {                                                                                    \
            _tile_stored(T, S, 64);                                                               \
            jk_edge_out(M, N, (R), (CC), C, ldc, S);                                              \
        }                                                                                         \
    } while (0)

JK_BF16_TARGET static void jk_bf16_block(int M, int N, int Kp, int r0, int c0, const uint16_t *a0,
                                         const uint16_t *b0, float *C, int ldc, int accumulate) {
    float scratch[4][256] __attribute__((aligned(64)));
    int inPlace[4];
    JK_C_IN(0, r0, c0, scratch[0]);
    JK_C_IN(1, r0, c0 + 16, scratch[1]);
    JK_C_IN(2, r0 + 16, c0, scratch[2]);
    JK_C_IN(3, r0 + 16, c0 + 16, scratch[3]);
    const uint16_t *a1 = a0 + (size_t)16 * Kp;  // the next row block
    const uint16_t *b1 = b0 + (size_t)(Kp / 2) * 32;
    for (int k = 0; k < Kp; k += 32) {
        _tile_loadd(4, a0 + (size_t)(k / 32) * 512, 64);
        _tile_loadd(5, a1 + (size_t)(k / 32) * 512, 64);
        _tile_loadd(6, b0 + (size_t)(k / 2) * 32, 64);
        _tile_loadd(7, b1 + (size_t)(k / 2) * 32, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    JK_C_OUT(0, r0, c0, scratch[0]);
    JK_C_OUT(1, r0, c0 + 16, scratch[1]);
    JK_C_OUT(2, r0 + 16, c0, scratch[2]);
    JK_C_OUT(3, r0 + 16, c0 + 16, scratch[3]);
}

// C (+)= A · B for A packed by jk_bf16_pack_a and B by jk_bf16_pack_b_amx (both Kp deep).
JK_BF16_TARGET static void jk_bf16_multiply_packed(int M, int N, int Kp, const uint16_t *packedA,
                                                   const uint16_t *packedB, float *C, int ldc, int accumulate) {
    int Mp = JK_ROUND_UP(M, 32), Np = JK_ROUND_UP(N, 32);
    jk_tiles_configure();
    // Row panels whose packed A stays in L2 (about 512 KB) while every column block passes.
    int panelRows = (int)(((size_t)512 * 1024 / ((size_t)Kp * 2)) / 32 * 32);
    if (panelRows < 32) panelRows = 32;
    for (int p0 = 0; p0 < Mp; p0 += panelRows) {
        int p1 = p0 + panelRows < Mp ? p0 + panelRows : Mp;
        for (int c0 = 0; c0 < Np; c0 += 32) {
            const uint16_t *b = packedB + (size_t)(c0 / 16) * (Kp / 2) * 32;
            for (int r0 = p0; r0 < p1; r0 += 32)
                jk_bf16_block(M, N, Kp, r0, c0, packedA + (size_t)r0 * Kp, b, C, ldc, accumulate);
        }
    }
    _tile_release();
}

JK_BF16_TARGET static int jk_bf16_gemm_packed_amx(int transA, int M, int N, int K, const float *A, int lda,
                                                   const uint16_t *packedB, float *C, int ldc, int accumulate) {
    int Kp = JK_ROUND_UP(K, 32), Mp = JK_ROUND_UP(M, 32);
    uint16_t *packedA = aligned_alloc(64, (size_t)Mp * Kp * sizeof(uint16_t));
    if (!packedA) return -2;
    jk_bf16_pack_a(M, K, A, lda, transA, packedA, NULL);
    jk_bf16_multiply_packed(M, N, Kp, packedA, packedB, C, ldc, accumulate);
    free(packedA);
    return 0;
}

// See jk_bf16_weight_gradients: dG transposed and packed once for both products and the sums.
JK_BF16_TARGET static int jk_bf16_weight_gradients_amx(int M, int K, const float *A, int lda, int N1, const float *B1,
                                                        int ldb1, float *C1, int ldc1, int N2, const float *B2,
                                                        int ldb2, float *C2, int ldc2, float *sums) {
    int Kp = JK_ROUND_UP(K, 32), Mp = JK_ROUND_UP(M, 32);
    // Every buffer before anything is written: on failure C1, C2 and sums stay untouched.
    uint16_t *packedA = aligned_alloc(64, (size_t)Mp * Kp * sizeof(uint16_t));
    uint16_t *packed1 = N1 > 0 ? aligned_alloc(64, jk_bf16_packed_b_size(K, N1) * sizeof(uint16_t)) : NULL;
    uint16_t *packed2 = B2 && N2 > 0 ? aligned_alloc(64, jk_bf16_packed_b_size(K, N2) * sizeof(uint16_t)) : NULL;
    if (!packedA || (N1 > 0 && !packed1) || (B2 && N2 > 0 && !packed2)) {
        free(packedA);
        free(packed1);
        free(packed2);
        return -2;
    }
    jk_bf16_pack_a(M, K, A, lda, 1, packedA, sums);
    if (packed1) {
        jk_bf16_pack_b_amx(K, N1, B1, ldb1, 0, packed1);
        jk_bf16_multiply_packed(M, N1, Kp, packedA, packed1, C1, ldc1, 1);
    }
    if (packed2) {
        jk_bf16_pack_b_amx(K, N2, B2, ldb2, 0, packed2);
        jk_bf16_multiply_packed(M, N2, Kp, packedA, packed2, C2, ldc2, 1);
    }
    free(packedA);
    free(packed1);
    free(packed2);
    return 0;
}

int jk_bf16_weight_gradients(int M, int K, const float *A, int lda, int N1, const float *B1, int ldb1, float *C1,
                             int ldc1, int N2, const float *B2, int ldb2, float *C2, int ldc2, float *sums) {
    if (jk_bf16_kernel() != JK_BF16_AMX) return -1;
    if (M <= 0 || K <= 0) return 0;
    return jk_bf16_weight_gradients_amx(M, K, A, lda, N1, B1, ldb1, C1, ldc1, N2, B2, ldb2, C2, ldc2, sums);
}

void jk_bf16_pack_b(int K, int N, const float *B, int ldb, int transB, uint16_t *packed) {
    if (jk_bf16_kernel() == JK_BF16_AMX) jk_bf16_pack_b_amx(K, N, B, ldb, transB, packed);
}

int jk_bf16_gemm_packed(int transA, int M, int N, int K, const float *A, int lda, const uint16_t *packedB,
                        float *C, int ldc, int accumulate) {
    if (jk_bf16_kernel() != JK_BF16_AMX) return -1;
    if (M <= 0 || N <= 0) return 0;
    if (K <= 0) {
        if (!accumulate) for (int m = 0; m < M; m++) memset(C + (size_t)m * ldc, 0, (size_t)N * sizeof(float));
        return 0;
    }
    return jk_bf16_gemm_packed_amx(transA, M, N, K, A, lda, packedB, C, ldc, accumulate);
}

int jk_bf16_gemm(int transA, int transB, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate) {
    if (jk_bf16_kernel() != JK_BF16_AMX) return -1;
    if (M <= 0 || N <= 0) return 0;
    uint16_t *packedB = aligned_alloc(64, jk_bf16_packed_b_size(K > 0 ? K : 1, N) * sizeof(uint16_t));
    if (!packedB) return -2;
    if (K > 0) jk_bf16_pack_b_amx(K, N, B, ldb, transB, packedB);
    int status = jk_bf16_gemm_packed(transA, M, N, K, A, lda, packedB, C, ldc, accumulate);
    free(packedB);
    return status;
}

#else

int jk_bf16_kernel(void) { return 0; }
void jk_bf16_pack_b(int K, int N, const float *B, int ldb, int transB, uint16_t *packed) {
    (void)K; (void)N; (void)B; (void)ldb; (void)transB; (void)packed;
}
int jk_bf16_gemm_packed(int transA, int M, int N, int K, const float *A, int lda, const uint16_t *packedB,
                        float *C, int ldc, int accumulate) {
    (void)transA; (void)M; (void)N; (void)K; (void)A; (void)lda; (void)packedB; (void)C; (void)ldc; (void)accumulate;
    return -1;
}
int jk_bf16_weight_gradients(int M, int K, const float *A, int lda, int N1, const float *B1, int ldb1, float *C1,
                             int ldc1, int N2, const float *B2, int ldb2, float *C2, int ldc2, float *sums) {
    (void)M; (void)K; (void)A; (void)lda; (void)N1; (void)B1; (void)ldb1; (void)C1; (void)ldc1; (void)N2; (void)B2;
    (void)ldb2; (void)C2; (void)ldc2; (void)sums;
    return -1;
}
int jk_bf16_gemm(int transA, int transB, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate) {
    (void)transA; (void)transB; (void)M; (void)N; (void)K; (void)A; (void)lda; (void)B; (void)ldb; (void)C;
    (void)ldc; (void)accumulate;
    return -1;
}

#endif
