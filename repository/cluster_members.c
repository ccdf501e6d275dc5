/* repository/cluster_members.c: clustering: putting and removing a
   record, its keys and holdings, and recomputing the connected
   components it reaches. */
#include "repository/cluster_int.h"

int clui_idlist_push(struct idlist *l, int64_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        int64_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return 0;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 1;
}

/* The members of cluster cid, appended to l. */
wy_code clui_members_of(struct cluster *cl, int64_t cid, struct idlist *l,
                        struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_MEMBERS_OF);
    sqlite3_bind_int64(s, 1, cid);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!clui_idlist_push(l, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: members of %lld",
                              (long long)cid);
    return r == SQLITE_DONE ? WY_OK : clui_db_fail(cl, err, "list members");
}

/* A 64-bit FNV-1a hash of a key in a partition (never 0: idset's empty). */
static int64_t key_hash(const char *k, size_t n, int64_t part)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)part;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211u;
    h &= 0x7fffffffffffffffu;
    return h ? (int64_t)h : 1;
}

/* The records tied to id, appended to l: those sharing one of its keys in
   its partition (each key expanded once per search: keys seen so far are
   in seen_keys, so a key shared by n records costs n, not n squared), and
   its staff links. */
static wy_code neighbours(struct cluster *cl, int64_t id, struct idlist *l,
                          struct idset *seen_keys, struct wy_err *err)
{
    int64_t cid, part;
    wy_code rc = clui_member_get(cl, id, &cid, &part, err);
    struct wy_buf keys = WY_BUF_INIT(1u << 20);
    if (rc == WY_OK)
        rc = clui_keys_of(cl, id, &keys, err);
    const char *p = keys.p ? keys.p : "";
    for (const char *nl; rc == WY_OK && (nl = strchr(p, '\n')) != NULL;
         p = nl + 1) {
        int fresh =
            clui_idset_add(seen_keys, key_hash(p, (size_t)(nl - p), part));
        if (fresh < 0)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
        if (fresh <= 0)
            continue;
        sqlite3_stmt *s = clui_stmt(cl, S_KEY_RECS);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, part);
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW)
            if (!clui_idlist_push(l, sqlite3_column_int64(s, 0)))
                break;
        if (r != SQLITE_DONE && r != SQLITE_ROW)
            rc = clui_db_fail(cl, err, "find neighbours");
        else if (r == SQLITE_ROW)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
        sqlite3_reset(s);
    }
    wy_buf_release(&keys);
    if (rc)
        return rc;
    sqlite3_stmt *s = clui_stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!clui_idlist_push(l, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: neighbours");
    return r == SQLITE_DONE ? WY_OK
                            : clui_db_fail(cl, err, "find linked records");
}

/* The clusters a new record id (in partition part, with the sorted keys
   of cl->keys) joins: one lookup per key, plus its staff links. */
static wy_code clusters_joined(struct cluster *cl, int64_t id, int64_t part,
                               struct idlist *ctr, struct wy_err *err)
{
    const char *p = cl->keys.p ? cl->keys.p : "";
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        sqlite3_stmt *s = clui_stmt(cl, S_KEY_CLUSTER);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, part);
        sqlite3_bind_int64(s, 3, id);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW &&
            !clui_idlist_push(ctr, sqlite3_column_int64(s, 0)))
            return wy_err_set(err, WY_ENOMEM, "clusters: joining");
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return clui_db_fail(cl, err, "find a key's cluster");
        sqlite3_reset(s);
    }
    sqlite3_stmt *s = clui_stmt(cl, S_NEIGH_LINK);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (!clui_idlist_push(ctr, sqlite3_column_int64(s, 1)))
            return wy_err_set(err, WY_ENOMEM, "clusters: joining");
    return r == SQLITE_DONE ? WY_OK
                            : clui_db_fail(cl, err, "find linked records");
}

/* Recomputes the connected components reached from the seeds: each gets
   the smallest record id in it as cluster id. */
