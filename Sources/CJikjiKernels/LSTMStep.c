// The LSTM time step as one fused kernel: the product `[x_t, h_{t-1}] · [W_ih; W_hh]ᵀ` for a
// block of rows and 16 hidden units, with the gate nonlinearities and the cell update applied
// to the accumulators before they leave the registers. See JikjiKernels.h.
//
// Why one kernel: the separate path (one large input-projection sgemm, then per step a product
// accumulated into the [B, 4H] gates and a pass activating them) moves the gates through
// memory three times per step. Here the gates of 6 rows x 16 units x 4 gates live in 24 AVX-512
// registers from the first FMA to the finished h and c.
//
// Weights are packed once per pass into panels of 16 hidden units: panel p is `[E+H][64]`, row
// k holding the weights of input feature k (k < E, from W_ih) or hidden feature k-E (from W_hh)
// for gate columns i(16 units), f(16), g(16), o(16). A step walks the panels (the 2-thread
// split gives each thread a range of panels) and, per panel, every block of 6 rows, so a panel
// is fetched once per step and reused from L1/L2 by all row blocks.

#include "JikjiKernels.h"
#include <sched.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define JK_HAS_LSTM_STEP 1
#else
#define JK_HAS_LSTM_STEP 0
#endif

// Hidden units per panel (one AVX-512 vector per gate) and columns per panel row.
#define JK_UNITS 16
#define JK_LSTM_COLS (4 * JK_UNITS)
// Rows per register block: 6 rows x 4 gates = 24 accumulators, + 4 weight vectors.
#define JK_LSTM_ROWS 6

int jk_lstm_step_available(void) { return jk_packed_gemm_available(); }

size_t jk_lstm_packed_size(int E, int H) {
    return (size_t)((H + JK_UNITS - 1) / JK_UNITS) * (size_t)(E + H) * JK_LSTM_COLS;
}

void jk_lstm_pack(int E, int H, const float *weightIH, const float *weightHH, float *packed) {
    jk_lstm_pack_panels(E, H, weightIH, weightHH, packed, 0, (H + JK_UNITS - 1) / JK_UNITS);
}

void jk_lstm_pack_panels(int E, int H, const float *weightIH, const float *weightHH, float *packed,
                         int panelBegin, int panelEnd) {
    int K = E + H;
    // 16 weight rows (one gate of one panel) at a time, all read front to back together, each
    // panel row receiving 16 consecutive floats: sequential on both sides.
    for (int p = panelBegin; p < panelEnd; p++) {
        float *panel = packed + (size_t)p * K * JK_LSTM_COLS;
        int units = H - p * JK_UNITS < JK_UNITS ? H - p * JK_UNITS : JK_UNITS;
        for (int gate = 0; gate < 4; gate++) {
            const float *ih[JK_UNITS], *hh[JK_UNITS];
            for (int u = 0; u < units; u++) {
                size_t row = (size_t)gate * H + p * JK_UNITS + u;
                ih[u] = weightIH + row * E;
                hh[u] = weightHH + row * H;
            }
            float *column = panel + gate * JK_UNITS;
            for (int k = 0; k < K; k++) {
                float *dst = column + (size_t)k * JK_LSTM_COLS;
                if (units == JK_UNITS) {
                    if (k < E) for (int u = 0; u < JK_UNITS; u++) dst[u] = ih[u][k];
                    else for (int u = 0; u < JK_UNITS; u++) dst[u] = hh[u][k - E];
                } else {
                    for (int u = 0; u < JK_UNITS; u++)
                        dst[u] = u >= units ? 0.0f : k < E ? ih[u][k] : hh[u][k - E];
                }
            }
        }
    }
}

// Sleep while `*word == expected`, and wake every sleeper on `word` (private futexes on Linux;
// elsewhere the wait yields the CPU and the caller re-checks).
static void jk_futex_wait(int *word, int expected) {
#if defined(__linux__)
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word; (void)expected;
    sched_yield();
#endif
}

static void jk_futex_wake_all(int *word) {
#if defined(__linux__)
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
#else
    (void)word;
#endif
}

// Spins of `pause` before a waiting thread sleeps: a few tens of microseconds, more than the
// usual imbalance between two threads' shares of a step.
#define JK_BARRIER_SPINS 4096

void jk_spin_barrier_wait(jk_spin_barrier *barrier, int threads) {
    int phase = __atomic_load_n(&barrier->phase, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&barrier->arrived, 1, __ATOMIC_ACQ_REL) == threads) {
        __atomic_store_n(&barrier->arrived, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&barrier->phase, phase + 1, __ATOMIC_SEQ_CST);
        // A waiter counts itself before it sleeps and sleeps only while the phase is unchanged
        // (the futex checks that atomically), so with both sides sequentially consistent either
        // this load sees it or its futex call sees the new phase and returns at once.
        if (__atomic_load_n(&barrier->sleepers, __ATOMIC_SEQ_CST) > 0) jk_futex_wake_all(&barrier->phase);
        return;
    }
    for (int spins = 0; spins < JK_BARRIER_SPINS; spins++) {
        if (__atomic_load_n(&barrier->phase, __ATOMIC_ACQUIRE) != phase) return;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    __atomic_add_fetch(&barrier->sleepers, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&barrier->phase, __ATOMIC_SEQ_CST) == phase) jk_futex_wait(&barrier->phase, phase);
    __atomic_sub_fetch(&barrier->sleepers, 1, __ATOMIC_SEQ_CST);
}

