/* formats/xwalk_marc.c: MARC 21 <-> UNIMARC/CNMARC, field by field. The
   tables follow the Library of Congress "UNIMARC to MARC 21 Conversion
   Specifications" and IFLA's UNIMARC manual (relator codes: UNIMARC
   Appendix C against the MARC Code List for Relators); docs/MARC.md has
   the table as implemented.

   One file past the usual size, on purpose: both directions read the same
   code tables (each pair written once, so the two directions cannot drift
   apart) and share some forty small field-building helpers that would
   otherwise become exported names. The file is in four parts: helpers and
   tables, UNIMARC -> MARC 21 (u2m_), MARC 21 -> UNIMARC (m2u_), driver. */
#include "formats/xwalk_marc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "formats/crosswalk.h"

/* One conversion in progress. */
struct xm {
    const struct wy_record *in;
    struct wy_record *out;
    struct xwalk_marc_report *rep;
    int to21;        /* 1: UNIMARC -> MARC 21; 0: the reverse */
    int quiet;       /* mapping an alternate-script copy: no reports */
    int oom;         /* an allocation failed (checked at the end) */
    int occ;         /* last 880 / $6 occurrence number used */
    int has1xx;      /* the MARC 21 output has a main entry */
    const char *src; /* "UNIMARC" or "MARC 21", for warnings */
    const char *dst;
    const struct wy_field *whole;           /* the source field of a view */
    const struct wy_subfield *restored[64]; /* see restore() */
    size_t nrestored;
    struct {
        char tag[4];
        size_t n;
    } locals[32]; /* local tags met, for one warning */
    size_t nlocals;
};

#define DELIM "\xe2\x80\xa1" /* U+2021, the subfield mark MARC displays use */

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

static void warn(struct xm *x, const char *fmt, ...) WY_PRINTF(2, 3);
static void warn(struct xm *x, const char *fmt, ...)
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
static struct wy_field *addf(struct xm *x, const char *tag, char i1, char i2)
{
    struct wy_field *f = wy_record_add_field(x->out, tag, i1, i2);
    if (!f)
        x->oom = 1;
    return f;
}

static void addsn(struct xm *x, struct wy_field *f, char code, const char *s,
                  size_t n)
{
    if (f && !wy_field_add_sub(x->out, f, code, s, n))
        x->oom = 1;
}

static void adds(struct xm *x, struct wy_field *f, char code, const char *s)
{
    addsn(x, f, code, s, strlen(s));
}

static void addctl(struct xm *x, const char *tag, const char *s, size_t n)
{
    if (!wy_record_add_control(x->out, tag, s, n))
        x->oom = 1;
}

/* Replaces subfield i of f with s (copied). */
static void sub_set(struct xm *x, struct wy_field *f, size_t i, const char *s,
                    size_t n)
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
static void sub_append(struct xm *x, struct wy_field *f, const char *s)
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
static void punct(struct xm *x, struct wy_field *f, const char *p)
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
        sub_append(x, f, p);
}

/* Puts a new subfield first (linkage $6, script $7). */
static void sub_prepend(struct xm *x, struct wy_field *f, char code,
                        const char *s)
{
    size_t n = f->nsub;
    addsn(x, f, code, s, strlen(s));
    if (f->nsub != n + 1)
        return;
    struct wy_subfield t = f->sub[n];
    memmove(f->sub + 1, f->sub, n * sizeof(*f->sub));
    f->sub[0] = t;
}

/* ---- reading source subfields ----------------------------------------- */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The value with ISBD punctuation at the end removed (" /", " :", " ;",
   " =", ","; a final "." too when dot is set); leading blanks go. */
static void chop(const char **s, size_t *n, int dot)
{
    const char *p = *s;
    size_t len = *n;
    while (len && is_space((unsigned char)*p))
        p++, len--;
    for (;;) {
        while (len && is_space((unsigned char)p[len - 1]))
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
static void addchop(struct xm *x, struct wy_field *f, char code,
                    const struct wy_subfield *s, int dot)
{
    const char *p = s->data;
    size_t n = s->len;
    chop(&p, &n, dot);
    if (n)
        addsn(x, f, code, p, n);
}

static const struct wy_subfield *first_sub(const struct wy_field *f, char c)
{
    for (size_t i = 0; i < f->nsub; i++)
        if (f->sub[i].code == c)
            return &f->sub[i];
    return NULL;
}

/* Writes the field as text: "TAG II" + DELIM "a..." (data fields) or
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
        wy_buf_adds(b, DELIM);
        wy_buf_addc(b, f->sub[i].code);
        wy_buf_add(b, f->sub[i].data, f->sub[i].len);
    }
}

/* A field with no equivalent: kept whole (887 in MARC 21, 886 in UNIMARC). */
static void keep_whole(struct xm *x, const struct wy_field *f, int partial)
{
    if (x->quiet)
        return;
    if (x->whole)
        f = x->whole;
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    struct wy_field *o;
    if (x->to21) {
        field_text(&b, f, 1);
        o = addf(x, "887", ' ', ' ');
        addsn(x, o, 'a', b.p ? b.p : "", b.len);
        adds(x, o, '2', "unimarc");
    } else {
        field_text(&b, f, 0);
        o = addf(x, "886", f->data ? '0' : '2', ' ');
        addsn(x, o, 'a', f->tag, 3);
        addsn(x, o, 'b', b.p ? b.p : "", b.len);
        adds(x, o, '2', "marc21");
    }
    if (b.error)
        x->oom = 1;
    wy_buf_release(&b);
    if (partial)
        return;
    x->rep ? x->rep->unmapped++ : 0;
    warn(x, "%s: no %s field; kept in %s", f->tag, x->dst,
         x->to21 ? "887" : "886");
}

/* A subfield the target field has no place for. */
static void drop(struct xm *x, const struct wy_field *f,
                 const struct wy_subfield *s, int *dropped)
{
    if (x->quiet)
        return;
    if (x->rep)
        x->rep->dropped++;
    warn(x, "%s $%c '%.*s': no %s equivalent%s", f->tag, s->code,
         (int)(s->len > 80 ? 80 : s->len), s->data, x->dst,
         *dropped  ? ""
         : x->to21 ? " (the field is kept whole in 887)"
                   : " (the field is kept whole in 886)");
    if (!*dropped)
        keep_whole(x, f, 1);
    *dropped = 1;
}

/* Copies the subfields of s into d through pairs ("aabqdc": $a to $a, $b
   to $q, $d to $c); a code mapped to '-' is left out on purpose, any code
   not listed is dropped and reported. */
static void map_subs(struct xm *x, const struct wy_field *s, struct wy_field *d,
                     const char *pairs, int dot)
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
            drop(x, s, &s->sub[i], &dropped);
    }
}

static int is_local(const char *tag)
{
    if (tag[0] < '0' || tag[0] > '9' || tag[1] < '0' || tag[1] > '9' ||
        tag[2] < '0' || tag[2] > '9')
        return 1;
    return tag[0] == '9' || (tag[1] == '9' && tag[0] != '4');
}

static void keep_local(struct xm *x, const struct wy_field *f)
{
    if (x->quiet)
        return;
    if (f->data) {
        addctl(x, f->tag, f->data, f->len);
    } else {
        struct wy_field *o = addf(x, f->tag, f->ind1, f->ind2);
        for (size_t i = 0; o && i < f->nsub; i++)
            addsn(x, o, f->sub[i].code, f->sub[i].data, f->sub[i].len);
    }
    if (x->rep)
        x->rep->local++;
    /* one warning per tag, with a count, in warn_locals() */
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

static void warn_locals(struct xm *x)
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
        warn(x, "local fields kept as they are: %s", b.p);
    wy_buf_release(&b);
}

/* ---- code tables -------------------------------------------------------- */

struct pair {
    const char *a, *b;
};

static const char *look(const struct pair *t, size_t n, const char *k, int rev)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rev ? t[i].b : t[i].a, k))
            return rev ? t[i].a : t[i].b;
    return NULL;
}
#define LOOK(t, k, rev) look((t), sizeof(t) / sizeof((t)[0]), (k), (rev))

