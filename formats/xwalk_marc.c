/* formats/xwalk_marc.c: MARC 21 <-> UNIMARC/CNMARC, field by field. The
   tables follow the Library of Congress "UNIMARC to MARC 21 Conversion
   Specifications" and IFLA's UNIMARC manual (relator codes: UNIMARC
   Appendix C against the MARC Code List for Relators); docs/MARC.md has
   the table as implemented. This file: the reports, building fields, the
   code tables both directions read (each pair written once, so the two
   directions cannot drift apart) and the driver; the directions are in
   xwalk_marc_u2m.c and xwalk_marc_m2u.c. */
#include "formats/xwalk_marc.h"
#include "formats/xwalk_marc_impl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "formats/crosswalk.h"

/* ---- reports ---------------------------------------------------------- */

void xwalk_marc_report_release(struct xwalk_marc_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nwarn; i++)
        free(rep->warn[i]);
    free(rep->warn);
    memset(rep, 0, sizeof(*rep));
}

int xwalk_marc_lossy(const struct xwalk_marc_report *rep)
{
    return rep->unmapped || rep->local || rep->dropped;
}

void xwalk_warn(struct xwalk_conv *x, const char *fmt, ...)
{
    if (x->quiet || !x->rep)
        return;
    struct xwalk_marc_report *rep = x->rep;
    if (rep->nwarn == rep->capwarn) {
        size_t cap = rep->capwarn ? rep->capwarn * 2 : 8;
        char **w = wy_realloc(rep->warn, cap * sizeof(*w));
        if (!w) {
            x->oom = 1;
            return;
        }
        rep->warn = w;
        rep->capwarn = cap;
    }
    struct wy_buf b = WY_BUF_INIT(4096);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    char *s = wy_buf_take(&b, NULL);
    wy_buf_release(&b);
    if (!s) {
        x->oom = 1;
        return;
    }
    rep->warn[rep->nwarn++] = s;
}

/* ---- building fields ---------------------------------------------------- */

/* borrowed until the next field is added (the array may move) */
struct wy_field *xwalk_addf(struct xwalk_conv *x, const char *tag, char i1,
                            char i2)
{
    struct wy_field *f = wy_record_add_field(x->out, tag, i1, i2);
    if (!f)
        x->oom = 1;
    return f;
}

void xwalk_addsn(struct xwalk_conv *x, struct wy_field *f, char code,
                 const char *s, size_t n)
{
    if (f && !wy_field_add_sub(x->out, f, code, s, n))
        x->oom = 1;
}

void xwalk_adds(struct xwalk_conv *x, struct wy_field *f, char code,
                const char *s)
{
    xwalk_addsn(x, f, code, s, strlen(s));
}

void xwalk_addctl(struct xwalk_conv *x, const char *tag, const char *s,
                  size_t n)
{
    if (!wy_record_add_control(x->out, tag, s, n))
        x->oom = 1;
}

/* Replaces subfield i of f with s (copied). */
static void sub_set(struct xwalk_conv *x, struct wy_field *f, size_t i,
                    const char *s, size_t n)
{
    char *d = wy_arena_strndup(x->out->arena, s, n);
    if (!d) {
        x->oom = 1;
        return;
    }
    f->sub[i].data = d;
    f->sub[i].len = n;
}

/* Appends text to the last subfield of f. */
void xwalk_sub_append(struct xwalk_conv *x, struct wy_field *f, const char *s)
{
    if (!f || !f->nsub)
        return;
    struct wy_subfield *l = &f->sub[f->nsub - 1];
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_add(&b, l->data, l->len);
    wy_buf_adds(&b, s);
    if (b.error)
        x->oom = 1;
    else
        sub_set(x, f, f->nsub - 1, b.p, b.len);
    wy_buf_release(&b);
}

/* ISBD punctuation before the next element: appended to the last subfield
   unless it already ends with it. */
void xwalk_punct(struct xwalk_conv *x, struct wy_field *f, const char *p)
{
    if (!f || !f->nsub)
        return;
    const struct wy_subfield *l = &f->sub[f->nsub - 1];
    size_t n = strlen(p), len = l->len;
    while (len && l->data[len - 1] == ' ')
        len--;
    const char *q = p;
    while (*q == ' ')
        q++;
    size_t qn = strlen(q);
    if (qn && len >= qn && !memcmp(l->data + len - qn, q, qn))
        return;
    if (n)
        xwalk_sub_append(x, f, p);
}

