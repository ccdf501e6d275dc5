/* repository/validate_int.h: PRIVATE to the validator files
 * (repository/validate*.c); nothing else includes it. The check context, the
 * parsed-inventory summary and the helpers the pieces share. The public API
 * is repository/validate.h. */
#ifndef WY_REPOSITORY_VALIDATE_INT_H
#define WY_REPOSITORY_VALIDATE_INT_H

#include "repository/validate.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/buf.h"

#define INV_MAX ((size_t)256 << 20)

struct vc {
    struct validate_sink *sink;
    const char *base; /* the object root or storage root, for messages */
    wy_code rc;       /* WY_ENOMEM when the check could not finish */
    struct wy_err *err;
    json_t *digests; /* cache "alg\npath" -> hex of content files */
};

struct inv {
    json_t *j;
    const char *id, *type, *alg, *head, *cdir;
    json_t *manifest, *versions, *fixity;
    unsigned nver; /* highest version number */
    char **vnames; /* vnames[1..nver]: names used (NULL when absent) */
    char spec[4];  /* "1.0" / "1.1" from type, "" when unknown */
    int usable;    /* manifest and versions are objects */
};

static inline void inv_release(struct inv *i)
{
    if (i->vnames) {
        for (unsigned k = 0; k <= i->nver; k++)
            free(i->vnames[k]);
        free(i->vnames);
    }
    json_decref(i->j);
    memset(i, 0, sizeof(*i));
}

static inline void nomem(struct vc *c)
{
    if (c->rc == WY_OK)
        c->rc = wy_err_set(c->err, WY_ENOMEM, "out of memory");
}

static inline void report(struct vc *c, const char *code, const char *where,
                          const char *fmt, ...) WY_PRINTF(4, 5);
static inline void report(struct vc *c, const char *code, const char *where,
                          const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(65536);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    char *w =
        wy_strf("%s%s%s", c->base ? c->base : "",
                c->base && where && *where ? "/" : "", where ? where : "");
    if (code[0] == 'E')
        c->sink->errors++;
    else
        c->sink->warnings++;
    if (c->sink->fn)
        c->sink->fn(c->sink->ctx, code, w ? w : "", wy_buf_cstr(&b));
    free(w);
    wy_buf_release(&b);
}

static inline void free_list(char **v, size_t n)
{
    if (n == (size_t)-1)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static inline int is_dir_at(const char *dir, const char *name)
{
    char *p = wy_strf("%s/%s", dir, name);
    struct stat st;
    int r = p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return r;
}

/* validate_inventory.c */

/* the OpenSSL name of an OCFL digest algorithm, or NULL when unsupported */
const char *vali_evp_name(const char *alg);
/* hex digits of a digest of alg; 0 when unknown */
size_t vali_alg_hexlen(const char *alg);
/* path syntax: NULL or the problem; *leading set for a '/' at either end */
const char *vali_path_problem(const char *p, int *leading);
/* "v3" -> 3, "v003" -> 3 (*padded = 1); 0 when not a version name */
unsigned vali_parse_vname(const char *s, int *padded);
/* all structure checks of one parsed inventory; fills *in (borrows j; release
 * with inv_release) */
void vali_check_inventory(struct vc *c, json_t *j, const char *where,
                          const char *spec, struct inv *in);

/* validate_object.c */

/* the object: its root directory, inventories and content */
void vali_check_object(struct vc *c, const char *objdir);

/* validate.c */

/* new: sorted names in dir (free with free_list); *n = (size_t)-1 if dir
 * cannot be read */
char **vali_list_dir(struct vc *c, const char *dir, size_t *n);
/* 1 when name is a registered OCFL extension */
int vali_registered_ext(const char *name);

/* reports a file in dir/extensions as file_code (file_msg), an unregistered
 * extension directory as unreg_code */
void vali_check_extensions(struct vc *c, const char *dir, const char *file_code,
                           const char *file_msg, const char *unreg_code);
/* reports code when the declaration file dir/decl ("0=ocfl_1.1") does not
 * hold its name after "0=" and a newline */
void vali_check_namaste(struct vc *c, const char *dir, const char *decl,
                        const char *code);

#endif
