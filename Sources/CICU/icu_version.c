#include "CICU.h"
#include <string.h>
#include <unicode/uversion.h>
#include <unicode/utypes.h>

int32_t jikji_icu_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    u_getVersion(info);
    if (capacity < U_MAX_VERSION_STRING_LENGTH) return -1;
    u_versionToString(info, buffer);
    return 0;
}

const char *jikji_icu_error_name(int32_t status) {
    return u_errorName((UErrorCode)status);
}