/* Puts a new subfield first (linkage $6, script $7). */
void xwalk_sub_prepend(struct xwalk_conv *x, struct wy_field *f, char code,
                       const char *s)
{
    size_t n = f->nsub;
    xwalk_addsn(x, f, code, s, strlen(s));
    if (f->nsub != n + 1)
        return;
    struct wy_subfield t = f->sub[n];
    memmove(f->sub + 1, f->sub, n * sizeof(*f->sub));
    f->sub[0] = t;
}

/* ---- reading source subfields ----------------------------------------- */

int xwalk_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The value with ISBD punctuation at the end removed (" /", " :", " ;",
   " =", ","; a final "." too when dot is set); leading blanks go. */
void xwalk_chop(const char **s, size_t *n, int dot)
{
    const char *p = *s;
    size_t len = *n;
    while (len && xwalk_is_space((unsigned char)*p))
        p++, len--;
    for (;;) {
        while (len && xwalk_is_space((unsigned char)p[len - 1]))
            len--;
        if (!len)
            break;
        char c = p[len - 1];
        if (c == '/' || c == ':' || c == ';' || c == '=' || c == ',' ||
            c == '+' ||
            (dot && c == '.' &&
             !(len >= 3 && p[len - 3] == ' ' && p[len - 2] >= 'A' &&
               p[len - 2] <= 'Z'))) {
            len--;
            dot = 0; /* "Tobias Martinsson." -> one dot only */
            continue;
        }
        break;
    }
    *s = p;
    *n = len;
}

/* Adds s to f after chopping its punctuation. */
static void addchop(struct xwalk_conv *x, struct wy_field *f, char code,
                    const struct wy_subfield *s, int dot)
{
    const char *p = s->data;
    size_t n = s->len;
    xwalk_chop(&p, &n, dot);
    if (n)
        xwalk_addsn(x, f, code, p, n);
}

static const struct wy_subfield *first_sub(const struct wy_field *f, char c)
{
    for (size_t i = 0; i < f->nsub; i++)
        if (f->sub[i].code == c)
            return &f->sub[i];
    return NULL;
}

/* Writes the field as text: "TAG II" + XWALK_DELIM "a..." (data fields) or
   "TAG value" (control fields); what 887 $a and 886 $a/$b hold. */
static void field_text(struct wy_buf *b, const struct wy_field *f, int tag)
{
    if (tag) {
        wy_buf_add(b, f->tag, 3);
        wy_buf_addc(b, ' ');
    }
    if (f->data) {
        wy_buf_add(b, f->data, f->len);
        return;
    }
    wy_buf_addc(b, f->ind1);
    wy_buf_addc(b, f->ind2);
    for (size_t i = 0; i < f->nsub; i++) {
        wy_buf_adds(b, XWALK_DELIM);
        wy_buf_addc(b, f->sub[i].code);
        wy_buf_add(b, f->sub[i].data, f->sub[i].len);
    }
}

/* A field with no equivalent: kept whole (887 in MARC 21, 886 in UNIMARC). */
void xwalk_keep_whole(struct xwalk_conv *x, const struct wy_field *f,
                      int partial)
{
    if (x->quiet)
        return;
    if (x->whole)
        f = x->whole;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_field *o;
    if (x->to21) {
        field_text(&b, f, 1);
        o = xwalk_addf(x, "887", ' ', ' ');
        xwalk_addsn(x, o, 'a', b.p ? b.p : "", b.len);
        xwalk_adds(x, o, '2', "unimarc");
    } else {
        field_text(&b, f, 0);
        o = xwalk_addf(x, "886", f->data ? '0' : '2', ' ');
        xwalk_addsn(x, o, 'a', f->tag, 3);
        xwalk_addsn(x, o, 'b', b.p ? b.p : "", b.len);
        xwalk_adds(x, o, '2', "marc21");
    }
    if (b.error)
        x->oom = 1;
    wy_buf_release(&b);
    if (partial)
        return;
    x->rep ? x->rep->unmapped++ : 0;
    xwalk_warn(x, "%s: no %s field; kept in %s", f->tag, x->dst,
               x->to21 ? "887" : "886");
}

