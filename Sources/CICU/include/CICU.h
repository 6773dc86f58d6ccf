#ifndef JIKJI_CICU_H
#define JIKJI_CICU_H
// Plain-C facade over Debian's ICU. Only plain C types cross this header: Foundation on Linux
// ships its own ICU, and ICU's own headers must never become visible to Swift.
#include <stdint.h>

/// Writes ICU's version ("72.1") into `buffer` (NUL-terminated). Returns 0 on success.
int32_t jikji_icu_version(char *buffer, int32_t capacity);

#endif