wy_code clui_recluster(struct cluster *cl, const struct idlist *seeds,
                       struct wy_err *err)
{
    struct idset seen = {NULL, 0, 0}, seen_keys = {NULL, 0, 0};
    struct idlist comp = {NULL, 0, 0}, nb = {NULL, 0, 0};
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < seeds->n; i++) {
        int a = clui_idset_add(&seen, seeds->v[i]);
        if (a < 0)
            rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
        if (a <= 0)
            continue;
        comp.n = 0;
        if (!clui_idlist_push(&comp, seeds->v[i])) {
            rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
            break;
        }
        int64_t minid = seeds->v[i];
        for (size_t q = 0; rc == WY_OK && q < comp.n; q++) {
            nb.n = 0;
            rc = neighbours(cl, comp.v[q], &nb, &seen_keys, err);
            for (size_t k = 0; rc == WY_OK && k < nb.n; k++) {
                int b = clui_idset_add(&seen, nb.v[k]);
                if (b < 0 || (b > 0 && !clui_idlist_push(&comp, nb.v[k])))
                    rc = wy_err_set(err, WY_ENOMEM, "clusters: recomputing");
                if (b > 0 && nb.v[k] < minid)
                    minid = nb.v[k];
            }
        }
        char now[21];
        clui_clock_now(cl, now);
        for (size_t q = 0; rc == WY_OK && q < comp.n; q++) {
            int64_t old;
            rc = clui_member_get(cl, comp.v[q], &old, NULL, err);
            if (rc || old == minid)
                continue;
            sqlite3_stmt *s = clui_stmt(cl, S_MEMBER_SETC);
            sqlite3_bind_int64(s, 1, comp.v[q]);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = clui_db_fail(cl, err, "set a record's cluster");
            if (rc == WY_OK && (rc = clui_touch(cl, old, err)) == WY_OK)
                rc = clui_touch(cl, minid, err);
        }
    }
    free(seen.slot);
    free(seen_keys.slot);
    free(comp.v);
    free(nb.v);
    return rc;
}

/* The member row of a record: *cid 0 when absent. */
wy_code clui_member_get(struct cluster *cl, int64_t id, int64_t *cid,
                        int64_t *part, struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_MEMBER_GET);
    sqlite3_bind_int64(s, 1, id);
    *cid = 0;
    if (part)
        *part = 0;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        *cid = sqlite3_column_int64(s, 0);
        if (part)
            *part = sqlite3_column_int64(s, 1);
    } else if (r != SQLITE_DONE) {
        return clui_db_fail(cl, err, "read a member");
    }
    return WY_OK;
}