/* A subfield the target field has no place for. */
void xwalk_drop(struct xwalk_conv *x, const struct wy_field *f,
                const struct wy_subfield *s, int *dropped)
{
    if (x->quiet)
        return;
    if (x->rep)
        x->rep->dropped++;
    xwalk_warn(x, "%s $%c '%.*s': no %s equivalent%s", f->tag, s->code,
               (int)(s->len > 80 ? 80 : s->len), s->data, x->dst,
               *dropped  ? ""
               : x->to21 ? " (the field is kept whole in 887)"
                         : " (the field is kept whole in 886)");
    if (!*dropped)
        xwalk_keep_whole(x, f, 1);
    *dropped = 1;
}

/* Copies the subfields of s into d through pairs ("aabqdc": $a to $a, $b
   to $q, $d to $c); a code mapped to '-' is left out on purpose, any code
   not listed is dropped and reported. */
void xwalk_map_subs(struct xwalk_conv *x, const struct wy_field *s,
                    struct wy_field *d, const char *pairs, int dot)
{
    int dropped = 0;
    for (size_t i = 0; i < s->nsub; i++) {
        const char *p = pairs;
        while (*p && *p != s->sub[i].code)
            p += 2;
        if (*p && p[1] == '-')
            continue;
        if (*p)
            addchop(x, d, p[1], &s->sub[i], dot);
        else
            xwalk_drop(x, s, &s->sub[i], &dropped);
    }
}

int xwalk_tag_num(const char *t)
{
    for (int i = 0; i < 3; i++)
        if (t[i] < '0' || t[i] > '9')
            return -1;
    return (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
}

int xwalk_is_local(const char *tag)
{
    if (tag[0] < '0' || tag[0] > '9' || tag[1] < '0' || tag[1] > '9' ||
        tag[2] < '0' || tag[2] > '9')
        return 1;
    return tag[0] == '9' || (tag[1] == '9' && tag[0] != '4');
}

void xwalk_keep_local(struct xwalk_conv *x, const struct wy_field *f)
{
    if (x->quiet)
        return;
    if (f->data) {
        xwalk_addctl(x, f->tag, f->data, f->len);
    } else {
        struct wy_field *o = xwalk_addf(x, f->tag, f->ind1, f->ind2);
        for (size_t i = 0; o && i < f->nsub; i++)
            xwalk_addsn(x, o, f->sub[i].code, f->sub[i].data, f->sub[i].len);
    }
    if (x->rep)
        x->rep->local++;
    /* one warning per tag, with a count, in xwalk_warn_locals() */
    for (size_t i = 0; i < x->nlocals; i++)
        if (!memcmp(x->locals[i].tag, f->tag, 3)) {
            x->locals[i].n++;
            return;
        }
    if (x->nlocals < sizeof(x->locals) / sizeof(x->locals[0])) {
        memcpy(x->locals[x->nlocals].tag, f->tag, 4);
        x->locals[x->nlocals++].n = 1;
    }
}

void xwalk_warn_locals(struct xwalk_conv *x)
{
    if (!x->nlocals)
        return;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (size_t i = 0; i < x->nlocals; i++) {
        wy_buf_addf(&b, "%s%s", i ? ", " : "", x->locals[i].tag);
        if (x->locals[i].n > 1)
            wy_buf_addf(&b, " (%zu)", x->locals[i].n);
    }
    if (b.error)
        x->oom = 1;
    else
        xwalk_warn(x, "local fields kept as they are: %s", b.p);
    wy_buf_release(&b);
}

/* ---- code tables -------------------------------------------------------- */

const char *xwalk_look(const struct xwalk_pair *t, size_t n, const char *k,
                       int rev)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rev ? t[i].b : t[i].a, k))
            return rev ? t[i].a : t[i].b;
    return NULL;
}

