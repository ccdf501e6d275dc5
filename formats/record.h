/* formats/record.h: the one record model every format reads into and writes
   from: MARC structure kept exactly, plus a normalized descriptive view. */
#ifndef WY_FORMATS_RECORD_H
#define WY_FORMATS_RECORD_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Which MARC family the fields follow; decides the crosswalk to use. */
enum wy_marc_kind {
    WY_MARC_NONE = 0,   /* no MARC fields (a DC or MODS record) */
    WY_MARC21,
    WY_UNIMARC          /* UNIMARC and CNMARC */
};

struct wy_subfield {
    char code;
    const char *data;   /* UTF-8, NUL-terminated, in the record's arena */
    size_t len;
};

struct wy_field {
    char tag[4];        /* three characters and a NUL */
    char ind1, ind2;    /* data fields only; ' ' when blank */
    const char *data;   /* control fields (00X): the value; NULL otherwise */
    size_t len;
    struct wy_subfield *sub;
    size_t nsub, capsub;
};

/* ---- the normalized descriptive view ---------------------------------- */

struct wy_name {
    const char *name;
    const char *role;      /* "author", "editor", 撰/辑/注/校 as given; or NULL */
    const char *dynasty;   /* 朝代 for ancient books, e.g. "清"; or NULL */
    const char *dates;     /* life dates as written; or NULL */
    int personal;          /* 1 person, 0 corporate body */
    int secondary;         /* 1 contributor (MARC 7XX, UNIMARC 702/712, DC
                              contributor), 0 creator */
};

struct wy_ident {
    const char *type;      /* "isbn", "issn", "lccn", "callno", "census",
                              "control", "oai", "uri", "local" */
    const char *value;
};

struct wy_holding {
    const char *institution;
    const char *callno;    /* 索书号 */
    const char *census;    /* 普查登记编号 */
    const char *note;
};

#define WY_YEAR_NONE (-100000)

struct wy_desc {
    const char *id;                 /* the record's own identifier */
    const char **titles; size_t ntitles, captitles;   /* [0] is the main title */
    struct wy_name *creators; size_t ncreators, capcreators;
    const char *date;               /* as written (清乾隆三十年, 1765, [18--]) */
    int year_from, year_to;         /* WY_YEAR_NONE when unknown */
    const char *publisher, *place, *edition, *extent;
    const char **subjects; size_t nsubjects, capsubjects;
    struct wy_ident *idents; size_t nidents, capidents;
    const char **languages; size_t nlanguages, caplanguages;  /* ISO 639-2 */
    const char *type;               /* DCMI type ("Text", "StillImage") */
    const char *rights;
    const char **notes; size_t nnotes, capnotes;
    struct wy_holding *holdings; size_t nholdings, capholdings;
};

struct wy_record {
    struct wy_arena *arena;         /* owns every string below */
    enum wy_marc_kind kind;
    char leader[25];                /* 24 characters and a NUL */
    struct wy_field *fields; size_t nfields, capfields;
    struct wy_desc desc;
    const char *format;             /* handler name the record was read with */
    const char *orig; size_t orig_len;   /* the original serialization, if kept */
};

/* new: an empty record (leader of blanks); free with wy_record_free(). NULL
   when out of memory. */
struct wy_record *wy_record_new(void);
/* Frees the record and everything in its arena; NULL is a no-op. */
void wy_record_free(struct wy_record *r);
/* Empties the record for reuse (keeps the arena's first block). */
void wy_record_clear(struct wy_record *r);

/* Appends a control field; data is copied. borrowed result, or NULL on ENOMEM. */
struct wy_field *wy_record_add_control(struct wy_record *r, const char *tag,
                                       const char *data, size_t len);
/* Appends a data field with no subfields yet. */
struct wy_field *wy_record_add_field(struct wy_record *r, const char *tag,
                                     char ind1, char ind2);
/* Appends a subfield to f (a field of r); data is copied. 0 on ENOMEM. */
int wy_field_add_sub(struct wy_record *r, struct wy_field *f, char code,
                     const char *data, size_t len);

/* Whether a tag names a control field (00X; UNIMARC too). */
int wy_tag_is_control(const char *tag);

/* borrowed: the first field with tag, or NULL; `after` continues a search
   (pass NULL to start). */
const struct wy_field *wy_record_field(const struct wy_record *r,
                                       const char *tag,
                                       const struct wy_field *after);
/* borrowed: the first subfield `code` of the first field `tag`, or NULL. */
const char *wy_record_subfield(const struct wy_record *r, const char *tag,
                               char code);
/* borrowed: the first subfield `code` of field f, or NULL. */
const char *wy_field_sub(const struct wy_field *f, char code);

/* Helpers for filling the descriptive view; strings are copied into the
   record's arena (NULL or empty values are ignored). 0 on ENOMEM. */
int wy_desc_add_title(struct wy_record *r, const char *s, size_t n);
int wy_desc_add_creator(struct wy_record *r, const struct wy_name *nm);
int wy_desc_add_subject(struct wy_record *r, const char *s, size_t n);
int wy_desc_add_ident(struct wy_record *r, const char *type, const char *v,
                      size_t n);
int wy_desc_add_language(struct wy_record *r, const char *s, size_t n);
int wy_desc_add_note(struct wy_record *r, const char *s, size_t n);
int wy_desc_add_holding(struct wy_record *r, const struct wy_holding *h);
/* Sets a single-valued string (e.g. &r->desc.publisher) if not yet set. */
int wy_desc_set(struct wy_record *r, const char **slot, const char *s,
                size_t n);
/* borrowed: the first identifier of the type, or NULL. */
const char *wy_desc_ident(const struct wy_record *r, const char *type);

#endif
