/* formats/convert.c: the streaming conversion loop. */
#include "formats/convert.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

wy_code fmt_convert(struct fmt_reader *r, const struct fmt_handler *to, int fd,
                    const char *outname, unsigned long long in_size,
                    struct wy_log *log, struct fmt_convert_stats *st,
                    struct wy_err *err)
{
    st->good = st->bad = 0;
    if (!to->write)
        return wy_err_set(err, WY_EINVAL, "the '%s' format cannot be written",
                          to->name);
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_progress prog;
    wy_progress_begin(&prog, log, "records", 0, in_size);
    wy_code rc = WY_OK;
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
        size_t mark = out.len;
        rc = to->write(rec, &out, err);
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
    wy_buf_release(&out);
    return rc;
}