/* UNIMARC Appendix C relator codes and the MARC relator codes. */
const struct xwalk_pair xwalk_relators[] = {
    {"005", "act"}, {"010", "adp"}, {"020", "ann"}, {"030", "arr"},
    {"040", "art"}, {"050", "asg"}, {"060", "asn"}, {"065", "auc"},
    {"070", "aut"}, {"072", "aqt"}, {"075", "aft"}, {"080", "aui"},
    {"090", "aus"}, {"100", "ant"}, {"110", "bnd"}, {"120", "bdd"},
    {"130", "bkd"}, {"140", "bjd"}, {"150", "bpd"}, {"160", "bsl"},
    {"170", "cll"}, {"180", "ctg"}, {"190", "cns"}, {"200", "chr"},
    {"205", "clb"}, {"210", "cmm"}, {"212", "cwt"}, {"220", "com"},
    {"230", "cmp"}, {"240", "cmt"}, {"245", "ccp"}, {"250", "cnd"},
    {"255", "csp"}, {"260", "cph"}, {"270", "crr"}, {"273", "cur"},
    {"275", "dnc"}, {"280", "dte"}, {"290", "dto"}, {"295", "dgg"},
    {"300", "drt"}, {"305", "dis"}, {"310", "dst"}, {"320", "dnr"},
    {"330", "dub"}, {"340", "edt"}, {"350", "egr"}, {"360", "etr"},
    {"365", "exp"}, {"370", "flm"}, {"380", "frg"}, {"390", "fmo"},
    {"400", "fnd"}, {"410", "grt"}, {"420", "hnr"}, {"430", "ilu"},
    {"440", "ill"}, {"450", "ins"}, {"460", "ive"}, {"470", "ivr"},
    {"480", "lbt"}, {"490", "lse"}, {"500", "lso"}, {"510", "ltg"},
    {"520", "lyr"}, {"530", "mte"}, {"540", "mon"}, {"545", "mus"},
    {"550", "nrt"}, {"555", "opn"}, {"557", "orm"}, {"560", "org"},
    {"570", "oth"}, {"580", "ppm"}, {"582", "pta"}, {"584", "inv"},
    {"587", "pth"}, {"590", "prf"}, {"595", "res"}, {"600", "pht"},
    {"610", "prt"}, {"620", "pop"}, {"630", "pro"}, {"635", "prg"},
    {"640", "pfr"}, {"650", "pbl"}, {"651", "pbd"}, {"660", "rcp"},
    {"670", "rce"}, {"673", "rth"}, {"675", "rev"}, {"677", "rtm"},
    {"680", "rbr"}, {"690", "sce"}, {"695", "sad"}, {"700", "scr"},
    {"705", "scl"}, {"710", "sec"}, {"720", "sgn"}, {"721", "sng"},
    {"723", "spn"}, {"725", "stn"}, {"727", "ths"}, {"730", "trl"},
    {"740", "tyd"}, {"750", "tyg"}, {"755", "voc"}, {"760", "wde"},
    {"770", "wam"},
};
const size_t xwalk_relators_n =
    sizeof(xwalk_relators) / sizeof(xwalk_relators[0]);

/* ISO 3166-1 (UNIMARC 102 $a) and the MARC Code List for Countries, for the
   countries Chinese libraries mostly publish or buy from. */
const struct xwalk_pair xwalk_countries[] = {
    {"CN", "cc "}, {"TW", "ch "}, {"HK", "cc "}, {"MO", "cc "}, {"JP", "ja "},
    {"KR", "ko "}, {"KP", "kn "}, {"SG", "si "}, {"US", "xxu"}, {"GB", "xxk"},
    {"CA", "xxc"}, {"AU", "at "}, {"FR", "fr "}, {"DE", "gw "}, {"IT", "it "},
    {"ES", "sp "}, {"RU", "ru "}, {"NL", "ne "}, {"CH", "sz "}, {"BE", "be "},
    {"IN", "ii "}, {"VN", "vm "}, {"TH", "th "}, {"MY", "my "}, {"UA", "un "},
    {"PL", "pl "}, {"SE", "sw "}, {"AT", "au "}, {"PT", "po "}, {"BR", "bl "},
    {"MN", "mp "}, {"NZ", "nz "},
};
const size_t xwalk_countries_n =
    sizeof(xwalk_countries) / sizeof(xwalk_countries[0]);

/* UNIMARC 100/08 type of date and MARC 21 008/06. */
const struct xwalk_pair xwalk_datetypes[] = {
    {"a", "c"}, {"b", "d"}, {"c", "u"}, {"d", "s"}, {"e", "r"}, {"f", "q"},
    {"g", "m"}, {"h", "t"}, {"i", "p"}, {"j", "e"}, {"u", "n"},
};
const size_t xwalk_datetypes_n =
    sizeof(xwalk_datetypes) / sizeof(xwalk_datetypes[0]);

