/* formats/iso2709.c: ISO 2709 records: splitting, parsing, writing. */
#include "formats/iso2709.h"

#include <stdlib.h>
#include <string.h>

#include <yaz/yaz-iconv.h>

#include "core/alloc.h"

/* ---- the splitter ------------------------------------------------------ */

/* Room for the longest record plus a block read ahead. */
#define BLOCK (64u * 1024u)
#define CAP (2u * ISO2709_MAX_RECORD + BLOCK)

struct iso2709_reader {
    struct fmt_input *in;
    unsigned char *buf;
    size_t start, end, scan; /* unconsumed bytes; search resumes at scan */
    unsigned long long base; /* input offset of buf[0] */
    size_t recno;
    int eof, skipping;
};

wy_code iso2709_reader_new(struct iso2709_reader **out, struct fmt_input *in,
                           struct wy_err *err)
{
    *out = NULL;
    struct iso2709_reader *r = wy_calloc(1, sizeof(*r));
    if (!r)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    r->buf = wy_malloc(CAP);
    if (!r->buf) {
        free(r);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    r->in = in;
    r->base = in->offset;
    *out = r;
    return WY_OK;
}

void iso2709_reader_free(struct iso2709_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

static int is_gap(unsigned char c)
{
    return c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == 0;
}

static wy_code fill(struct iso2709_reader *r, struct wy_err *err)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->base += r->start;
        r->end -= r->start;
        r->scan -= r->start;
        r->start = 0;
    }
    size_t got = 0;
    wy_code rc =
        fmt_input_read(r->in, r->buf + r->end, CAP - r->end, &got, err);
    if (rc != WY_OK)
        return rc;
    if (got == 0)
        r->eof = 1;
    r->end += got;
    return WY_OK;
}

wy_code iso2709_reader_next(struct iso2709_reader *r, const unsigned char **p,
                            size_t *n, size_t *recno,
                            unsigned long long *offset, struct wy_err *err)
{
    *p = NULL;
    *n = 0;
    for (;;) {
        if (r->skipping) {
            /* after a record with no terminator: drop bytes up to the next */
            unsigned char *q =
                memchr(r->buf + r->start, ISO2709_RS, r->end - r->start);
            if (q) {
                r->start = r->scan = (size_t)(q - r->buf) + 1;
                r->skipping = 0;
                continue;
            }
            r->start = r->scan = r->end;
        } else {
            while (r->start < r->end && is_gap(r->buf[r->start]))
                r->start++;
            if (r->scan < r->start)
                r->scan = r->start;
            if (r->start < r->end) {
                unsigned char *q =
                    memchr(r->buf + r->scan, ISO2709_RS, r->end - r->scan);
                if (q) {
                    *p = r->buf + r->start;
                    *n = (size_t)(q - *p) + 1;
                    *recno = ++r->recno;
                    *offset = r->base + r->start;
                    r->start = r->scan = (size_t)(q - r->buf) + 1;
                    if (*n <= ISO2709_MAX_RECORD)
                        return WY_OK;
                    *p = NULL;
                    *n = 0;
                    return wy_err_set(err, WY_EFORMAT,
                                      "record %zu at byte %llu: no record "
                                      "terminator within %u bytes",
                                      *recno, *offset,
                                      (unsigned)ISO2709_MAX_RECORD);
                }
                r->scan = r->end;
                if (r->end - r->start > ISO2709_MAX_RECORD) {
                    *recno = ++r->recno;
                    *offset = r->base + r->start;
                    r->skipping = 1;
                    r->start = r->scan = r->end;
                    return wy_err_set(err, WY_EFORMAT,
                                      "record %zu at byte %llu: no record "
                                      "terminator within %u bytes",
                                      *recno, *offset,
                                      (unsigned)ISO2709_MAX_RECORD);
                }
            }
        }
        if (r->eof) {
            if (r->start < r->end && !r->skipping) {
                size_t left = r->end - r->start;
                *recno = ++r->recno;
                *offset = r->base + r->start;
                r->start = r->scan = r->end;
                return wy_err_set(err, WY_EFORMAT,
                                  "record %zu at byte %llu: truncated: the "
                                  "input ends after %zu bytes with no record "
                                  "terminator",
                                  *recno, *offset, left);
            }
            return WY_EOF;
        }
        wy_code rc = fill(r, err);
        if (rc != WY_OK)
            return rc;
    }
}

