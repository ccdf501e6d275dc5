/* repository/profile.h: metadata profiles of special collections. A
   profile says which elements a collection's records must have (required),
   should have (recommended) or may have, and which may repeat; checking a
   record against it lists what is missing or malformed.

   Two profiles are built in (embedded defaults, a static const table):
   - guji (古籍): the national ancient-book census (全国古籍普查) elements:
     题名 with 卷数, 著者 with 朝代 and 著作方式 (撰/辑/注/校 ...), 版本
     (年代 + 类别 such as 刻本/抄本/稿本/活字本), 批校题跋, 存卷, 装帧,
     索书号, 普查登记编号;
   - difangwenxian (地方文献): 题名, 责任者, 地点, 时期, 主题地域.
   Where each element is looked for (MARC 21, CNMARC/UNIMARC and the
   normalized view) is documented in docs/COLLECTIONS.md. */
#ifndef WY_REPOSITORY_PROFILE_H
#define WY_REPOSITORY_PROFILE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "formats/record.h"

enum prof_level {
    PROF_OPTIONAL = 0,
    PROF_RECOMMENDED, /* missing: a warning */
    PROF_REQUIRED     /* missing: an error */
};

struct prof_values; /* the values found for one element (profile.c) */

struct prof_element {
    const char *key;   /* ASCII: "title", "juan", "census" */
    const char *label; /* the census term: 题名, 卷数, 普查登记编号 */
    enum prof_level level;
    int repeatable;
    /* Collects the element's values from the record. */
    void (*collect)(const struct wy_record *r, struct prof_values *v);
    /* NULL when value is well formed, else what is wrong (a static
       string). NULL: any value is accepted. */
    const char *(*check)(const char *value);
};

struct prof_profile {
    const char *code; /* the collection code it applies to */
    const char *name; /* 古籍 */
    const char *description;
    const struct prof_element *elements;
    size_t nelements;
};

/* borrowed (static): the built-in profile of a collection code, or NULL
   when the collection has none. */
const struct prof_profile *prof_find(const char *collection);
/* borrowed (static): the built-in profiles, NULL-terminated. */
const struct prof_profile *const *prof_all(void);

enum prof_severity { PROF_WARNING = 1, PROF_ERROR = 2 };

/* One finding. */
struct prof_issue {
    enum prof_severity severity;
    const struct prof_element *element; /* borrowed (static) */
    char *msg;                          /* owned: "missing (required)", ... */
};

/* The findings on one record; init with PROF_RESULT_INIT, reuse after
   prof_result_reset, free with prof_result_release. */
struct prof_result {
    struct prof_issue *issues;
    size_t n, cap;
    size_t errors, warnings;
};
#define PROF_RESULT_INIT                                                       \
    {                                                                          \
        NULL, 0, 0, 0, 0                                                       \
    }
void prof_result_reset(struct prof_result *r);
void prof_result_release(struct prof_result *r);

/*
 * Checks rec (its MARC fields and its normalized view) against p and
 * appends the findings to out (after resetting it): a required element
 * missing is an error, a recommended one a warning; a value its check
 * rejects is an error ("malformed"); a non-repeatable element given more
 * than once is a warning. Errors: WY_ENOMEM.
 */
wy_code prof_check(const struct prof_profile *p, const struct wy_record *rec,
                   struct prof_result *out, struct wy_err *err);

/* The census 版本类别 an edition statement names, in one vocabulary
   (docs/COLLECTIONS.md): "清乾隆三十年刻本" -> "刻本", "武英殿聚珍版" ->
   "活字本", "舊鈔本" -> "抄本", "民國石印本" -> "石印本". borrowed
   (static); NULL when s names none (a modern "第2版"). */
const char *prof_edition_category(const char *s);

/* The values of the profile element `key` ("edition_type", "place",
   "region", ...) in rec, looked for where the profiles look
   (docs/COLLECTIONS.md): up to max of them into out, borrowed from rec;
   returns how many (0 for an unknown key). */
size_t prof_values_of(const char *key, const struct wy_record *rec,
                      const char **out, size_t max);

/* A batch report: per-element counts over the records checked. */
struct prof_batch {
    const struct prof_profile *profile; /* borrowed */
    size_t records, clean, with_errors, with_warnings;
    size_t *missing;        /* per element: records where it is missing */
    size_t *malformed;      /* per element: records with a bad value */
    struct prof_result cur; /* scratch */
};
/* Prepares b for p. Errors: WY_ENOMEM. */
wy_code prof_batch_init(struct prof_batch *b, const struct prof_profile *p,
                        struct wy_err *err);
void prof_batch_release(struct prof_batch *b);
/*
 * Checks one record and appends its findings, one line each, to out:
 *   "NAME: error: 卷数 (juan): missing (required element)"
 * (nothing for a clean record). name identifies the record for the reader
 * (file and number, or source:id). Errors: WY_ENOMEM, and out's own
 * (WY_ETOOBIG past its limit).
 */
wy_code prof_batch_add(struct prof_batch *b, const char *name,
                       const struct wy_record *rec, struct wy_buf *out,
                       struct wy_err *err);
/* Appends the summary: records checked, clean, with errors, with warnings,
   and per element how many records lack it or have it malformed. */
void prof_batch_summary(const struct prof_batch *b, struct wy_buf *out);

#endif
