/* tests/test_audit.c: the fixity audit catches a flipped byte (changed), a
 * deleted file (missing) and an added file (unexpected), samples, and
 * resumes after an interruption. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "core/buf.h"
#include "core/path.h"
#include "repository/audit.h"
#include "repository/store.h"

struct t {
    char *home, *root, *obj[3];
};

static const char *const ids[3] = {"urn:wy:甲", "urn:wy:乙", "urn:wy:丙"};

static int setup(void **state)
{
    struct t *t = calloc(1, sizeof(*t));
    t->home = wy_test_tmpdir();
    t->root = wy_strf("%s/store", t->home);
    struct wy_err err = WY_ERR_INIT;
    struct store *s;
    if (store_create(t->root, &err) != WY_OK ||
        store_open(&s, t->root, &err) != WY_OK)
        return -1;
    char *src = wy_strf("%s/src", t->home);
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(src, "wb");
        for (int k = 0; k < 1000 * (i + 1); k++)
            fprintf(f, "%s page %d\n", ids[i], k);
        fclose(f);
        struct store_version *v;
        if (store_version_begin(s, ids[i], &v, &err) != WY_OK ||
            store_version_add_file(v, "卷一/第一页.tif", src, NULL, &err) ||
            store_version_add_file(v, "书目.xml", src, NULL, &err) ||
            store_version_commit(v, NULL, &err) != WY_OK)
            return -1;
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_buf_addf(&b, "%s/", t->root);
        if (store_object_relpath(s, ids[i], &b, &err) != WY_OK)
            return -1;
        t->obj[i] = wy_buf_take(&b, NULL);
    }
    free(src);
    store_close(s);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;
    free(t->root);
    for (int i = 0; i < 3; i++)
        free(t->obj[i]);
    wy_test_rmdir(t->home);
    free(t);
    return 0;
}

static void collect(void *ctx, const struct audit_problem *p)
{
    wy_buf_addf(ctx, "%s %s %s\n", audit_kind_name(p->kind), p->object_id,
                p->path);
}

static char *audit(struct t *t, struct audit_result *res)
{
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct audit_opts o;
    memset(&o, 0, sizeof(o));
    o.problem = collect;
    o.ctx = &out;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(audit_run(t->root, &o, res, &err), WY_OK);
    return wy_buf_take(&out, NULL);
}

static void intact_store_passes(void **state)
{
    struct t *t = *state;
    struct audit_result res;
    char *out = audit(t, &res);
    assert_string_equal(out, "");
    assert_false(audit_failed(&res));
    assert_int_equal(res.objects, 3);
    /* each object stores its content once (both names share it) */
    assert_int_equal(res.files, 3);
    free(out);
}

static void catches_changed_missing_unexpected(void **state)
{
    struct t *t = *state;
    /* object 0: a flipped byte */
    char *cmd =
        wy_strf("printf 'Z' | dd of='%s/v1/content/卷一/第一页.tif' bs=1 "
                "seek=100 conv=notrunc status=none",
                t->obj[0]);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    free(cmd);
    /* object 1: the file deleted; object 2: a file added */
    cmd = wy_strf("rm '%s/v1/content/卷一/第一页.tif' && echo x > "
                  "'%s/v1/content/卷一/多余.tif'",
                  t->obj[1], t->obj[2]);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    free(cmd);
    struct audit_result res;
    char *out = audit(t, &res);
    assert_true(audit_failed(&res));
    assert_int_equal(res.changed, 1);
    assert_int_equal(res.missing, 1);
    assert_int_equal(res.unexpected, 1);
    assert_non_null(strstr(out, "changed urn:wy:甲 v1/content/卷一/第一页.tif\n"));
    assert_non_null(strstr(out, "missing urn:wy:乙 v1/content/卷一/第一页.tif\n"));
    assert_non_null(
        strstr(out, "unexpected urn:wy:丙 v1/content/卷一/多余.tif\n"));
    free(out);
    /* the CLI: one line per problem, exit 1 */
    cmd = wy_strf("'%s' audit -H '%s' -q", wy_test_bin(), t->home);
    char *txt = NULL;
    assert_int_equal(wy_test_run(cmd, &txt), 1);
    assert_non_null(strstr(txt, "changed urn:wy:甲 v1/content/卷一/第一页.tif: "));
    assert_non_null(strstr(txt, "missing urn:wy:乙 "));
    assert_non_null(strstr(txt, "unexpected urn:wy:丙 "));
    free(txt);
    free(cmd);
}

