// ICU regular expressions and transliteration over NUL-separated segments of a UTF-16 buffer.
#include "CICU.h"
#include <string.h>
#include <unicode/uregex.h>
#include <unicode/utrans.h>

void *jikji_regex_open(const uint16_t *pattern, int32_t length, uint32_t flags, int32_t *errorLine,
                       int32_t *errorOffset, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UParseError parse;
    memset(&parse, 0, sizeof parse);
    URegularExpression *re = uregex_open((const UChar *)pattern, length, flags, &parse, &err);
    *errorLine = parse.line;
    *errorOffset = parse.offset;
    *status = (int32_t)err;
    if (U_FAILURE(err)) {
        if (re) uregex_close(re);
        return NULL;
    }
    return re;
}

void jikji_regex_close(void *regex) {
    if (regex) uregex_close((URegularExpression *)regex);
}

/// Index of the next NUL at or after `from`, or `length`.
static int32_t segment_end(const uint16_t *text, int32_t from, int32_t length) {
    const uint16_t *p = text + from, *end = text + length;
    while (p < end && *p != 0) p++;
    return (int32_t)(p - text);
}

int32_t jikji_regex_replace_segments(void *regex, const uint16_t *replacement, int32_t replacementLength,
                                     const uint16_t *source, int32_t length, uint16_t *dest,
                                     int32_t capacity, int32_t segmented, int32_t *status) {
    URegularExpression *re = (URegularExpression *)regex;
    int32_t out = 0, start = 0;
    while (start <= length) {
        int32_t end = segmented ? segment_end(source, start, length) : length;
        int32_t n = end - start;
        UErrorCode err = U_ZERO_ERROR;
        uregex_setText(re, (const UChar *)source + start, n, &err);
        UBool found = U_SUCCESS(err) && uregex_find(re, 0, &err);
        if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
        if (!found) {
            // The common case: nothing to replace, copy the segment.
            if (out + n > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length * 2 + 16; }
            memcpy(dest + out, source + start, (size_t)n * sizeof(uint16_t));
            out += n;
        } else {
            int32_t written = uregex_replaceAll(re, (const UChar *)replacement, replacementLength,
                                                (UChar *)dest + out, capacity - out, &err);
            if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
            if (err == U_BUFFER_OVERFLOW_ERROR) {
                *status = JIKJI_BUFFER_OVERFLOW;
                return (out + written) * 2 + (length - end) * 2 + 16;
            }
            if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
            out += written;
        }
        if (end < length) {
            if (out + 1 > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length * 2 + 16; }
            dest[out++] = 0;
        }
        start = end + 1;
    }
    // Never leave ICU pointing at the caller's buffer.
    UErrorCode err = U_ZERO_ERROR;
    static const UChar empty[1] = {0};
    uregex_setText(re, empty, 0, &err);
    *status = 0;
    return out;
}

int32_t jikji_regex_replace_aligned(void *regex, const uint16_t *replacement, int32_t replacementLength,
                                    const uint16_t *source, int32_t length, uint16_t *dest, int32_t *originStart,
                                    int32_t *originEnd, int32_t capacity, int32_t *status) {
    URegularExpression *re = (URegularExpression *)regex;
    static const UChar empty[1] = {0};
    int32_t out = 0, start = 0;
    while (start <= length) {
        int32_t end = segment_end(source, start, length);
        UErrorCode err = U_ZERO_ERROR;
        uregex_setText(re, (const UChar *)source + start, end - start, &err);
        int32_t previous = 0;  // end of the previous match, within the segment
        while (U_SUCCESS(err) && uregex_findNext(re, &err)) {
            int32_t matchStart = uregex_start(re, 0, &err), matchEnd = uregex_end(re, 0, &err);
            if (U_FAILURE(err)) break;
            // ICU appends the text since the previous match, then the expanded replacement.
            UChar *buffer = (UChar *)dest + out;
            int32_t room = capacity - out;
            int32_t written = uregex_appendReplacement(re, (const UChar *)replacement, replacementLength, &buffer, &room, &err);
            if (err == U_BUFFER_OVERFLOW_ERROR || out + written > capacity) {
                uregex_setText(re, empty, 0, &err);
                *status = JIKJI_BUFFER_OVERFLOW;
                return (out + written) * 2 + (length - start) * 2 + 16;
            }
            if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
            if (U_FAILURE(err)) break;
            int32_t copied = matchStart - previous;
            for (int32_t k = 0; k < written; k++) {
                if (k < copied) {
                    originStart[out + k] = start + previous + k;
                    originEnd[out + k] = start + previous + k + 1;
                } else {
                    originStart[out + k] = start + matchStart;
                    originEnd[out + k] = start + matchEnd;
                }
            }
            out += written;
            previous = matchEnd;
        }
        if (U_FAILURE(err)) { uregex_setText(re, empty, 0, &err); *status = (int32_t)err; return 0; }
        int32_t tail = end - start - previous;
        if (out + tail + 1 > capacity) {
            uregex_setText(re, empty, 0, &err);
            *status = JIKJI_BUFFER_OVERFLOW;
            return out * 2 + (length - start) * 2 + 16;
        }
        for (int32_t k = 0; k < tail; k++) {
            dest[out + k] = source[start + previous + k];
            originStart[out + k] = start + previous + k;
            originEnd[out + k] = start + previous + k + 1;
        }
        out += tail;
        if (end < length) {
            dest[out] = 0;
            originStart[out] = end;
            originEnd[out] = end + 1;
            out++;
        }
        start = end + 1;
    }
    UErrorCode err = U_ZERO_ERROR;
    uregex_setText(re, empty, 0, &err);
    *status = 0;
    return out;
}

void *jikji_translit_open(const uint16_t *id, int32_t length, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UTransliterator *t = utrans_openU((const UChar *)id, length, UTRANS_FORWARD, NULL, 0, NULL, &err);
    *status = (int32_t)err;
    if (U_FAILURE(err)) {
        if (t) utrans_close(t);
        return NULL;
    }
    return t;
}

void jikji_translit_close(void *transliterator) {
    if (transliterator) utrans_close((UTransliterator *)transliterator);
}

int32_t jikji_translit_segments(void *transliterator, const uint16_t *source, int32_t length, uint16_t *dest,
                                int32_t capacity, int32_t *status) {
    UTransliterator *t = (UTransliterator *)transliterator;
    int32_t out = 0, start = 0;
    while (start <= length) {
        int32_t end = segment_end(source, start, length);
        int32_t n = end - start;
        // utrans works in place: copy the segment, then let it grow within the remaining room.
        if (out + n > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length * 4 + 16; }
        memcpy(dest + out, source + start, (size_t)n * sizeof(uint16_t));
        int32_t textLength = n, limit = n;
        UErrorCode err = U_ZERO_ERROR;
        utrans_transUChars(t, (UChar *)dest + out, &textLength, capacity - out, 0, &limit, &err);
        if (err == U_BUFFER_OVERFLOW_ERROR || textLength > capacity - out) {
            *status = JIKJI_BUFFER_OVERFLOW;
            return (out + textLength) * 2 + (length - end) * 4 + 16;
        }
        if (err == U_STRING_NOT_TERMINATED_WARNING) err = U_ZERO_ERROR;
        if (U_FAILURE(err)) { *status = (int32_t)err; return 0; }
        out += textLength;
        if (end < length) {
            if (out + 1 > capacity) { *status = JIKJI_BUFFER_OVERFLOW; return length * 4 + 16; }
            dest[out++] = 0;
        }
        start = end + 1;
    }
    *status = 0;
    return out;
}
