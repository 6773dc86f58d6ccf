// UTF conversion, normalization, case mapping and character properties through ICU.
#include "CICU.h"
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>

int32_t jikji_utf8_to_utf16(const uint8_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                            int32_t substitute, int32_t *substitutions, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t out = 0;
    if (substitutions) *substitutions = 0;
    if (substitute < 0) {
        u_strFromUTF8((UChar *)dest, capacity, &out, (const char *)source, length, &err);
    } else {
        int32_t subs = 0;
        u_strFromUTF8WithSub((UChar *)dest, capacity, &out, (const char *)source, length,
                             (UChar32)substitute, &subs, &err);
        if (substitutions) *substitutions = subs;
    }
    // ICU reports a missing terminator as a warning; buffers here are length-delimited.
    if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
    *status = (int32_t)err;
    return out;
}

int32_t jikji_utf16_to_utf8(const uint16_t *source, int32_t length, uint8_t *dest, int32_t capacity,
                            int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t out = 0;
    u_strToUTF8((char *)dest, capacity, &out, (const UChar *)source, length, &err);
    if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
    *status = (int32_t)err;
    return out;
}

const void *jikji_normalizer(int32_t form, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *n = NULL;
    switch (form) {
    case 0: n = unorm2_getNFCInstance(&err); break;
    case 1: n = unorm2_getNFDInstance(&err); break;
    case 2: n = unorm2_getNFKCInstance(&err); break;
    case 3: n = unorm2_getNFKDInstance(&err); break;
    case 4: n = unorm2_getNFKCCasefoldInstance(&err); break;
    default: err = U_ILLEGAL_ARGUMENT_ERROR;
    }
    *status = (int32_t)err;
    return U_SUCCESS(err) ? n : NULL;
}

int32_t jikji_normalize(const void *normalizer, const uint16_t *source, int32_t length, uint16_t *dest,
                        int32_t capacity, int32_t *status) {
    const UNormalizer2 *n = (const UNormalizer2 *)normalizer;
    UErrorCode err = U_ZERO_ERROR;
    // Most text is already normalized: find the prefix that certainly is and copy it as is.
    int32_t span = unorm2_spanQuickCheckYes(n, (const UChar *)source, length, &err);
    if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
    if (span == length) {
        if (length > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length; }
        memcpy(dest, source, (size_t)length * sizeof(uint16_t));
        *status = 0;
        return length;
    }
    if (span > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length * 3; }
    memcpy(dest, source, (size_t)span * sizeof(uint16_t));
    int32_t out = unorm2_normalizeSecondAndAppend(n, (UChar *)dest, span, capacity,
                                                  (const UChar *)source + span, length - span, &err);
    if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
    *status = (int32_t)err;
    return out;
}

int32_t jikji_normalizer_span_yes(const void *normalizer, const uint16_t *source, int32_t length, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t span = unorm2_spanQuickCheckYes((const UNormalizer2 *)normalizer, (const UChar *)source, length, &err);
    *status = (int32_t)err;
    return U_SUCCESS(err) ? span : 0;
}

int32_t jikji_normalizer_boundary_before(const void *normalizer, uint32_t codePoint) {
    return unorm2_hasBoundaryBefore((const UNormalizer2 *)normalizer, (UChar32)codePoint) ? 1 : 0;
}

int32_t jikji_to_lower(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                       int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t out = u_strToLower((UChar *)dest, capacity, (const UChar *)source, length, "", &err);
    if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
    *status = (int32_t)err;
    return out;
}

int32_t jikji_fold_case(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                        int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t out = u_strFoldCase((UChar *)dest, capacity, (const UChar *)source, length,
                                U_FOLD_CASE_DEFAULT, &err);
    if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
    *status = (int32_t)err;
    return out;
}

void jikji_fill_bmp_categories(uint8_t *table) {
    for (UChar32 c = 0; c < 0x10000; c++) table[c] = (uint8_t)u_charType(c);
}

int32_t jikji_char_category(uint32_t codePoint) {
    return (int32_t)u_charType((UChar32)codePoint);
}
