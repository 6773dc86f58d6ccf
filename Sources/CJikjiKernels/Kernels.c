// Fused element-wise kernels of the recurrent layers (see include/JikjiKernels.h).
//
// The transcendental functions are written with plain float arithmetic so that clang
// vectorizes the loops around them: libm's expf/tanhf are scalar calls that would keep the
// gate loops at one element per call. Accuracy: exp within ~2 ulp (Cephes polynomial),
// sigmoid and tanh within a few 1e-8 absolute, far inside PyTorch parity tolerance.

#include "JikjiKernels.h"
#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
// One copy of each kernel per instruction set, chosen when the library loads.
#define JK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define JK_CLONES
#endif

#define JK_RESTRICT __restrict__

// Element j of a row reads and writes only index j of each array (and arrays that alias do
// so exactly, like dh/dhPrev), so the vectorizer may skip its runtime overlap checks. Without
// this clang falls back to the scalar loop whenever it cannot prove independence.
#if defined(__clang__)
#define JK_VECTORIZE _Pragma("clang loop vectorize(assume_safety) interleave(enable)")
#else
#define JK_VECTORIZE
#endif

// exp(x) for x clamped to [-87, 88]: 2^n * p(r) with r = x - n ln 2 in [-ln2/2, ln2/2].
static inline float jk_exp(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    // Round x / ln 2 to the nearest integer with the 1.5 * 2^23 trick (no roundps needed).
    const float shifter = 12582912.0f;
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float jk_sigmoid(float x) { return 1.0f / (1.0f + jk_exp(-x)); }

// tanh(x) = 1 - 2 / (e^{2x} + 1): saturates cleanly to ±1 at both ends.
static inline float jk_tanh(float x) { return 1.0f - 2.0f / (jk_exp(2.0f * x) + 1.0f); }

// `record` is a literal at each call: the loop without the backward copies is its own loop.
static inline __attribute__((always_inline)) void jk_lstm_forward_impl(
    int rows, int H, float *JK_RESTRICT gates, const float *JK_RESTRICT bias,
    float *JK_RESTRICT cState, float *JK_RESTRICT cPrevOut, float *JK_RESTRICT cOut,
    float *JK_RESTRICT hState, float *JK_RESTRICT hPrevOut, float *JK_RESTRICT h, int ldh, const int record) {
    for (int b = 0; b < rows; b++) {
        float *JK_RESTRICT gi = gates + (size_t)b * 4 * H;
        float *JK_RESTRICT gf = gi + H;
        float *JK_RESTRICT gg = gi + 2 * H;
        float *JK_RESTRICT go = gi + 3 * H;
        float *JK_RESTRICT cs = cState + (size_t)b * H;
        float *JK_RESTRICT cp = record ? cPrevOut + (size_t)b * H : 0;
        float *JK_RESTRICT co = record ? cOut + (size_t)b * H : 0;
        float *JK_RESTRICT hs = hState + (size_t)b * H;
        float *JK_RESTRICT hp = record ? hPrevOut + (size_t)b * H : 0;
        float *JK_RESTRICT ho = h + (size_t)b * ldh;
        JK_VECTORIZE
        for (int j = 0; j < H; j++) {
            float i = jk_sigmoid(gi[j] + bias[j]);
            float f = jk_sigmoid(gf[j] + bias[H + j]);
            float g = jk_tanh(gg[j] + bias[2 * H + j]);
            float o = jk_sigmoid(go[j] + bias[3 * H + j]);
            float cPrev = cs[j];
            float c = f * cPrev + i * g;
            float hv = o * jk_tanh(c);
            if (record) {
                gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;
                cp[j] = cPrev;
                co[j] = c;
                hp[j] = hs[j];
            }
            cs[j] = c;
            hs[j] = hv;
            ho[j] = hv;
        }
    }
}

JK_CLONES
void jk_lstm_forward(int rows, int H, float *gates, const float *bias, float *cState, float *cPrevOut,
                     float *cOut, float *hState, float *hPrevOut, float *h, int ldh) {
    if (cPrevOut && cOut && hPrevOut) {
        jk_lstm_forward_impl(rows, H, gates, bias, cState, cPrevOut, cOut, hState, hPrevOut, h, ldh, 1);
    } else {
        jk_lstm_forward_impl(rows, H, gates, bias, cState, 0, 0, hState, 0, h, ldh, 0);
    }
}

JK_CLONES
void jk_lstm_backward(int rows, int H, const float *JK_RESTRICT gates, const float *JK_RESTRICT cPrev,
                      const float *JK_RESTRICT cNew, const float *JK_RESTRICT dh,
                      const float *JK_RESTRICT dOut, int ldo, float *JK_RESTRICT dc,
                      float *JK_RESTRICT dGates) {
    for (int b = 0; b < rows; b++) {
        const float *gi = gates + (size_t)b * 4 * H;
        const float *gf = gi + H, *gg = gi + 2 * H, *go = gi + 3 * H;
        const float *cp = cPrev + (size_t)b * H, *cn = cNew + (size_t)b * H;
        const float *dhr = dh + (size_t)b * H;
        const float *dor = dOut ? dOut + (size_t)b * ldo : NULL;
        float *dcr = dc + (size_t)b * H;
        float *di = dGates + (size_t)b * 4 * H;
        float *df = di + H, *dg = di + 2 * H, *dO = di + 3 * H;
        JK_VECTORIZE
        for (int j = 0; j < H; j++) {
            float d = dhr[j] + (dor ? dor[j] : 0.0f);
            float i = gi[j], f = gf[j], g = gg[j], o = go[j];
            float tc = jk_tanh(cn[j]);
            float dcc = dcr[j] + d * o * (1.0f - tc * tc);
            dO[j] = d * tc * o * (1.0f - o);
            di[j] = dcc * g * i * (1.0f - i);
            df[j] = dcc * cp[j] * f * (1.0f - f);
            dg[j] = dcc * i * (1.0f - g * g);
            dcr[j] = dcc * f;
        }
    }
}

static inline __attribute__((always_inline)) void jk_gru_forward_impl(
    int rows, int H, float *JK_RESTRICT gates, const float *JK_RESTRICT hh,
    const float *JK_RESTRICT biasIH, const float *JK_RESTRICT biasHH,
    float *JK_RESTRICT hState, float *JK_RESTRICT hnOut, float *JK_RESTRICT hPrevOut,
    float *JK_RESTRICT h, int ldh, const int record) {
    for (int b = 0; b < rows; b++) {
        float *gr = gates + (size_t)b * 3 * H;
        float *gz = gr + H, *gn = gr + 2 * H;
        const float *sr = hh + (size_t)b * 3 * H;
        const float *sz = sr + H, *sn = sr + 2 * H;
        float *hs = hState + (size_t)b * H;
        float *hno = record ? hnOut + (size_t)b * H : 0;
        float *hp = record ? hPrevOut + (size_t)b * H : 0;
        float *ho = h + (size_t)b * ldh;
        JK_VECTORIZE
        for (int j = 0; j < H; j++) {
            float r = jk_sigmoid(gr[j] + biasIH[j] + sr[j] + biasHH[j]);
            float z = jk_sigmoid(gz[j] + biasIH[H + j] + sz[j] + biasHH[H + j]);
            float hn = sn[j] + biasHH[2 * H + j];
            float n = jk_tanh(gn[j] + biasIH[2 * H + j] + r * hn);
            float hPrev = hs[j];
            float hv = (hPrev - n) * z + n;
            if (record) {
                gr[j] = r; gz[j] = z; gn[j] = n;
                hno[j] = hn;
                hp[j] = hPrev;
            }
            hs[j] = hv;
            ho[j] = hv;
        }
    }
}

JK_CLONES
void jk_gru_forward(int rows, int H, float *gates, const float *hh, const float *biasIH,
                    const float *biasHH, float *hState, float *hnOut, float *hPrevOut, float *h, int ldh) {
    if (hnOut && hPrevOut) {
        jk_gru_forward_impl(rows, H, gates, hh, biasIH, biasHH, hState, hnOut, hPrevOut, h, ldh, 1);
    } else {
        jk_gru_forward_impl(rows, H, gates, hh, biasIH, biasHH, hState, 0, 0, h, ldh, 0);
    }
}

JK_CLONES
void jk_gru_backward(int rows, int H, const float *JK_RESTRICT gates, const float *JK_RESTRICT hn,
                     const float *JK_RESTRICT hPrev, const float *dh, const float *JK_RESTRICT dOut,
                     int ldo, float *JK_RESTRICT dGatesIH, float *JK_RESTRICT dGatesHH, float *dhPrev) {
    for (int b = 0; b < rows; b++) {
        const float *gr = gates + (size_t)b * 3 * H;
        const float *gz = gr + H, *gn = gr + 2 * H;
        const float *hnr = hn + (size_t)b * H, *hpr = hPrev + (size_t)b * H;
        const float *dhr = dh + (size_t)b * H;
        const float *dor = dOut ? dOut + (size_t)b * ldo : NULL;
        float *dir = dGatesIH + (size_t)b * 3 * H;
        float *dhh = dGatesHH + (size_t)b * 3 * H;
        float *dpr = dhPrev + (size_t)b * H;
        JK_VECTORIZE
        for (int j = 0; j < H; j++) {
            float d = dhr[j] + (dor ? dor[j] : 0.0f);
            float r = gr[j], z = gz[j], n = gn[j];
            float dnPre = d * (1.0f - z) * (1.0f - n * n);
            float dzPre = d * (hpr[j] - n) * z * (1.0f - z);
            float drPre = dnPre * hnr[j] * r * (1.0f - r);
            dir[j] = drPre; dir[H + j] = dzPre; dir[2 * H + j] = dnPre;
            dhh[j] = drPre; dhh[H + j] = dzPre; dhh[2 * H + j] = dnPre * r;
            dpr[j] = d * z;
        }
    }
}

JK_CLONES
void jk_rnn_forward(int rows, int H, int relu, float *JK_RESTRICT pre, const float *JK_RESTRICT bias,
                    float *JK_RESTRICT hState, float *JK_RESTRICT hPrevOut, float *JK_RESTRICT h, int ldh) {
    for (int b = 0; b < rows; b++) {
        float *p = pre + (size_t)b * H;
        float *hs = hState + (size_t)b * H;
        float *ho = h + (size_t)b * ldh;
        // The previous state is copied out for backward only when recording.
        if (hPrevOut) memcpy(hPrevOut + (size_t)b * H, hs, sizeof(float) * (size_t)H);
        if (relu) {
            JK_VECTORIZE
            for (int j = 0; j < H; j++) {
                float v = p[j] + bias[j];
                v = v > 0.0f ? v : 0.0f;
                p[j] = v; hs[j] = v; ho[j] = v;
            }
        } else {
            JK_VECTORIZE
            for (int j = 0; j < H; j++) {
                float v = jk_tanh(p[j] + bias[j]);
                p[j] = v; hs[j] = v; ho[j] = v;
            }
        }
    }
}

JK_CLONES
void jk_rnn_backward(int rows, int H, int relu, const float *JK_RESTRICT act, const float *JK_RESTRICT dh,
                     const float *JK_RESTRICT dOut, int ldo, float *JK_RESTRICT dPre) {
    for (int b = 0; b < rows; b++) {
        const float *a = act + (size_t)b * H;
        const float *dhr = dh + (size_t)b * H;
        const float *dor = dOut ? dOut + (size_t)b * ldo : NULL;
        float *dp = dPre + (size_t)b * H;
        if (relu) {
            JK_VECTORIZE
            for (int j = 0; j < H; j++) {
                float d = dhr[j] + (dor ? dor[j] : 0.0f);
                dp[j] = a[j] > 0.0f ? d : 0.0f;
            }
        } else {
            JK_VECTORIZE
            for (int j = 0; j < H; j++) {
                float d = dhr[j] + (dor ? dor[j] : 0.0f);
                dp[j] = d * (1.0f - a[j] * a[j]);
            }
        }
    }
}

JK_CLONES
void jk_column_sums(int rows, int cols, const float *JK_RESTRICT m, int ld, float *JK_RESTRICT sum) {
    for (int r = 0; r < rows; r++) {
        const float *row = m + (size_t)r * ld;
        JK_VECTORIZE
        for (int j = 0; j < cols; j++) sum[j] += row[j];
    }
}

JK_CLONES
void jk_multiply(size_t count, const float *JK_RESTRICT x, const float *JK_RESTRICT mask, float *JK_RESTRICT y) {
    JK_VECTORIZE
    for (size_t i = 0; i < count; i++) y[i] = x[i] * mask[i];
}

// Three passes over each row (max; exp and sum, written back only for the gradient; scale), so a
// row of 30 000 logits (120 KB) stays in L2 between them. The max and the sum keep 16 partial
// results (one vector register) so they vectorize without fast-math; the row total is in double.
#define JK_LANES 16

JK_CLONES
double jk_softmax_cross_entropy(int rows, int V, float *JK_RESTRICT z, int ldz, const int32_t *JK_RESTRICT targets,
                                int32_t ignore, float scale, int gradient) {
    double total = 0;
    for (int r = 0; r < rows; r++) {
        float *JK_RESTRICT row = z + (size_t)r * ldz;
        int32_t target = targets[r];
        if (target == ignore) {
            if (gradient) memset(row, 0, sizeof(float) * (size_t)V);
            continue;
        }
        const int body = V - V % JK_LANES;
        float lanes[JK_LANES];
        for (int l = 0; l < JK_LANES; l++) lanes[l] = row[0];
        for (int j = 0; j < body; j += JK_LANES)
            for (int l = 0; l < JK_LANES; l++) lanes[l] = row[j + l] > lanes[l] ? row[j + l] : lanes[l];
        float maxValue = row[0];
        for (int l = 0; l < JK_LANES; l++) maxValue = lanes[l] > maxValue ? lanes[l] : maxValue;
        for (int j = body; j < V; j++) maxValue = row[j] > maxValue ? row[j] : maxValue;
        const float targetLogit = row[target];
        for (int l = 0; l < JK_LANES; l++) lanes[l] = 0;
        if (gradient) {
            for (int j = 0; j < body; j += JK_LANES)
                for (int l = 0; l < JK_LANES; l++) {
                    float e = jk_exp(row[j + l] - maxValue);
                    row[j + l] = e;
                    lanes[l] += e;
                }
        } else {
            for (int j = 0; j < body; j += JK_LANES)
                for (int l = 0; l < JK_LANES; l++) lanes[l] += jk_exp(row[j + l] - maxValue);
        }
        float sum = 0;
        for (int l = 0; l < JK_LANES; l++) sum += lanes[l];
        for (int j = body; j < V; j++) {
            float e = jk_exp(row[j] - maxValue);
            if (gradient) row[j] = e;
            sum += e;
        }
        if (gradient) {
            const float factor = scale / sum;
            JK_VECTORIZE
            for (int j = 0; j < V; j++) row[j] *= factor;
            row[target] -= scale;
        }
        total += log((double)sum) - (double)(targetLogit - maxValue);
    }
    return total;
}
