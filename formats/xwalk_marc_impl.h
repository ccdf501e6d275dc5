/* formats/xwalk_marc_impl.h: what the three files of the MARC 21 <->
   UNIMARC crosswalk share (formats/xwalk_marc.c: reports, field building,
   code tables, driver; xwalk_marc_u2m.c: UNIMARC -> MARC 21;
   xwalk_marc_m2u.c: MARC 21 -> UNIMARC). Not for other modules: the public
   interface is formats/xwalk_marc.h. Strings added to fields are copied
   into the output record's arena; allocation failures set x->oom, which
   the driver turns into WY_ENOMEM. */
#ifndef WY_FORMATS_XWALK_MARC_IMPL_H
#define WY_FORMATS_XWALK_MARC_IMPL_H

#include <stddef.h>

#include "core/err.h"
#include "formats/record.h"
#include "formats/xwalk_marc.h"

/* One conversion in progress. */
struct xwalk_conv {
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

#define XWALK_DELIM                                                            \
    "\xe2\x80\xa1" /* U+2021, the subfield mark MARC displays use */

/* A code table: a pair per code, UNIMARC first, MARC 21 second. */
struct xwalk_pair {
    const char *a, *b;
};

/* The value paired with k (rev: look k up in the second column); NULL if
   none. XWALK_LOOK for a local table, XWALK_LOOKT for a shared xwalk_NAME
   one. */
#define XWALK_LOOK(t, k, rev)                                                  \
    xwalk_look((t), sizeof(t) / sizeof((t)[0]), (k), (rev))
#define XWALK_LOOKT(t, k, rev) xwalk_look(xwalk_##t, xwalk_##t##_n, (k), (rev))
/* The same for one-character codes, with a default. */
#define XWALK_CODE1(t, c, rev, d)                                              \
    xwalk_code1((t), sizeof(t) / sizeof((t)[0]), c, rev, d)
#define XWALK_CODE1T(t, c, rev, d)                                             \
    xwalk_code1(xwalk_##t, xwalk_##t##_n, c, rev, d)

/* UNIMARC subject subdivisions to MARC 21 and back ($y and $z swap). */
#define XWALK_U2M_SUBDIV                                                       \
    "jvxxyzzy22"                                                               \
    "30"
#define XWALK_M2U_SUBDIV                                                       \
    "vjxxzyyz22"                                                               \
    "03"

/* The shared code tables (formats/xwalk_marc.c says what each holds). */
extern const struct xwalk_pair xwalk_relators[];
extern const size_t xwalk_relators_n;
extern const struct xwalk_pair xwalk_countries[];
extern const size_t xwalk_countries_n;
extern const struct xwalk_pair xwalk_datetypes[];
extern const size_t xwalk_datetypes_n;
extern const struct xwalk_pair xwalk_audiences[];
extern const size_t xwalk_audiences_n;
extern const struct xwalk_pair xwalk_govpubs[];
extern const size_t xwalk_govpubs_n;
extern const struct xwalk_pair xwalk_contents[];
extern const size_t xwalk_contents_n;
extern const struct xwalk_pair xwalk_literary[];
extern const size_t xwalk_literary_n;
extern const struct xwalk_pair xwalk_sertypes[];
extern const size_t xwalk_sertypes_n;
extern const struct xwalk_pair xwalk_frequencies[];
extern const size_t xwalk_frequencies_n;
extern const struct xwalk_pair xwalk_rectypes[];
extern const size_t xwalk_rectypes_n;
extern const struct xwalk_pair xwalk_scripts[];
extern const size_t xwalk_scripts_n;
extern const struct xwalk_pair xwalk_thesauri[];
extern const size_t xwalk_thesauri_n;
extern const struct xwalk_pair xwalk_notes_rev[];
extern const size_t xwalk_notes_rev_n;

/* Helpers (formats/xwalk_marc.c has a comment on each). */
void xwalk_warn(struct xwalk_conv *x, const char *fmt, ...) WY_PRINTF(2, 3);
struct wy_field *xwalk_addf(struct xwalk_conv *x, const char *tag, char i1,
                            char i2);
void xwalk_addsn(struct xwalk_conv *x, struct wy_field *f, char code,
                 const char *s, size_t n);
void xwalk_adds(struct xwalk_conv *x, struct wy_field *f, char code,
                const char *s);
void xwalk_addctl(struct xwalk_conv *x, const char *tag, const char *s,
                  size_t n);
void xwalk_sub_append(struct xwalk_conv *x, struct wy_field *f, const char *s);
void xwalk_punct(struct xwalk_conv *x, struct wy_field *f, const char *p);
void xwalk_sub_prepend(struct xwalk_conv *x, struct wy_field *f, char code,
                       const char *s);
int xwalk_is_space(unsigned char c);
void xwalk_chop(const char **s, size_t *n, int dot);
void xwalk_keep_whole(struct xwalk_conv *x, const struct wy_field *f,
                      int partial);
void xwalk_drop(struct xwalk_conv *x, const struct wy_field *f,
                const struct wy_subfield *s, int *dropped);
void xwalk_map_subs(struct xwalk_conv *x, const struct wy_field *s,
                    struct wy_field *d, const char *pairs, int dot);
int xwalk_is_local(const char *tag);
/* A numeric tag as a number (245 for "245"), -1 for a letter tag. */
int xwalk_tag_num(const char *tag);
void xwalk_keep_local(struct xwalk_conv *x, const struct wy_field *f);
void xwalk_warn_locals(struct xwalk_conv *x);
char xwalk_code1(const struct xwalk_pair *t, size_t n, char c, int rev,
                 char dflt);
const char *xwalk_relator(const char *code, size_t n, int to21);
int xwalk_add_unmarked(struct xwalk_conv *x, struct wy_field *f, char code,
                       const char *s, size_t n);
void xwalk_addtext(struct xwalk_conv *x, struct wy_field *f, char code,
                   const struct wy_subfield *s, int dot);
void xwalk_sub_join(struct xwalk_conv *x, struct wy_field *f, const char *sep,
                    const char *t, size_t n);
int xwalk_last_is(const struct wy_field *f, const char *codes);
struct wy_field xwalk_view(struct xwalk_conv *x, const struct wy_field *f,
                           int pinyin, int no6);
int xwalk_has_upper(const struct wy_field *f);
int xwalk_code_ok(char c);
int xwalk_restore(struct xwalk_conv *x, const char *tag, const char *s,
                  size_t n);
void xwalk_note_text(struct xwalk_conv *x, const struct wy_field *s,
                     struct wy_field *f);
const char *xwalk_look(const struct xwalk_pair *t, size_t n, const char *k,
                       int rev);

/* The two directions: fill x->out from x->in. */
void xwalk_u2m_record(struct xwalk_conv *x);
void xwalk_m2u_record(struct xwalk_conv *x);

#endif