/* UNIMARC 100/17 target audience and MARC 21 008/22. */
const struct xwalk_pair xwalk_audiences[] = {
    {"a", "j"}, {"b", "a"}, {"c", "b"}, {"d", "c"},
    {"e", "d"}, {"k", "f"}, {"m", "e"}, {"u", " "},
};
const size_t xwalk_audiences_n =
    sizeof(xwalk_audiences) / sizeof(xwalk_audiences[0]);

/* UNIMARC 100/20 government publication and MARC 21 008/28. */
const struct xwalk_pair xwalk_govpubs[] = {
    {"a", "f"}, {"b", "s"}, {"c", "c"}, {"d", "l"}, {"e", "m"},
    {"f", "i"}, {"h", "o"}, {"u", "u"}, {"y", " "}, {"z", "z"},
};
const size_t xwalk_govpubs_n = sizeof(xwalk_govpubs) / sizeof(xwalk_govpubs[0]);

/* UNIMARC 105/04-07 form of contents and MARC 21 008/24-27 (books). */
const struct xwalk_pair xwalk_contents[] = {
    {"a", "b"}, {"b", "c"}, {"c", "i"}, {"d", "a"}, {"e", "d"}, {"f", "e"},
    {"g", "r"}, {"i", "s"}, {"j", "p"}, {"k", "j"}, {"l", "u"}, {"m", "m"},
    {"n", "l"}, {"p", "t"}, {"r", "o"}, {"s", "z"}, {"t", "6"},
};
const size_t xwalk_contents_n =
    sizeof(xwalk_contents) / sizeof(xwalk_contents[0]);

/* UNIMARC 105/11 literature code and MARC 21 008/33. */
const struct xwalk_pair xwalk_literary[] = {
    {"a", "1"}, {"b", "d"}, {"c", "e"}, {"d", "h"}, {"e", "i"},
    {"f", "j"}, {"g", "p"}, {"h", "s"}, {"y", "0"}, {"z", "m"},
};
const size_t xwalk_literary_n =
    sizeof(xwalk_literary) / sizeof(xwalk_literary[0]);

/* UNIMARC 110 $a/0 type of serial and MARC 21 008/21 (continuing
   resources). */
const struct xwalk_pair xwalk_sertypes[] = {
    {"a", "p"}, {"b", "m"}, {"c", "n"}, {"e", "l"}, {"f", "d"}, {"g", "w"},
};
const size_t xwalk_sertypes_n =
    sizeof(xwalk_sertypes) / sizeof(xwalk_sertypes[0]);

/* UNIMARC 110 $a/1 frequency and MARC 21 008/18. */
const struct xwalk_pair xwalk_frequencies[] = {
    {"a", "d"}, {"b", "c"}, {"c", "w"}, {"d", "e"}, {"e", "s"}, {"f", "m"},
    {"g", "b"}, {"h", "q"}, {"i", "t"}, {"j", "f"}, {"k", "a"}, {"l", "g"},
    {"m", "h"}, {"n", "i"}, {"o", "j"}, {"u", "u"}, {"z", "z"},
};
const size_t xwalk_frequencies_n =
    sizeof(xwalk_frequencies) / sizeof(xwalk_frequencies[0]);

/* Leader/06 type of record: UNIMARC and MARC 21. */
const struct xwalk_pair xwalk_rectypes[] = {
    {"a", "a"}, {"b", "t"}, {"c", "c"}, {"d", "d"}, {"e", "e"},
    {"f", "f"}, {"g", "g"}, {"i", "i"}, {"j", "j"}, {"k", "k"},
    {"l", "m"}, {"m", "o"}, {"r", "r"},
};
const size_t xwalk_rectypes_n =
    sizeof(xwalk_rectypes) / sizeof(xwalk_rectypes[0]);

/* UNIMARC $7 script codes and MARC 21 $6 script identification codes. */
const struct xwalk_pair xwalk_scripts[] = {
    {"ba", "(B"}, {"ca", "(N"}, {"ea", "$1"}, {"fa", "(3"},
    {"ga", "(S"}, {"ha", "(2"}, {"da", "$1"}, {"ka", "$1"},
};
const size_t xwalk_scripts_n = sizeof(xwalk_scripts) / sizeof(xwalk_scripts[0]);

char xwalk_code1(const struct xwalk_pair *t, size_t n, char c, int rev,
                 char dflt)
{
    char k[2] = {c, '\0'};
    const char *v = xwalk_look(t, n, k, rev);
    return v ? v[0] : dflt;
}