/* The stored keys of a record, one per line, into out. */
wy_code clui_keys_of(struct cluster *cl, int64_t id, struct wy_buf *out,
                     struct wy_err *err)
{
    wy_buf_reset(out);
    sqlite3_stmt *s = clui_stmt(cl, S_KEYS_OF);
    sqlite3_bind_int64(s, 1, id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        wy_buf_adds(out, (const char *)sqlite3_column_text(s, 0));
        wy_buf_addc(out, '\n');
    }
    if (r != SQLITE_DONE)
        return clui_db_fail(cl, err, "read keys");
    return wy_buf_status(out, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and dedups the lines of b in place. */
static wy_code sort_lines(struct wy_buf *b, struct wy_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->p[i] == '\n';
    if (n < 2)
        return WY_OK;
    char **v = malloc(n * sizeof(*v));
    char *copy = malloc(b->len + 1);
    if (!v || !copy) {
        free(v);
        free(copy);
        return wy_err_set(err, WY_ENOMEM, "clusters: sorting keys");
    }
    memcpy(copy, b->p, b->len + 1);
    size_t k = 0;
    for (char *p = copy; k < n; k++) {
        v[k] = p;
        p = strchr(p, '\n');
        *p++ = '\0';
    }
    qsort(v, n, sizeof(*v), cmp_str);
    wy_buf_reset(b);
    for (size_t i = 0; i < n; i++)
        if (!i || strcmp(v[i], v[i - 1])) {
            wy_buf_adds(b, v[i]);
            wy_buf_addc(b, '\n');
        }
    free(v);
    free(copy);
    return wy_buf_status(b, err);
}

static wy_code put_holdings(struct cluster *cl, int64_t id, const char *source,
                            const struct wy_record *rec, struct wy_err *err)
{
    sqlite3_stmt *s = clui_stmt(cl, S_HOLD_DEL);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return clui_db_fail(cl, err, "drop holdings");
    const struct wy_desc *d = &rec->desc;
    size_t n = d->nholdings ? d->nholdings : 1;
    for (size_t i = 0; i < n; i++) {
        const char *lib = NULL, *callno = NULL;
        if (d->nholdings) {
            lib = d->holdings[i].institution;
            callno = d->holdings[i].callno;
        } else {
            callno = wy_desc_ident(rec, "callno");
        }
        if (!lib || !*lib)
            lib = source && *source ? source : CAT_LOCAL_SOURCE;
        /* a registered library is stored by its code, so that spellings
           count once; cluster_show names it */
        char *code = NULL;
        if (cl->cat) {
            wy_code rc = lib_resolve(cl->cat, lib, &code, NULL, err);
            if (rc)
                return rc;
        }
        s = clui_stmt(cl, S_HOLD_ADD);
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, code ? code : lib, -1, SQLITE_TRANSIENT);
        free(code);
        if (callno)
            sqlite3_bind_text(s, 3, callno, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            return clui_db_fail(cl, err, "add a holding");
    }
    return WY_OK;
}

wy_code cluster_put(struct cluster *cl, int64_t id, const char *source,
                    const struct wy_record *rec, struct wy_err *err)
{
    wy_buf_reset(&cl->keys);
    wy_code rc = cluster_keys(cl, rec, &cl->keys, err);
    if (rc == WY_OK)
        rc = sort_lines(&cl->keys, err);
    int64_t cid, part;
    if (rc == WY_OK)
        rc = clui_member_get(cl, id, &cid, &part, err);
    if (rc == WY_OK && cid)
        rc = clui_keys_of(cl, id, &cl->old, err);
    if (rc)
        return wy_err_prefix(err, "record %lld", (long long)id);
    int same_keys =
        cid && cl->old.len == cl->keys.len &&
        (!cl->keys.len || !memcmp(cl->old.p, cl->keys.p, cl->keys.len));
    if (!cid) {
        /* a staff partition decided before (the record was deleted and
           came back, or the clusters are being rebuilt) */
        sqlite3_stmt *s = clui_stmt(cl, S_PART_OF);
        sqlite3_bind_int64(s, 1, id);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW)
            part = sqlite3_column_int64(s, 0);
        else if (r != SQLITE_DONE)
            return clui_db_fail(cl, err, "read a partition");
    }
    char now[21];
    clui_clock_now(cl, now);
    sqlite3_stmt *s = clui_stmt(cl, S_MEMBER_PUT);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, cid ? cid : id);
    sqlite3_bind_int64(s, 3, part);
    sqlite3_bind_int(s, 4, cluster_score(rec));
    if (rec->desc.ntitles)
        sqlite3_bind_text(s, 5, rec->desc.titles[0], -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return clui_db_fail(cl, err, "store a member");
    /* a new record's cluster is touched once it is known (below) */
    if ((cid && (rc = clui_touch(cl, cid, err))) ||
        (rc = put_holdings(cl, id, source, rec, err)))
        return rc;
    if (same_keys) {
        rc = clui_maybe_stamp(cl, err);
        clui_reset_all(cl);
        return rc;
    }
    s = clui_stmt(cl, S_KEY_DEL);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return clui_db_fail(cl, err, "drop keys");
    const char *p = cl->keys.p ? cl->keys.p : "";
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        s = clui_stmt(cl, S_KEY_ADD);
        sqlite3_bind_text(s, 1, p, (int)(nl - p), SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            return clui_db_fail(cl, err, "add a key");
    }
    struct idlist nb = {NULL, 0, 0}, ctr = {NULL, 0, 0};
    if (!cid) {
        /* a new record: it joins, and may join together, the clusters of
           its neighbours; no cluster can fall apart */
        rc = clusters_joined(cl, id, part, &ctr, err);
        int64_t minid = id;
        for (size_t i = 0; i < ctr.n; i++)
            if (ctr.v[i] < minid)
                minid = ctr.v[i];
        for (size_t i = 0; rc == WY_OK && i < ctr.n; i++) {
            if (ctr.v[i] == minid)
                continue;
            s = clui_stmt(cl, S_RECLUSTER);
            sqlite3_bind_int64(s, 1, ctr.v[i]);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = clui_db_fail(cl, err, "join clusters");
            if (rc == WY_OK)
                rc = clui_touch(cl, ctr.v[i], err);
        }
        if (rc == WY_OK && minid != id) {
            s = clui_stmt(cl, S_MEMBER_SETC);
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, minid);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = clui_db_fail(cl, err, "join a cluster");
        }
        if (rc == WY_OK)
            rc = clui_touch(cl, minid, err);
    } else {
        /* changed keys: the old cluster may fall apart, or join others */
        rc = clui_members_of(cl, cid, &nb, err);
        if (rc == WY_OK)
            rc = clui_recluster(cl, &nb, err);
    }
    free(nb.v);
    free(ctr.v);
    if (rc == WY_OK)
        rc = clui_maybe_stamp(cl, err);
    clui_reset_all(cl);
    if (rc)
        wy_err_prefix(err, "record %lld", (long long)id);
    return rc;
}

wy_code cluster_remove(struct cluster *cl, int64_t id, struct wy_err *err)
{
    int64_t cid;
    wy_code rc = clui_member_get(cl, id, &cid, NULL, err);
    if (rc || !cid)
        return rc;
    static const int del[] = {S_MEMBER_DEL, S_KEY_DEL, S_HOLD_DEL};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *s = clui_stmt(cl, del[i]);
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            return clui_db_fail(cl, err, "remove a record");
    }
    if ((rc = clui_touch(cl, cid, err)))
        return rc;
    struct idlist m = {NULL, 0, 0};
    rc = clui_members_of(cl, cid, &m, err);
    if (rc == WY_OK)
        rc = clui_recluster(cl, &m, err);
    free(m.v);
    if (rc == WY_OK)
        rc = clui_maybe_stamp(cl, err);
    clui_reset_all(cl);
    return rc;
}