/* ---- MARC-8 through YAZ ------------------------------------------------ */

struct iso2709_marc8 {
    yaz_iconv_t cd;
    struct wy_buf out;
};

struct iso2709_marc8 *iso2709_marc8_new(void)
{
    struct iso2709_marc8 *m = wy_calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cd = yaz_iconv_open("utf-8", "marc8");
    if (!m->cd) {
        free(m);
        return NULL;
    }
    wy_buf_init(&m->out, 4 * ISO2709_MAX_RECORD);
    return m;
}

void iso2709_marc8_free(struct iso2709_marc8 *m)
{
    if (!m)
        return;
    yaz_iconv_close(m->cd);
    wy_buf_release(&m->out);
    free(m);
}

/* Converts one value; the result is in m->out. -1 with *bad set to the
   offset of the first byte YAZ refused. Each value starts in the default
   MARC-8 state (ASCII and ANSEL): escapes do not carry across subfields. */
static int marc8_convert(struct iso2709_marc8 *m, const unsigned char *s,
                         size_t n, size_t *bad)
{
    wy_buf_reset(&m->out);
    yaz_iconv(m->cd, NULL, NULL, NULL, NULL);
    char *in = (char *)s;
    size_t inl = n;
    for (int flush = 0; flush < 2;) {
        size_t room = 4 * inl + 64;
        char *o = wy_buf_reserve(&m->out, room);
        if (!o)
            return -2;
        char *o0 = o;
        size_t ol = room;
        size_t rc = flush ? yaz_iconv(m->cd, NULL, NULL, &o, &ol)
                          : yaz_iconv(m->cd, &in, &inl, &o, &ol);
        wy_buf_commit(&m->out, (size_t)(o - o0));
        if (rc == (size_t)-1) {
            if (yaz_iconv_error(m->cd) == YAZ_ICONV_E2BIG)
                continue;
            *bad = (size_t)(in - (char *)s);
            return -1;
        }
        flush++;
    }
    return 0;
}

/* ---- parsing ------------------------------------------------------------ */

int iso2709_utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            *bad = i;
            return 0;
        }
        if (n - i <= k) {
            *bad = i;
            return 0;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            *bad = i;
            return 0;
        }
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF) {
                *bad = i;
                return 0;
            }
        i += k + 1;
    }
    return 1;
}

static int read_decimal(const unsigned char *p, size_t width, size_t *out)
{
    *out = 0;
    for (size_t i = 0; i < width; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        *out = *out * 10 + (size_t)(p[i] - '0');
    }
    return 0;
}

static int tag_ok(const unsigned char *t)
{
    for (int i = 0; i < 3; i++) {
        unsigned char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
              (c >= 'a' && c <= 'z')))
            return 0;
    }
    return 1;
}

/* Shows up to `width` bytes of the input in a message, bytes outside
   printable ASCII as \xNN. */
static const char *shown(char *dst, const unsigned char *p, size_t width)
{
    static const char hex[] = "0123456789abcdef";
    char *d = dst;
    for (size_t i = 0; i < width; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\') {
            *d++ = (char)p[i];
        } else {
            *d++ = '\\';
            *d++ = 'x';
            *d++ = hex[p[i] >> 4];
            *d++ = hex[p[i] & 15];
        }
    }
    *d = '\0';
    return dst;
}

struct parse {
    const unsigned char *rec; /* the whole record */
    struct iso2709_marc8 *m8; /* non-NULL: values are MARC-8 */
    struct wy_record *r;
    struct wy_err *err;
};

static wy_code nomem(struct wy_err *err)
{
    return wy_err_set(err, WY_ENOMEM, "out of memory");
}

/* Checks a value (UTF-8, no control bytes other than TAB/LF/CR, which XML
   could not carry) and converts it from MARC-8 first if need be. *out and
   *outn point at the text to store (borrowed: input or m8's buffer). */
