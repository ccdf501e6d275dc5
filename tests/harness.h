/* tests/harness.h: what every test file includes. */
#ifndef WY_TESTS_HARNESS_H
#define WY_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/err.h"

/*
 * A test group: one per test file, discovered by the Makefile (a line that
 * starts with WY_GROUP). Example:
 *   WY_GROUP(buf, NULL, NULL, cmocka_unit_test(appends), ...)
 */
#define WY_GROUP(name, setup, teardown, ...)                                  \
    int wy_group_##name(size_t *ntests);                                      \
    int wy_group_##name(size_t *ntests)                                       \
    {                                                                         \
        const struct CMUnitTest t_[] = {__VA_ARGS__};                         \
        *ntests = sizeof(t_) / sizeof(t_[0]);                                 \
        return _cmocka_run_group_tests(#name, t_, *ntests, setup, teardown);  \
    }

/* The path of a file in ../shared/fixtures (or $WY_SHARED/fixtures).
   borrowed: a static buffer, valid until the next call. */
const char *wy_fixture(const char *rel);
/* The path of a file under the source tree (tests/fixtures/..., samples/...). */
const char *wy_srcpath(const char *rel);
/* new: a fresh temporary directory; remove with wy_test_rmdir (frees it). */
char *wy_test_tmpdir(void);
void wy_test_rmdir(char *dir);
/* new: the whole content of a file (NUL-terminated); free(). Fails the test
   when it cannot be read. */
char *wy_test_slurp(const char *path, size_t *len);
/* The wenyuan binary built alongside the tests ($WY_BIN). */
const char *wy_test_bin(void);
/* Runs a shell command, returns its exit status; its stdout (if out is not
   NULL) is captured into a new string. */
int wy_test_run(const char *cmd, char **out);

/* Asserts that err carries code and that its message contains needle. */
#define assert_err(err, c, needle)                                            \
    do {                                                                      \
        assert_int_equal((err)->code, (c));                                   \
        if (!strstr(wy_err_msg(err), (needle)))                               \
            fail_msg("message '%s' lacks '%s'", wy_err_msg(err), (needle));   \
    } while (0)

#endif
