/* repository/validate_object.c: the OCFL validator's object checks (see
 * validate.h), in the order of the specification: object root and its
 * declaration, root inventory and sidecar, version directories and their
 * inventories, content files and their digests. */
#define _GNU_SOURCE
#include "repository/validate_int.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/path.h"

/* ------------------------------------------------------------------ */
/* files */
/* hex digest of a file, cached per algorithm and path; NULL if unreadable */
static const char *file_digest(struct vc *c, const char *objdir,
                               const char *rel, const char *alg)
{
    const char *evp = vali_evp_name(alg);
    if (!evp)
        return NULL;
    char *key = wy_strf("%s\n%s", alg, rel);
    if (!key) {
        nomem(c);
        return NULL;
    }
    json_t *hit = json_object_get(c->digests, key);
    if (hit) {
        free(key);
        return json_string_value(hit);
    }
    char *path = wy_strf("%s/%s", objdir, rel);
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
    char *p = wy_strf("%s/inventory.json", dir);
    char *where = wy_strf("%s%sinventory.json", rel, *rel ? "/" : "");
    struct wy_err e = WY_ERR_INIT;
    if (!p || !where) {
        nomem(c);
        goto out;
    }
    if (wy_file_read(p, raw, &e) != WY_OK) {
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
    if (!alg || !vali_evp_name(alg))
        alg = "sha512";
    *algout = alg;
    char *sp = wy_strf("%s.%s", p, alg);
    struct wy_buf side = WY_BUF_INIT(1 << 20);
    if (!sp)
        nomem(c);
    else if (!wy_is_file(sp))
        report(c, "E058", where, "no sidecar 'inventory.json.%s'", alg);
    else if (wy_file_read(sp, &side, &e) != WY_OK)
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
        if (hl != vali_alg_hexlen(alg) || sp1 == 0 ||
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
                       EVP_get_digestbyname(vali_evp_name(alg)), NULL);
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

/* walks the content directory: every file must be in the manifest (E023),
 * no empty directories (E024); counts files */
static void walk_content(struct vc *c, const char *objdir, const char *rel,
                         json_t *cpaths, const char *invwhere, size_t *nfiles)
{
    char *dir = wy_strf("%s/%s", objdir, rel);
    if (!dir) {
        nomem(c);
        return;
    }
    size_t n;
    char **names = vali_list_dir(c, dir, &n);
    if (n == 0 && strchr(rel, '/') && strchr(strchr(rel, '/') + 1, '/'))
        report(c, "E024", rel, "empty directory in the content directory");
    for (size_t i = 0; n != (size_t)-1 && i < n; i++) {
        char *sub = wy_strf("%s/%s", rel, names[i]);
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

/* checks one {digest: [content paths]} block (the manifest, or a fixity
   block of alg) against the files: each path exists and, with hash, has the
   digest; problems are reported as code, naming the block as what */
static void check_block(struct vc *c, const char *objdir, json_t *blk,
                        const char *alg, int hash, const char *code,
                        const char *what, const char *where)
{
    const char *d;
    json_t *ps;
    json_object_foreach(blk, d, ps)
    {
        size_t i;
        json_t *p;
        json_array_foreach(ps, i, p)
        {
            const char *cp = json_string_value(p);
            int lead;
            if (!cp || vali_path_problem(cp, &lead))
                continue;
            char *abs = wy_strf("%s/%s", objdir, cp);
            int there = abs && wy_is_file(abs);
            free(abs);
            if (!there) {
                report(c, code, where,
                       "content path '%s' of the %s does not exist", cp, what);
                continue;
            }
            if (!hash)
                continue;
            const char *got = file_digest(c, objdir, cp, alg);
            if (got && strcasecmp(got, d) != 0)
                report(c, code, where,
                       "content '%s' has %s %.16s..., not %.16s... as the "
                       "%s says",
                       cp, alg, got, d, what);
        }
    }
}

/* checks manifest digests (and fixity) against the files */
static void check_digests(struct vc *c, const char *objdir,
                          const struct inv *in, const char *where)
{
    check_block(c, objdir, in->manifest, in->alg,
                !c->sink->no_digests && in->alg, "E092", "manifest", where);
    const char *alg;
    json_t *blk;
    json_object_foreach(in->fixity, alg, blk)
    {
        if (json_is_object(blk) && vali_evp_name(alg) && !c->sink->no_digests)
            check_block(c, objdir, blk, alg, 1, "E093", "fixity block", where);
    }
}

/* the object: its root directory, inventories and content */
void vali_check_object(struct vc *c, const char *objdir)
{
    size_t n;
    char **names = vali_list_dir(c, objdir, &n);
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
        vali_check_namaste(c, objdir, decl, "E007");
    }
    /* 2. root inventory */
    char *ip = wy_strf("%s/inventory.json", objdir);
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
        vali_check_inventory(c, rj, "inventory.json", *spec ? spec : NULL,
                             &root);
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
            vali_check_extensions(c, objdir, "E067",
                                  "a file in the extensions directory", "W013");
            continue;
        }
        unsigned vn = vali_parse_vname(nm, &pad);
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
        char *vd = wy_strf("%s/%s", objdir, vn);
        if (!vd) {
            nomem(c);
            break;
        }
        if (!wy_is_dir(vd)) {
            report(c, "E046", vn,
                   "version directory of the inventory's '%s' is missing", vn);
            for (unsigned m = k + 1; m <= root.nver; m++) {
                char *md = root.vnames[m]
                               ? wy_strf("%s/%s", objdir, root.vnames[m])
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
        char **vnames = vali_list_dir(c, vd, &vn_n);
        int has_vinv = 0;
        for (size_t i = 0; vn_n != (size_t)-1 && i < vn_n; i++) {
            const char *e = vnames[i];
            char *w = wy_strf("%s/%s", vn, e);
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
        char *vw = wy_strf("%s/inventory.json", vn);
        if (vj)
            vali_check_inventory(c, vj, vw ? vw : vn, NULL, &vi);
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
                char *w = wy_strf("%s/%s", mn, vi.cdir ? vi.cdir : "content");
                char *abs = w ? wy_strf("%s/%s", objdir, w) : NULL;
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
    vali_check_object(&c, objdir);
    json_decref(c.digests);
    return c.rc;
}