static wy_code value(struct parse *ps, const char *tag, char code,
                     const unsigned char *s, size_t n,
                     const unsigned char **out, size_t *outn)
{
#define WHERE tag, code ? " $" : "", code ? 1 : 0, &code
    size_t at = (size_t)(s - ps->rec);
    if (ps->m8) {
        size_t bad = 0;
        int rc = marc8_convert(ps->m8, s, n, &bad);
        if (rc == -2)
            return nomem(ps->err);
        if (rc < 0)
            return wy_err_set(ps->err, WY_EFORMAT,
                              "field %s%s%.*s: invalid MARC-8 at byte %zu of "
                              "the record",
                              WHERE, at + bad);
        s = (const unsigned char *)ps->m8->out.p;
        n = ps->m8->out.len;
        if (!s)
            s = (const unsigned char *)"";
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return wy_err_set(ps->err, WY_EFORMAT,
                              "field %s%s%.*s: control character 0x%02x at "
                              "byte %zu of the record",
                              WHERE, s[i], ps->m8 ? at : at + i);
    size_t bad;
    if (!iso2709_utf8_valid(s, n, &bad))
        return wy_err_set(ps->err, WY_EFORMAT,
                          "field %s%s%.*s: invalid UTF-8 at byte %zu of the "
                          "record",
                          WHERE, ps->m8 ? at : at + bad);
    *out = s;
    *outn = n;
    return WY_OK;
#undef WHERE
}

static wy_code data_field(struct parse *ps, const char *tag,
                          const unsigned char *d, size_t len)
{
    /* d[0..len) excludes the field terminator */
    if (len < 2)
        return wy_err_set(ps->err, WY_EFORMAT,
                          "field %s: %zu bytes, too short for two "
                          "indicators",
                          tag, len);
    for (int i = 0; i < 2; i++)
        if (d[i] < 0x20 || d[i] >= 0x7F) {
            char sh[8];
            return wy_err_set(ps->err, WY_EFORMAT,
                              "field %s: indicator %d is '%s'", tag, i + 1,
                              shown(sh, d + i, 1));
        }
    struct wy_field *f =
        wy_record_add_field(ps->r, tag, (char)d[0], (char)d[1]);
    if (!f)
        return nomem(ps->err);
    size_t i = 2;
    if (i < len && d[i] != ISO2709_US)
        return wy_err_set(ps->err, WY_EFORMAT,
                          "field %s: no subfield delimiter after the "
                          "indicators (byte %zu of the record)",
                          tag, (size_t)(d + i - ps->rec));
    while (i < len) {
        /* d[i] is a delimiter */
        size_t at = i;
        i++;
        if (i >= len || d[i] == ISO2709_US || d[i] <= 0x20 || d[i] >= 0x7F) {
            char sh[8];
            if (i >= len || d[i] == ISO2709_US)
                return wy_err_set(ps->err, WY_EFORMAT,
                                  "field %s: subfield without a code at "
                                  "byte %zu of the record",
                                  tag, (size_t)(d + at - ps->rec));
            return wy_err_set(ps->err, WY_EFORMAT,
                              "field %s: subfield code '%s' at byte %zu of "
                              "the record is not a printable ASCII "
                              "character",
                              tag, shown(sh, d + i, 1),
                              (size_t)(d + i - ps->rec));
        }
        char code = (char)d[i++];
        const unsigned char *s = d + i;
        const unsigned char *e = memchr(s, ISO2709_US, len - i);
        size_t n = e ? (size_t)(e - s) : len - i;
        i += n;
        const unsigned char *v;
        size_t vn;
        wy_code rc = value(ps, tag, code, s, n, &v, &vn);
        if (rc != WY_OK)
            return rc;
        if (!wy_field_add_sub(ps->r, f, code, (const char *)v, vn))
            return nomem(ps->err);
    }
    return WY_OK;
}

wy_code iso2709_parse(const unsigned char *p, size_t n, enum iso2709_charset cs,
                      struct iso2709_marc8 *m, struct wy_record *rec,
                      struct wy_err *err)
{
    char sh[64];
    size_t reclen, base;
    if (n < 26 || p[n - 1] != ISO2709_RS)
        return wy_err_set(err, WY_EFORMAT,
                          "%zu bytes are too short for a record (a leader "
                          "is 24)",
                          n);
    if (read_decimal(p, 5, &reclen) != 0)
        return wy_err_set(err, WY_EFORMAT,
                          "record length '%s' in the leader is not a number",
                          shown(sh, p, 5));
    if (reclen != n)
        return wy_err_set(err, WY_EFORMAT,
                          "the leader gives record length %zu but the "
                          "record terminator ends it after %zu bytes",
                          reclen, n);
    if (read_decimal(p + 12, 5, &base) != 0)
        return wy_err_set(err, WY_EFORMAT,
                          "base address '%s' in the leader is not a number",
                          shown(sh, p + 12, 5));
    if (base < 25 || base > n - 1)
        return wy_err_set(err, WY_EFORMAT,
                          "base address %zu is outside the record (%zu "
                          "bytes)",
                          base, n);
    if (p[base - 1] != ISO2709_FS)
        return wy_err_set(err, WY_EFORMAT,
                          "no field terminator ends the directory before "
                          "the base address %zu",
                          base);
    for (size_t i = 0; i < 24; i++)
        if (p[i] < 0x20 || p[i] >= 0x7F)
            return wy_err_set(err, WY_EFORMAT,
                              "leader byte %zu is '%s', not printable ASCII", i,
                              shown(sh, p + i, 1));
    /* entry map (leader/20-22): lengths of the length and start fields;
       MARC 21 and UNIMARC both say "450" */
    size_t ll = 4, sl = 5, il = 0;
    if (p[20] >= '1' && p[20] <= '9')
        ll = (size_t)(p[20] - '0');
    if (p[21] >= '1' && p[21] <= '9')
        sl = (size_t)(p[21] - '0');
    if (p[22] >= '0' && p[22] <= '9')
        il = (size_t)(p[22] - '0');
    if ((p[10] != '2' && p[10] != ' ') || (p[11] != '2' && p[11] != ' '))
        return wy_err_set(err, WY_EFORMAT,
                          "indicator count '%c' or subfield code length '%c' "
                          "in the leader is not 2",
                          p[10], p[11]);
    size_t esz = 3 + ll + sl + il;
    size_t dirlen = base - 1 - 24;
    if (dirlen % esz != 0)
        return wy_err_set(err, WY_EFORMAT,
                          "the directory is %zu bytes, not a multiple of "
                          "%zu-byte entries",
                          dirlen, esz);
    size_t nent = dirlen / esz;
    if (nent == 0)
        return wy_err_set(err, WY_EFORMAT, "the record has no fields");

    memcpy(rec->leader, p, 24);
    rec->leader[24] = '\0';
    struct parse ps = {p, NULL, rec, err};
    if (cs == ISO2709_BY_LEADER && p[9] == ' ') {
        /* leader/09 blank means MARC-8; but a record with no escape
           sequence whose every byte is well-formed UTF-8 was written as
           UTF-8 and mislabelled (Alma, Koha exports): MARC-8's combining
           marks come before an ASCII letter, which UTF-8 never allows */
        size_t bad;
        if (memchr(p + 24, 0x1B, n - 24) || !iso2709_utf8_valid(p, n, &bad)) {
            if (!m)
                return wy_err_set(err, WY_EFORMAT,
                                  "the record is MARC-8 and no MARC-8 "
                                  "converter is available");
            ps.m8 = m;
        }
        rec->leader[9] = 'a';
    }

    const unsigned char *data = p + base;
    size_t datalen = n - 1 - base;
    for (size_t e = 0; e < nent; e++) {
        const unsigned char *ent = p + 24 + e * esz;
        if (!tag_ok(ent))
            return wy_err_set(err, WY_EFORMAT,
                              "directory entry %zu: tag '%s' is not three "
                              "letters or digits",
                              e + 1, shown(sh, ent, 3));
        char tag[4];
        memcpy(tag, ent, 3);
        tag[3] = '\0';
        size_t flen, fstart;
        if (read_decimal(ent + 3, ll, &flen) != 0)
            return wy_err_set(err, WY_EFORMAT,
                              "directory entry %zu (tag %s): length '%s' is "
                              "not a number",
                              e + 1, tag, shown(sh, ent + 3, ll));
        if (read_decimal(ent + 3 + ll, sl, &fstart) != 0)
            return wy_err_set(err, WY_EFORMAT,
                              "directory entry %zu (tag %s): start '%s' is "
                              "not a number",
                              e + 1, tag, shown(sh, ent + 3 + ll, sl));
        if (flen == 0 || fstart > datalen || flen > datalen - fstart)
            return wy_err_set(err, WY_EFORMAT,
                              "directory entry %zu (tag %s): %zu bytes at "
                              "%zu do not fit the %zu bytes of data",
                              e + 1, tag, flen, fstart, datalen);
        const unsigned char *d = data + fstart;
        if (d[flen - 1] != ISO2709_FS)
            return wy_err_set(err, WY_EFORMAT,
                              "field %s (directory entry %zu, byte %zu of "
                              "the record) does not end with a field "
                              "terminator",
                              tag, e + 1, (size_t)(d - p) + flen - 1);
        wy_code rc;
        if (wy_tag_is_control(tag)) {
            const unsigned char *v;
            size_t vn;
            rc = value(&ps, tag, 0, d, flen - 1, &v, &vn);
            if (rc == WY_OK &&
                !wy_record_add_control(rec, tag, (const char *)v, vn))
                rc = nomem(err);
        } else {
            rc = data_field(&ps, tag, d, flen - 1);
        }
        if (rc != WY_OK)
            return rc;
    }
    return WY_OK;
}

/* ---- writing ------------------------------------------------------------ */

static void put_decimal(char *dst, size_t width, size_t v)
{
    for (size_t i = width; i-- > 0;) {
        dst[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static int has_delim(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ISO2709_RS || c == ISO2709_FS || c == ISO2709_US)
            return 1;
    }
    return 0;
}

wy_code iso2709_write(const struct wy_record *rec, int utf8_flag,
                      struct wy_buf *out, struct wy_err *err)
{
    if (rec->nfields == 0)
        return wy_err_set(err, WY_EFORMAT,
                          "the record has no MARC fields to write");
    size_t nf = rec->nfields;
    if (nf > (ISO2709_MAX_RECORD - 26) / 12)
        return wy_err_set(err, WY_ETOOBIG,
                          "%zu fields do not fit an ISO 2709 record", nf);
    size_t base = 24 + 12 * nf + 1;
    /* the directory and leader are filled in place once lengths are known */
    size_t at = out->len;
    char *hdr = wy_buf_reserve(out, base);
    if (!hdr)
        return wy_buf_status(out, err);
    wy_buf_commit(out, base);
    size_t pos = 0;
    for (size_t i = 0; i < nf; i++) {
        const struct wy_field *f = &rec->fields[i];
        if (!tag_ok((const unsigned char *)f->tag)) {
            wy_buf_truncate(out, at);
            return wy_err_set(err, WY_EFORMAT,
                              "field %zu: tag '%.3s' is not three letters or "
                              "digits",
                              i + 1, f->tag);
        }
        size_t flen;
        if (wy_tag_is_control(f->tag)) {
            const char *v = f->data ? f->data : "";
            size_t vn = f->data ? f->len : 0;
            if (has_delim(v, vn))
                goto delim;
            wy_buf_add(out, v, vn);
            flen = vn + 1;
        } else {
            wy_buf_addc(out, f->ind1);
            wy_buf_addc(out, f->ind2);
            flen = 3;
            for (size_t s = 0; s < f->nsub; s++) {
                const struct wy_subfield *sf = &f->sub[s];
                unsigned char c = (unsigned char)sf->code;
                if (has_delim(sf->data, sf->len) || c <= 0x20 || c >= 0x7F)
                    goto delim;
                wy_buf_addc(out, ISO2709_US);
                wy_buf_addc(out, sf->code);
                wy_buf_add(out, sf->data, sf->len);
                flen += 2 + sf->len;
            }
        }
        wy_buf_addc(out, ISO2709_FS);
        if (flen > 9999) {
            wy_buf_truncate(out, at);
            return wy_err_set(err, WY_ETOOBIG,
                              "field %s is %zu bytes, more than ISO 2709's "
                              "9999",
                              f->tag, flen);
        }
        if (out->error)
            return wy_buf_status(out, err);
        char *ent = out->p + at + 24 + 12 * i;
        memcpy(ent, f->tag, 3);
        put_decimal(ent + 3, 4, flen);
        put_decimal(ent + 7, 5, pos);
        pos += flen;
        continue;
    delim:
        wy_buf_truncate(out, at);
        return wy_err_set(err, WY_EFORMAT,
                          "field %s holds a delimiter byte (0x1D-0x1F) or a "
                          "bad subfield code, which ISO 2709 cannot carry",
                          f->tag);
    }
    wy_buf_addc(out, ISO2709_RS);
    if (out->error)
        return wy_buf_status(out, err);
    size_t reclen = out->len - at;
    if (reclen > ISO2709_MAX_RECORD) {
        wy_buf_truncate(out, at);
        return wy_err_set(err, WY_ETOOBIG,
                          "the record is %zu bytes, more than ISO 2709's "
                          "%u",
                          reclen, (unsigned)ISO2709_MAX_RECORD);
    }
    char *h = out->p + at;
    memcpy(h, rec->leader, 24);
    put_decimal(h, 5, reclen);
    if (utf8_flag)
        h[9] = 'a';
    h[10] = '2';
    h[11] = '2';
    put_decimal(h + 12, 5, base);
    h[20] = '4';
    h[21] = '5';
    h[22] = '0';
    for (size_t i = 0; i < 24; i++)
        if ((unsigned char)h[i] < 0x20 || (unsigned char)h[i] >= 0x7F)
            h[i] = ' ';
    h[base - 1] = ISO2709_FS;
    return WY_OK;
}

/* ---- detection ------------------------------------------------------------
 */

int iso2709_detect(const unsigned char *p, size_t n, int *marc21, int *unimarc)
{
    size_t reclen, base;
    *marc21 = *unimarc = 0;
    while (n > 0 && is_gap(*p)) {
        p++;
        n--;
    }
    if (n < 24 || read_decimal(p, 5, &reclen) != 0 ||
        read_decimal(p + 12, 5, &base) != 0)
        return 0;
    if (reclen < 26 || base < 25 || base >= reclen || (base - 25) % 12 != 0)
        return 0;
    int bid = 40;
    if (p[10] == '2' && p[11] == '2')
        bid += 15;
    if (p[20] == '4' && p[21] == '5')
        bid += 15;
    if (reclen <= n && p[reclen - 1] == ISO2709_RS)
        bid += 10;
    if (p[9] == 'a')
        (*marc21)++;
    size_t dirend = base - 1 < n ? base - 1 : n;
    int has245 = 0, has200 = 0, has008 = 0, has100 = 0;
    for (size_t e = 24; e + 12 <= dirend; e += 12) {
        const unsigned char *t = p + e;
        if (!memcmp(t, "245", 3))
            has245 = 1;
        else if (!memcmp(t, "200", 3))
            has200 = 1;
        else if (!memcmp(t, "008", 3))
            has008 = 1;
        else if (!memcmp(t, "100", 3))
            has100 = 1;
    }
    *marc21 += has245 * 2 + has008;
    *unimarc += has200 * 2 + (has100 && !has245 && !has008);
    return bid;
}

/* ---- the handlers' shared reading state ------------------------------------
 */

struct iso2709_stream {
    struct iso2709_reader *rd;
    struct iso2709_marc8 *m8;
    enum iso2709_charset cs;
};

wy_code iso2709_stream_open(void **state, struct fmt_input *in,
                            enum iso2709_charset cs, struct wy_err *err)
{
    *state = NULL;
    struct iso2709_stream *s = wy_calloc(1, sizeof(*s));
    if (!s)
        return nomem(err);
    s->cs = cs;
    wy_code rc = iso2709_reader_new(&s->rd, in, err);
    if (rc != WY_OK) {
        free(s);
        return rc;
    }
    *state = s;
    return WY_OK;
}

wy_code iso2709_stream_next(void *state, struct wy_record *rec,
                            struct wy_err *err)
{
    struct iso2709_stream *s = state;
    const unsigned char *p;
    size_t n, recno;
    unsigned long long off;
    wy_code rc = iso2709_reader_next(s->rd, &p, &n, &recno, &off, err);
    if (rc != WY_OK)
        return rc;
    if (s->cs == ISO2709_BY_LEADER && n > 24 && p[9] == ' ' && !s->m8) {
        /* opened on first need: most files are UTF-8 */
        s->m8 = iso2709_marc8_new();
    }
    rc = iso2709_parse(p, n, s->cs, s->m8, rec, err);
    if (rc == WY_OK) {
        rec->orig = wy_arena_strndup(rec->arena, (const char *)p, n);
        rec->orig_len = n;
        if (!rec->orig)
            rc = nomem(err);
    }
    if (rc != WY_OK)
        return wy_err_prefix(err, "record %zu at byte %llu", recno, off);
    return WY_OK;
}

void iso2709_stream_close(void *state)
{
    struct iso2709_stream *s = state;
    if (!s)
        return;
    iso2709_reader_free(s->rd);
    iso2709_marc8_free(s->m8);
    free(s);
}