/* UNIMARC Appendix C relator codes and the MARC relator codes. */
static const struct pair relators[] = {
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

/* ISO 3166-1 (UNIMARC 102 $a) and the MARC Code List for Countries, for the
   countries Chinese libraries mostly publish or buy from. */
static const struct pair countries[] = {
    {"CN", "cc "}, {"TW", "ch "}, {"HK", "cc "}, {"MO", "cc "}, {"JP", "ja "},
    {"KR", "ko "}, {"KP", "kn "}, {"SG", "si "}, {"US", "xxu"}, {"GB", "xxk"},
    {"CA", "xxc"}, {"AU", "at "}, {"FR", "fr "}, {"DE", "gw "}, {"IT", "it "},
    {"ES", "sp "}, {"RU", "ru "}, {"NL", "ne "}, {"CH", "sz "}, {"BE", "be "},
    {"IN", "ii "}, {"VN", "vm "}, {"TH", "th "}, {"MY", "my "}, {"UA", "un "},
    {"PL", "pl "}, {"SE", "sw "}, {"AT", "au "}, {"PT", "po "}, {"BR", "bl "},
    {"MN", "mp "}, {"NZ", "nz "},
};

/* UNIMARC 100/08 type of date and MARC 21 008/06. */
static const struct pair datetypes[] = {
    {"a", "c"}, {"b", "d"}, {"c", "u"}, {"d", "s"}, {"e", "r"}, {"f", "q"},
    {"g", "m"}, {"h", "t"}, {"i", "p"}, {"j", "e"}, {"u", "n"},
};

/* UNIMARC 100/17 target audience and MARC 21 008/22. */
static const struct pair audiences[] = {
    {"a", "j"}, {"b", "a"}, {"c", "b"}, {"d", "c"},
    {"e", "d"}, {"k", "f"}, {"m", "e"}, {"u", " "},
};

/* UNIMARC 100/20 government publication and MARC 21 008/28. */
static const struct pair govpubs[] = {
    {"a", "f"}, {"b", "s"}, {"c", "c"}, {"d", "l"}, {"e", "m"},
    {"f", "i"}, {"h", "o"}, {"u", "u"}, {"y", " "}, {"z", "z"},
};

/* UNIMARC 105/04-07 form of contents and MARC 21 008/24-27 (books). */
static const struct pair contents[] = {
    {"a", "b"}, {"b", "c"}, {"c", "i"}, {"d", "a"}, {"e", "d"}, {"f", "e"},
    {"g", "r"}, {"i", "s"}, {"j", "p"}, {"k", "j"}, {"l", "u"}, {"m", "m"},
    {"n", "l"}, {"p", "t"}, {"r", "o"}, {"s", "z"}, {"t", "6"},
};

/* UNIMARC 105/11 literature code and MARC 21 008/33. */
static const struct pair literary[] = {
    {"a", "1"}, {"b", "d"}, {"c", "e"}, {"d", "h"}, {"e", "i"},
    {"f", "j"}, {"g", "p"}, {"h", "s"}, {"y", "0"}, {"z", "m"},
};

/* UNIMARC 110 $a/0 type of serial and MARC 21 008/21 (continuing
   resources). */
static const struct pair sertypes[] = {
    {"a", "p"}, {"b", "m"}, {"c", "n"}, {"e", "l"}, {"f", "d"}, {"g", "w"},
};

/* UNIMARC 110 $a/1 frequency and MARC 21 008/18. */
static const struct pair frequencies[] = {
    {"a", "d"}, {"b", "c"}, {"c", "w"}, {"d", "e"}, {"e", "s"}, {"f", "m"},
    {"g", "b"}, {"h", "q"}, {"i", "t"}, {"j", "f"}, {"k", "a"}, {"l", "g"},
    {"m", "h"}, {"n", "i"}, {"o", "j"}, {"u", "u"}, {"z", "z"},
};

/* Leader/06 type of record: UNIMARC and MARC 21. */
static const struct pair rectypes[] = {
    {"a", "a"}, {"b", "t"}, {"c", "c"}, {"d", "d"}, {"e", "e"},
    {"f", "f"}, {"g", "g"}, {"i", "i"}, {"j", "j"}, {"k", "k"},
    {"l", "m"}, {"m", "o"}, {"r", "r"},
};

/* UNIMARC $7 script codes and MARC 21 $6 script identification codes. */
static const struct pair scripts[] = {
    {"ba", "(B"}, {"ca", "(N"}, {"ea", "$1"}, {"fa", "(3"},
    {"ga", "(S"}, {"ha", "(2"}, {"da", "$1"}, {"ka", "$1"},
};

static char code1(const struct pair *t, size_t n, char c, int rev, char dflt)
{
    char k[2] = {c, '\0'};
    const char *v = look(t, n, k, rev);
    return v ? v[0] : dflt;
}
#define CODE1(t, c, rev, d) code1((t), sizeof(t) / sizeof((t)[0]), c, rev, d)

/* The MARC relator code for a UNIMARC one, or the reverse. */
static const char *relator(const char *code, size_t n, int to21)
{
    char k[4];
    if (n != 3)
        return NULL;
    memcpy(k, code, 3);
    k[3] = '\0';
    return LOOK(relators, k, !to21);
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
static int add_unmarked(struct xm *x, struct wy_field *f, char code,
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
        addsn(x, f, code, b.p, b.len);
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
static void addtext(struct xm *x, struct wy_field *f, char code,
                    const struct wy_subfield *s, int dot)
{
    const char *p = s->data;
    size_t n = s->len;
    chop(&p, &n, dot);
    if (!n)
        return;
    if (has_marker(p, n))
        add_unmarked(x, f, code, p, n);
    else
        addsn(x, f, code, p, n);
}

/* Appends sep and t to the last subfield (adds nothing to an empty
   field). */
static void sub_join(struct xm *x, struct wy_field *f, const char *sep,
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
        sub_append(x, f, b.p);
    wy_buf_release(&b);
}

static const struct wy_subfield *last_sub(const struct wy_field *f)
{
    return f && f->nsub ? &f->sub[f->nsub - 1] : NULL;
}

static int last_is(const struct wy_field *f, const char *codes)
{
    const struct wy_subfield *l = last_sub(f);
    return l && strchr(codes, l->code);
}

/* A copy of f restricted to lower-case/digit subfields (pinyin 0) or to the
   upper-case ones with their codes lowered (pinyin 1), or without $6. */
static struct wy_field view(struct xm *x, const struct wy_field *f, int pinyin,
                            int no6)
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

static int has_upper(const struct wy_field *f)
{
    for (size_t i = 0; i < f->nsub; i++)
        if (f->sub[i].code >= 'A' && f->sub[i].code <= 'Z')
            return 1;
    return 0;
}

static int code_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static int ind_ok(char c)
{
    return c == ' ' || code_ok(c);
}

/* Parses "II" DELIM "a..." DELIM "b..." back into the field o; 0 when the
   text is not in that shape (then nothing is given back). */
static int parse_text(struct xm *x, struct wy_field *o, const char *s, size_t n)
{
    size_t dl = strlen(DELIM), i = 2;
    if (n < 2 + dl + 1 || !ind_ok(s[0]) || !ind_ok(s[1]) ||
        memcmp(s + 2, DELIM, dl))
        return 0;
    o->ind1 = s[0];
    o->ind2 = s[1];
    while (i < n) {
        if (i + dl > n || memcmp(s + i, DELIM, dl))
            return 0;
        i += dl;
        if (i >= n || !code_ok(s[i]))
            return 0;
        char code = s[i++];
        size_t j = i;
        while (j < n && !(j + dl <= n && !memcmp(s + j, DELIM, dl)))
            j++;
        addsn(x, o, code, s + i, j - i);
        i = j;
    }
    return 1;
}

/* Fields given back by restore() are not replaced again: their subfield
   arrays are remembered (a field's array is its identity here). */
static int restored(const struct xm *x, const struct wy_field *f)
{
    for (size_t i = 0; i < x->nrestored; i++)
        if (x->restored[i] == f->sub)
            return 1;
    return 0;
}

static void mark_restored(struct xm *x, const struct wy_field *f)
{
    if (x->nrestored < sizeof(x->restored) / sizeof(x->restored[0]))
        x->restored[x->nrestored++] = f->sub;
}

/* Gives back a field kept whole by the other direction (887 $2 unimarc,
   886 $2 marc21). A mapped field of the tag with the same first subfield
   is replaced (the mapping lost part of it); otherwise the field is added. */
static int restore(struct xm *x, const char *tag, const char *s, size_t n)
{
    if (strlen(tag) != 3 || !code_ok(tag[0]) || !code_ok(tag[1]) ||
        !code_ok(tag[2]))
        return 0;
    if (wy_tag_is_control(tag)) {
        addctl(x, tag, s, n);
        return 1;
    }
    struct wy_field *o = addf(x, tag, ' ', ' ');
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
static const struct pair thesauri[] = {
    {"0", "lcsh"}, {"1", "lcshac"}, {"2", "mesh"},
    {"3", "nal"},  {"5", "cash"},   {"6", "rvm"},
};

/* UNIMARC subject subdivisions to MARC 21 and back ($y and $z swap). */
#define U2M_SUBDIV                                                             \
    "jvxxyzzy22"                                                               \
    "30"
#define M2U_SUBDIV                                                             \
    "vjxxzyyz22"                                                               \
    "03"

/* ---- UNIMARC -> MARC 21 ------------------------------------------------- */

static const char *field_a(const struct wy_record *r, const char *tag)
{
    return wy_record_subfield(r, tag, 'a');
}

static void u2m_leader(struct xm *x)
{
    const char *l = x->in->leader;
    char *o = x->out->leader;
    memcpy(o, "00000nam a2200000 i 4500", 25);
    o[5] = l[5] && strchr("cdnp", l[5]) ? l[5] : 'n';
    o[6] = CODE1(rectypes, l[6], 0, 'a');
    o[7] = l[7] && strchr("acims", l[7]) ? l[7] : 'm';
    /* UNIMARC encoding levels: blank full, 1 not examined, 2 prepublication,
       3 incomplete (MARC 21: blank, 1, 8, 3) */
    o[17] = l[17] == '1' ? '1' : l[17] == '2' ? '8' : l[17] == '3' ? '3' : ' ';
}

static void fixed_pos(char *f, size_t at, const char *a, size_t n, size_t pos,
                      const struct pair *t, size_t tn, char dflt)
{
    if (pos < n)
        f[at] = code1(t, tn, a[pos], 0, dflt);
}

static void u2m_date(char *o, const char *a, int serial)
{
    int digits = 0;
    for (int i = 0; i < 4; i++)
        digits += a[i] >= '0' && a[i] <= '9';
    for (int i = 0; i < 4; i++)
        o[i] = (a[i] >= '0' && a[i] <= '9') ? a[i]
               : digits || serial           ? 'u'
                                            : ' ';
}

/* 100 $a, 101, 102, 105, 106 -> 008 (books positions for text). */
static void u2m_008(struct xm *x)
{
    char f[41];
    memset(f, ' ', 40);
    f[40] = '\0';
    memcpy(f + 29, "|||", 3);
    f[39] = 'd';
    const char *a = field_a(x->in, "100");
    char c100[37];
    size_t n = 0;
    if (a) {
        for (; a[n] && n < 36; n++)
            c100[n] = a[n] == '#' || a[n] == '-' ? ' ' : a[n];
        c100[n] = '\0';
        a = c100;
    }
    if (n >= 8)
        memcpy(f, a + 2, 6);
    fixed_pos(f, 6, a, n, 8, datetypes, sizeof(datetypes) / sizeof(*datetypes),
              '|');
    if (n >= 17) {
        u2m_date(f + 7, a + 9, a[8] == 'a' || a[8] == 'b');
        u2m_date(f + 11, a + 13, a[8] == 'a' || a[8] == 'b');
    }
    if (!x->in->leader[7] || !strchr("si", x->in->leader[7]))
        fixed_pos(f, 22, a, n, 17, audiences,
                  sizeof(audiences) / sizeof(*audiences), ' ');
    fixed_pos(f, 28, a, n, 20, govpubs, sizeof(govpubs) / sizeof(*govpubs),
              ' ');
    memcpy(f + 15, "xx ", 3);
    const char *c = field_a(x->in, "102");
    if (c) {
        const char *m = LOOK(countries, c, 0);
        if (m)
            memcpy(f + 15, m, 3);
    }
    const char *b = field_a(x->in, "105");
    size_t bn = b ? strlen(b) : 0;
    for (size_t i = 0; i < 4 && i < bn; i++)
        f[18 + i] = b[i] == 'o'                             ? 'p'
                    : strchr("abcdefghijklm", b[i]) && b[i] ? b[i]
                                                            : ' ';
    for (size_t i = 4; i < 8 && i < bn; i++)
        f[20 + i] = CODE1(contents, b[i], 0, ' ');
    if (bn >= 11) {
        f[29] = b[8] == '1' ? '1' : '0';
        f[30] = b[9] == '1' ? '1' : '0';
        f[31] = b[10] == '1' ? '1' : '0';
    }
    if (bn >= 12)
        f[33] = CODE1(literary, b[11], 0, '0');
    if (bn >= 13)
        f[34] = b[12] && strchr("abcd", b[12]) ? b[12] : ' ';
    const char *q = field_a(x->in, "110");
    size_t qn = q ? strlen(q) : 0;
    if (qn && x->in->leader[7] && strchr("si", x->in->leader[7])) {
        /* continuing resources: 110 $a/0-3 -> 008/21, 18, 19, 29 */
        f[21] = CODE1(sertypes, q[0], 0, ' ');
        if (qn > 1)
            f[18] = CODE1(frequencies, q[1], 0, ' ');
        if (qn > 2)
            f[19] = q[2] == 'a'   ? 'r'
                    : q[2] == 'b' ? 'n'
                    : q[2] == 'u' ? 'u'
                    : q[2] == 'y' ? 'x'
                                  : ' ';
        f[29] = qn > 3 && q[3] == '1' ? '1' : '0';
        f[30] = f[31] = ' ';
    }
    const char *p = field_a(x->in, "106");
    if (p && p[0] && strchr("dfs", p[0]))
        f[23] = p[0];
    const char *lang = field_a(x->in, "101");
    memcpy(f + 35, "und", 3);
    if (lang && strlen(lang) >= 3)
        memcpy(f + 35, lang, 3);
    else if (n >= 25)
        memcpy(f + 35, a + 22, 3);
    addctl(x, "008", f, 40);
}

/* All 801 fields -> one 040 (a original, c transcribing, d modifying
   agencies; b the language of cataloguing from 100 $a/22-24). */
static void u2m_040(struct xm *x)
{
    const struct wy_field *s;
    const char *orig = NULL, *trans = NULL, *rules = NULL;
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        const char *b = wy_field_sub(s, 'b');
        if (s->ind2 == '0' && !orig)
            orig = b;
        else if ((s->ind2 == '1' || s->ind2 == '3') && !trans)
            trans = b;
        if (!rules)
            rules = wy_field_sub(s, 'g');
    }
    const char *a = field_a(x->in, "100");
    if (!orig && !trans && !wy_record_field(x->in, "801", NULL))
        return;
    struct wy_field *f = addf(x, "040", ' ', ' ');
    if (orig || trans) /* $a is mandatory: the issuing agency, if alone */
        adds(x, f, 'a', orig ? orig : trans);
    if (a && strlen(a) >= 25 && a[22] != ' ' && a[22] != '#')
        addsn(x, f, 'b', a + 22, 3);
    if (trans || orig)
        adds(x, f, 'c', trans ? trans : orig);
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        const char *b = wy_field_sub(s, 'b');
        if (s->ind2 == '2' && b)
            adds(x, f, 'd', b);
    }
    if (rules)
        adds(x, f, 'e', rules);
    /* 801 $a (country) and $c (date) have no place in 040 */
    for (s = NULL; (s = wy_record_field(x->in, "801", s));) {
        int dropped = 0;
        for (size_t i = 0; i < s->nsub; i++)
            if (!strchr("bg", s->sub[i].code))
                drop(x, s, &s->sub[i], &dropped);
    }
}

/* ISBN/ISSN: hyphens and blanks out, as MARC 21 records them. */
static void add_number(struct xm *x, struct wy_field *f, char code,
                       const struct wy_subfield *s)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (size_t i = 0; i < s->len; i++)
        if (s->data[i] != '-' && s->data[i] != ' ')
            wy_buf_addc(&b, s->data[i]);
    if (b.error)
        x->oom = 1;
    else if (b.len)
        addsn(x, f, code, b.p, b.len);
    wy_buf_release(&b);
}

static void u2m_010(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "020", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code == 'a' || v->code == 'z')
            add_number(x, f, v->code, v);
        else if (v->code == 'b')
            addtext(x, f, 'q', v, 0);
        else if (v->code == 'd')
            addtext(x, f, 'c', v, 0);
        else
            drop(x, s, v, &dropped);
    }
}