#if JK_HAS_LSTM_STEP

#define JK_AVX512 __attribute__((target("avx512f")))
#define JK_INLINE static inline __attribute__((always_inline))

// exp(x) for x clamped to [-87, 88]: 2^n · p(r), r = x - n ln 2, the same Cephes polynomial
// as Kernels.c, with scalef doing the 2^n.
JK_AVX512 JK_INLINE __m512 jk_exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// 1 / d for d >= 1 (the denominators below): 14-bit estimate and one Newton step (~1e-8 relative).
JK_AVX512 JK_INLINE __m512 jk_reciprocal16(__m512 d) {
    __m512 y = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(y, _mm512_fnmadd_ps(d, y, _mm512_set1_ps(2.0f)));
}

JK_AVX512 JK_INLINE __m512 jk_sigmoid16(__m512 x) {
    return jk_reciprocal16(_mm512_add_ps(jk_exp16(_mm512_sub_ps(_mm512_setzero_ps(), x)), _mm512_set1_ps(1.0f)));
}

// tanh(x) = 1 - 2 / (e^{2x} + 1).
JK_AVX512 JK_INLINE __m512 jk_tanh16(__m512 x) {
    __m512 e = jk_exp16(_mm512_add_ps(x, x));
    return _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), jk_reciprocal16(_mm512_add_ps(e, _mm512_set1_ps(1.0f))),
                            _mm512_set1_ps(1.0f));
}

// Rows whose pre-activation gates are collected before the cell pass runs over them.
#define JK_LSTM_CHUNK 48