static void cli_intact_exits_zero(void **state)
{
    struct t *t = *state;
    char *cmd = wy_strf("'%s' audit --root '%s' --sample 100%% 2>&1",
                        wy_test_bin(), t->root);
    char *txt = NULL;
    assert_int_equal(wy_test_run(cmd, &txt), 0);
    assert_non_null(strstr(txt, "3 of 3 objects, 3 files"));
    free(txt);
    free(cmd);
    cmd = wy_strf("'%s' audit --root '%s' --sample 0%% 2>&1", wy_test_bin(),
                  t->root);
    assert_int_equal(wy_test_run(cmd, &txt), 2);
    assert_non_null(strstr(txt, "'0%'"));
    free(txt);
    free(cmd);
}

static void sample_takes_a_fraction(void **state)
{
    struct t *t = *state;
    struct audit_opts o;
    memset(&o, 0, sizeof(o));
    o.sample = 0.000001;   /* one in a million: almost surely none */
    struct audit_result res;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(audit_run(t->root, &o, &res, &err), WY_OK);
    assert_true(res.objects <= 1);
    assert_int_equal(res.objects_total, 3);
}

/* stops the audit after the first object, as an interruption would */
static wy_code stop_after_one(void *ctx, const struct audit_object *ob,
                              struct wy_err *err)
{
    int *n = ctx;
    assert_int_equal(ob->problems, 0);
    assert_true(ob->files == 1);
    if (++*n == 1)
        return wy_err_set(err, WY_EIO, "interrupted after '%s'",
                          ob->object_id);
    return WY_OK;
}

static void interrupted_audit_resumes(void **state)
{
    struct t *t = *state;
    char *sp = wy_strf("%s/audit.state", t->home);
    struct audit_opts o;
    memset(&o, 0, sizeof(o));
    int n = 0;
    o.state_path = sp;
    o.object_done = stop_after_one;
    o.ctx = &n;
    struct audit_result res;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(audit_run(t->root, &o, &res, &err), WY_EIO);
    assert_err(&err, WY_EIO, "interrupted after 'urn:wy:");
    wy_err_release(&err);
    assert_int_equal(res.objects, 1);
    assert_true(wy_is_file(sp));
    char *st = wy_test_slurp(sp, NULL);
    assert_non_null(strstr(st, "objects 1\n"));
    free(st);
    /* resume: the two others, and totals for the whole audit */
    o.resume = 1;
    n = 5;
    assert_int_equal(audit_run(t->root, &o, &res, &err), WY_OK);
    assert_true(res.resumed);
    assert_int_equal(res.objects_this_run, 2);
    assert_int_equal(res.objects, 3);
    assert_int_equal(res.files, 3);
    assert_false(wy_is_file(sp));   /* complete: the state is gone */
    /* the CLI resumes too (nothing to resume: a full run) */
    char *cmd =
        wy_strf("'%s' audit -H '%s' --resume 2>&1", wy_test_bin(), t->home);
    char *txt = NULL;
    assert_int_equal(wy_test_run(cmd, &txt), 0);
    assert_non_null(strstr(txt, "3 of 3 objects"));
    free(txt);
    free(cmd);
    free(sp);
}

static void missing_store_is_an_error(void **state)
{
    struct t *t = *state;
    char *p = wy_strf("%s/nope", t->home);
    struct audit_opts o;
    memset(&o, 0, sizeof(o));
    struct audit_result res;
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(audit_run(p, &o, &res, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, p);
    wy_err_release(&err);
    free(p);
}

WY_GROUP(audit, NULL, NULL,
         cmocka_unit_test_setup_teardown(intact_store_passes, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(catches_changed_missing_unexpected,
                                         setup, teardown),
         cmocka_unit_test_setup_teardown(cli_intact_exits_zero, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(sample_takes_a_fraction, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(interrupted_audit_resumes, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(missing_store_is_an_error, setup,
                                         teardown))