static void u2m_011(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "022", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char c = v->code == 'a'   ? 'a'
                 : v->code == 'y' ? 'z'
                 : v->code == 'z' ? 'y'
                 : v->code == 'f' ? 'l'
                 : v->code == 'g' ? 'm'
                                  : 0;
        if (c)
            add_number(x, f, c, v);
        else
            drop(x, s, v, &dropped);
    }
}

/* 200 -> 245 (+ 246 31 for each parallel title $d). */
static void u2m_200(struct xm *x, const struct wy_field *s)
{
    char i1 = !x->has1xx ? '0' : s->ind1 == '0' ? '0' : '1';
    struct wy_field *f = addf(x, "245", i1, '0');
    int dropped = 0, nonfiling = 0, has_b = 0, has_c = 0, has_a = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 0);
        struct wy_subfield c = {v->code, t, n};
        switch (v->code) {
        case 'a':
            if (!has_a) {
                int k = add_unmarked(x, f, 'a', t, n);
                if (!i)
                    nonfiling = k;
                has_a = 1;
            } else {
                sub_join(x, f, " ; ", t, n);
            }
            break;
        case 'b': {
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            if (n && t[0] == '[')
                wy_buf_add(&b, t, n);
            else
                wy_buf_addf(&b, "[%.*s]", (int)n, t);
            if (b.error)
                x->oom = 1;
            else
                addsn(x, f, 'h', b.p, b.len);
            wy_buf_release(&b);
            break;
        }
        case 'c':
            sub_join(x, f, ". ", t, n);
            break;
        case 'd':
        case 'e':
            if (!has_b) {
                punct(x, f, v->code == 'd' ? " =" : " :");
                addsn(x, f, 'b', t, n);
                has_b = 1;
            } else {
                sub_join(x, f, v->code == 'd' ? " = " : " : ", t, n);
            }
            break;
        case 'f':
        case 'g':
            if (!has_c) {
                punct(x, f, " /");
                addsn(x, f, 'c', t, n);
                has_c = 1;
            } else {
                sub_join(x, f, v->code == 'f' ? " / " : " ; ", t, n);
            }
            break;
        case 'h':
        case 'v':
            punct(x, f, ".");
            addtext(x, f, 'n', &c, 0);
            break;
        case 'i':
            punct(x, f, last_is(f, "n") ? "," : ".");
            addtext(x, f, 'p', &c, 0);
            break;
        case 'z': /* language of the parallel title: 041 says it */
            break;
        default:
            drop(x, s, v, &dropped);
        }
    }
    if (f)
        f->ind2 = (char)('0' + nonfiling);
    for (size_t i = 0; i < s->nsub; i++) {
        if (s->sub[i].code != 'd')
            continue;
        struct wy_field *p = addf(x, "246", '3', '1');
        addtext(x, p, 'a', &s->sub[i], 0);
    }
}

static void u2m_205(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "250", ' ', ' ');
    int dropped = 0, has_b = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 0);
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        switch (v->code) {
        case 'a':
            if (f->nsub) {
                wy_buf_addf(&b, ", %.*s", (int)n, t);
                sub_append(x, f, wy_buf_cstr(&b));
            } else {
                addsn(x, f, 'a', t, n);
            }
            break;
        case 'b':
        case 'd':
            wy_buf_addf(&b, "%s%.*s", v->code == 'b' ? ", " : " = ", (int)n, t);
            sub_append(x, f, wy_buf_cstr(&b));
            break;
        case 'f':
        case 'g':
            punct(x, f, has_b ? " ;" : " /");
            if (has_b) {
                wy_buf_addf(&b, " %.*s", (int)n, t);
                sub_append(x, f, wy_buf_cstr(&b));
            } else {
                addsn(x, f, 'b', t, n);
                has_b = 1;
            }
            break;
        default:
            drop(x, s, v, &dropped);
        }
        if (b.error)
            x->oom = 1;
        wy_buf_release(&b);
    }
}

/* 210 -> 260, 214 -> 264 (ISBD: Place : Publisher, Date). */
static void u2m_210(struct xm *x, const struct wy_field *s)
{
    int is214 = !memcmp(s->tag, "214", 3);
    struct wy_field *f;
    if (is214)
        f = addf(x, "264", ' ',
                 s->ind2 >= '0' && s->ind2 <= '4' ? s->ind2 : '1');
    else
        f = addf(x, "260",
                 s->ind1 == '0'   ? '2'
                 : s->ind1 == '1' ? '3'
                                  : ' ',
                 ' ');
    int dropped = 0, manuf = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char c = v->code;
        if (is214 && strchr("efgh", c))
            c = '?';
        switch (c) {
        case 'a':
            punct(x, f, " ;");
            addtext(x, f, 'a', v, 0);
            break;
        case 'b':
        case 'f': {
            const char *t = v->data;
            size_t n = v->len;
            chop(&t, &n, 0);
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            wy_buf_addf(&b, " (%.*s)", (int)n, t);
            if (f->nsub)
                sub_append(x, f, wy_buf_cstr(&b));
            wy_buf_release(&b);
            break;
        }
        case 'c':
            punct(x, f, " :");
            addtext(x, f, 'b', v, 0);
            break;
        case 'd':
            punct(x, f, ",");
            addtext(x, f, 'c', v, 0);
            break;
        case 'e':
        case 'g':
        case 'h': {
            const char *t = v->data;
            size_t n = v->len;
            chop(&t, &n, 0);
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            if (c == 'g')
                punct(x, f, " :");
            if (c == 'h')
                punct(x, f, ",");
            wy_buf_addf(&b, "%s%.*s", manuf ? "" : "(", (int)n, t);
            addsn(x, f,
                  c == 'e'   ? 'e'
                  : c == 'g' ? 'f'
                             : 'g',
                  b.p ? b.p : "", b.len);
            wy_buf_release(&b);
            manuf = 1;
            break;
        }
        default:
            drop(x, s, v, &dropped);
        }
    }
    if (manuf)
        sub_append(x, f, ")");
}

static void u2m_215(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "300", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        switch (v->code) {
        case 'a':
            punct(x, f, " ;");
            addtext(x, f, 'a', v, 0);
            break;
        case 'c':
            punct(x, f, " :");
            addtext(x, f, 'b', v, 0);
            break;
        case 'd':
            punct(x, f, " ;");
            addtext(x, f, 'c', v, 0);
            break;
        case 'e':
            punct(x, f, " +");
            addtext(x, f, 'e', v, 0);
            break;
        default:
            drop(x, s, v, &dropped);
        }
    }
}

static void u2m_225(struct xm *x, const struct wy_field *s)
{
    int traced = wy_record_field(x->in, "410", NULL) != NULL;
    struct wy_field *f = addf(x, "490", traced ? '1' : '0', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 0);
        const char *sep = v->code == 'd'   ? " = "
                          : v->code == 'e' ? " : "
                          : v->code == 'f' ? " / "
                          : v->code == 'h' ? ". "
                          : v->code == 'i' ? ", "
                                           : NULL;
        if (v->code == 'a' && !f->nsub) {
            addtext(x, f, 'a', v, 0);
        } else if (v->code == 'a' || sep) {
            struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
            wy_buf_addf(&b, "%s%.*s", sep ? sep : ". ", (int)n, t);
            if (f->nsub)
                sub_append(x, f, wy_buf_cstr(&b));
            wy_buf_release(&b);
        } else if (v->code == 'v') {
            punct(x, f, " ;");
            addtext(x, f, 'v', v, 0);
        } else if (v->code == 'x') {
            punct(x, f, ",");
            addtext(x, f, 'x', v, 0);
        } else if (v->code != 'z') {
            drop(x, s, v, &dropped);
        }
    }
}

/* 410 -> 830: the standard subfield technique ($t $v $x) or an embedded
   200 ($1 200.. then $a) and 001 ($1 001...). */
