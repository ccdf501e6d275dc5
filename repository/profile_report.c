/* repository/profile_report.c: profile reports per batch. */
#include "repository/profile_report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/format.h"
#include "repository/import.h"

struct ids {
    int64_t *v;
    size_t n, cap;
};

static wy_code collect_id(void *ctx, const struct cat_change *ch,
                          struct wy_err *err)
{
    struct ids *ids = ctx;
    if (strcmp(ch->op, "put"))
        return WY_OK;
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        int64_t *p = realloc(ids->v, cap * sizeof(*p));
        if (!p)
            return wy_err_set(err, WY_ENOMEM, "change %lld",
                              (long long)ch->seq);
        ids->v = p;
        ids->cap = cap;
    }
    ids->v[ids->n++] = ch->record_id;
    return WY_OK;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

wy_code prof_report_changes(struct cat *c, int64_t after_seq,
                            struct wy_buf *out, size_t *checked,
                            size_t *with_errors, struct wy_err *err)
{
    struct ids ids = {NULL, 0, 0};
    wy_code rc = cat_changes(c, after_seq, 0, collect_id, &ids, NULL, err);
    /* a record changed twice in the batch is checked once */
    if (ids.n)
        qsort(ids.v, ids.n, sizeof(*ids.v), cmp_id);
    const struct prof_profile *const *all = prof_all();
    size_t np = 0;
    while (all[np])
        np++;
    struct prof_batch *b = calloc(np ? np : 1, sizeof(*b));
    if (!b && rc == WY_OK)
        rc = wy_err_set(err, WY_ENOMEM, "profile report");
    for (size_t i = 0; rc == WY_OK && i < np; i++)
        rc = prof_batch_init(&b[i], all[i], err);
    struct wy_buf name = WY_BUF_INIT(64 * 1024);
    for (size_t i = 0; rc == WY_OK && i < ids.n; i++) {
        if (i && ids.v[i] == ids.v[i - 1])
            continue;
        struct cat_record *cr = NULL;
        rc = cat_get_record(c, ids.v[i], CAT_LOAD_ALL, &cr, err);
        if (rc)
            break;
        size_t k = 0;
        while (k < np &&
               (!cr->collection || strcmp(all[k]->code, cr->collection)))
            k++;
        if (!cr->deleted && k < np) {
            struct wy_record *rec = NULL;
            rc = cat_record_model(cr, &rec, err);
            if (rc == WY_OK) {
                wy_buf_reset(&name);
                wy_buf_addf(&name, "%s:%s", cr->source, cr->local_id);
                rc = prof_batch_add(&b[k], wy_buf_cstr(&name), rec, out, err);
            } else {
                wy_err_prefix(err, "record %lld", (long long)cr->id);
            }
            wy_record_free(rec);
        }
        cat_record_free(cr);
    }
    size_t nchk = 0, nerr = 0;
    for (size_t i = 0; b && i < np; i++) {
        if (rc == WY_OK && b[i].records)
            prof_batch_summary(&b[i], out);
        nchk += b[i].records;
        nerr += b[i].with_errors;
        prof_batch_release(&b[i]);
    }
    free(b);
    free(ids.v);
    wy_buf_release(&name);
    if (checked)
        *checked = nchk;
    if (with_errors)
        *with_errors = nerr;
    if (rc == WY_OK)
        rc = wy_buf_status(out, err);
    return rc;
}

wy_code prof_report_file(const char *path, const char *format,
                         struct prof_batch *b, struct wy_buf *out,
                         struct wy_err *err)
{
    const struct fmt_handler *h = NULL;
    if (format && !(h = fmt_find(format)))
        return wy_err_set(err, WY_EINVAL, "unknown format '%s'", format);
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot open '%s': %s", path,
                          strerror(errno));
    struct fmt_reader *r = NULL;
    wy_code rc = fmt_reader_open_fd(&r, h, fd, path, err);
    if (rc) {
        if (fd)
            close(fd);
        return rc;
    }
    struct wy_buf name = WY_BUF_INIT(64 * 1024);
    for (;;) {
        struct wy_record *rec = NULL;
        rc = fmt_reader_next(r, &rec, err);
        if (rc == WY_EOF) {
            rc = WY_OK;
            break;
        }
        if (rc == WY_EFORMAT) {
            b->records++;
            b->with_errors++;
            wy_buf_addf(out, "unreadable: %s\n", wy_err_msg(err));
            wy_err_release(err);
            continue;
        }
        if (rc)
            break;
        const char *id = cat_record_identifier(rec);
        wy_buf_reset(&name);
        wy_buf_addf(&name, "%s: record %zu", path, fmt_reader_count(r));
        if (id)
            wy_buf_addf(&name, " (%.64s)", id);
        if ((rc = prof_batch_add(b, wy_buf_cstr(&name), rec, out, err)))
            break;
    }
    fmt_reader_free(r);
    if (fd)
        close(fd);
    wy_buf_release(&name);
    return rc;
}
