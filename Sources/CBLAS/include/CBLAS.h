#ifndef JIKJI_CBLAS_H
#define JIKJI_CBLAS_H

// OpenBLAS, loaded at run time, and the CPU facts that decide which of its kernels to load.
//
// Why not link libopenblas: OpenBLAS picks its kernel ("core") once, in its load-time
// constructor, from OPENBLAS_CORETYPE or its own CPU table; Debian's 0.3.21 does not know
// recent Xeons and falls back to its SSE3 (Prescott) kernel, three times slower there. A linked
// library is initialised before `main`, too early for Jikji to choose. So JikjiRecurrent's `BLAS`
// chooses the kernel, sets OPENBLAS_CORETYPE, and only then opens the library here; every BLAS
// call goes through the entry points resolved by `jikji_blas_open`.
//
// The functions below that call OpenBLAS may only run after `jikji_blas_open` returned 0
// (`BLAS` in JikjiRecurrent guarantees it).

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The CPU's vendor as cpuid reports it.
typedef enum {
    JIKJI_CPU_VENDOR_OTHER = 0,
    JIKJI_CPU_VENDOR_INTEL = 1,
    JIKJI_CPU_VENDOR_AMD = 2,
} jikji_cpu_vendor;

/// Instruction-set extensions the processor reports (cpuid) and the operating system enables
/// (xgetbv: the register state is saved on context switches). All zero off x86-64.
typedef struct {
    jikji_cpu_vendor vendor;
    int sse3, avx, fma, avx2;
    int avx512f, avx512cd, avx512bw, avx512dq, avx512vl;
    int avx512bf16, avx512fp16;
    int amxTile, amxBF16;
} jikji_cpu_features;

/// This CPU's extensions.
jikji_cpu_features jikji_cpu_detect(void);

/// Opens OpenBLAS (the first of its usual file names that loads) and resolves the entry points
/// Jikji calls. Returns 0 on success (also when already open), otherwise -1 with the reason
/// (the loader's message for the last name tried) in `error`. Not thread-safe: call once, from
/// one thread (JikjiRecurrent's `BLAS` does, under a Swift `static let`).
int jikji_blas_open(char *error, size_t capacity);

/// The file names `jikji_blas_open` tries, in order, separated by ", ".
const char *jikji_blas_library_names(void);

/// An exported symbol of the opened library (NULL when it lacks it or is not open): for the
/// internal entry points `BLAS.shortenIdleSpin` uses when present.
void *jikji_blas_symbol(const char *name);

/// Row-major `C = alpha op(A) op(B) + beta C` (cblas_sgemm with CblasRowMajor).
void jikji_sgemm(int transposeA, int transposeB, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// Row-major `y = alpha A x + beta y` (cblas_sgemv with CblasRowMajor, CblasNoTrans, unit strides).
void jikji_sgemv(int m, int n, float alpha, const float *a, int lda, const float *x, float beta, float *y);

/// openblas_get_num_threads.
int jikji_blas_thread_count(void);
/// openblas_set_num_threads.
void jikji_blas_set_thread_count(int count);
/// openblas_get_parallel: 0 single-threaded build, 1 its own pthreads pool, 2 OpenMP.
int jikji_blas_parallel_mode(void);
/// openblas_get_corename: the kernel OpenBLAS runs, e.g. "SkylakeX".
const char *jikji_blas_kernel_name(void);
/// openblas_get_config: version and build options, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH …".
const char *jikji_blas_configuration(void);

#ifdef __cplusplus
}
#endif

#endif