static void u2m_410(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "830", ' ', '0');
    int dropped = 0;
    char emb[4] = "";
    const struct wy_subfield *vol = NULL, *issn = NULL;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code == '1') {
            memcpy(emb, v->data, v->len >= 3 ? 3 : v->len);
            emb[v->len >= 3 ? 3 : v->len] = '\0';
            if (!strcmp(emb, "001") && v->len > 3)
                addsn(x, f, 'w', v->data + 3, v->len - 3);
            continue;
        }
        if (emb[0] && strcmp(emb, "200") && strcmp(emb, "011")) {
            drop(x, s, v, &dropped);
            continue;
        }
        if (!strcmp(emb, "011") && v->code == 'a') {
            issn = v;
        } else if (v->code == 'a' || v->code == 't') {
            addtext(x, f, 'a', v, 0);
        } else if (v->code == 'h') {
            punct(x, f, ".");
            addtext(x, f, 'n', v, 0);
        } else if (v->code == 'i') {
            punct(x, f, last_is(f, "n") ? "," : ".");
            addtext(x, f, 'p', v, 0);
        } else if (v->code == 'v') {
            vol = v;
        } else if (v->code == 'x') {
            issn = v;
        } else if (v->code == '0' || v->code == '3') {
            addtext(x, f, 'w', v, 0);
        } else {
            drop(x, s, v, &dropped);
        }
    }
    if (vol) {
        punct(x, f, " ;");
        addtext(x, f, 'v', vol, 0);
    }
    if (issn)
        addtext(x, f, 'x', issn, 0);
}

/* Notes: UNIMARC 3XX and MARC 21 5XX, both ways. */
static const struct pair notes[] = {
    {"300", "500"}, {"301", "500"}, {"302", "500"}, {"303", "500"},
    {"304", "500"}, {"305", "500"}, {"306", "500"}, {"307", "500"},
    {"308", "500"}, {"310", "500"}, {"311", "580"}, {"312", "500"},
    {"313", "500"}, {"314", "500"}, {"315", "500"}, {"316", "500"},
    {"317", "561"}, {"318", "583"}, {"320", "504"}, {"321", "510"},
    {"322", "508"}, {"323", "511"}, {"324", "534"}, {"325", "533"},
    {"326", "310"}, {"327", "505"}, {"328", "502"}, {"330", "520"},
    {"332", "524"}, {"333", "521"}, {"334", "586"}, {"336", "516"},
    {"337", "538"},
};

/* The reverse direction's choice where several UNIMARC notes share one
   MARC 21 field. */
static const struct pair notes_rev[] = {
    {"300", "500"}, {"300", "501"}, {"300", "515"}, {"300", "518"},
    {"300", "530"}, {"300", "545"}, {"300", "546"}, {"300", "550"},
    {"300", "555"}, {"300", "588"}, {"311", "580"}, {"317", "561"},
    {"318", "583"}, {"320", "504"}, {"321", "510"}, {"322", "508"},
    {"323", "511"}, {"324", "534"}, {"325", "533"}, {"326", "310"},
    {"327", "505"}, {"328", "502"}, {"330", "520"}, {"332", "524"},
    {"333", "521"}, {"334", "586"}, {"336", "516"}, {"337", "538"},
};

/* A note's text subfields joined into one $a ($5 kept). */
static void note_text(struct xm *x, const struct wy_field *s,
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
        addsn(x, f, 'a', b.p, b.len);
    wy_buf_release(&b);
    const struct wy_subfield *five = first_sub(s, '5');
    if (five)
        addsn(x, f, '5', five->data, five->len);
}

static void u2m_note(struct xm *x, const struct wy_field *s)
{
    const char *t = LOOK(notes, s->tag, 0);
    char i1 = ' ';
    if (!memcmp(s->tag, "371", 3))
        t = s->ind1 == '1' ? "540" : "506";
    if (!memcmp(s->tag, "327", 3))
        i1 = s->ind1 == '1' ? '0' : '1';
    if (!t) {
        keep_whole(x, s, 0);
        return;
    }
    struct wy_field *f = addf(x, t, i1, ' ');
    note_text(x, s, f);
}

/* 500 uniform title -> 240 (130 without a main entry). */
static void u2m_500(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f =
        x->has1xx ? addf(x, "240", '1', '0') : addf(x, "130", '0', ' ');
    map_subs(x, s, f, "aahnipkflkmlng30", 0);
}

/* 5XX variant titles -> 246 / 242 / 222 / 210. */
static void u2m_5xx_title(struct xm *x, const struct wy_field *s)
{
    static const struct pair t246[] = {
        {"510", "1"}, {"512", "4"}, {"513", "5"}, {"514", "6"}, {"515", "7"},
        {"516", "8"}, {"517", " "}, {"532", " "}, {"540", " "},
    };
    const char *i2 = LOOK(t246, s->tag, 0);
    struct wy_field *f;
    if (i2) {
        f = addf(x, "246", '3', i2[0]);
        map_subs(x, s, f, "aaebhnipz-", 0);
    } else if (!memcmp(s->tag, "541", 3)) {
        f = addf(x, "242", '1', '0');
        map_subs(x, s, f, "aaebhnipzy", 0);
    } else if (!memcmp(s->tag, "530", 3)) {
        f = addf(x, "222", ' ', '0');
        map_subs(x, s, f, "aabb", 0);
    } else if (!memcmp(s->tag, "531", 3)) {
        f = addf(x, "210", '0', ' ');
        map_subs(x, s, f, "aabb", 0);
    } else {
        keep_whole(x, s, 0);
    }
}

/* The thesaurus of a UNIMARC subject ($2) as MARC 21's second indicator. */
static char u2m_thesaurus(const struct wy_field *s, int *keep2)
{
    const char *c = wy_field_sub(s, '2');
    *keep2 = 0;
    if (!c)
        return '4';
    const char *i = LOOK(thesauri, c, 1);
    if (i)
        return i[0];
    *keep2 = 1;
    return '7';
}

/* A UNIMARC personal name ($a $b $c $d $f $g $p) into MARC 21 X00
   subfields; returns the MARC 21 first indicator. */
static void u2m_person(struct xm *x, const struct wy_field *s,
                       struct wy_field *f, int *dropped, const char *extra)
{
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        switch (v->code) {
        case 'a':
            addtext(x, f, 'a', v, 1);
            break;
        case 'b':
            if (last_is(f, "a")) {
                struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
                const char *t = v->data;
                size_t n = v->len;
                chop(&t, &n, 0);
                /* ICCU and others write "$a Asimov $b , Isaac" */
                while (n && (*t == ',' || *t == ' '))
                    t++, n--;
                wy_buf_addf(&b, ", %.*s", (int)n, t);
                sub_append(x, f, wy_buf_cstr(&b));
                wy_buf_release(&b);
            } else {
                addtext(x, f, 'a', v, 1);
            }
            break;
        case 'c':
            addtext(x, f, 'c', v, 0);
            break;
        case 'd':
            addtext(x, f, 'b', v, 0);
            break;
        case 'f':
            punct(x, f, ",");
            addtext(x, f, 'd', v, 0);
            break;
        case 'g':
            addtext(x, f, 'q', v, 0);
            break;
        case 'p':
            addtext(x, f, 'u', v, 0);
            break;
        case '3':
            addtext(x, f, '0', v, 0);
            break;
        default:
            if (!extra || !strchr(extra, v->code))
                drop(x, s, v, dropped);
        }
    }
}

static void u2m_relator(struct xm *x, const struct wy_field *s,
                        struct wy_field *f, char term)
{
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        if (v->code != '4')
            continue;
        const char *c = relator(v->data, v->len, 1);
        if (c) {
            adds(x, f, '4', c);
        } else {
            punct(x, f, ",");
            addtext(x, f, term, v, 0);
        }
    }
}

/* 700-702 -> 100/700; 720-722 (families) -> 100/700 3_. */
static void u2m_person_entry(struct xm *x, const struct wy_field *s)
{
    int main = s->tag[2] == '0';
    int family = s->tag[1] == '2';
    char tag[4] = {main ? '1' : '7', '0', '0', '\0'};
    char i1 = family ? '3' : s->ind2 == '0' ? '0' : '1';
    struct wy_field *f = addf(x, tag, i1, ' ');
    int dropped = 0;
    u2m_person(x, s, f, &dropped, "4");
    u2m_relator(x, s, f, 'e');
}

/* 710-712 -> 110/710 (ind1 0) or 111/711 (ind1 1, meetings). */
static void u2m_corporate(struct xm *x, const struct wy_field *s)
{
    int main = s->tag[2] == '0', meeting = s->ind1 == '1';
    char tag[4] = {main ? '1' : '7', '1', meeting ? '1' : '0', '\0'};
    char i1 = s->ind2 >= '0' && s->ind2 <= '2' ? s->ind2 : '2';
    struct wy_field *f = addf(x, tag, i1, ' ');
    /* meetings: $b subordinate unit is MARC $e; relator terms go in $j */
    map_subs(x, s, f, meeting ? "aabecgdnecfd304-" : "aabbcgdnecfd304-", 1);
    u2m_relator(x, s, f, meeting ? 'j' : 'e');
}

