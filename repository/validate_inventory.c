/* repository/validate_inventory.c: the OCFL validator's checks of one
 * inventory's structure and values (see validate.h): keys, digest algorithm,
 * version names and blocks, manifest, fixity. No files are read here. */
#define _GNU_SOURCE
#include "repository/validate_int.h"

#include <ctype.h>
#include <stdio.h>

#include <openssl/evp.h>

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

size_t vali_alg_hexlen(const char *alg)
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

const char *vali_evp_name(const char *alg)
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
const char *vali_path_problem(const char *p, int *leading)
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
unsigned vali_parse_vname(const char *s, int *padded)
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
        unsigned n = vali_parse_vname(k, &pad);
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
        unsigned n = vali_parse_vname(k, &pad);
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
        unsigned h = vali_parse_vname(in->head, &pad);
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
            const char *why = vali_path_problem(l, &lead);
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
    const char *why = vali_path_problem(p, &lead);
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
    unsigned n = vali_parse_vname(vn, &pad);
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
    size_t hl = in->alg ? vali_alg_hexlen(in->alg) : 0;
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
            if (vali_path_problem(p, &lead))
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
        size_t hl = vali_alg_hexlen(alg);
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
                const char *why = vali_path_problem(p, &lead);
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
void vali_check_inventory(struct vc *c, json_t *j, const char *where,
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
    vali_check_inventory(&c, j, where, spec, &in);
    inv_release(&in);
    return c.rc;
}