/* The MARC relator code for a UNIMARC one, or the reverse. */
const char *xwalk_relator(const char *code, size_t n, int to21)
{
    char k[4];
    if (n != 3)
        return NULL;
    memcpy(k, code, 3);
    k[3] = '\0';
    return XWALK_LOOKT(relators, k, !to21);
}

/* ---- helpers shared by both directions ---------------------------------- */

/* NSB/NSE non-sorting markers (U+0088/U+0089, older U+0098/U+009C): MARC 21
   counts non-filing characters in an indicator instead. */
static size_t marker_at(const char *s, size_t n, int *open)
{
    if (n >= 2 && (unsigned char)s[0] == 0xC2) {
        unsigned char c = (unsigned char)s[1];
        if (c == 0x88 || c == 0x98) {
            *open = 1;
            return 2;
        }
        if (c == 0x89 || c == 0x9C) {
            *open = 0;
            return 2;
        }
    }
    return 0;
}

/* Adds s without markers; returns the number of characters between NSB
   and NSE (the non-filing count, at most 9). */
int xwalk_add_unmarked(struct xwalk_conv *x, struct wy_field *f, char code,
                       const char *s, size_t n)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    int open = 0, inside = 0, count = 0, seen = 0;
    for (size_t i = 0; i < n;) {
        size_t m = marker_at(s + i, n - i, &open);
        if (m) {
            inside = open;
            seen |= open;
            i += m;
            continue;
        }
        if (inside && ((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
        wy_buf_addc(&b, s[i++]);
    }
    if (b.error)
        x->oom = 1;
    else if (b.len)
        xwalk_addsn(x, f, code, b.p, b.len);
    wy_buf_release(&b);
    return seen ? (count > 9 ? 9 : count) : 0;
}

static int has_marker(const char *s, size_t n)
{
    int open;
    for (size_t i = 0; i + 1 < n; i++)
        if (marker_at(s + i, n - i, &open))
            return 1;
    return 0;
}

/* Like addchop, without NSB/NSE markers. */
void xwalk_addtext(struct xwalk_conv *x, struct wy_field *f, char code,
                   const struct wy_subfield *s, int dot)
{
    const char *p = s->data;
    size_t n = s->len;
    xwalk_chop(&p, &n, dot);
    if (!n)
        return;
    if (has_marker(p, n))
        xwalk_add_unmarked(x, f, code, p, n);
    else
        xwalk_addsn(x, f, code, p, n);
}

/* Appends sep and t to the last subfield (adds nothing to an empty
   field). */
void xwalk_sub_join(struct xwalk_conv *x, struct wy_field *f, const char *sep,
                    const char *t, size_t n)
{
    if (!f || !f->nsub || !n)
        return;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    wy_buf_adds(&b, sep);
    wy_buf_add(&b, t, n);
    if (b.error)
        x->oom = 1;
    else
        xwalk_sub_append(x, f, b.p);
    wy_buf_release(&b);
}

static const struct wy_subfield *last_sub(const struct wy_field *f)
{
    return f && f->nsub ? &f->sub[f->nsub - 1] : NULL;
}

int xwalk_last_is(const struct wy_field *f, const char *codes)
{
    const struct wy_subfield *l = last_sub(f);
    return l && strchr(codes, l->code);
}

/* A copy of f restricted to lower-case/digit subfields (pinyin 0) or to the
   upper-case ones with their codes lowered (pinyin 1), or without $6. */
struct wy_field xwalk_view(struct xwalk_conv *x, const struct wy_field *f,
                           int pinyin, int no6)
{
    struct wy_field v = *f;
    v.sub = NULL;
    v.nsub = v.capsub = 0;
    if (!f->nsub)
        return v;
    v.sub = wy_arena_alloc(x->out->arena, f->nsub * sizeof(*v.sub));
    if (!v.sub) {
        x->oom = 1;
        return v;
    }
    for (size_t i = 0; i < f->nsub; i++) {
        char c = f->sub[i].code;
        int up = c >= 'A' && c <= 'Z';
        if (no6 && (c == '6' || (no6 == 2 && c == '7')))
            continue;
        if (pinyin >= 0 && up != pinyin)
            continue;
        v.sub[v.nsub] = f->sub[i];
        if (up)
            v.sub[v.nsub].code = (char)(c - 'A' + 'a');
        v.nsub++;
    }
    return v;
}

int xwalk_has_upper(const struct wy_field *f)
{
    for (size_t i = 0; i < f->nsub; i++)
        if (f->sub[i].code >= 'A' && f->sub[i].code <= 'Z')
            return 1;
    return 0;
}

int xwalk_code_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static int ind_ok(char c)
{
    return c == ' ' || xwalk_code_ok(c);
}

/* Parses "II" XWALK_DELIM "a..." XWALK_DELIM "b..." back into the field o; 0
   when the text is not in that shape (then nothing is given back). */
static int parse_text(struct xwalk_conv *x, struct wy_field *o, const char *s,
                      size_t n)
{
    size_t dl = strlen(XWALK_DELIM), i = 2;
    if (n < 2 + dl + 1 || !ind_ok(s[0]) || !ind_ok(s[1]) ||
        memcmp(s + 2, XWALK_DELIM, dl))
        return 0;
    o->ind1 = s[0];
    o->ind2 = s[1];
    while (i < n) {
        if (i + dl > n || memcmp(s + i, XWALK_DELIM, dl))
            return 0;
        i += dl;
        if (i >= n || !xwalk_code_ok(s[i]))
            return 0;
        char code = s[i++];
        size_t j = i;
        while (j < n && !(j + dl <= n && !memcmp(s + j, XWALK_DELIM, dl)))
            j++;
        xwalk_addsn(x, o, code, s + i, j - i);
        i = j;
    }
    return 1;
}

/* Fields given back by xwalk_restore() are not replaced again: their subfield
   arrays are remembered (a field's array is its identity here). */
static int restored(const struct xwalk_conv *x, const struct wy_field *f)
{
    for (size_t i = 0; i < x->nrestored; i++)
        if (x->restored[i] == f->sub)
            return 1;
    return 0;
}

static void mark_restored(struct xwalk_conv *x, const struct wy_field *f)
{
    if (x->nrestored < sizeof(x->restored) / sizeof(x->restored[0]))
        x->restored[x->nrestored++] = f->sub;
}

/* Gives back a field kept whole by the other direction (887 $2 unimarc,
   886 $2 marc21). A mapped field of the tag with the same first subfield
   is replaced (the mapping lost part of it); otherwise the field is added. */
int xwalk_restore(struct xwalk_conv *x, const char *tag, const char *s,
                  size_t n)
{
    if (strlen(tag) != 3 || !xwalk_code_ok(tag[0]) || !xwalk_code_ok(tag[1]) ||
        !xwalk_code_ok(tag[2]))
        return 0;
    if (wy_tag_is_control(tag)) {
        xwalk_addctl(x, tag, s, n);
        return 1;
    }
    struct wy_field *o = xwalk_addf(x, tag, ' ', ' ');
    if (!o)
        return 1;
    if (!parse_text(x, o, s, n)) {
        x->out->nfields--;
        return 0;
    }
    size_t last = x->out->nfields - 1;
    const struct wy_field *nf = &x->out->fields[last];
    for (size_t i = 0; i < last && nf->nsub; i++) {
        struct wy_field *m = &x->out->fields[i];
        if (memcmp(m->tag, tag, 3) || !m->nsub || m->ind1 != nf->ind1 ||
            m->ind2 != nf->ind2 || restored(x, m) ||
            m->sub[0].code != nf->sub[0].code ||
            m->sub[0].len != nf->sub[0].len ||
            memcmp(m->sub[0].data, nf->sub[0].data, nf->sub[0].len))
            continue;
        *m = *nf;
        x->out->nfields--;
        last = i;
        break;
    }
    mark_restored(x, &x->out->fields[last]);
    return 1;
}

/* Subject thesaurus: MARC 21 6XX second indicator and UNIMARC $2 codes. */
const struct xwalk_pair xwalk_thesauri[] = {
    {"0", "lcsh"}, {"1", "lcshac"}, {"2", "mesh"},
    {"3", "nal"},  {"5", "cash"},   {"6", "rvm"},
};
const size_t xwalk_thesauri_n =
    sizeof(xwalk_thesauri) / sizeof(xwalk_thesauri[0]);

/* The reverse direction's choice where several UNIMARC notes share one
   MARC 21 field. */
const struct xwalk_pair xwalk_notes_rev[] = {
    {"300", "500"}, {"300", "501"}, {"300", "515"}, {"300", "518"},
    {"300", "530"}, {"300", "545"}, {"300", "546"}, {"300", "550"},
    {"300", "555"}, {"300", "588"}, {"311", "580"}, {"317", "561"},
    {"318", "583"}, {"320", "504"}, {"321", "510"}, {"322", "508"},
    {"323", "511"}, {"324", "534"}, {"325", "533"}, {"326", "310"},
    {"327", "505"}, {"328", "502"}, {"330", "520"}, {"332", "524"},
    {"333", "521"}, {"334", "586"}, {"336", "516"}, {"337", "538"},
};
const size_t xwalk_notes_rev_n =
    sizeof(xwalk_notes_rev) / sizeof(xwalk_notes_rev[0]);

/* A note's text subfields joined into one $a ($5 kept). */
void xwalk_note_text(struct xwalk_conv *x, const struct wy_field *s,
                     struct wy_field *f)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (size_t i = 0; i < s->nsub; i++) {
        char c = s->sub[i].code;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
            continue;
        if (b.len)
            wy_buf_addc(&b, c == 't' || c == 'a' ? ' ' : ' ');
        wy_buf_add(&b, s->sub[i].data, s->sub[i].len);
    }
    if (b.error)
        x->oom = 1;
    else if (b.len)
        xwalk_addsn(x, f, 'a', b.p, b.len);
    wy_buf_release(&b);
    const struct wy_subfield *five = first_sub(s, '5');
    if (five)
        xwalk_addsn(x, f, '5', five->data, five->len);
}

/* ---- shared driver ------------------------------------------------------ */

/* Stable sort of the output fields by tag (880 after the 8XX). */
static void sort_fields(struct xwalk_conv *x)
{
    struct wy_record *r = x->out;
    for (size_t i = 1; i < r->nfields; i++) {
        struct wy_field t = r->fields[i];
        size_t j = i;
        while (j > 0 && memcmp(r->fields[j - 1].tag, t.tag, 3) > 0) {
            r->fields[j] = r->fields[j - 1];
            j--;
        }
        r->fields[j] = t;
    }
}

static wy_code finish(struct xwalk_conv *x, struct wy_err *err)
{
    xwalk_warn_locals(x);
    if (x->oom)
        return wy_err_set(err, WY_ENOMEM, "out of memory converting %s to %s",
                          x->src, x->dst);
    /* a data field left without subfields: its source is kept whole */
    size_t k = 0;
    for (size_t i = 0; i < x->out->nfields; i++)
        if (x->out->fields[i].data || x->out->fields[i].nsub)
            x->out->fields[k++] = x->out->fields[i];
    x->out->nfields = k;
    sort_fields(x);
    x->out->kind = x->to21 ? WY_MARC21 : WY_UNIMARC;
    x->out->format = x->to21 ? "marc21" : "unimarc";
    return xwalk_describe(x->out, err);
}

wy_code xwalk_unimarc_to_marc21(const struct wy_record *in,
                                struct wy_record *out,
                                struct xwalk_marc_report *rep,
                                struct wy_err *err)
{
    if (in->kind != WY_UNIMARC)
        return wy_err_set(err, WY_EINVAL,
                          "record '%s' is not UNIMARC; no UNIMARC to MARC 21 "
                          "conversion",
                          in->desc.id ? in->desc.id : "?");
    struct xwalk_conv x = {in,        out,       rep,  1,   0, 0,         0, 0,
                           "UNIMARC", "MARC 21", NULL, {0}, 0, {{"", 0}}, 0};
    xwalk_u2m_record(&x);
    return finish(&x, err);
}

wy_code xwalk_marc21_to_unimarc(const struct wy_record *in,
                                struct wy_record *out,
                                struct xwalk_marc_report *rep,
                                struct wy_err *err)
{
    if (in->kind != WY_MARC21)
        return wy_err_set(err, WY_EINVAL,
                          "record '%s' is not MARC 21; no MARC 21 to UNIMARC "
                          "conversion",
                          in->desc.id ? in->desc.id : "?");
    struct xwalk_conv x = {in,        out,       rep,  0,   0, 0,         0, 0,
                           "MARC 21", "UNIMARC", NULL, {0}, 0, {{"", 0}}, 0};
    xwalk_m2u_record(&x);
    return finish(&x, err);
}