/* 600-608, 610 -> MARC 21 6XX. */
static void u2m_subject(struct xm *x, const struct wy_field *s)
{
    int keep2;
    char i2 = u2m_thesaurus(s, &keep2);
    const char *t = s->tag;
    struct wy_field *f;
    int dropped = 0;
    if (!memcmp(t, "600", 3)) {
        f = addf(x, "600", s->ind2 == '0' ? '0' : '1', i2);
        u2m_person(x, s, f, &dropped, "tjxyz23");
        map_subs(x, s, f, "tt3-" U2M_SUBDIV "a-b-c-d-f-g-p-", 0);
    } else if (!memcmp(t, "602", 3)) {
        f = addf(x, "600", '3', i2);
        map_subs(x, s, f, "aafdtt" U2M_SUBDIV, 0);
    } else if (!memcmp(t, "601", 3)) {
        int meeting = s->ind1 == '1';
        f = addf(x, meeting ? "611" : "610",
                 s->ind2 >= '0' && s->ind2 <= '2' ? s->ind2 : '2', i2);
        map_subs(x, s, f,
                 meeting ? "aabecgdnecfdtt" U2M_SUBDIV
                         : "aabbcgdnecfdtt" U2M_SUBDIV,
                 0);
    } else if (!memcmp(t, "605", 3)) {
        f = addf(x, "630", '0', i2);
        map_subs(x, s, f, "aahnipkflkml" U2M_SUBDIV, 0);
    } else if (!memcmp(t, "606", 3) || !memcmp(t, "607", 3) ||
               !memcmp(t, "608", 3)) {
        const char *tag = t[2] == '6' ? "650" : t[2] == '7' ? "651" : "655";
        char i1 =
            t[2] == '6' && s->ind1 && strchr("012", s->ind1) ? s->ind1 : ' ';
        f = addf(x, tag, i1, i2);
        map_subs(x, s, f, "aa" U2M_SUBDIV, 0);
    } else { /* 610 uncontrolled terms */
        f = addf(x, "653", s->ind1 && strchr("012", s->ind1) ? s->ind1 : ' ',
                 ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    }
    if (f && !keep2) {
        /* $2 said the thesaurus, now in the indicator */
        for (size_t i = 0; i < f->nsub; i++)
            if (f->sub[i].code == '2') {
                memmove(f->sub + i, f->sub + i + 1,
                        (f->nsub - i - 1) * sizeof(*f->sub));
                f->nsub--;
                break;
            }
    }
}

/* 675 UDC, 676 Dewey, 680 LC, 686 other, 690 CLC (中图法, CNMARC). */
static void u2m_class(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f;
    /* 675, 676, 680, 690 by their last two digits; 686 the default */
    switch (s->tag[1] == '9'   ? '9'
            : s->tag[1] == '8' ? s->tag[2] == '0' ? '0' : '?'
                               : s->tag[2]) {
    case '5':
        f = addf(x, "080", ' ', ' ');
        map_subs(x, s, f, "aav2z-", 0);
        break;
    case '6':
        f = addf(x, "082", '0', '4');
        map_subs(x, s, f, "aav2z-", 0);
        break;
    case '0':
        f = addf(x, "050", ' ', '4');
        map_subs(x, s, f, "aabb", 0);
        break;
    case '9':
        f = addf(x, "084", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        adds(x, f, '2', "clc");
        break;
    default:
        f = addf(x, "084", ' ', ' ');
        map_subs(x, s, f, "aabb22", 0);
    }
}

/* One UNIMARC field to MARC 21 (may add none, one or more fields). */
static void u2m_field(struct xm *x, const struct wy_field *s)
{
    const char *t = s->tag;
    int n = (t[0] >= '0' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9' &&
             t[2] >= '0' && t[2] <= '9')
                ? (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0')
                : -1;
    struct wy_field *f;
    switch (n) {
    case 1:
    case 5:
        addctl(x, t, s->data ? s->data : "", s->len);
        return;
    case 3: {
        f = addf(x, "024", '7', ' ');
        addsn(x, f, 'a', s->data ? s->data : "", s->len);
        adds(x, f, '2', "uri");
        return;
    }
    case 10:
        u2m_010(x, s);
        return;
    case 11:
        u2m_011(x, s);
        return;
    case 35:
        f = addf(x, "035", ' ', ' ');
        map_subs(x, s, f, "aazz", 0);
        return;
    case 13:
    case 16:
    case 17:
    case 72:
    case 73:
        /* ISMN, ISRC, other standard identifier, UPC, EAN -> 024 */
        f = addf(x, "024",
                 n == 13                ? '2'
                 : n == 16              ? '0'
                 : n == 72              ? '1'
                 : n == 73              ? '3'
                 : wy_field_sub(s, '2') ? '7'
                                        : '8',
                 ' ');
        map_subs(x, s, f, n == 17 ? "aazz22" : "aazz", 0);
        return;
    case 100:
    case 105:
    case 106:
    case 801:
        return; /* into 008 and 040 */
    case 110:
        if (x->in->leader[7] && strchr("si", x->in->leader[7]))
            return; /* into 008 */
        break;
    case 326:
        f = addf(x, "310", ' ', ' ');
        map_subs(x, s, f, "aabb", 0);
        return;
    case 660:
        f = addf(x, "043", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 230:
        f = addf(x, "256", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 101:
        f = addf(x, "041", s->ind1 == '0' || s->ind1 == ' ' ? '0' : '1', ' ');
        map_subs(x, s, f, "aabkchdbefhejjig", 0);
        return;
    case 102:
        f = addf(x, "044", ' ', ' ');
        {
            const char *c = wy_field_sub(s, 'a');
            const char *m = c ? LOOK(countries, c, 0) : NULL;
            if (m)
                addsn(x, f, 'a', m, m[2] == ' ' ? 2 : 3);
        }
        map_subs(x, s, f, "acbb", 0);
        return;
    case 200:
        u2m_200(x, s);
        return;
    case 205:
        u2m_205(x, s);
        return;
    case 206:
        f = addf(x, "255", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 207:
        f = addf(x, "362", '0', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 210:
    case 214:
        u2m_210(x, s);
        return;
    case 215:
        u2m_215(x, s);
        return;
    case 225:
        u2m_225(x, s);
        return;
    case 410:
        u2m_410(x, s);
        return;
    case 500:
        u2m_500(x, s);
        return;
    case 600:
    case 601:
    case 602:
    case 605:
    case 606:
    case 607:
    case 608:
    case 610:
        u2m_subject(x, s);
        return;
    case 675:
    case 676:
    case 680:
    case 686:
    case 690:
        u2m_class(x, s);
        return;
    case 700:
    case 701:
    case 702:
    case 720:
    case 721:
    case 722:
        u2m_person_entry(x, s);
        return;
    case 710:
    case 711:
    case 712:
        u2m_corporate(x, s);
        return;
    case 856:
        f = addf(x, "856", s->ind1, s->ind2);
        for (size_t i = 0; f && i < s->nsub; i++)
            addsn(x, f, s->sub[i].code, s->sub[i].data, s->sub[i].len);
        return;
    case 886: {
        const char *a = wy_field_sub(s, 'a'), *b = wy_field_sub(s, 'b'),
                   *two = wy_field_sub(s, '2');
        if (a && b && two && !strcmp(two, "marc21") &&
            restore(x, a, b, strlen(b)))
            return;
        break;
    }
    default:
        break;
    }
    if (n >= 300 && n < 400) {
        u2m_note(x, s);
        return;
    }
    if (n >= 510 && n < 600) {
        u2m_5xx_title(x, s);
        return;
    }
    if (is_local(t))
        keep_local(x, s);
    else
        keep_whole(x, s, 0);
}

static void occ_text(char *o, size_t cap, const char *tag, int occ,
                     const char *script)
{
    struct wy_buf b = WY_BUF_INIT(64);
    wy_buf_addf(&b, "%.3s-%02d%s%s", tag, occ, script ? "/" : "",
                script ? script : "");
    size_t n = b.len < cap - 1 ? b.len : cap - 1;
    memcpy(o, wy_buf_cstr(&b), n);
    o[n] = '\0';
    wy_buf_release(&b);
}

/* A CNMARC field with pinyin in upper-case subfields: the vernacular goes
   in the regular MARC 21 field, the pinyin in an 880 linked by $6 (script
   "(B", Latin), so nothing of the source is left out. */
static void u2m_one(struct xm *x, const struct wy_field *s)
{
    if (s->data || !has_upper(s) || is_local(s->tag)) {
        u2m_field(x, s);
        return;
    }
    struct wy_field vern = view(x, s, 0, 0), pin = view(x, s, 1, 0);
    size_t a = x->out->nfields;
    x->whole = s; /* what keep_whole() keeps: the field with its pinyin */
    u2m_field(x, &vern);
    x->whole = NULL;
    size_t b = x->out->nfields;
    if (b == a) {
        keep_whole(x, s, 0);
        return;
    }
    if (x->occ >= 99) {
        /* $6 occurrence numbers have two digits */
        warn(x, "%s: more than 99 fields with pinyin; kept in 887", s->tag);
        if (x->rep)
            x->rep->dropped++;
        keep_whole(x, s, 1);
        return;
    }
    x->quiet++;
    u2m_field(x, &pin);
    x->quiet--;
    if (x->out->nfields == b)
        return;
    x->out->nfields = b + 1;
    int occ = ++x->occ;
    char six[16];
    struct wy_field *p = &x->out->fields[b];
    occ_text(six, sizeof(six), p->tag, occ, "(B");
    memcpy(p->tag, "880", 4);
    sub_prepend(x, p, '6', six);
    occ_text(six, sizeof(six), "880", occ, NULL);
    sub_prepend(x, &x->out->fields[a], '6', six);
}

/* UNIMARC's alternative-script link: $6 "a" + a number; NULL if none. */
static const char *alt_link(const struct wy_field *f)
{
    const char *l = f->data ? NULL : wy_field_sub(f, '6');
    return l && l[0] == 'a' && strlen(l) >= 3 ? l : NULL;
}

/* The field repeated in another script (the same tag and $6 link) after
   field i; NULL if none. */
static const struct wy_field *alt_partner(const struct wy_record *r, size_t i)
{
    const char *l = alt_link(&r->fields[i]);
    for (size_t k = i + 1; l && k < r->nfields; k++) {
        const char *m = alt_link(&r->fields[k]);
        if (m && !memcmp(r->fields[k].tag, r->fields[i].tag, 3) &&
            !strcmp(m + 1, l + 1))
            return &r->fields[k];
    }
    return NULL;
}

/* A UNIMARC field with its repeat in another script ($6 aNN, $7 script):
   the first becomes the MARC 21 field, the repeat its 880, the script
   named as MARC 21 does ($7 ea/da/ka -> $1, ba -> (B, ca -> (N, ...). */
static void u2m_alt(struct xm *x, const struct wy_field *s,
                    const struct wy_field *p)
{
    struct wy_field reg = view(x, s, -1, 2), alt = view(x, p, -1, 2);
    size_t a = x->out->nfields;
    u2m_one(x, &reg);
    size_t b = x->out->nfields;
    if (b == a || x->occ >= 99) {
        u2m_one(x, &alt);
        return;
    }
    x->quiet++;
    u2m_field(x, &alt);
    x->quiet--;
    if (x->out->nfields == b) {
        keep_whole(x, p, 0);
        return;
    }
    x->out->nfields = b + 1;
    const char *seven = wy_field_sub(p, '7');
    char k[3] = {0};
    if (seven && strlen(seven) >= 2)
        memcpy(k, seven, 2);
    const char *script = LOOK(scripts, k, 0);
    int occ = ++x->occ;
    char six[16];
    struct wy_field *f = &x->out->fields[b];
    occ_text(six, sizeof(six), f->tag, occ, script);
    memcpy(f->tag, "880", 4);
    sub_prepend(x, f, '6', six);
    occ_text(six, sizeof(six), "880", occ, NULL);
    struct wy_field *g = &x->out->fields[a];
    if (g->nsub && g->sub[0].code == '6')
        return; /* already linked to a pinyin 880 */
    sub_prepend(x, g, '6', six);
}

static void u2m_record(struct xm *x)
{
    const struct wy_record *in = x->in;
    x->has1xx = wy_record_field(in, "700", NULL) ||
                wy_record_field(in, "710", NULL) ||
                wy_record_field(in, "720", NULL);
    u2m_leader(x);
    u2m_008(x);
    u2m_040(x);
    unsigned char *used = wy_arena_alloc(x->out->arena, in->nfields + 1);
    if (!used) {
        x->oom = 1;
        return;
    }
    memset(used, 0, in->nfields + 1);
    for (size_t i = 0; i < in->nfields; i++) {
        if (used[i])
            continue;
        const struct wy_field *p = alt_partner(in, i);
        if (p) {
            used[p - in->fields] = 1;
            u2m_alt(x, &in->fields[i], p);
        } else {
            u2m_one(x, &in->fields[i]);
        }
    }
}

/* ---- MARC 21 -> UNIMARC ------------------------------------------------- */

static void m2u_leader(struct xm *x)
{
    const char *l = x->in->leader;
    char *o = x->out->leader;
    memcpy(o, "00000nam0 2200000   450 ", 25);
    o[5] = l[5] == 'a' ? 'c' : l[5] && strchr("cdnp", l[5]) ? l[5] : 'n';
    o[6] = CODE1(rectypes, l[6], 1, l[6] == 'p' ? 'm' : 'a');
    o[7] = l[7] == 'b' || l[7] == 'd'      ? 'a'
           : l[7] && strchr("acims", l[7]) ? l[7]
                                           : 'm';
    o[8] = wy_record_field(x->in, "773", NULL) ? '2' : '0';
    o[17] = l[17] == ' ' || l[17] == '4'   ? ' '
            : l[17] == '1' || l[17] == '2' ? '1'
            : l[17] == '8'                 ? '2'
                                           : '3';
    o[18] = l[18] == 'a' || l[18] == 'i' ? ' ' : l[18] == 'c' ? 'i' : 'n';
}

/* The ISO 3166 code for a MARC country code: the table, then the
   subdivisions MARC codes in three letters (nyu New York, enk England,
   onc Ontario, nsa New South Wales). NULL when unknown. */
static const char *marc_country_iso(const char *k)
{
    const char *c = LOOK(countries, k, 1);
    if (c || strlen(k) != 3 || k[2] == ' ')
        return c;
    switch (k[2]) {
    case 'u':
        return "US";
    case 'k':
        return "GB";
    case 'c':
        return "CA";
    case 'a':
        return "AU";
    default:
        return NULL;
    }
}

/* The script of a title for 100 $a/34-35: Chinese, Cyrillic or Latin. */
static const char *script_of(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p >= 0xE3 && *p <= 0xE9)
            return "ea";
        if (*p == 0xD0 || *p == 0xD1)
            return "ca";
    }
    return "ba";
}

static void m2u_date(char *o, const char *a)
{
    for (int i = 0; i < 4; i++)
        o[i] = (a[i] >= '0' && a[i] <= '9') ? a[i] : ' ';
}

/* 008 (+ 040 $b, 245) -> 100, 101 (when there is no 041), 102 (when there
   is no 044), 105 and 106 (books). */
static void m2u_coded(struct xm *x)
{
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    char e[41];
    memset(e, ' ', 40);
    e[40] = '\0';
    if (f8 && f8->data)
        memcpy(e, f8->data, f8->len < 40 ? f8->len : 40);
    for (int i = 0; i < 40; i++)
        if (e[i] == '|' || e[i] == '\0')
            e[i] = ' ';
    char a[37];
    memset(a, ' ', 36);
    a[36] = '\0';
    /* 008/00-05 is YYMMDD; years 68-99 are 19YY (MARC 21 convention) */
    int yy = (e[0] - '0') * 10 + (e[1] - '0');
    if (e[0] >= '0' && e[0] <= '9' && e[1] >= '0' && e[1] <= '9') {
        memcpy(a, yy >= 68 ? "19" : "20", 2);
        memcpy(a + 2, e, 6);
    }
    a[8] = CODE1(datetypes, e[6], 1, 'u');
    m2u_date(a + 9, e + 7);
    m2u_date(a + 13, e + 11);
    int serial = x->in->leader[7] && strchr("si", x->in->leader[7]);
    a[17] = serial ? 'u' : CODE1(audiences, e[22], 1, 'u');
    a[18] = a[19] = ' ';
    a[20] = CODE1(govpubs, e[28], 1, 'y');
    a[21] = '0';
    const char *cl = wy_record_subfield(x->in, "040", 'b');
    memcpy(a + 22, cl && strlen(cl) == 3 ? cl : "eng", 3);
    a[25] = 'y';
    memcpy(a + 26, "50  ", 4); /* ISO 10646 (UTF-8): what we write */
    memcpy(a + 34, script_of(wy_record_subfield(x->in, "245", 'a')), 2);
    struct wy_field *f = addf(x, "100", ' ', ' ');
    addsn(x, f, 'a', a, 36);
    if (!wy_record_field(x->in, "041", NULL) && e[35] != ' ') {
        f = addf(x, "101", '0', ' ');
        addsn(x, f, 'a', e + 35, 3);
    }
    if (!wy_record_field(x->in, "044", NULL)) {
        char k[4] = {e[15], e[16], e[17], '\0'};
        const char *c = marc_country_iso(k);
        if (c) {
            f = addf(x, "102", ' ', ' ');
            adds(x, f, 'a', c);
        }
    }
    char l7 = x->in->leader[7];
    if (f8 && l7 && strchr("si", l7)) {
        char q[5] = {CODE1(sertypes, e[21], 1, 'z'),
                     CODE1(frequencies, e[18], 1, 'u'),
                     e[19] == 'r'   ? 'a'
                     : e[19] == 'n' ? 'b'
                     : e[19] == 'x' ? 'y'
                                    : 'u',
                     e[29] == '1' ? '1' : '0', '\0'};
        f = addf(x, "110", ' ', ' ');
        addsn(x, f, 'a', q, 4);
    }
    char l6 = x->in->leader[6];
    if (f8 && (l6 == 'a' || l6 == 't')) {
        char b[14];
        memset(b, ' ', 13);
        b[13] = '\0';
        int k = 0;
        for (int i = 18; i < 22; i++)
            if (e[i] != ' ')
                b[k++] = e[i] == 'p' ? 'o' : e[i];
        if (!k)
            b[0] = 'y';
        for (int i = 24; i < 28; i++)
            b[i - 20] = CODE1(contents, e[i], 1, ' ');
        b[8] = e[29] == '1' ? '1' : '0';
        b[9] = e[30] == '1' ? '1' : '0';
        b[10] = e[31] == '1' ? '1' : '0';
        b[11] = CODE1(literary, e[33], 1, 'y');
        b[12] = e[34] != ' ' && strchr("abcd", e[34]) ? e[34] : 'y';
        f = addf(x, "105", ' ', ' ');
        addsn(x, f, 'a', b, 13);
        f = addf(x, "106", ' ', ' ');
        adds(x, f, 'a',
             e[23] == 'd'                           ? "d"
             : e[23] == 'f'                         ? "f"
             : strchr("oqs", e[23]) && e[23] != ' ' ? "s"
                                                    : "r");
    }
}

/* 040 -> 801 (0 original, 1 transcribing, 2 modifying agency). */
static void m2u_040(struct xm *x, const struct wy_field *s)
{
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    char k[4] = "xx ";
    if (f8 && f8->data && f8->len >= 18)
        memcpy(k, f8->data + 15, 3);
    const char *country = marc_country_iso(k);
    const char *rules = wy_field_sub(s, 'e');
    int dropped = 0;
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        char i2 = v->code == 'a'   ? '0'
                  : v->code == 'c' ? '1'
                  : v->code == 'd' ? '2'
                                   : 0;
        if (!i2) {
            if (!strchr("be", v->code))
                drop(x, s, v, &dropped);
            continue;
        }
        const char *a = wy_field_sub(s, 'a');
        if (i2 == '1' && a && strlen(a) == v->len &&
            !memcmp(a, v->data, v->len))
            continue; /* the original agency transcribed it too */
        struct wy_field *f = addf(x, "801", ' ', i2);
        adds(x, f, 'a', country ? country : "XX");
        addsn(x, f, 'b', v->data, v->len);
        if (i2 == '0' && f8 && f8->data && f8->len >= 6) {
            char d[9];
            memcpy(d, f8->data[0] >= '6' && f8->data[0] <= '9' ? "19" : "20",
                   2);
            memcpy(d + 2, f8->data, 6);
            addsn(x, f, 'c', d, 8);
        }
        if (i2 == '0' && rules)
            adds(x, f, 'g', rules);
    }
}

/* 020 -> 010; "0471383147 (paper : alk. paper)" gives $a and $b. */
static void m2u_020(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "010", ' ', ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 0);
        if (v->code == 'a' || v->code == 'z') {
            size_t k = 0;
            while (k < n && t[k] != ' ' && t[k] != '(')
                k++;
            addsn(x, f, v->code, t, k);
            while (k < n && (t[k] == ' ' || t[k] == '('))
                k++;
            size_t e = n;
            while (e > k && (t[e - 1] == ')' || t[e - 1] == ' '))
                e--;
            if (e > k)
                addsn(x, f, 'b', t + k, e - k);
        } else if (v->code == 'q') {
            addsn(x, f, 'b', t, n);
        } else if (v->code == 'c') {
            addsn(x, f, 'd', t, n);
        } else {
            drop(x, s, v, &dropped);
        }
    }
}

/* 245 -> 200: $a, $b other title (or parallel title after "="), $c split
   at " ; " into $f and $g, $h -> $b without brackets, $n $p -> $h $i. */
static void m2u_245(struct xm *x, const struct wy_field *s)
{
    char i1 = s->ind1 == '0' && x->has1xx ? '0' : '1';
    struct wy_field *f = addf(x, "200", i1, ' ');
    int dropped = 0, parallel = 0;
    int skip = s->ind2 >= '1' && s->ind2 <= '9' ? s->ind2 - '0' : 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        size_t raw = n;
        while (raw && is_space((unsigned char)t[raw - 1]))
            raw--;
        int next_parallel = raw && t[raw - 1] == '=';
        chop(&t, &n, v->code == 'c');
        switch (v->code) {
        case 'a':
            if (skip && !f->nsub && (size_t)skip < n) {
                struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
                wy_buf_adds(&b, "\xc2\x88");
                wy_buf_add(&b, t, (size_t)skip);
                wy_buf_adds(&b, "\xc2\x89");
                wy_buf_add(&b, t + skip, n - (size_t)skip);
                if (b.error)
                    x->oom = 1;
                else
                    addsn(x, f, 'a', b.p, b.len);
                wy_buf_release(&b);
            } else {
                addsn(x, f, 'a', t, n);
            }
            break;
        case 'b':
            addsn(x, f, parallel ? 'd' : 'e', t, n);
            break;
        case 'c': {
            size_t k = 0, start = 0;
            char code = 'f';
            for (; k <= n; k++) {
                if (k == n || (k + 3 <= n && !memcmp(t + k, " ; ", 3))) {
                    if (k > start)
                        addsn(x, f, code, t + start, k - start);
                    code = 'g';
                    start = k + 3;
                    k += 2;
                }
            }
            break;
        }
        case 'h': {
            while (n && (*t == '[' || *t == ' '))
                t++, n--;
            while (n && (t[n - 1] == ']' || t[n - 1] == '.'))
                n--;
            addsn(x, f, 'b', t, n);
            break;
        }
        case 'n':
            addsn(x, f, 'h', t, n);
            break;
        case 'p':
            addsn(x, f, 'i', t, n);
            break;
        default:
            drop(x, s, v, &dropped);
        }
        parallel = next_parallel;
    }
}

static int has_parallel(const struct wy_record *r, const char *t, size_t n)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *f = &r->fields[i];
        if (memcmp(f->tag, "200", 3))
            continue;
        for (size_t k = 0; k < f->nsub; k++)
            if (f->sub[k].code == 'd' && f->sub[k].len == n &&
                !memcmp(f->sub[k].data, t, n))
                return 1;
    }
    return 0;
}