// The product for one block of R rows (R <= 6, a literal at each call) and one panel, over
// K = E+H: `pre[r][64]` receives the gates i, f, g, o (16 units each) without bias.
JK_AVX512 JK_INLINE void jk_lstm_product(
    const int R, int E, int H, const float *panel, const float *x, int ldx, const float *hPrev, int ldh,
    float *pre) {
    // Named accumulators (an array indexed in two loops ends up on the stack); rows past R
    // are dead code for each literal R.
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
    __m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m512 a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    __m512 a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    __m512 a40 = a00, a41 = a00, a42 = a00, a43 = a00;
    __m512 a50 = a00, a51 = a00, a52 = a00, a53 = a00;
    const float *s0 = x;
    const float *s1 = s0 + ldx, *s2 = s1 + ldx, *s3 = s2 + ldx, *s4 = s3 + ldx, *s5 = s4 + ldx;
    const float *w = panel;
#define JK_ROW(r)                                                                                  \
    if (R > r) {                                                                                   \
        __m512 av = _mm512_set1_ps(s##r[k]);                                                       \
        a##r##0 = _mm512_fmadd_ps(av, b0, a##r##0);                                                \
        a##r##1 = _mm512_fmadd_ps(av, b1, a##r##1);                                                \
        a##r##2 = _mm512_fmadd_ps(av, b2, a##r##2);                                                \
        a##r##3 = _mm512_fmadd_ps(av, b3, a##r##3);                                                \
    }
#define JK_K_LOOP(count)                                                                           \
    for (int k = 0; k < (count); k++, w += JK_LSTM_COLS) {                                         \
        __m512 b0 = _mm512_load_ps(w), b1 = _mm512_load_ps(w + 16);                                \
        __m512 b2 = _mm512_load_ps(w + 32), b3 = _mm512_load_ps(w + 48);                           \
        JK_ROW(0) JK_ROW(1) JK_ROW(2) JK_ROW(3) JK_ROW(4) JK_ROW(5)                                \
    }
    JK_K_LOOP(E)
    s0 = hPrev;
    s1 = s0 + ldh; s2 = s1 + ldh; s3 = s2 + ldh; s4 = s3 + ldh; s5 = s4 + ldh;
    JK_K_LOOP(H)
#undef JK_K_LOOP
#undef JK_ROW
#define JK_STORE(r)                                                                                \
    if (R > r) {                                                                                   \
        _mm512_store_ps(pre + r * JK_LSTM_COLS, a##r##0);                                          \
        _mm512_store_ps(pre + r * JK_LSTM_COLS + 16, a##r##1);                                     \
        _mm512_store_ps(pre + r * JK_LSTM_COLS + 32, a##r##2);                                     \
        _mm512_store_ps(pre + r * JK_LSTM_COLS + 48, a##r##3);                                     \
    }
    JK_STORE(0) JK_STORE(1) JK_STORE(2) JK_STORE(3) JK_STORE(4) JK_STORE(5)
#undef JK_STORE
}

// The cell for `rows` rows from `row0` and the 16 units from `unit0`: bias, nonlinearities,
// c and h. A separate loop over rows whose iterations are independent, so the long
// exp/reciprocal chains of consecutive rows overlap (inside the product's block they stalled).
JK_AVX512 static void jk_lstm_cell(
    const jk_lstm_step_args *a, int row0, int rows, int unit0, __mmask16 mask, const float *pre) {
    const int H = a->H;
    __m512 bi = _mm512_maskz_loadu_ps(mask, a->bias + unit0);
    __m512 bf = _mm512_maskz_loadu_ps(mask, a->bias + H + unit0);
    __m512 bg = _mm512_maskz_loadu_ps(mask, a->bias + 2 * H + unit0);
    __m512 bo = _mm512_maskz_loadu_ps(mask, a->bias + 3 * H + unit0);
    for (int r = 0; r < rows; r++) {
        size_t row = (size_t)(row0 + r);
        const float *p = pre + (size_t)r * JK_LSTM_COLS;
        __m512 i = jk_sigmoid16(_mm512_add_ps(_mm512_load_ps(p), bi));
        __m512 f = jk_sigmoid16(_mm512_add_ps(_mm512_load_ps(p + 16), bf));
        __m512 g = jk_tanh16(_mm512_add_ps(_mm512_load_ps(p + 32), bg));
        __m512 o = jk_sigmoid16(_mm512_add_ps(_mm512_load_ps(p + 48), bo));
        float *cr = a->cState + row * a->ldc + unit0;
        __m512 cPrev = _mm512_maskz_loadu_ps(mask, cr);
        __m512 c = _mm512_fmadd_ps(f, cPrev, _mm512_mul_ps(i, g));
        __m512 h = _mm512_mul_ps(o, jk_tanh16(c));
        _mm512_mask_storeu_ps(cr, mask, c);
        _mm512_mask_storeu_ps(a->hNext + row * a->ldhNext + unit0, mask, h);
        if (a->output) _mm512_mask_storeu_ps(a->output + row * a->ldo + unit0, mask, h);
        if (a->gatesOut) {
            float *gr = a->gatesOut + row * 4 * (size_t)H + unit0;
            _mm512_mask_storeu_ps(gr, mask, i);
            _mm512_mask_storeu_ps(gr + H, mask, f);
            _mm512_mask_storeu_ps(gr + 2 * H, mask, g);
            _mm512_mask_storeu_ps(gr + 3 * H, mask, o);
            _mm512_mask_storeu_ps(a->cPrevOut + row * H + unit0, mask, cPrev);
            _mm512_mask_storeu_ps(a->cNewOut + row * H + unit0, mask, c);
            _mm512_mask_storeu_ps(a->hPrevOut + row * H + unit0, mask,
                                  _mm512_maskz_loadu_ps(mask, a->hPrev + row * a->ldh + unit0));
        }
    }
}

JK_AVX512 void jk_lstm_step(const jk_lstm_step_args *a) {
    const int E = a->E, H = a->H, K = E + H;
    float pre[JK_LSTM_CHUNK * JK_LSTM_COLS] __attribute__((aligned(64)));
    for (int p = a->panelBegin; p < a->panelEnd; p++) {
        const float *panel = a->packed + (size_t)p * K * JK_LSTM_COLS;
        int unit0 = p * JK_UNITS;
        int units = H - unit0;
        __mmask16 mask = units >= 16 ? 0xFFFF : (__mmask16)((1u << units) - 1);
        for (int chunk = 0; chunk < a->rows; chunk += JK_LSTM_CHUNK) {
            int end = chunk + JK_LSTM_CHUNK < a->rows ? chunk + JK_LSTM_CHUNK : a->rows;
            int row = chunk;
            for (; row + JK_LSTM_ROWS <= end; row += JK_LSTM_ROWS)
                jk_lstm_product(6, E, H, panel, a->x + (size_t)row * a->ldx, a->ldx,
                                a->hPrev + (size_t)row * a->ldh, a->ldh, pre + (size_t)(row - chunk) * JK_LSTM_COLS);
            const float *xr = a->x + (size_t)row * a->ldx, *hr = a->hPrev + (size_t)row * a->ldh;
            float *pr = pre + (size_t)(row - chunk) * JK_LSTM_COLS;
            switch (end - row) {
            case 5: jk_lstm_product(5, E, H, panel, xr, a->ldx, hr, a->ldh, pr); break;
            case 4: jk_lstm_product(4, E, H, panel, xr, a->ldx, hr, a->ldh, pr); break;
            case 3: jk_lstm_product(3, E, H, panel, xr, a->ldx, hr, a->ldh, pr); break;
            case 2: jk_lstm_product(2, E, H, panel, xr, a->ldx, hr, a->ldh, pr); break;
            case 1: jk_lstm_product(1, E, H, panel, xr, a->ldx, hr, a->ldh, pr); break;
            default: break;
            }
            jk_lstm_cell(a, chunk, end - chunk, unit0, mask, pre);
        }
    }
}

#else

void jk_lstm_step(const jk_lstm_step_args *a) { (void)a; }

#endif
