/* repository/validate.c: the OCFL validator's storage-root checks (see
 * validate.h) and the helpers the validator files share; the inventory checks
 * are in validate_inventory.c, the object checks in validate_object.c. */
#define _GNU_SOURCE
#include "repository/validate_int.h"

#include <dirent.h>
#include <stdio.h>

#include "core/path.h"

/* ------------------------------------------------------------------ */
/* shared helpers */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted names in dir; *n = (size_t)-1 if dir cannot be read */
char **vali_list_dir(struct vc *c, const char *dir, size_t *n)
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

int vali_registered_ext(const char *name)
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

void vali_check_extensions(struct vc *c, const char *dir, const char *file_code,
                           const char *file_msg, const char *unreg_code)
{
    char *ed = wy_strf("%s/extensions", dir);
    size_t en;
    char **ens = ed ? vali_list_dir(c, ed, &en) : NULL;
    if (!ed)
        nomem(c);
    for (size_t k = 0; ed && en != (size_t)-1 && k < en; k++) {
        char *w = wy_strf("extensions/%s", ens[k]);
        if (!is_dir_at(ed, ens[k]))
            report(c, file_code, w, "%s", file_msg);
        else if (!vali_registered_ext(ens[k]))
            report(c, unreg_code, w, "'%s' is not a registered extension",
                   ens[k]);
        free(w);
    }
    if (ed)
        free_list(ens, en);
    free(ed);
}

void vali_check_namaste(struct vc *c, const char *dir, const char *decl,
                        const char *code)
{
    struct wy_buf t = WY_BUF_INIT(1 << 20);
    struct wy_err e = WY_ERR_INIT;
    char *p = wy_strf("%s/%s", dir, decl);
    char *want = wy_strf("%s\n", decl + 2);
    if (!p || !want || wy_file_read(p, &t, &e) != WY_OK ||
        t.len != strlen(want) || strcmp(wy_buf_cstr(&t), want) != 0)
        report(c, code, decl,
               "the declaration does not contain '%s' and a newline", decl + 2);
    free(p);
    free(want);
    wy_buf_release(&t);
    wy_err_release(&e);
}

/* ------------------------------------------------------------------ */
/* storage root */

static void walk_root(struct vc *c, const char *root, const char *rel,
                      const char *rootspec)
{
    char *dir = *rel ? wy_strf("%s/%s", root, rel) : wy_strdup(root);
    if (!dir) {
        nomem(c);
        return;
    }
    size_t n;
    char **names = vali_list_dir(c, dir, &n);
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
        vali_check_object(&oc, dir);
        c->rc = oc.rc;
        json_object_clear(c->digests);
        goto out;
    }
    if (*rel && n == 0)
        report(c, "E073", rel, "empty directory in the storage hierarchy");
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        char *sub = *rel ? wy_strf("%s/%s", rel, nm) : wy_strdup(nm);
        if (!sub) {
            nomem(c);
            break;
        }
        struct stat st;
        char *abs = wy_strf("%s/%s", dir, nm);
        int isdir = abs && lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);
        int islink = abs && lstat(abs, &st) == 0 && S_ISLNK(st.st_mode);
        free(abs);
        if (!*rel) {
            if (!strcmp(nm, "extensions") && isdir) {
                vali_check_extensions(c, root, "E112",
                                      "a file in the storage root's "
                                      "extensions directory",
                                      "W016");
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
    char **names = vali_list_dir(&c, root, &n);
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
        vali_check_namaste(&c, root, decl, "E080");
    }
    char *lp = wy_strf("%s/ocfl_layout.json", root);
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
        else if (!vali_registered_ext(
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