static void m2u_246(struct xm *x, const struct wy_field *s)
{
    static const struct pair t[] = {
        {"1", "510"}, {"4", "512"}, {"5", "513"},
        {"6", "514"}, {"7", "515"}, {"8", "516"},
    };
    char k[2] = {s->ind2, '\0'};
    const char *tag = LOOK(t, k, 0);
    const char *a = wy_field_sub(s, 'a');
    if (a && s->ind2 == '1') {
        const char *p = a;
        size_t n = strlen(a);
        chop(&p, &n, 0);
        if (has_parallel(x->out, p, n))
            return; /* 245 $b after "=" is already 200 $d */
    }
    struct wy_field *f = addf(x, tag ? tag : "517", '1', ' ');
    map_subs(x, s, f, "aabenhpi", 0);
}

static void m2u_260(struct xm *x, const struct wy_field *s)
{
    int is264 = !memcmp(s->tag, "264", 3);
    struct wy_field *f;
    if (is264 && !(s->ind2 == '1' && !wy_record_field(x->in, "260", NULL)))
        f = addf(x, "214", ' ', s->ind2);
    else
        f = addf(x, "210",
                 s->ind1 == '2'   ? '0'
                 : s->ind1 == '3' ? '1'
                                  : ' ',
                 ' ');
    int dropped = 0;
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, v->code == 'c' || v->code == 'g');
        while (n && (*t == '(' || *t == '['))
            t++, n--;
        while (n && (t[n - 1] == ')' || t[n - 1] == ']'))
            n--;
        chop(&t, &n, 0);
        char c = v->code == 'a'   ? 'a'
                 : v->code == 'b' ? 'c'
                 : v->code == 'c' ? 'd'
                                  : 0;
        if (!is264 && !c)
            c = v->code == 'e'   ? 'e'
                : v->code == 'f' ? 'g'
                : v->code == 'g' ? 'h'
                                 : 0;
        if (c)
            addsn(x, f, c, t, n);
        else
            drop(x, s, v, &dropped);
    }
}

