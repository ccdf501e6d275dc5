/* repository/validate.c: the OCFL validator (see validate.h). The checks
 * follow the order of the specification: object root, inventory, version
 * directories, prior inventories, content digests. */
#define _GNU_SOURCE
#include "repository/validate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"

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

static void inv_release(struct inv *i)
{
    if (i->vnames) {
        for (unsigned k = 0; k <= i->nver; k++)
            free(i->vnames[k]);
        free(i->vnames);
    }
    json_decref(i->j);
    memset(i, 0, sizeof(*i));
}

static char *strf(const char *fmt, ...) WY_PRINTF(1, 2);
static char *strf(const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return wy_buf_take(&b, NULL);
}

static void nomem(struct vc *c)
{
    if (c->rc == WY_OK)
        c->rc = wy_err_set(c->err, WY_ENOMEM, "out of memory");
}

static void report(struct vc *c, const char *code, const char *where,
                   const char *fmt, ...) WY_PRINTF(4, 5);
static void report(struct vc *c, const char *code, const char *where,
                   const char *fmt, ...)
{
    struct wy_buf b = WY_BUF_INIT(65536);
    va_list ap;
    va_start(ap, fmt);
    wy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    char *w = strf("%s%s%s", c->base ? c->base : "",
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

/* ------------------------------------------------------------------ */
/* value checks */

static int is_hex(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return n == 0 || i == n;
}

static size_t alg_hexlen(const char *alg)
{
    if (!strcmp(alg, "sha512") || !strcmp(alg, "blake2b-512"))
        return 128;
    if (!strcmp(alg, "sha256") || !strcmp(alg, "blake2b-256") ||
        !strcmp(alg, "sha512/256"))
        return 64;
    if (!strcmp(alg, "sha1") || !strcmp(alg, "blake2b-160"))
        return 40;
    if (!strcmp(alg, "md5"))
        return 32;
    if (!strcmp(alg, "blake2b-384"))
        return 96;
    return 0;
}

static const char *evp_name(const char *alg)
{
    if (!strcmp(alg, "sha512"))
        return "SHA512";
    if (!strcmp(alg, "sha256"))
        return "SHA256";
    if (!strcmp(alg, "sha1"))
        return "SHA1";
    if (!strcmp(alg, "md5"))
        return "MD5";
    if (!strcmp(alg, "blake2b-512"))
        return "BLAKE2b512";
    return NULL;
}

/* a URI: scheme ":" something */
static int is_uri(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return 0;
    for (s++; *s && *s != ':'; s++)
        if (!isalnum((unsigned char)*s) && *s != '+' && *s != '-' && *s != '.')
            return 0;
    return *s == ':' && s[1];
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* RFC 3339 date-time: seconds required, timezone required */
static int is_rfc3339(const char *s)
{
    size_t n = strlen(s);
    if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
        s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
        s[16] != ':' || !digits(s + 17, 2))
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if ((*p == 'Z' || *p == 'z') && !p[1])
        return 1;
    return (*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2) &&
           p[3] == ':' && digits(p + 4, 2);
}

/* path syntax: returns NULL or the problem; sets *code */
static const char *path_problem(const char *p, int *leading)
{
    size_t n = strlen(p);
    *leading = 0;
    if (n == 0)
        return "is empty";
    if (p[0] == '/' || p[n - 1] == '/') {
        *leading = 1;
        return "begins or ends with '/'";
    }
    const char *s = p;
    for (;;) {
        const char *e = strchr(s, '/');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k == 0)
            return "has an empty element (//)";
        if ((k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
            return "has a '.' or '..' element";
        if (!e)
            break;
        s = e + 1;
    }
    return NULL;
}

/* adds p to set and reports whether it conflicts ("a" vs "a/b") or repeats:
   0 ok, 1 repeat, 2 conflict */
static int path_set_add(struct vc *c, json_t *files, json_t *dirs,
                        const char *p)
{
    if (json_object_get(files, p))
        return 1;
    if (json_object_get(dirs, p))
        return 2;
    char *q = wy_strdup(p);
    if (!q) {
        nomem(c);
        return 0;
    }
    int bad = 0;
    for (char *s = q; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (json_object_get(files, q))
            bad = 2;
        if (json_object_set(dirs, q, json_true()) != 0)
            nomem(c);
        *s = '/';
    }
    free(q);
    if (json_object_set(files, p, json_true()) != 0)
        nomem(c);
    return bad;
}

/* ------------------------------------------------------------------ */
/* version names */

/* "v3" -> 3, "v003" -> 3 (*padded = 1); 0 when not a version name */
static unsigned parse_vname(const char *s, int *padded)
{
    *padded = 0;
    if (!s || s[0] != 'v' || !s[1] || strlen(s) > 12)
        return 0;
    unsigned long n = 0;
    for (const char *p = s + 1; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return 0;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    if (n == 0 || n > 1000000)
        return 0;
    *padded = s[1] == '0';
    return (unsigned)n;
}

static void check_versions_names(struct vc *c, struct inv *in,
                                 const char *where)
{
    const char *k;
    json_t *v;
    unsigned max = 0, count = 0;
    size_t width = 0;
    int anypad = 0, bad = 0;
    json_object_foreach(in->versions, k, v)
    {
        int pad;
        unsigned n = parse_vname(k, &pad);
        if (!n) {
            report(c, "E104", where,
                   "version '%s' is not 'v' followed by a version number", k);
            bad = 1;
            continue;
        }
        count++;
        if (n > max)
            max = n;
        if (pad)
            anypad = 1;
    }
    if (count == 0) {
        report(c, "E008", where, "the inventory has no versions");
        return;
    }
    in->nver = max;
    in->vnames = wy_calloc((size_t)max + 1, sizeof(char *));
    if (!in->vnames) {
        nomem(c);
        return;
    }
    json_object_foreach(in->versions, k, v)
    {
        int pad;
        unsigned n = parse_vname(k, &pad);
        if (n) {
            free(in->vnames[n]);
            in->vnames[n] = wy_strdup(k);
        }
        if (n && anypad) {
            if (!width)
                width = strlen(k);
            if (strlen(k) != width) {
                report(c, "E012", where,
                       "version '%s' does not follow the zero-padded naming "
                       "of the other versions",
                       k);
                bad = 1;
            }
        }
    }
    if (!in->vnames[1])
        report(c, "E009", where, "the version sequence does not start at v1");
    for (unsigned i = 2; i <= max; i++)
        if (!in->vnames[i]) {
            report(c, "E010", where,
                   "the version sequence misses version %u (up to %u)", i, max);
            break;
        }
    if (anypad && !bad) {
        report(c, "W001", where,
               "version names are zero-padded ('%s'); v1, v2, ... is "
               "recommended",
               in->vnames[max] ? in->vnames[max] : "");
        if (in->vnames[max] && in->vnames[max][1] != '0') {
            report(c, "E011", where,
                   "zero-padded version '%s' does not start with 'v0'",
                   in->vnames[max]);
            report(c, "E013", where,
                   "version '%s' breaks the zero-padded naming convention",
                   in->vnames[max]);
        }
    }
    if (in->head) {
        int pad;
        unsigned h = parse_vname(in->head, &pad);
        if (!h || h != max || !in->vnames[max] ||
            strcmp(in->vnames[max], in->head) != 0)
            report(c, "E040", where,
                   "head '%s' is not the highest version '%s'", in->head,
                   in->vnames[max] ? in->vnames[max] : "");
    }
}

/* ------------------------------------------------------------------ */
/* inventory structure */

static void check_user(struct vc *c, const char *where, const char *vn,
                       json_t *u)
{
    if (!json_is_object(u)) {
        report(c, "E054", where, "version '%s': user is not a JSON object", vn);
        return;
    }
    json_t *name = json_object_get(u, "name");
    if (!json_is_string(name))
        report(c, "E054", where, "version '%s': user has no string 'name'", vn);
    json_t *addr = json_object_get(u, "address");
    if (!addr)
        report(c, "W008", where, "version '%s': user has no 'address'", vn);
    else if (!json_is_string(addr))
        report(c, "E054", where, "version '%s': user address is not a string",
               vn);
    else if (!is_uri(json_string_value(addr)))
        report(c, "W009", where,
               "version '%s': user address '%s' is not a URI (mailto: or "
               "URL)",
               vn, json_string_value(addr));
}

static void check_version_block(struct vc *c, struct inv *in, const char *where,
                                const char *vn, json_t *v)
{
    if (!json_is_object(v)) {
        report(c, "E047", where, "version '%s' is not a JSON object", vn);
        return;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (strcmp(k, "created") && strcmp(k, "state") &&
            strcmp(k, "message") && strcmp(k, "user"))
            report(c, "E102", where, "version '%s' has an unknown key '%s'", vn,
                   k);
    }
    json_t *cr = json_object_get(v, "created");
    if (!cr)
        report(c, "E048", where, "version '%s' has no 'created'", vn);
    else if (!json_is_string(cr) || !is_rfc3339(json_string_value(cr)))
        report(c, "E049", where,
               "version '%s': created '%s' is not an RFC 3339 date-time with "
               "seconds and a time zone",
               vn, json_is_string(cr) ? json_string_value(cr) : "(not text)");
    json_t *msg = json_object_get(v, "message");
    json_t *user = json_object_get(v, "user");
    if (msg && !json_is_string(msg))
        report(c, "E094", where, "version '%s': message is not a string", vn);
    if (!msg || !user)
        report(c, "W007", where, "version '%s' has no %s", vn,
               !msg && !user ? "message and no user"
               : !msg        ? "message"
                             : "user");
    if (user)
        check_user(c, where, vn, user);
    json_t *st = json_object_get(v, "state");
    if (!st) {
        report(c, "E048", where, "version '%s' has no 'state'", vn);
        return;
    }
    if (!json_is_object(st)) {
        report(c, "E050", where, "version '%s': state is not a JSON object",
               vn);
        return;
    }
    json_t *files = json_object(), *dirs = json_object();
    json_t *lower = json_object();
    if (!files || !dirs || !lower)
        nomem(c);
    const char *d;
    json_t *paths;
    json_object_foreach(st, d, paths)
    {
        if (in->manifest && !json_object_get(in->manifest, d))
            report(c, "E050", where,
                   "version '%s': state digest '%.16s...' is not in the "
                   "manifest",
                   vn, d);
        char *lc = wy_strdup(d);
        if (lc) {
            for (char *p = lc; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            if (json_object_get(lower, lc))
                report(c, "E050", where,
                       "version '%s': state digest '%.16s...' appears twice "
                       "(ignoring case)",
                       vn, d);
            json_object_set(lower, lc, json_true());
            free(lc);
        }
        if (!json_is_array(paths)) {
            report(c, "E050", where,
                   "version '%s': state value of '%.16s...' is not an array",
                   vn, d);
            continue;
        }
        size_t i;
        json_t *lp;
        json_array_foreach(paths, i, lp)
        {
            const char *l = json_string_value(lp);
            int lead;
            if (!l) {
                report(c, "E051", where,
                       "version '%s': a logical path is not a string", vn);
                continue;
            }
            const char *why = path_problem(l, &lead);
            if (why) {
                report(c, lead ? "E053" : "E052", where,
                       "version '%s': logical path '%s' %s", vn, l, why);
                continue;
            }
            int r = path_set_add(c, files, dirs, l);
            if (r)
                report(c, "E095", where, "version '%s': logical path '%s' %s",
                       vn, l,
                       r == 1 ? "appears twice"
                              : "conflicts with another path (file and "
                                "directory)");
        }
    }
    json_decref(files);
    json_decref(dirs);
    json_decref(lower);
}

/* a content path: syntax and place (vN/<contentDirectory>/...) */
static void check_content_path(struct vc *c, struct inv *in, const char *where,
                               const char *block, const char *p)
{
    int lead;
    const char *why = path_problem(p, &lead);
    if (why) {
        report(c, lead ? "E100" : "E099", where, "%s content path '%s' %s",
               block, p, why);
        return;
    }
    const char *sl = strchr(p, '/');
    size_t vl = sl ? (size_t)(sl - p) : strlen(p);
    char *vn = wy_strndup(p, vl);
    if (!vn) {
        nomem(c);
        return;
    }
    int pad;
    unsigned n = parse_vname(vn, &pad);
    const char *cd = in->cdir ? in->cdir : "content";
    size_t cl = strlen(cd);
    if (!n || !json_object_get(in->versions, vn))
        report(c, "E042", where,
               "%s content path '%s' is not inside a version directory of "
               "the inventory",
               block, p);
    else if (!sl || strncmp(sl + 1, cd, cl) != 0 || sl[1 + cl] != '/')
        report(c, "E042", where,
               "%s content path '%s' is not inside the content directory "
               "'%s'",
               block, p, cd);
    free(vn);
}

static void check_manifest(struct vc *c, struct inv *in, const char *where)
{
    json_t *files = json_object(), *dirs = json_object(),
           *lower = json_object();
    if (!files || !dirs || !lower)
        nomem(c);
    size_t hl = in->alg ? alg_hexlen(in->alg) : 0;
    const char *d;
    json_t *paths;
    json_object_foreach(in->manifest, d, paths)
    {
        if (hl && !is_hex(d, hl))
            report(c, "E025", where, "manifest key '%.20s' is not a %s digest",
                   d, in->alg);
        char *lc = wy_strdup(d);
        if (lc) {
            for (char *p = lc; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            if (json_object_get(lower, lc))
                report(c, "E096", where,
                       "manifest digest '%.16s...' appears twice (ignoring "
                       "case)",
                       d);
            json_object_set(lower, lc, json_true());
            free(lc);
        }
        if (!json_is_array(paths)) {
            report(c, "E092", where,
                   "manifest value of '%.16s...' is not an array", d);
            continue;
        }
        size_t i;
        json_t *cp;
        json_array_foreach(paths, i, cp)
        {
            const char *p = json_string_value(cp);
            if (!p) {
                report(c, "E092", where,
                       "manifest '%.16s...' lists a non-string content path",
                       d);
                continue;
            }
            int lead;
            check_content_path(c, in, where, "manifest", p);
            if (path_problem(p, &lead))
                continue;
            int r = path_set_add(c, files, dirs, p);
            if (r)
                report(c, "E101", where, "content path '%s' %s", p,
                       r == 1 ? "appears twice"
                              : "conflicts with another content path");
        }
    }
    json_decref(files);
    json_decref(dirs);
    json_decref(lower);
}

static void check_fixity(struct vc *c, struct inv *in, const char *where)
{
    const char *alg;
    json_t *blk;
    json_object_foreach(in->fixity, alg, blk)
    {
        if (!json_is_object(blk)) {
            report(c, "E057", where, "fixity block '%s' is not a JSON object",
                   alg);
            continue;
        }
        json_t *lower = json_object();
        if (!lower)
            nomem(c);
        size_t hl = alg_hexlen(alg);
        const char *d;
        json_t *paths;
        json_object_foreach(blk, d, paths)
        {
            if (hl && !is_hex(d, hl))
                report(c, "E057", where,
                       "fixity '%s' key '%.20s' is not a %s digest", alg, d,
                       alg);
            char *lc = wy_strdup(d);
            if (lc) {
                for (char *p = lc; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
                if (json_object_get(lower, lc))
                    report(c, "E097", where,
                           "fixity '%s' digest '%.16s...' appears twice "
                           "(ignoring case)",
                           alg, d);
                json_object_set(lower, lc, json_true());
                free(lc);
            }
            if (!json_is_array(paths)) {
                report(c, "E057", where,
                       "fixity '%s' value of '%.16s...' is not an array", alg,
                       d);
                continue;
            }
            size_t i;
            json_t *cp;
            json_array_foreach(paths, i, cp)
            {
                const char *p = json_string_value(cp);
                int lead;
                if (!p) {
                    report(c, "E057", where,
                           "fixity '%s' lists a non-string content path", alg);
                    continue;
                }
                const char *why = path_problem(p, &lead);
                if (why) {
                    report(c, lead ? "E100" : "E099", where,
                           "fixity '%s' content path '%s' %s", alg, p, why);
                    continue;
                }
                /* must be a content path of the manifest */
                int found = 0;
                const char *md;
                json_t *mp;
                json_object_foreach(in->manifest, md, mp)
                {
                    size_t j;
                    json_t *x;
                    json_array_foreach(mp, j, x)
                    {
                        if (json_is_string(x) &&
                            !strcmp(json_string_value(x), p))
                            found = 1;
                    }
                    if (found)
                        break;
                }
                if (!found)
                    report(c, "E057", where,
                           "fixity '%s' content path '%s' is not in the "
                           "manifest",
                           alg, p);
            }
        }
        json_decref(lower);
    }
}

/* all structure checks of one parsed inventory; fills *in (borrows j) */
static void check_inventory(struct vc *c, json_t *j, const char *where,
                            const char *spec, struct inv *in)
{
    memset(in, 0, sizeof(*in));
    in->j = j;
    if (!json_is_object(j)) {
        report(c, "E033", where, "the inventory is not a JSON object");
        return;
    }
    static const char *const known[] = {
        "id",     "type",     "digestAlgorithm", "head", "contentDirectory",
        "fixity", "manifest", "versions",        NULL};
    const char *k;
    json_t *x;
    json_object_foreach(j, k, x)
    {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            if (!strcmp(k, known[i]))
                ok = 1;
        if (!ok)
            report(c, "E102", where, "unknown key '%s'", k);
    }
    json_t *id = json_object_get(j, "id");
    if (!id)
        report(c, "E036", where, "no 'id'");
    else if (!json_is_string(id))
        report(c, "E037", where, "'id' is not a string");
    else {
        in->id = json_string_value(id);
        if (!is_uri(in->id))
            report(c, "W005", where, "id '%s' is not a URI", in->id);
    }
    json_t *type = json_object_get(j, "type");
    if (!type)
        report(c, "E036", where, "no 'type'");
    else if (!json_is_string(type))
        report(c, "E038", where, "'type' is not a string");
    else {
        in->type = json_string_value(type);
        if (!strcmp(in->type, "https://ocfl.io/1.0/spec/#inventory"))
            snprintf(in->spec, sizeof(in->spec), "1.0");
        else if (!strcmp(in->type, "https://ocfl.io/1.1/spec/#inventory"))
            snprintf(in->spec, sizeof(in->spec), "1.1");
        else
            report(c, "E038", where, "type '%s' is not an OCFL inventory URI",
                   in->type);
        if (spec && *in->spec && strcmp(in->spec, spec) != 0)
            report(c, "E038", where,
                   "type '%s' does not match the declared OCFL %s", in->type,
                   spec);
    }
    json_t *alg = json_object_get(j, "digestAlgorithm");
    if (!alg)
        report(c, "E036", where, "no 'digestAlgorithm'");
    else if (!json_is_string(alg))
        report(c, "E025", where, "'digestAlgorithm' is not a string");
    else {
        in->alg = json_string_value(alg);
        if (!strcmp(in->alg, "sha256"))
            report(c, "W004", where,
                   "digestAlgorithm is sha256; sha512 is "
                   "recommended");
        else if (strcmp(in->alg, "sha512") != 0) {
            report(c, "E025", where,
                   "digestAlgorithm '%s' is neither sha512 nor sha256",
                   in->alg);
            in->alg = NULL;
        }
    }
    json_t *head = json_object_get(j, "head");
    if (!head)
        report(c, "E036", where, "no 'head'");
    else if (!json_is_string(head))
        report(c, "E040", where, "'head' is not a string");
    else
        in->head = json_string_value(head);
    json_t *cd = json_object_get(j, "contentDirectory");
    if (cd) {
        const char *s = json_string_value(cd);
        if (!s)
            report(c, "E017", where, "contentDirectory is not a string");
        else if (strchr(s, '/'))
            report(c, "E017", where, "contentDirectory '%s' contains '/'", s);
        else if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
            report(c, "E018", where, "contentDirectory '%s' is not allowed", s);
        else
            in->cdir = s;
    }
    in->manifest = json_object_get(j, "manifest");
    if (!in->manifest)
        report(c, "E041", where, "no 'manifest'");
    else if (!json_is_object(in->manifest)) {
        report(c, "E041", where, "'manifest' is not a JSON object");
        in->manifest = NULL;
    }
    in->versions = json_object_get(j, "versions");
    if (!in->versions)
        report(c, "E043", where, "no 'versions'");
    else if (!json_is_object(in->versions)) {
        report(c, "E044", where, "'versions' is not a JSON object");
        in->versions = NULL;
    }
    json_t *fx = json_object_get(j, "fixity");
    if (fx && !json_is_object(fx))
        report(c, spec && !strcmp(spec, "1.0") ? "E056" : "E111", where,
               "'fixity' is not a JSON object");
    else
        in->fixity = fx;
    if (in->versions)
        check_versions_names(c, in, where);
    if (in->manifest && in->versions)
        check_manifest(c, in, where);
    if (in->versions) {
        json_object_foreach(in->versions, k, x)
            check_version_block(c, in, where, k, x);
    }
    if (in->fixity && in->manifest && in->versions)
        check_fixity(c, in, where);
    /* every manifest digest must be used by some version state */
    if (in->manifest && in->versions) {
        const char *d;
        json_t *ps;
        json_object_foreach(in->manifest, d, ps)
        {
            int used = 0;
            json_t *v;
            json_object_foreach(in->versions, k, v)
            {
                if (json_object_get(json_object_get(v, "state"), d)) {
                    used = 1;
                    break;
                }
            }
            if (!used)
                report(c, "E107", where,
                       "manifest digest '%.16s...' is not used by any "
                       "version",
                       d);
        }
    }
    in->usable = in->manifest && in->versions && in->vnames;
}

wy_code validate_inventory(const unsigned char *p, size_t n, const char *where,
                           const char *spec, struct validate_sink *sink,
                           struct wy_err *err)
{
    struct vc c = {sink, NULL, WY_OK, err, NULL};
    json_error_t je;
    json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        report(&c, "E033", where, "not valid JSON: line %d: %s", je.line,
               je.text);
        return WY_OK;
    }
    struct inv in;
    check_inventory(&c, j, where, spec, &in);
    inv_release(&in);
    return c.rc;
}

/* ------------------------------------------------------------------ */
/* files */

static wy_code read_file(const char *path, struct wy_buf *out,
                         struct wy_err *err)
{
    return wy_file_read(path, out, err);
}

/* hex digest of a file, cached per algorithm and path; NULL if unreadable */
static const char *file_digest(struct vc *c, const char *objdir,
                               const char *rel, const char *alg)
{
    const char *evp = evp_name(alg);
    if (!evp)
        return NULL;
    char *key = strf("%s\n%s", alg, rel);
    if (!key) {
        nomem(c);
        return NULL;
    }
    json_t *hit = json_object_get(c->digests, key);
    if (hit) {
        free(key);
        return json_string_value(hit);
    }
    char *path = strf("%s/%s", objdir, rel);
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    free(path);
    if (fd < 0) {
        free(key);
        return NULL;
    }
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char *buf = wy_malloc(1 << 16);
    const char *res = NULL;
    if (m && buf && EVP_DigestInit_ex(m, EVP_get_digestbyname(evp), NULL)) {
        ssize_t r;
        while ((r = read(fd, buf, 1 << 16)) > 0)
            EVP_DigestUpdate(m, buf, (size_t)r);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (r == 0 && EVP_DigestFinal_ex(m, md, &len)) {
            char hx[2 * EVP_MAX_MD_SIZE + 1];
            for (unsigned i = 0; i < len; i++)
                snprintf(hx + 2 * i, 3, "%02x", md[i]);
            json_object_set_new(c->digests, key, json_string(hx));
            res = json_string_value(json_object_get(c->digests, key));
        }
    } else
        nomem(c);
    EVP_MD_CTX_free(m);
    free(buf);
    close(fd);
    free(key);
    return res;
}

/* reads inventory.json in dir (relative `rel` for messages) and checks the
 * sidecar; *j new or NULL; *raw gets the bytes (caller releases). */
static void load_inv(struct vc *c, const char *dir, const char *rel, json_t **j,
                     struct wy_buf *raw, const char **algout)
{
    *j = NULL;
    char *p = strf("%s/inventory.json", dir);
    char *where = strf("%s%sinventory.json", rel, *rel ? "/" : "");
    struct wy_err e = WY_ERR_INIT;
    if (!p || !where) {
        nomem(c);
        goto out;
    }
    if (read_file(p, raw, &e) != WY_OK) {
        report(c, "E033", where, "cannot read the inventory: %s",
               wy_err_msg(&e));
        goto out;
    }
    json_error_t je;
    *j =
        json_loadb(raw->p ? raw->p : "", raw->len, JSON_REJECT_DUPLICATES, &je);
    if (!*j) {
        report(c, "E033", where, "not valid JSON: line %d: %s", je.line,
               je.text);
        goto out;
    }
    /* the sidecar named by the inventory's algorithm */
    const char *alg = json_string_value(json_object_get(*j, "digestAlgorithm"));
    if (!alg || !evp_name(alg))
        alg = "sha512";
    *algout = alg;
    char *sp = strf("%s.%s", p, alg);
    struct wy_buf side = WY_BUF_INIT(1 << 20);
    if (!sp)
        nomem(c);
    else if (!wy_is_file(sp))
        report(c, "E058", where, "no sidecar 'inventory.json.%s'", alg);
    else if (read_file(sp, &side, &e) != WY_OK)
        report(c, "E061", where, "cannot read the sidecar: %s", wy_err_msg(&e));
    else {
        const char *s = wy_buf_cstr(&side);
        size_t hl = 0;
        while (isxdigit((unsigned char)s[hl]))
            hl++;
        const char *rest = s + hl;
        size_t sp1 = 0;
        while (rest[sp1] == ' ' || rest[sp1] == '\t')
            sp1++;
        const char *nm = rest + sp1;
        if (hl != alg_hexlen(alg) || sp1 == 0 ||
            strncmp(nm, "inventory.json", 14) != 0 ||
            strspn(nm + 14, " \t\r\n") != strlen(nm + 14))
            report(c, "E061", where,
                   "sidecar 'inventory.json.%s' is not 'DIGEST "
                   "inventory.json'",
                   alg);
        else {
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned len = 0;
            char hx[2 * EVP_MAX_MD_SIZE + 1];
            EVP_Digest(raw->p ? raw->p : "", raw->len, md, &len,
                       EVP_get_digestbyname(evp_name(alg)), NULL);
            for (unsigned i = 0; i < len; i++)
                snprintf(hx + 2 * i, 3, "%02x", md[i]);
            if (strncasecmp(hx, s, hl) != 0)
                report(c, "E060", where,
                       "sidecar digest does not match the inventory");
        }
    }
    free(sp);
    wy_buf_release(&side);
out:
    wy_err_release(&e);
    free(p);
    free(where);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted names in dir; *n = (size_t)-1 if dir cannot be read */
static char **list_dir(struct vc *c, const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        *n = (size_t)-1;
        return NULL;
    }
    char **v = NULL;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nv = wy_realloc(v, cap * sizeof(*v));
            if (!nv) {
                nomem(c);
                break;
            }
            v = nv;
        }
        if (!(v[*n] = wy_strdup(de->d_name))) {
            nomem(c);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof(*v), name_cmp);
    return v;
}

static void free_list(char **v, size_t n)
{
    if (n == (size_t)-1)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int is_dir_at(const char *dir, const char *name)
{
    char *p = strf("%s/%s", dir, name);
    struct stat st;
    int r = p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return r;
}

/* walks the content directory: every file must be in the manifest (E023),
 * no empty directories (E024); counts files */
static void walk_content(struct vc *c, const char *objdir, const char *rel,
                         json_t *cpaths, const char *invwhere, size_t *nfiles)
{
    char *dir = strf("%s/%s", objdir, rel);
    if (!dir) {
        nomem(c);
        return;
    }
    size_t n;
    char **names = list_dir(c, dir, &n);
    if (n == 0 && strchr(rel, '/') && strchr(strchr(rel, '/') + 1, '/'))
        report(c, "E024", rel, "empty directory in the content directory");
    for (size_t i = 0; n != (size_t)-1 && i < n; i++) {
        char *sub = strf("%s/%s", rel, names[i]);
        if (!sub) {
            nomem(c);
            break;
        }
        if (is_dir_at(dir, names[i]))
            walk_content(c, objdir, sub, cpaths, invwhere, nfiles);
        else {
            (*nfiles)++;
            if (!json_object_get(cpaths, sub))
                report(c, "E023", sub, "file is not in the manifest of %s",
                       invwhere);
        }
        free(sub);
    }
    free_list(names, n);
    free(dir);
}

/* content path -> digest, for the inventory's manifest */
static json_t *content_map(const struct inv *in)
{
    json_t *m = json_object();
    const char *d;
    json_t *ps;
    if (!m || !in->manifest)
        return m;
    json_object_foreach(in->manifest, d, ps)
    {
        size_t i;
        json_t *p;
        json_array_foreach(ps, i, p)
        {
            if (json_is_string(p))
                json_object_set_new(m, json_string_value(p), json_string(d));
        }
    }
    return m;
}

/* logical path -> content path (first of its digest) for a version */
static json_t *logical_map(const struct inv *in, const char *vn)
{
    json_t *m = json_object();
    json_t *st = json_object_get(json_object_get(in->versions, vn), "state");
    const char *d;
    json_t *ps;
    if (!m)
        return NULL;
    json_object_foreach(st, d, ps)
    {
        json_t *cps = json_object_get(in->manifest, d);
        const char *first = NULL;
        size_t i;
        json_t *p;
        json_array_foreach(cps, i, p)
        {
            const char *s = json_string_value(p);
            if (s && (!first || strcmp(s, first) < 0))
                first = s;
        }
        json_array_foreach(ps, i, p)
        {
            if (json_is_string(p))
                json_object_set_new(m, json_string_value(p),
                                    json_string(first ? first : d));
        }
    }
    return m;
}

/* compares the version blocks of a prior inventory with the root's */
static void compare_prior(struct vc *c, const struct inv *root,
                          const struct inv *prior, const char *where)
{
    const char *vn;
    json_t *pv;
    json_object_foreach(prior->versions, vn, pv)
    {
        json_t *rv = json_object_get(root->versions, vn);
        if (!rv) {
            report(c, "E066", where,
                   "version '%s' is not in the root inventory", vn);
            continue;
        }
        int same;
        if (root->alg && prior->alg && !strcmp(root->alg, prior->alg))
            same = json_equal(json_object_get(rv, "state"),
                              json_object_get(pv, "state"));
        else {
            json_t *a = logical_map(root, vn), *b = logical_map(prior, vn);
            same = a && b && json_equal(a, b);
            json_decref(a);
            json_decref(b);
        }
        if (!same)
            report(c, "E066", where,
                   "version '%s' has a different state than in the root "
                   "inventory",
                   vn);
        static const char *const keys[] = {"created", "message", "user"};
        for (int i = 0; i < 3; i++) {
            json_t *a = json_object_get(rv, keys[i]);
            json_t *b = json_object_get(pv, keys[i]);
            if ((a || b) && !(a && b && json_equal(a, b)))
                report(c, "W011", where,
                       "version '%s': '%s' differs from the root inventory", vn,
                       keys[i]);
        }
    }
}

/* checks manifest digests (and fixity) against the files */
static void check_digests(struct vc *c, const char *objdir,
                          const struct inv *in, const char *where)
{
    const char *d;
    json_t *ps;
    json_object_foreach(in->manifest, d, ps)
    {
        size_t i;
        json_t *p;
        json_array_foreach(ps, i, p)
        {
            const char *cp = json_string_value(p);
            int lead;
            if (!cp || path_problem(cp, &lead))
                continue;
            char *abs = strf("%s/%s", objdir, cp);
            int there = abs && wy_is_file(abs);
            free(abs);
            if (!there) {
                report(c, "E092", where,
                       "content path '%s' of the manifest does not exist", cp);
                continue;
            }
            if (c->sink->no_digests || !in->alg)
                continue;
            const char *got = file_digest(c, objdir, cp, in->alg);
            if (got && strcasecmp(got, d) != 0)
                report(c, "E092", where,
                       "content '%s' has %s %.16s..., not %.16s... as the "
                       "manifest says",
                       cp, in->alg, got, d);
        }
    }
    const char *alg;
    json_t *blk;
    json_object_foreach(in->fixity, alg, blk)
    {
        if (!json_is_object(blk) || !evp_name(alg) || c->sink->no_digests)
            continue;
        json_object_foreach(blk, d, ps)
        {
            size_t i;
            json_t *p;
            json_array_foreach(ps, i, p)
            {
                const char *cp = json_string_value(p);
                int lead;
                if (!cp || path_problem(cp, &lead))
                    continue;
                const char *got = file_digest(c, objdir, cp, alg);
                if (!got) {
                    char *abs = strf("%s/%s", objdir, cp);
                    if (abs && !wy_is_file(abs))
                        report(c, "E093", where,
                               "content path '%s' of the fixity block does "
                               "not exist",
                               cp);
                    free(abs);
                } else if (strcasecmp(got, d) != 0)
                    report(c, "E093", where,
                           "content '%s' has %s %.16s..., not %.16s... as the "
                           "fixity block says",
                           cp, alg, got, d);
            }
        }
    }
}

static int registered_ext(const char *name)
{
    static const char *const reg[] = {"0001-digest-algorithms",
                                      "0002-flat-direct-storage-layout",
                                      "0003-hash-and-id-n-tuple-storage-layout",
                                      "0004-hashed-n-tuple-storage-layout",
                                      "0005-mutable-head",
                                      "0006-flat-omit-prefix-storage-layout",
                                      "0007-n-tuple-omit-prefix-storage-layout",
                                      "0008-schema-registry",
                                      "0009-digest-algorithms",
                                      "0010-differential-versioning",
                                      "0011-direct-clean-path-layout",
                                      NULL};
    for (int i = 0; reg[i]; i++)
        if (!strcmp(name, reg[i]))
            return 1;
    return 0;
}

/* the object: its root directory, inventories and content */
static void check_object(struct vc *c, const char *objdir)
{
    size_t n;
    char **names = list_dir(c, objdir, &n);
    if (n == (size_t)-1) {
        report(c, "E003", "", "the object root cannot be read");
        return;
    }
    /* 1. declaration */
    const char *decl = NULL;
    int ndecl = 0;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(names[i], "0=", 2)) {
            ndecl++;
            decl = names[i];
        }
    char spec[4] = ""; /* unknown until the declaration says */
    if (ndecl == 0) {
        report(c, "E003", "", "no version declaration '0=ocfl_object_1.1'");
        if (n == 0 || (n == 1 && !strcmp(names[0], ".keep")))
            report(c, "E063", "", "no inventory.json: the object is empty");
    } else if (ndecl > 1)
        report(c, "E003", "", "%d version declarations", ndecl);
    else if (strcmp(decl, "0=ocfl_object_1.0") != 0 &&
             strcmp(decl, "0=ocfl_object_1.1") != 0)
        report(c, "E004", decl,
               "the declaration is not 0=ocfl_object_1.0 or _1.1");
    else {
        memcpy(spec, decl + 14, 3);
        spec[3] = '\0';
        struct wy_buf t = WY_BUF_INIT(1 << 20);
        struct wy_err e = WY_ERR_INIT;
        char *p = strf("%s/%s", objdir, decl);
        char *want = strf("%s\n", decl + 2);
        if (!p || !want || wy_file_read(p, &t, &e) != WY_OK ||
            strcmp(wy_buf_cstr(&t), want) != 0 || t.len != strlen(want))
            report(c, "E007", decl,
                   "the declaration does not contain '%s' and a newline",
                   decl + 2);
        free(p);
        free(want);
        wy_buf_release(&t);
        wy_err_release(&e);
    }
    /* 2. root inventory */
    char *ip = strf("%s/inventory.json", objdir);
    if (!ip) {
        nomem(c);
        free_list(names, n);
        return;
    }
    int has_inv = wy_is_file(ip);
    free(ip);
    if (!has_inv) {
        if (n > 0 && !(n == 1 && !strcmp(names[0], ".keep")))
            report(c, "E063", "", "no inventory.json in the object root");
        else if (ndecl)
            report(c, "E063", "", "no inventory.json in the object root");
        free_list(names, n);
        return;
    }
    json_t *rj;
    struct wy_buf rraw = WY_BUF_INIT(INV_MAX);
    const char *ralg = "sha512";
    load_inv(c, objdir, "", &rj, &rraw, &ralg);
    struct inv root;
    memset(&root, 0, sizeof(root));
    if (rj)
        check_inventory(c, rj, "inventory.json", *spec ? spec : NULL, &root);
    /* 3. the object root's entries */
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        int pad;
        if (!strncmp(nm, "0=", 2) || !strcmp(nm, "inventory.json"))
            continue;
        if (!strncmp(nm, "inventory.json.", 15) && !strcmp(nm + 15, ralg))
            continue;
        if (!strcmp(nm, "logs") && is_dir_at(objdir, nm))
            continue;
        if (!strcmp(nm, "extensions") && is_dir_at(objdir, nm)) {
            char *ed = strf("%s/extensions", objdir);
            size_t en;
            char **ens = ed ? list_dir(c, ed, &en) : NULL;
            for (size_t k = 0; ed && en != (size_t)-1 && k < en; k++) {
                char *w = strf("extensions/%s", ens[k]);
                if (!is_dir_at(ed, ens[k]))
                    report(c, "E067", w, "a file in the extensions directory");
                else if (!registered_ext(ens[k]))
                    report(c, "W013", w, "'%s' is not a registered extension",
                           ens[k]);
                free(w);
            }
            if (ed)
                free_list(ens, en);
            free(ed);
            continue;
        }
        unsigned vn = parse_vname(nm, &pad);
        if (vn && is_dir_at(objdir, nm)) {
            if (root.versions && !json_object_get(root.versions, nm))
                report(c, "E046", nm,
                       "version directory is not in the inventory (head is "
                       "'%s')",
                       root.head ? root.head : "");
            continue;
        }
        report(c, "E001", nm, "%s not allowed in an object root",
               is_dir_at(objdir, nm) ? "a directory" : "a file");
    }
    if (!root.usable) {
        inv_release(&root);
        wy_buf_release(&rraw);
        free_list(names, n);
        return;
    }
    json_t *cpaths = content_map(&root);
    /* 4. version directories */
    const char *cd = root.cdir ? root.cdir : "content";
    const char *prev_spec = NULL;
    for (unsigned k = 1; k <= root.nver; k++) {
        const char *vn = root.vnames[k];
        if (!vn)
            continue;
        char *vd = strf("%s/%s", objdir, vn);
        if (!vd) {
            nomem(c);
            break;
        }
        if (!wy_is_dir(vd)) {
            report(c, "E046", vn,
                   "version directory of the inventory's '%s' is missing", vn);
            for (unsigned m = k + 1; m <= root.nver; m++) {
                char *md = root.vnames[m]
                               ? strf("%s/%s", objdir, root.vnames[m])
                               : NULL;
                int later = md && wy_is_dir(md);
                free(md);
                if (later) {
                    report(c, "E010", vn, "the version directories skip '%s'",
                           vn);
                    break;
                }
            }
            free(vd);
            continue;
        }
        size_t vn_n;
        char **vnames = list_dir(c, vd, &vn_n);
        int has_vinv = 0;
        for (size_t i = 0; vn_n != (size_t)-1 && i < vn_n; i++) {
            const char *e = vnames[i];
            char *w = strf("%s/%s", vn, e);
            if (!strcmp(e, "inventory.json"))
                has_vinv = 1;
            else if (!strncmp(e, "inventory.json.", 15) && !is_dir_at(vd, e))
                ; /* sidecar, checked with its inventory */
            else if (!strcmp(e, cd) && is_dir_at(vd, e)) {
                size_t nf = 0;
                walk_content(c, objdir, w ? w : "", cpaths, "inventory.json",
                             &nf);
                if (nf == 0)
                    report(c, "W003", w, "empty content directory");
            } else if (is_dir_at(vd, e))
                report(c, "W002", w, "extra directory in a version directory");
            else
                report(c, "E015", w,
                       "extra file in a version directory (content belongs in "
                       "'%s')",
                       cd);
            free(w);
        }
        free_list(vnames, vn_n);
        if (!has_vinv) {
            report(c, "W010", vn, "no inventory.json in the version directory");
            free(vd);
            continue;
        }
        /* the prior (or latest) version inventory */
        json_t *vj;
        struct wy_buf vraw = WY_BUF_INIT(INV_MAX);
        const char *valg = "sha512";
        load_inv(c, vd, vn, &vj, &vraw, &valg);
        struct inv vi;
        memset(&vi, 0, sizeof(vi));
        char *vw = strf("%s/inventory.json", vn);
        if (vj)
            check_inventory(c, vj, vw ? vw : vn, NULL, &vi);
        if (vi.usable) {
            if (vi.id && root.id && strcmp(vi.id, root.id) != 0)
                report(c, "E037", vw, "id '%s' differs from the root's '%s'",
                       vi.id, root.id);
            if (vi.head && strcmp(vi.head, vn) != 0)
                report(c, "E040", vw, "head '%s' in version directory '%s'",
                       vi.head, vn);
            if (!root.cdir != !vi.cdir)
                report(c, "E019", vw,
                       "contentDirectory is set in one inventory but not in "
                       "another");
            else if (root.cdir && strcmp(root.cdir, vi.cdir) != 0) {
                report(c, "E020", vw,
                       "contentDirectory '%s' differs from the root's '%s'",
                       vi.cdir, root.cdir);
                if (k == 1)
                    report(c, "E019", "inventory.json",
                           "contentDirectory '%s' is not the one set in the "
                           "first version ('%s')",
                           root.cdir, vi.cdir);
            }
            if (*vi.spec && prev_spec && strcmp(vi.spec, prev_spec) < 0)
                report(c, "E103", vw,
                       "OCFL %s is older than OCFL %s of an earlier version",
                       vi.spec, prev_spec);
            if (*vi.spec)
                prev_spec =
                    vi.spec[0] == '1' && vi.spec[2] == '0' ? "1.0" : "1.1";
            if (k == root.nver) {
                if (vraw.len != rraw.len ||
                    memcmp(vraw.p ? vraw.p : "", rraw.p ? rraw.p : "",
                           vraw.len) != 0)
                    report(c, "E064", vw,
                           "the latest version's inventory differs from the "
                           "root inventory");
            } else
                compare_prior(c, &root, &vi, vw);
            /* files of versions up to k must be in this manifest */
            json_t *vcp = content_map(&vi);
            for (unsigned m = 1; m <= k && vcp; m++) {
                const char *mn =
                    vi.vnames && m <= vi.nver ? vi.vnames[m] : NULL;
                if (!mn)
                    continue;
                char *w = strf("%s/%s", mn, vi.cdir ? vi.cdir : "content");
                char *abs = w ? strf("%s/%s", objdir, w) : NULL;
                if (abs && wy_is_dir(abs) && k != root.nver) {
                    size_t nf = 0;
                    walk_content(c, objdir, w, vcp, vw, &nf);
                }
                free(w);
                free(abs);
            }
            json_decref(vcp);
            if (k != root.nver)
                check_digests(c, objdir, &vi, vw);
        }
        inv_release(&vi);
        wy_buf_release(&vraw);
        free(vw);
        free(vd);
    }
    if (*root.spec && prev_spec && strcmp(root.spec, prev_spec) < 0)
        report(c, "E103", "inventory.json",
               "OCFL %s is older than OCFL %s of an earlier version", root.spec,
               prev_spec);
    /* 5. content */
    check_digests(c, objdir, &root, "inventory.json");
    json_decref(cpaths);
    inv_release(&root);
    wy_buf_release(&rraw);
    free_list(names, n);
}

wy_code validate_object(const char *objdir, struct validate_sink *sink,
                        struct wy_err *err)
{
    struct vc c = {sink, objdir, WY_OK, err, json_object()};
    if (!c.digests)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    sink->objects++;
    check_object(&c, objdir);
    json_decref(c.digests);
    return c.rc;
}

/* ------------------------------------------------------------------ */
/* storage root */

static void walk_root(struct vc *c, const char *root, const char *rel,
                      const char *rootspec)
{
    char *dir = *rel ? strf("%s/%s", root, rel) : wy_strdup(root);
    if (!dir) {
        nomem(c);
        return;
    }
    size_t n;
    char **names = list_dir(c, dir, &n);
    if (n == (size_t)-1) {
        report(c, "E072", rel, "cannot read the directory");
        free(dir);
        return;
    }
    int object = 0;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(names[i], "0=", 2))
            object = 1;
    if (*rel && object) {
        /* an object root (or something that claims to be one) */
        const char *decl = NULL;
        int nd = 0;
        for (size_t i = 0; i < n; i++)
            if (!strncmp(names[i], "0=", 2)) {
                decl = names[i];
                nd++;
            }
        if (nd == 1 && !strncmp(decl, "0=ocfl_object_", 14) &&
            strcmp(decl + 14, rootspec) > 0 &&
            (!strcmp(decl + 14, "1.0") || !strcmp(decl + 14, "1.1")))
            report(c, "E081", rel,
                   "object declares OCFL %s, newer than the storage root's "
                   "%s",
                   decl + 14, rootspec);
        struct vc oc = *c;
        oc.base = dir;
        c->sink->objects++;
        check_object(&oc, dir);
        c->rc = oc.rc;
        json_object_clear(c->digests);
        goto out;
    }
    if (*rel && n == 0)
        report(c, "E073", rel, "empty directory in the storage hierarchy");
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        char *sub = *rel ? strf("%s/%s", rel, nm) : wy_strdup(nm);
        if (!sub) {
            nomem(c);
            break;
        }
        struct stat st;
        char *abs = strf("%s/%s", dir, nm);
        int isdir = abs && lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);
        int islink = abs && lstat(abs, &st) == 0 && S_ISLNK(st.st_mode);
        free(abs);
        if (!*rel) {
            if (!strcmp(nm, "extensions") && isdir) {
                char *ed = strf("%s/extensions", root);
                size_t en;
                char **ens = ed ? list_dir(c, ed, &en) : NULL;
                for (size_t k = 0; ed && en != (size_t)-1 && k < en; k++) {
                    char *w = strf("extensions/%s", ens[k]);
                    if (!is_dir_at(ed, ens[k]))
                        report(c, "E112", w,
                               "a file in the storage root's extensions "
                               "directory");
                    else if (!registered_ext(ens[k]))
                        report(c, "W016", w,
                               "'%s' is not a registered extension", ens[k]);
                    free(w);
                }
                if (ed)
                    free_list(ens, en);
                free(ed);
                free(sub);
                continue;
            }
            if (!isdir) {
                free(sub);
                continue; /* E087: files at the top are ignored */
            }
        }
        if (islink)
            report(c, "E090", sub, "a symbolic link in the storage hierarchy");
        else if (!isdir)
            report(c, "E072", sub, "a file that is not part of an OCFL object");
        else
            walk_root(c, root, sub, rootspec);
        free(sub);
    }
out:
    free_list(names, n);
    free(dir);
}

wy_code validate_root(const char *root, struct validate_sink *sink,
                      struct wy_err *err)
{
    struct vc c = {sink, root, WY_OK, err, json_object()};
    if (!c.digests)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    if (!wy_is_dir(root)) {
        json_decref(c.digests);
        return wy_err_set(err, WY_ENOTFOUND, "no directory '%s'", root);
    }
    size_t n;
    char **names = list_dir(&c, root, &n);
    const char *decl = NULL;
    int nd = 0;
    for (size_t i = 0; n != (size_t)-1 && i < n; i++)
        if (!strncmp(names[i], "0=", 2)) {
            nd++;
            decl = names[i];
        }
    char rootspec[4] = "1.1";
    if (nd == 0)
        report(&c, "E069", "", "no storage root declaration '0=ocfl_1.1'");
    else if (nd > 1)
        report(&c, "E076", "", "%d storage root declarations", nd);
    else if (strcmp(decl, "0=ocfl_1.0") && strcmp(decl, "0=ocfl_1.1"))
        report(&c, "E077", decl,
               "the declaration is not 0=ocfl_1.0 or 0=ocfl_1.1");
    else {
        memcpy(rootspec, decl + 7, 3);
        struct wy_buf t = WY_BUF_INIT(1 << 20);
        struct wy_err e = WY_ERR_INIT;
        char *p = strf("%s/%s", root, decl);
        char *want = strf("%s\n", decl + 2);
        if (!p || !want || wy_file_read(p, &t, &e) != WY_OK ||
            t.len != strlen(want) || strcmp(wy_buf_cstr(&t), want) != 0)
            report(&c, "E080", decl,
                   "the declaration does not contain '%s' and a newline",
                   decl + 2);
        free(p);
        free(want);
        wy_buf_release(&t);
        wy_err_release(&e);
    }
    char *lp = strf("%s/ocfl_layout.json", root);
    if (lp && wy_is_file(lp)) {
        struct wy_buf t = WY_BUF_INIT(1 << 20);
        struct wy_err e = WY_ERR_INIT;
        json_t *j = NULL;
        if (wy_file_read(lp, &t, &e) == WY_OK)
            j = json_loadb(t.p ? t.p : "", t.len, 0, NULL);
        if (!json_is_string(json_object_get(j, "extension")) ||
            !json_is_string(json_object_get(j, "description")))
            report(&c, "E070", "ocfl_layout.json",
                   "ocfl_layout.json lacks the string keys 'extension' and "
                   "'description'");
        else if (!registered_ext(
                     json_string_value(json_object_get(j, "extension"))))
            report(&c, "E071", "ocfl_layout.json",
                   "layout extension '%s' is not a registered extension",
                   json_string_value(json_object_get(j, "extension")));
        json_decref(j);
        wy_buf_release(&t);
        wy_err_release(&e);
    }
    free(lp);
    free_list(names, n);
    walk_root(&c, root, "", rootspec);
    json_decref(c.digests);
    return c.rc;
}
