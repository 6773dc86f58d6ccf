// OpenBLAS opened with dlopen after Jikji chose its kernel (see CBLAS.h for why).
//
// The entry points are resolved once into function pointers; a call costs the same indirect
// jump a linked library's PLT entry does. The pointer types come from OpenBLAS's own cblas.h,
// so a mismatch with the library's prototypes fails to compile.

#include "CBLAS.h"

#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// Debian's runtime package (libopenblas0) installs the versioned name; -dev adds the plain one.
#if defined(__APPLE__)
static const char *const library_names[] = {
    "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
};
#define JIKJI_BLAS_NAMES "libopenblas.dylib, /opt/homebrew/opt/openblas/lib/libopenblas.dylib, /usr/local/opt/openblas/lib/libopenblas.dylib"
#else
static const char *const library_names[] = {"libopenblas.so.0", "libopenblas.so"};
#define JIKJI_BLAS_NAMES "libopenblas.so.0, libopenblas.so"
#endif

static void *library;
static __typeof__(&cblas_sgemm) entry_sgemm;
static __typeof__(&cblas_sgemv) entry_sgemv;
static __typeof__(&openblas_get_num_threads) entry_get_num_threads;
static __typeof__(&openblas_set_num_threads) entry_set_num_threads;
static __typeof__(&openblas_get_parallel) entry_get_parallel;
static __typeof__(&openblas_get_corename) entry_get_corename;
static __typeof__(&openblas_get_config) entry_get_config;

const char *jikji_blas_library_names(void) { return JIKJI_BLAS_NAMES; }

int jikji_blas_open(char *error, size_t capacity) {
    if (library) return 0;
    const char *reason = "no library name to try";
    void *handle = NULL;
    for (size_t i = 0; i < sizeof library_names / sizeof library_names[0] && !handle; i++) {
        // RTLD_LAZY, as the dynamic loader binds a linked library: RTLD_NOW would resolve all of
        // OpenBLAS's thousands of internal calls up front (milliseconds at every start).
        // RTLD_LOCAL: its symbols stay out of the global namespace (nothing else in the process
        // binds to them by accident); Jikji reaches them through the handle.
        handle = dlopen(library_names[i], RTLD_LAZY | RTLD_LOCAL);
        if (!handle) reason = dlerror();
    }
    if (!handle) {
        if (error && capacity) snprintf(error, capacity, "%s", reason ? reason : "dlopen failed");
        return -1;
    }
#define JIKJI_RESOLVE(variable, name)                                                            \
    variable = (__typeof__(variable))dlsym(handle, name);                                       \
    if (!variable) {                                                                           \
        if (error && capacity) snprintf(error, capacity, "the library lacks %s", name);         \
        return -1;                                                                             \
    }
    JIKJI_RESOLVE(entry_sgemm, "cblas_sgemm")
    JIKJI_RESOLVE(entry_sgemv, "cblas_sgemv")
    JIKJI_RESOLVE(entry_get_num_threads, "openblas_get_num_threads")
    JIKJI_RESOLVE(entry_set_num_threads, "openblas_set_num_threads")
    JIKJI_RESOLVE(entry_get_parallel, "openblas_get_parallel")
    JIKJI_RESOLVE(entry_get_corename, "openblas_get_corename")
    JIKJI_RESOLVE(entry_get_config, "openblas_get_config")
#undef JIKJI_RESOLVE
    library = handle;
    return 0;
}

void *jikji_blas_symbol(const char *name) { return library ? dlsym(library, name) : NULL; }

void jikji_sgemm(int transposeA, int transposeB, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    entry_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void jikji_sgemv(int m, int n, float alpha, const float *a, int lda, const float *x, float beta, float *y) {
    entry_sgemv(CblasRowMajor, CblasNoTrans, m, n, alpha, a, lda, x, 1, beta, y, 1);
}

int jikji_blas_thread_count(void) { return entry_get_num_threads(); }
void jikji_blas_set_thread_count(int count) { entry_set_num_threads(count); }
int jikji_blas_parallel_mode(void) { return entry_get_parallel(); }
const char *jikji_blas_kernel_name(void) { return entry_get_corename(); }
const char *jikji_blas_configuration(void) { return entry_get_config(); }
