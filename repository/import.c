/* repository/import.c: catalogue records from files into the catalog. */
#include "repository/import.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "formats/format.h"
#include "repository/libsets.h"

const char *cat_record_identifier(const struct wy_record *rec)
{
    if (rec->desc.id && *rec->desc.id)
        return rec->desc.id;
    const struct wy_field *f = wy_record_field(rec, "001", NULL);
    if (f && f->data && f->len)
        return f->data;
    const char *v = wy_desc_ident(rec, "control");
    if (!v)
        v = wy_desc_ident(rec, "local");
    return v && *v ? v : NULL;
}

/* Trimmed copy of an identifier (MARC 001 often carries trailing blanks). */
static void trimmed(const char *s, struct wy_buf *out)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                 s[n - 1] == '\n'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    wy_buf_reset(out);
    wy_buf_add(out, s, n);
}

static wy_code put_one(struct cat *c, const struct cat_import_opts *o,
                       const struct fmt_handler *h, struct wy_record *rec,
                       const char *id, struct cat_import_stats *st,
                       struct wy_buf *scratch, struct wy_err *err)
{
    struct cat_put_result res;
    wy_code rc;
    if (rec->kind != WY_MARC_NONE && rec->leader[5] == 'd') {
        rc = cat_delete_record(c, o->source, id, wy_desc_ident(rec, "oai"),
                               NULL, &res, err);
        if (rc == WY_OK && res.action == CAT_DELETED)
            st->deleted++;
        else if (rc == WY_OK)
            st->unchanged++;
        return rc;
    }
    struct cat_put in = {0};
    in.source = o->source;
    in.local_id = id;
    in.oai_id = wy_desc_ident(rec, "oai");
    in.collection = o->collection;
    in.rec = rec;
    if (!rec->orig && h->write) {
        /* the reader did not keep the bytes: keep its own serialization */
        wy_buf_reset(scratch);
        rc = fmt_write_one(h, rec, scratch, err);
        if (rc)
            return rc;
        in.orig = scratch->p ? scratch->p : "";
        in.orig_len = scratch->len;
        in.orig_format = h->name;
    }
    rc = libset_put_record(c, &in, &res, err);
    if (rc == WY_OK) {
        if (res.action == CAT_ADDED)
            st->added++;
        else if (res.action == CAT_UPDATED)
            st->updated++;
        else
            st->unchanged++;
    }
    return rc;
}

wy_code cat_import_file(struct cat *c, const char *path,
                        const struct cat_import_opts *o,
                        struct cat_import_stats *st, struct wy_err *err)
{
    const struct fmt_handler *h = NULL;
    if (o->format && !(h = fmt_find(o->format)))
        return wy_err_set(err, WY_EINVAL, "unknown format '%s'", o->format);
    if (o->collection) {
        struct cat_collection col;
        struct wy_err e2 = WY_ERR_INIT;
        wy_code rc = cat_collection_get(c, o->collection, &col, &e2);
        if (rc == WY_ENOTFOUND) {
            wy_err_release(&e2);
            return wy_err_set(err, WY_EINVAL, "unknown collection '%s'",
                              o->collection);
        }
        if (rc) {
            wy_err_move(err, &e2);
            return rc;
        }
        cat_collection_release(&col);
    }
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0)
        return wy_err_set(err, WY_EIO, "cannot open '%s': %s", path,
                          strerror(errno));
    struct stat sb;
    uint64_t size =
        fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    struct fmt_reader *r = NULL;
    wy_code rc = fmt_reader_open_fd(&r, h, fd, path, err);
    if (rc) {
        if (fd)
            close(fd);
        return rc;
    }
    h = fmt_reader_handler(r);
    size_t batch = o->batch ? o->batch : 1000, inbatch = 0;
    struct wy_buf id = WY_BUF_INIT(64 * 1024);
    struct wy_buf scratch = WY_BUF_INIT(64u << 20);
    struct wy_progress pr;
    wy_progress_begin(&pr, o->log, "records", 0, size);
    for (;;) {
        struct wy_record *rec = NULL;
        rc = fmt_reader_next(r, &rec, err);
        if (rc == WY_EOF) {
            rc = WY_OK;
            break;
        }
        st->records++;
        if (rc == WY_EFORMAT) {
            /* the reader has moved on to the next record */
            st->bad++;
            wy_log_msg(o->log, WY_LOG_WARN, "skipped: %s", wy_err_msg(err));
            wy_err_release(err);
            continue;
        }
        if (rc)
            break;
        const char *rid = cat_record_identifier(rec);
        if (rid)
            trimmed(rid, &id);
        if (!rid || !id.len || id.error) {
            st->bad++;
            wy_log_msg(o->log, WY_LOG_WARN,
                       "skipped: %s: record %zu (input read to byte %llu): %s",
                       path, fmt_reader_count(r), fmt_reader_bytes(r),
                       id.error ? "identifier too long" : "no identifier");
            wy_buf_reset(&id);
            continue;
        }
        if (!cat_in_transaction(c) && (rc = cat_begin(c, err)))
            break;
        rc = put_one(c, o, h, rec, id.p, st, &scratch, err);
        if (rc == WY_EINVAL || rc == WY_ETOOBIG) {
            /* this record cannot be stored (e.g. too big to serialize):
               report it and go on; its savepoint is already undone */
            st->bad++;
            wy_log_msg(o->log, WY_LOG_WARN,
                       "skipped: %s: record %zu (input read to byte %llu): %s",
                       path, fmt_reader_count(r), fmt_reader_bytes(r),
                       wy_err_msg(err));
            wy_err_release(err);
            continue;
        }
        if (rc)
            break;
        if (++inbatch >= batch) {
            inbatch = 0;
            if ((rc = cat_commit(c, err)))
                break;
        }
        wy_progress_update(&pr, st->records, fmt_reader_bytes(r));
    }
    if (rc == WY_OK && cat_in_transaction(c))
        rc = cat_commit(c, err);
    if (rc)
        cat_rollback(c);
    wy_progress_end(&pr);
    fmt_reader_free(r);
    if (fd)
        close(fd);
    wy_buf_release(&id);
    wy_buf_release(&scratch);
    return rc;
}