static void m2u_300(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "215", ' ', ' ');
    map_subs(x, s, f, "aabccdee", 0);
}

static void m2u_490(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "225", s->ind1 == '1' ? '0' : '1', ' ');
    map_subs(x, s, f, "aavvxx", 0);
}

static void m2u_830(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f = addf(x, "410", ' ', '0');
    map_subs(x, s, f, "atnhpivvxxw0", 0);
}

static void m2u_note(struct xm *x, const struct wy_field *s)
{
    const char *t = LOOK(notes_rev, s->tag, 1);
    char i1 = ' ';
    if (!memcmp(s->tag, "506", 3) || !memcmp(s->tag, "540", 3)) {
        t = "371";
        i1 = s->tag[1] == '4' ? '1' : '0';
    }
    if (!memcmp(s->tag, "505", 3))
        i1 = s->ind1 == '0' ? '1' : '0';
    if (!t)
        t = "300";
    struct wy_field *f = addf(x, t, i1, ' ');
    note_text(x, s, f);
}

/* A MARC 21 personal name into UNIMARC 7XX/600 subfields: "Surname,
   Forename" splits into $a and $b when the first indicator says surname. */
static void m2u_person(struct xm *x, const struct wy_field *s,
                       struct wy_field *f, int *dropped, const char *extra)
{
    for (size_t i = 0; f && i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 1);
        switch (v->code) {
        case 'a': {
            size_t k = 0;
            while (s->ind1 == '1' && k + 1 < n &&
                   !(t[k] == ',' && t[k + 1] == ' '))
                k++;
            if (s->ind1 == '1' && k + 1 < n) {
                addsn(x, f, 'a', t, k);
                addsn(x, f, 'b', t + k + 2, n - k - 2);
            } else {
                addsn(x, f, 'a', t, n);
            }
            break;
        }
        case 'b':
            addsn(x, f, 'd', t, n);
            break;
        case 'c':
            addsn(x, f, 'c', t, n);
            break;
        case 'd':
            addsn(x, f, 'f', t, n);
            break;
        case 'q':
            addsn(x, f, 'g', t, n);
            break;
        case 'u':
            addsn(x, f, 'p', t, n);
            break;
        case '0':
            addsn(x, f, '3', t, n);
            break;
        default:
            if (!extra || !strchr(extra, v->code))
                drop(x, s, v, dropped);
        }
    }
}

/* Relators: MARC codes to UNIMARC numbers; terms ($e, $j) kept as terms,
   as CNMARC writes them (主编). Returns whether the name looks secondary
   (UNIMARC 702/712): translators, illustrators, editors, ... */
static int m2u_relator(struct xm *x, const struct wy_field *s,
                       struct wy_field *f, char term)
{
    static const char *const primary[] = {"aut", "cre", "cmp", "art", "ctg",
                                          "lyr", "lbt", "aus", "com", NULL};
    int secondary = 0, any = 0;
    for (size_t i = 0; i < s->nsub; i++) {
        const struct wy_subfield *v = &s->sub[i];
        const char *t = v->data;
        size_t n = v->len;
        chop(&t, &n, 1);
        if (v->code == '4') {
            const char *c = relator(t, n, 0);
            addsn(x, f, '4', c ? c : t, c ? 3 : n);
            int p = 0;
            for (int k = 0; primary[k]; k++)
                p |= n == 3 && !memcmp(t, primary[k], 3);
            secondary |= !p;
            any = 1;
        } else if (v->code == term) {
            addsn(x, f, '4', t, n);
            /* 著 撰 编 (主编, 编著) are main responsibility in CNMARC;
               author / compiler likewise */
            int p = strstr(t, "\xe8\x91\x97") || strstr(t, "\xe6\x92\xb0") ||
                    (strstr(t, "\xe7\xbc\x96") && !strstr(t, "\xe8\xaf\x91")) ||
                    !strncmp(t, "author", 6) || !strncmp(t, "compiler", 8) ||
                    !strncmp(t, "creator", 7);
            secondary |= !p;
            any = 1;
        }
    }
    return any && secondary;
}

static void m2u_name(struct xm *x, const struct wy_field *s)
{
    int main = s->tag[0] == '1';
    int dropped = 0;
    struct wy_field *f;
    if (s->tag[1] == '0' && s->tag[2] == '0') {
        int family = s->ind1 == '3';
        size_t at = x->out->nfields;
        f = addf(x, family ? "720" : "700", ' ', s->ind1 == '0' ? '0' : '1');
        m2u_person(x, s, f, &dropped, "4e6");
        int sec = f ? m2u_relator(x, s, f, 'e') : 0;
        if (!main && at < x->out->nfields) {
            struct wy_field *g = &x->out->fields[at];
            g->tag[1] = family ? '2' : '0';
            g->tag[2] = sec ? '2' : '1';
        }
        return;
    }
    int meeting = s->tag[2] == '1';
    size_t at = x->out->nfields;
    f = addf(x, "710", meeting ? '1' : '0',
             s->ind1 >= '0' && s->ind1 <= '2' ? s->ind1 : '2');
    map_subs(x, s, f,
             meeting ? "aaebcedfndgc03e-j-4-6-" : "aabbcedfndgc03e-4-6-", 1);
    int sec = f ? m2u_relator(x, s, f, meeting ? 'j' : 'e') : 0;
    if (!main && at < x->out->nfields)
        x->out->fields[at].tag[2] = sec ? '2' : '1';
}

