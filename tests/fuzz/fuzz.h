/* tests/fuzz/fuzz.h: a fuzz target is a function the libFuzzer binary and
   the regression replay (tests/test_fuzz_regress.c) both call. */
#ifndef WY_TESTS_FUZZ_H
#define WY_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Larger inputs only slow the fuzzer down (libarchive caps at 512 KiB). */
#define WY_FUZZ_MAX (512u * 1024u)

#define WY_FUZZ_TARGET(name) int wy_fuzz_##name(const uint8_t *data, size_t size)

#ifdef WY_FUZZ_ENTRY
int WY_FUZZ_ENTRY(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > WY_FUZZ_MAX)
        return 0;
    return WY_FUZZ_ENTRY(data, size);
}
#endif

#endif
