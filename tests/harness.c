/* tests/harness.c: fixture paths, temporary directories, running commands. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/buf.h"
#include "core/path.h"

const char *wy_fixture(const char *rel)
{
    static char path[4096];
    const char *shared = getenv("WY_SHARED");
    if (!shared || !*shared)
        shared = WY_SHARED_DEFAULT;
    int n = snprintf(path, sizeof(path), "%s/fixtures/%s", shared, rel);
    if (n < 0 || (size_t)n >= sizeof(path))
        fail_msg("fixture path too long: %s", rel);
    return path;
}

const char *wy_srcpath(const char *rel)
{
    static char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", WY_SRCDIR, rel);
    if (n < 0 || (size_t)n >= sizeof(path))
        fail_msg("source path too long: %s", rel);
    return path;
}

char *wy_test_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/wenyuan-test-XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d)
        fail_msg("mkdtemp failed");
    return strdup(d);
}

void wy_test_rmdir(char *dir)
{
    if (!dir)
        return;
    struct wy_err err = WY_ERR_INIT;
    if (wy_rmtree(dir, &err) != WY_OK)
        fprintf(stderr, "warning: %s\n", wy_err_msg(&err));
    wy_err_release(&err);
    free(dir);
}

char *wy_test_slurp(const char *path, size_t *len)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_err err = WY_ERR_INIT;
    if (wy_file_read(path, &b, &err) != WY_OK) {
        fprintf(stderr, "%s\n", wy_err_msg(&err));
        wy_err_release(&err);
        wy_buf_release(&b);
        fail_msg("cannot read %s", path);
    }
    return wy_buf_take(&b, len);
}

const char *wy_test_bin(void)
{
    const char *b = getenv("WY_BIN");
    return b && *b ? b : WY_SRCDIR "/build-san/wenyuan";
}

int wy_test_run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("cannot run: %s", cmd);
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        wy_buf_add(&b, chunk, n);
    int st = pclose(p);
    if (out)
        *out = wy_buf_take(&b, NULL);
    else
        wy_buf_release(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
