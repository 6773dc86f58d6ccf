// cpuid/xgetbv facts for choosing OpenBLAS's kernel (see CBLAS.h).
//
// An extension counts only when the operating system also saves its registers (XCR0): a
// hypervisor or kernel may hide AVX-512 or AMX state even where the processor has them, and
// OpenBLAS's kernels would then fault.

#include "CBLAS.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((unsigned long long)high << 32) | low;
}

jikji_cpu_features jikji_cpu_detect(void) {
    jikji_cpu_features f;
    memset(&f, 0, sizeof f);
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
    unsigned int maxLeaf = eax;
    char vendor[13];
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "GenuineIntel") == 0) f.vendor = JIKJI_CPU_VENDOR_INTEL;
    else if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0) f.vendor = JIKJI_CPU_VENDOR_AMD;

    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    f.sse3 = (ecx >> 0) & 1;
    int osxsave = (ecx >> 27) & 1;
    int hasFMA = (ecx >> 12) & 1, hasAVX = (ecx >> 28) & 1;
    unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
    // XCR0 bits 1-2: SSE and AVX (ymm) state; 5-7: AVX-512 opmask and zmm; 17-18: AMX tiles.
    int osYMM = (xcr0 & 0x6) == 0x6;
    int osZMM = osYMM && (xcr0 & 0xE0) == 0xE0;
    int osTiles = (xcr0 & 0x60000) == 0x60000;
    f.avx = hasAVX && osYMM;
    f.fma = hasFMA && osYMM;
    if (maxLeaf < 7) return f;

    __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
    unsigned int subleaves = eax;
    f.avx2 = ((ebx >> 5) & 1) && osYMM;
    f.avx512f = ((ebx >> 16) & 1) && osZMM;
    f.avx512dq = ((ebx >> 17) & 1) && osZMM;
    f.avx512cd = ((ebx >> 28) & 1) && osZMM;
    f.avx512bw = ((ebx >> 30) & 1) && osZMM;
    f.avx512vl = ((ebx >> 31) & 1) && osZMM;
    f.avx512fp16 = ((edx >> 23) & 1) && osZMM;
    f.amxBF16 = ((edx >> 22) & 1) && osTiles;
    f.amxTile = ((edx >> 24) & 1) && osTiles;
    if (subleaves >= 1) {
        __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx);
        f.avx512bf16 = ((eax >> 5) & 1) && osZMM;
    }
    return f;
}

#else

jikji_cpu_features jikji_cpu_detect(void) {
    jikji_cpu_features f;
    memset(&f, 0, sizeof f);
    return f;
}

#endif
