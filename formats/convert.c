/* formats/convert.c: the streaming conversion loop. */
#include "formats/convert.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "formats/xwalk_marc.h"

/* Output is written whenever this much is buffered. */
#define FLUSH_AT (256u * 1024u)

static wy_code flush(struct wy_buf *b, int fd, const char *outname,
                     struct wy_err *err)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->p + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return wy_err_set(err, WY_EIO, "cannot write '%s': %s", outname,
                              strerror(errno));
        off += (size_t)w;
    }
    wy_buf_reset(b);
    return WY_OK;
}

/* UNIMARC to MARC 21 and back: the record is converted into *xr and *w
   points at it; the warnings go to the log, one line per record. */
static wy_code crosswalk(struct fmt_reader *r, const struct wy_record *rec,
                         const struct fmt_handler *to, struct wy_record **xr,
                         const struct wy_record **w, struct wy_log *log,
                         struct fmt_convert_stats *st, struct wy_err *err)
{
    int to21 = to == &marc21_handler && rec->kind == WY_UNIMARC;
    int touni = to == &unimarc_handler && rec->kind == WY_MARC21;
    if (!to21 && !touni)
        return WY_OK;
    if (!*xr && !(*xr = wy_record_new()))
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_record_clear(*xr);
    struct xwalk_marc_report rep = XWALK_MARC_REPORT_INIT;
    wy_code rc = to21 ? xwalk_unimarc_to_marc21(rec, *xr, &rep, err)
                      : xwalk_marc21_to_unimarc(rec, *xr, &rep, err);
    if (rc == WY_OK) {
        *w = *xr;
        st->crosswalked++;
        st->unmapped += rep.unmapped;
        st->local += rep.local;
        st->dropped += rep.dropped;
        if (xwalk_marc_lossy(&rep)) {
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            for (size_t i = 0; i < rep.nwarn; i++)
                wy_buf_addf(&b, "%s%s", i ? "; " : "", rep.warn[i]);
            st->lossy++;
            wy_log_msg(log, WY_LOG_WARN, "%s: record %zu (%s): %s",
                       fmt_reader_input_name(r), fmt_reader_count(r),
                       rec->desc.id ? rec->desc.id : "no 001", wy_buf_cstr(&b));
            wy_buf_release(&b);
        }
    }
    xwalk_marc_report_release(&rep);
    return rc;
}

wy_code fmt_convert(struct fmt_reader *r, const struct fmt_handler *to, int fd,
                    const char *outname, unsigned long long in_size,
                    struct wy_log *log, struct fmt_convert_stats *st,
                    struct wy_err *err)
{
    memset(st, 0, sizeof(*st));
    if (!to->write)
        return wy_err_set(err, WY_EINVAL, "the '%s' format cannot be written",
                          to->name);
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_progress prog;
    wy_progress_begin(&prog, log, "records", 0, in_size);
    wy_code rc = WY_OK;
    struct wy_record *xr = NULL; /* the crosswalked record, reused */
    if (to->write_begin)
        to->write_begin(&out);
    for (;;) {
        struct wy_record *rec;
        rc = fmt_reader_next(r, &rec, err);
        if (rc == WY_EOF) {
            rc = WY_OK;
            break;
        }
        if (rc == WY_EFORMAT) {
            wy_log_msg(log, WY_LOG_ERROR, "%s", wy_err_msg(err));
            wy_err_release(err);
            st->bad++;
            continue;
        }
        if (rc != WY_OK)
            break;
        const struct wy_record *w = rec;
        rc = crosswalk(r, rec, to, &xr, &w, log, st, err);
        if (rc != WY_OK)
            break;
        size_t mark = out.len;
        rc = to->write(w, &out, err);
        if (rc == WY_EFORMAT || rc == WY_ETOOBIG) {
            wy_buf_truncate(&out, mark);
            wy_log_msg(log, WY_LOG_ERROR, "%s: record %zu: %s",
                       fmt_reader_input_name(r), fmt_reader_count(r),
                       wy_err_msg(err));
            wy_err_release(err);
            st->bad++;
            continue;
        }
        if (rc != WY_OK)
            break;
        st->good++;
        if (out.len >= FLUSH_AT) {
            rc = wy_buf_status(&out, err);
            if (rc == WY_OK)
                rc = flush(&out, fd, outname, err);
            if (rc != WY_OK)
                break;
        }
        if ((st->good & 255) == 0)
            wy_progress_update(&prog, st->good + st->bad, fmt_reader_bytes(r));
    }
    if (rc == WY_OK && to->write_end)
        to->write_end(&out);
    if (rc == WY_OK)
        rc = wy_buf_status(&out, err);
    if (rc == WY_OK)
        rc = flush(&out, fd, outname, err);
    wy_progress_end(&prog);
    wy_record_free(xr);
    wy_buf_release(&out);
    return rc;
}
