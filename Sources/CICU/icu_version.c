#include "CICU.h"
#include <string.h>
#include <unicode/uversion.h>

int32_t jikji_icu_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    u_getVersion(info);
    if (capacity < U_MAX_VERSION_STRING_LENGTH) return -1;
    u_versionToString(info, buffer);
    return 0;
}