static void m2u_subject(struct xm *x, const struct wy_field *s)
{
    const char *t = s->tag;
    struct wy_field *f;
    int dropped = 0;
    char i2 = s->ind2;
    if (!memcmp(t, "600", 3)) {
        if (s->ind1 == '3') {
            f = addf(x, "602", ' ', ' ');
            map_subs(x, s, f, "aadftt" M2U_SUBDIV "e-4-", 1);
        } else {
            f = addf(x, "600", ' ', s->ind1 == '0' ? '0' : '1');
            m2u_person(x, s, f, &dropped, "tvxyz2e4");
            map_subs(x, s, f, "tt0-" M2U_SUBDIV "a-b-c-d-q-u-0-e-4-", 0);
        }
    } else if (!memcmp(t, "610", 3) || !memcmp(t, "611", 3)) {
        int meeting = t[2] == '1';
        f = addf(x, "601", meeting ? '1' : '0',
                 s->ind1 >= '0' && s->ind1 <= '2' ? s->ind1 : '2');
        map_subs(x, s, f,
                 meeting ? "aaebcedfndgctt" M2U_SUBDIV
                         : "aabbcedfndgctt" M2U_SUBDIV,
                 1);
    } else if (!memcmp(t, "630", 3)) {
        f = addf(x, "605", ' ', ' ');
        map_subs(x, s, f, "aanhpifkkllm" M2U_SUBDIV, 1);
    } else if (!memcmp(t, "653", 3)) {
        f = addf(x, "610", s->ind1 && strchr("012", s->ind1) ? s->ind1 : '0',
                 ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    } else {
        const char *tag = t[1] == '5' && t[2] == '0' ? "606"
                          : t[2] == '1'              ? "607"
                                                     : "608";
        f = addf(x, tag,
                 t[2] == '0' && s->ind1 && strchr("012", s->ind1) ? s->ind1
                                                                  : ' ',
                 ' ');
        map_subs(x, s, f, "aa" M2U_SUBDIV, 1);
    }
    char k[2] = {i2, '\0'};
    const char *code = LOOK(thesauri, k, 0);
    if (code && f && !wy_field_sub(f, '2'))
        adds(x, f, '2', code);
}

static void m2u_class(struct xm *x, const struct wy_field *s)
{
    struct wy_field *f;
    const char *two = wy_field_sub(s, '2');
    switch (s->tag[1] == '5' ? '5' : s->tag[1] == '8' ? s->tag[2] : '?') {
    case '5':
        f = addf(x, "680", ' ', ' ');
        map_subs(x, s, f, "aabb", 0);
        break;
    case '0':
        f = addf(x, "675", ' ', ' ');
        map_subs(x, s, f, "aa2v", 0);
        break;
    case '2':
        f = addf(x, "676", ' ', ' ');
        map_subs(x, s, f, "aa2v", 0);
        break;
    default:
        if (two && !strcmp(two, "clc")) {
            f = addf(x, "690", ' ', ' ');
            map_subs(x, s, f, "aa2-", 0);
        } else {
            f = addf(x, "686", ' ', ' ');
            map_subs(x, s, f, "aabb22", 0);
        }
    }
}

static void m2u_field(struct xm *x, const struct wy_field *s)
{
    const char *t = s->tag;
    int n = (t[0] >= '0' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9' &&
             t[2] >= '0' && t[2] <= '9')
                ? (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0')
                : -1;
    struct wy_field *f;
    if (is_local(t)) {
        keep_local(x, s);
        return;
    }
    switch (n) {
    case 1:
    case 5:
        addctl(x, t, s->data ? s->data : "", s->len);
        return;
    case 3: {
        const struct wy_field *c = wy_record_field(x->in, "001", NULL);
        struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_buf_addf(&b, "(%.*s)%.*s", (int)s->len, s->data ? s->data : "",
                    c && c->data ? (int)c->len : 0,
                    c && c->data ? c->data : "");
        f = addf(x, "035", ' ', ' ');
        addsn(x, f, 'a', b.p ? b.p : "", b.len);
        wy_buf_release(&b);
        return;
    }
    case 8:
        return; /* into 100, 101, 102, 105, 106 */
    case 10:
        f = addf(x, "020", ' ', ' ');
        adds(x, f, 'a', "US");
        map_subs(x, s, f, "abzz", 0);
        return;
    case 20:
        m2u_020(x, s);
        return;
    case 22:
        f = addf(x, "011", ' ', ' ');
        map_subs(x, s, f, "aalfmgyzzy2-", 0);
        return;
    case 24: {
        const char *two = wy_field_sub(s, '2'), *a = wy_field_sub(s, 'a');
        if (s->ind1 == '7' && two && !strcmp(two, "uri") && a &&
            !wy_record_field(x->out, "003", NULL)) {
            addctl(x, "003", a, strlen(a));
            return;
        }
        /* ISRC 016, UPC 072, ISMN 013, EAN 073, other (source in $2) 017 */
        static const struct pair ids[] = {
            {"0", "016"}, {"1", "072"}, {"2", "013"},
            {"3", "073"}, {"7", "017"}, {"8", "017"},
        };
        char k[2] = {s->ind1, '\0'};
        const char *tag = LOOK(ids, k, 0);
        if (!tag)
            break;
        f = addf(x, tag, tag[2] == '7' ? (two ? '7' : '8') : ' ', ' ');
        map_subs(x, s, f, tag[2] == '7' ? "aazz22" : "aazz", 0);
        return;
    }
    case 35:
        f = addf(x, "035", ' ', ' ');
        map_subs(x, s, f, "aazz", 0);
        return;
    case 40:
        m2u_040(x, s);
        return;
    case 41:
        f = addf(x, "101", s->ind1 == '1' ? '1' : '0', ' ');
        map_subs(x, s, f,
                 "aabdhcjjkbeh"
                 "fegi",
                 0);
        return;
    case 44:
        f = addf(x, "102", ' ', ' ');
        {
            const char *c = wy_field_sub(s, 'c');
            const char *a = wy_field_sub(s, 'a');
            char k[4] = "   ";
            if (a)
                memcpy(k, a, strlen(a) < 3 ? strlen(a) : 3);
            const char *iso = !c && a ? LOOK(countries, k, 1) : NULL;
            if (iso)
                adds(x, f, 'a', iso);
        }
        map_subs(x, s, f, "a-cabb", 0);
        return;
    case 43:
        f = addf(x, "660", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 50:
    case 80:
    case 82:
    case 84:
        m2u_class(x, s);
        return;
    case 100:
    case 110:
    case 111:
    case 700:
    case 710:
    case 711:
        m2u_name(x, s);
        return;
    case 130:
    case 240:
        f = addf(x, "500", '1', '0');
        map_subs(x, s, f, "aanhpifkkllmgn03", 0);
        return;
    case 210:
        f = addf(x, "531", ' ', ' ');
        map_subs(x, s, f, "aabb", 0);
        return;
    case 222:
        f = addf(x, "530", '0', ' ');
        map_subs(x, s, f, "aabb", 0);
        return;
    case 242:
        f = addf(x, "541", '1', ' ');
        map_subs(x, s, f, "aabenhpiyz", 0);
        return;
    case 245:
        m2u_245(x, s);
        return;
    case 246:
    case 740:
        m2u_246(x, s);
        return;
    case 250:
        f = addf(x, "205", ' ', ' ');
        map_subs(x, s, f, "aabf", 0);
        return;
    case 254:
        f = addf(x, "208", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 256:
        f = addf(x, "230", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 255:
        f = addf(x, "206", ' ', ' ');
        map_subs(x, s, f, "aa", 0);
        return;
    case 260:
    case 264:
        m2u_260(x, s);
        return;
    case 300:
        m2u_300(x, s);
        return;
    case 310:
        f = addf(x, "326", ' ', ' ');
        map_subs(x, s, f, "aabb", 0);
        return;
    case 362:
        f = addf(x, "207", ' ', '0');
        map_subs(x, s, f, "aa", 0);
        return;
    case 490:
        m2u_490(x, s);
        return;
    case 440: /* obsolete: a series traced as given */
        f = addf(x, "225", '2', ' ');
        map_subs(x, s, f, "aanhpivvxx", 0);
        f = addf(x, "410", ' ', '0');
        map_subs(x, s, f, "atnhpivvxx", 0);
        return;
    case 600:
    case 610:
    case 611:
    case 630:
    case 650:
    case 651:
    case 653:
    case 655:
        m2u_subject(x, s);
        return;
    case 830:
        m2u_830(x, s);
        return;
    case 856:
        f = addf(x, "856", s->ind1, ' ');
        for (size_t i = 0; f && i < s->nsub; i++)
            addsn(x, f, s->sub[i].code, s->sub[i].data, s->sub[i].len);
        return;
    case 887: {
        const char *a = wy_field_sub(s, 'a'), *two = wy_field_sub(s, '2');
        if (a && two && !strcmp(two, "unimarc") && strlen(a) >= 4 &&
            a[3] == ' ') {
            char tag[4] = {a[0], a[1], a[2], '\0'};
            if (restore(x, tag, a + 4, strlen(a + 4)))
                return;
        }
        break;
    }
    default:
        if (n >= 500 && n < 590) {
            m2u_note(x, s);
            return;
        }
    }
    keep_whole(x, s, 0);
}

/* The 880 paired with s ($6 "880-NN" in s, "TAG-NN/script" in the 880). */
static const struct wy_field *paired_880(const struct wy_record *r,
                                         const struct wy_field *s,
                                         const char **script, size_t *slen)
{
    const char *six = wy_field_sub(s, '6');
    if (!six || strncmp(six, "880-", 4) || strlen(six) < 6)
        return NULL;
    for (size_t i = 0; i < r->nfields; i++) {
        const struct wy_field *p = &r->fields[i];
        const char *l = memcmp(p->tag, "880", 3) ? NULL : wy_field_sub(p, '6');
        if (!l || strlen(l) < 6 || memcmp(l, s->tag, 3) || l[3] != '-' ||
            memcmp(l + 4, six + 4, 2))
            continue;
        const char *sl = strchr(l, '/');
        *script = sl ? sl + 1 : "";
        *slen = strcspn(*script, "/");
        return p;
    }
    return NULL;
}

static void m2u_one(struct xm *x, const struct wy_field *s, unsigned char *used)
{
    const char *script;
    size_t slen;
    const struct wy_field *p =
        s->data ? NULL : paired_880(x->in, s, &script, &slen);
    if (!memcmp(s->tag, "880", 3)) {
        if (used[s - x->in->fields])
            return;
        /* an 880 without its regular field: converted as the field it
           names in $6 */
        const char *l = wy_field_sub(s, '6');
        struct wy_field v = view(x, s, -1, 1);
        if (l && strlen(l) >= 3 && code_ok(l[0]) && code_ok(l[1]) &&
            code_ok(l[2]) && memcmp(l, "880", 3))
            memcpy(v.tag, l, 3);
        v.tag[3] = '\0';
        m2u_field(x, &v);
        return;
    }
    if (!p) {
        struct wy_field v = s->data ? *s : view(x, s, -1, 1);
        m2u_field(x, &v);
        return;
    }
    used[p - x->in->fields] = 1;
    struct wy_field reg = view(x, s, -1, 1), alt = view(x, p, -1, 1);
    memcpy(alt.tag, s->tag, 4);
    size_t a = x->out->nfields;
    m2u_field(x, &reg);
    size_t b = x->out->nfields;
    if (b == a) {
        keep_whole(x, p, 0);
        return;
    }
    x->quiet++;
    m2u_field(x, &alt);
    x->quiet--;
    if (x->out->nfields == b) {
        keep_whole(x, p, 0); /* the 880 has no UNIMARC place either */
        return;
    }
    if (slen == 2 && !memcmp(script, "(B", 2)) {
        /* pinyin in the 880 (as xwalk_unimarc_to_marc21 writes it): back
           into CNMARC's upper-case subfields */
        struct wy_field *g = &x->out->fields[b];
        size_t nsub = g->nsub;
        struct wy_subfield *sub = g->sub;
        x->out->nfields = b;
        for (size_t i = 0; i < nsub; i++) {
            char c = sub[i].code;
            if (c >= 'a' && c <= 'z')
                addsn(x, &x->out->fields[a], (char)(c - 'a' + 'A'), sub[i].data,
                      sub[i].len);
        }
        return;
    }
    /* the vernacular in an 880 (MARC 21 model A): UNIMARC repeats the field
       in the other script, linked by $6 (a = alternative script) and
       naming the script in $7 */
    x->out->nfields = b + 1;
    char k[3] = {0};
    memcpy(k, script, slen < 2 ? slen : 2);
    const char *code = LOOK(scripts, k, 1);
    const struct wy_field *f8 = wy_record_field(x->in, "008", NULL);
    if (code && !strcmp(code, "ea") && f8 && f8->data && f8->len >= 38) {
        /* $1 is all of CJK: the language tells Japanese and Korean */
        if (!memcmp(f8->data + 35, "jpn", 3))
            code = "da";
        else if (!memcmp(f8->data + 35, "kor", 3))
            code = "ka";
    }
    int occ = ++x->occ;
    char six[8];
    six[0] = 'a';
    six[1] = (char)('0' + occ / 10 % 10);
    six[2] = (char)('0' + occ % 10);
    six[3] = '\0';
    sub_prepend(x, &x->out->fields[b], '7', code ? code : "zz");
    sub_prepend(x, &x->out->fields[b], '6', six);
    sub_prepend(x, &x->out->fields[a], '7', "ba");
    sub_prepend(x, &x->out->fields[a], '6', six);
}

static void m2u_record(struct xm *x)
{
    const struct wy_record *in = x->in;
    x->has1xx = wy_record_field(in, "100", NULL) ||
                wy_record_field(in, "110", NULL) ||
                wy_record_field(in, "111", NULL);
    m2u_leader(x);
    m2u_coded(x);
    unsigned char *used = wy_arena_alloc(x->out->arena, in->nfields + 1);
    if (!used) {
        x->oom = 1;
        return;
    }
    memset(used, 0, in->nfields + 1);
    for (size_t i = 0; i < in->nfields; i++)
        if (memcmp(in->fields[i].tag, "880", 3))
            m2u_one(x, &in->fields[i], used);
    for (size_t i = 0; i < in->nfields; i++)
        if (!memcmp(in->fields[i].tag, "880", 3))
            m2u_one(x, &in->fields[i], used);
}

/* ---- shared driver ------------------------------------------------------ */

/* Stable sort of the output fields by tag (880 after the 8XX). */
static void sort_fields(struct xm *x)
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

static wy_code finish(struct xm *x, struct wy_err *err)
{
    warn_locals(x);
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
    struct xm x = {in,        out,       rep,  1,   0, 0,         0, 0,
                   "UNIMARC", "MARC 21", NULL, {0}, 0, {{"", 0}}, 0};
    u2m_record(&x);
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
    struct xm x = {in,        out,       rep,  0,   0, 0,         0, 0,
                   "MARC 21", "UNIMARC", NULL, {0}, 0, {{"", 0}}, 0};
    m2u_record(&x);
    return finish(&x, err);
}
