/* formats/format.c: the handler table and the generic reader. */
#include "formats/format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "formats/crosswalk.h"

/* Detection order matters only for ties: the most specific first. */
static const struct fmt_handler *const handlers[] = {
    &marc21_handler, &unimarc_handler, &marcxml_handler, &mods_handler,
    &mets_handler,   &dc_handler,      &json_handler,    NULL,
};

const struct fmt_handler *const *fmt_handlers(void)
{
    return handlers;
}

const struct fmt_handler *fmt_find(const char *name)
{
    for (size_t i = 0; handlers[i]; i++)
        if (!strcmp(handlers[i]->name, name))
            return handlers[i];
    return NULL;
}

const struct fmt_handler *fmt_detect(const unsigned char *p, size_t n)
{
    const struct fmt_handler *best = NULL;
    int best_bid = 0;
    for (size_t i = 0; handlers[i]; i++) {
        if (!handlers[i]->detect || !handlers[i]->open)
            continue;
        int bid = handlers[i]->detect(p, n);
        if (bid > best_bid) {
            best_bid = bid;
            best = handlers[i];
        }
    }
    return best;
}

/* Rule 9: when two formats bid the same for the same bytes (MARC 21 and
   UNIMARC when the first record shows none of 245, 008, 200), the reader
   asks for --from rather than guess. */
static const struct fmt_handler *tie_with(const struct fmt_handler *best,
                                          const unsigned char *p, size_t n)
{
    int bid = best->detect(p, n);
    for (size_t i = 0; handlers[i]; i++)
        if (handlers[i] != best && handlers[i]->detect && handlers[i]->open &&
            handlers[i]->detect(p, n) == bid)
            return handlers[i];
    return NULL;
}

wy_code fmt_input_read(struct fmt_input *in, void *buf, size_t n, size_t *got,
                       struct wy_err *err)
{
    *got = 0;
    if (in->headpos < in->headlen) {
        size_t k = in->headlen - in->headpos;
        if (k > n)
            k = n;
        memcpy(buf, in->head + in->headpos, k);
        in->headpos += k;
        in->offset += k;
        *got = k;
        return WY_OK;
    }
    if (in->fd < 0) {
        size_t k = in->memlen - in->mempos;
        if (k > n)
            k = n;
        if (k)
            memcpy(buf, in->mem + in->mempos, k);
        in->mempos += k;
        in->offset += k;
        *got = k;
        return WY_OK;
    }
    for (;;) {
        ssize_t r = read(in->fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return wy_err_set(err, WY_EIO, "cannot read '%s': %s", in->name,
                              strerror(errno));
        in->offset += (size_t)r;
        *got = (size_t)r;
        return WY_OK;
    }
}

struct fmt_reader {
    const struct fmt_handler *h;
    struct fmt_input in;
    void *state;
    struct wy_record *rec;
    size_t count;
};

#define PEEK 4096

static wy_code reader_open(struct fmt_reader **out, const struct fmt_handler *h,
                           struct fmt_input *in, struct wy_err *err)
{
    *out = NULL;
    struct fmt_reader *r = wy_calloc(1, sizeof(*r));
    if (!r)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    r->in = *in;
    wy_code rc = WY_OK;
    if (!h) {
        /* peek at the first bytes; they are replayed to the handler */
        const unsigned char *p;
        size_t n;
        if (r->in.fd >= 0) {
            r->in.head = wy_malloc(PEEK);
            if (!r->in.head) {
                rc = wy_err_set(err, WY_ENOMEM, "out of memory");
                goto fail;
            }
            /* headlen stays 0 while peeking, or the reads would replay
               the bytes just peeked */
            size_t got = 1, have = 0;
            while (have < PEEK && got) {
                rc = fmt_input_read(&r->in, r->in.head + have, PEEK - have,
                                    &got, err);
                if (rc)
                    goto fail;
                have += got;
            }
            r->in.headlen = have;
            r->in.offset = 0;
            p = r->in.head;
            n = r->in.headlen;
        } else {
            p = r->in.mem;
            n = r->in.memlen < PEEK ? r->in.memlen : PEEK;
        }
        h = fmt_detect(p, n);
        const struct fmt_handler *other = h ? tie_with(h, p, n) : NULL;
        if (other) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "%s: the records could be '%s' or '%s'; name the "
                            "format with --from", r->in.name, h->name,
                            other->name);
            goto fail;
        }
        if (!h) {
            rc = wy_err_set(err, WY_EFORMAT,
                            "%s: cannot tell the record format; name it with "
                            "--from (marc21, unimarc, marcxml, dc, mods)",
                            r->in.name);
            goto fail;
        }
    }
    if (!h->open) {
        rc = wy_err_set(err, WY_EINVAL, "the '%s' format can be written but "
                        "not read", h->name);
        goto fail;
    }
    r->h = h;
    r->rec = wy_record_new();
    if (!r->rec) {
        rc = wy_err_set(err, WY_ENOMEM, "out of memory");
        goto fail;
    }
    rc = h->open(&r->state, &r->in, err);
    if (rc)
        goto fail;
    *out = r;
    return WY_OK;
fail:
    fmt_reader_free(r);
    return rc;
}

wy_code fmt_reader_open_fd(struct fmt_reader **out, const struct fmt_handler *h,
                           int fd, const char *name, struct wy_err *err)
{
    struct fmt_input in = {0};
    in.name = name;
    in.fd = fd;
    return reader_open(out, h, &in, err);
}

wy_code fmt_reader_open_mem(struct fmt_reader **out,
                            const struct fmt_handler *h, const void *p,
                            size_t n, const char *name, struct wy_err *err)
{
    struct fmt_input in = {0};
    in.name = name;
    in.fd = -1;
    in.mem = p;
    in.memlen = n;
    return reader_open(out, h, &in, err);
}

wy_code fmt_reader_next(struct fmt_reader *r, struct wy_record **out,
                        struct wy_err *err)
{
    *out = NULL;
    wy_record_clear(r->rec);
    r->rec->format = r->h->name;
    wy_code rc = r->h->next(r->state, r->rec, err);
    if (rc == WY_EOF)
        return rc;
    r->count++;
    if (rc == WY_OK)
        rc = xwalk_describe(r->rec, err);
    if (rc != WY_OK)
        return wy_err_prefix(err, "%s", r->in.name);
    *out = r->rec;
    return WY_OK;
}

const struct fmt_handler *fmt_reader_handler(const struct fmt_reader *r)
{
    return r->h;
}

size_t fmt_reader_count(const struct fmt_reader *r)
{
    return r->count;
}

unsigned long long fmt_reader_bytes(const struct fmt_reader *r)
{
    return r->in.offset;
}

const char *fmt_reader_input_name(const struct fmt_reader *r)
{
    return r->in.name;
}

void fmt_reader_free(struct fmt_reader *r)
{
    if (!r)
        return;
    if (r->h && r->h->close && r->state)
        r->h->close(r->state);
    wy_record_free(r->rec);
    free(r->in.head);
    free(r);
}

wy_code fmt_write_one(const struct fmt_handler *h, const struct wy_record *r,
                      struct wy_buf *out, struct wy_err *err)
{
    if (!h->write)
        return wy_err_set(err, WY_EINVAL, "the '%s' format cannot be written",
                          h->name);
    if (h->write_begin)
        h->write_begin(out);
    wy_code rc = h->write(r, out, err);
    if (rc == WY_OK && h->write_end)
        h->write_end(out);
    return rc ? rc : wy_buf_status(out, err);
}
