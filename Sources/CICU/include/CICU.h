#ifndef JIKJI_CICU_H
#define JIKJI_CICU_H
// Plain-C facade over Debian's ICU. Only plain C types cross this header: Foundation on Linux
// ships its own ICU, and ICU's own headers must never become visible to Swift.
//
// Conventions: text is UTF-16 (`uint16_t`) with explicit lengths. Functions that write into a
// caller's buffer return the length they need; `*status` is 0 on success, an ICU error code
// (> 0) on failure, and JIKJI_BUFFER_OVERFLOW when `capacity` was too small (grow and retry).
#include <stdint.h>

/// ICU's U_BUFFER_OVERFLOW_ERROR: the destination was too small; the return value is the need.
#define JIKJI_BUFFER_OVERFLOW 15

/// Writes ICU's version ("72.1") into `buffer` (NUL-terminated). Returns 0 on success.
int32_t jikji_icu_version(char *buffer, int32_t capacity);

/// ICU's name for an error code ("U_REGEX_RULE_SYNTAX"); never NULL.
const char *jikji_icu_error_name(int32_t status);

// MARK: UTF-8 <-> UTF-16

/// Converts UTF-8 to UTF-16. With `substitute` >= 0, ill-formed sequences become that code
/// point and `*substitutions` counts them; with -1 they are an error (U_INVALID_CHAR_FOUND = 10).
int32_t jikji_utf8_to_utf16(const uint8_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                            int32_t substitute, int32_t *substitutions, int32_t *status);

/// Converts UTF-16 to UTF-8 (unpaired surrogates are an error).
int32_t jikji_utf16_to_utf8(const uint16_t *source, int32_t length, uint8_t *dest, int32_t capacity,
                            int32_t *status);

// MARK: Normalization and case

/// ICU's shared normalizer for `form`: 0 NFC, 1 NFD, 2 NFKC, 3 NFKD, 4 NFKC_Casefold.
/// The handle is owned by ICU and never freed.
const void *jikji_normalizer(int32_t form, int32_t *status);

/// Normalizes `source` into `dest`; text already normalized is copied without work.
int32_t jikji_normalize(const void *normalizer, const uint16_t *source, int32_t length, uint16_t *dest,
                        int32_t capacity, int32_t *status);

/// The length of the longest prefix of `source` that is certainly normalized (ICU's quick check).
/// Its last code point may still combine with what follows.
int32_t jikji_normalizer_span_yes(const void *normalizer, const uint16_t *source, int32_t length, int32_t *status);

/// Whether normalization never reaches across the start of `codePoint`, whatever precedes it:
/// text before and text from it on normalize separately to the same result.
int32_t jikji_normalizer_boundary_before(const void *normalizer, uint32_t codePoint);

/// Full Unicode lowercasing with root-locale rules.
int32_t jikji_to_lower(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                       int32_t *status);

/// Full Unicode case folding (default mappings).
int32_t jikji_fold_case(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                        int32_t *status);

/// Fills `table[c]` with ICU's general category (UCharCategory) of every BMP code point `c`.
/// `table` must hold 65536 bytes.
void jikji_fill_bmp_categories(uint8_t *table);

/// ICU's general category (UCharCategory) of any code point.
int32_t jikji_char_category(uint32_t codePoint);

// MARK: Regular expressions

/// Flags for `jikji_regex_open` (ICU's UREGEX_* values).
#define JIKJI_REGEX_CASE_INSENSITIVE 2
#define JIKJI_REGEX_DOTALL 32

/// Compiles an ICU regular expression. On a syntax error returns NULL, sets `*status` and the
/// 1-based `*errorLine` / `*errorOffset` of the problem in the pattern.
void *jikji_regex_open(const uint16_t *pattern, int32_t length, uint32_t flags, int32_t *errorLine,
                       int32_t *errorOffset, int32_t *status);

/// Frees a compiled expression.
void jikji_regex_close(void *regex);

/// Replaces every match, expanding `$1`-style references in `replacement`. With `segmented`,
/// each NUL-separated segment of `source` is matched on its own (matches never span a NUL and
/// `^`/`$` anchor at segment ends; NULs are copied through); without it, the whole buffer is
/// matched at once (for patterns that cannot match a NUL: much less per-call work).
int32_t jikji_regex_replace_segments(void *regex, const uint16_t *replacement, int32_t replacementLength,
                                     const uint16_t *source, int32_t length, uint16_t *dest,
                                     int32_t capacity, int32_t segmented, int32_t *status);

/// `jikji_regex_replace_segments` (always per segment) that also writes, for each output unit,
/// the source span it came from into `originStart`/`originEnd` (room for `capacity` entries):
/// unmatched text from itself, a replacement from the whole match it replaces.
int32_t jikji_regex_replace_aligned(void *regex, const uint16_t *replacement, int32_t replacementLength,
                                    const uint16_t *source, int32_t length, uint16_t *dest, int32_t *originStart,
                                    int32_t *originEnd, int32_t capacity, int32_t *status);

// MARK: Transliteration

/// Opens an ICU transliterator by id ("Hangul-Latin", "Any-Latin; Latin-ASCII"). NULL on error.
void *jikji_translit_open(const uint16_t *id, int32_t length, int32_t *status);

/// Frees a transliterator.
void jikji_translit_close(void *transliterator);

/// Transliterates each NUL-separated segment of `source` into `dest`.
int32_t jikji_translit_segments(void *transliterator, const uint16_t *source, int32_t length, uint16_t *dest,
                                int32_t capacity, int32_t *status);

#endif
