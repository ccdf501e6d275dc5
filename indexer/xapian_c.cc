// indexer/xapian_c.cc: the only file that sees Xapian's C++ API. Every
// exported function is one try block whose catch (...) hands the exception
// to fail(), notmuch's rethrow idiom, so no exception reaches C.
#include <xapian.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

// core/err.h is C11; _Noreturn is spelled [[noreturn]] in C++
#define _Noreturn [[noreturn]]
extern "C" {
#include "core/err.h"
#include "indexer/cjk.h"
#include "indexer/xapian_c.h"
}
#undef _Noreturn

// Called only inside a catch block. get_type()/get_msg() do not allocate
// a new string (get_msg returns a reference), and wy_err_set is C.
static wy_code fail(struct wy_err *err, const char *op) noexcept
{
    try {
        throw;
    } catch (const Xapian::Error &x) {
        return wy_err_set(err, WY_EINDEX, "%s: %s: %s", op, x.get_type(),
                          x.get_msg().c_str());
    } catch (const std::bad_alloc &) {
        return wy_err_set(err, WY_ENOMEM, "%s: out of memory", op);
    } catch (const std::exception &x) {
        return wy_err_set(err, WY_EINDEX, "%s: %s", op, x.what());
    } catch (...) {
        return wy_err_set(err, WY_EINDEX, "%s: unknown C++ exception", op);
    }
}

struct idx_xdb {
    bool writable = false;
    bool in_txn = false;
    bool nosync = false; // commits not fsynced: done once at close
    Xapian::WritableDatabase w;
    Xapian::Database r;
    std::string path;
    Xapian::Database &db()
    {
        return writable ? w : r;
    }
    // Exact totals and facet counts of recent queries, keyed by the parsed
    // query with its filters and the facet slots, valid for one revision of
    // a read-only database: a repeated broad query (a library, a type) then
    // skips visiting every match. Per handle: a handle is used by one
    // thread at a time (the service keeps one per thread).
    struct Cached {
        uint64_t est, lower, upper, uncollapsed;
        std::vector<std::vector<std::pair<std::string, uint64_t>>> facets;
        size_t bytes;
    };
    Xapian::rev cache_rev = 0;
    size_t cache_bytes = 0;
    std::unordered_map<std::string, Cached> cache;
    std::deque<std::string> cache_order; // oldest first, for eviction

    // The background adder (idx_xdb_add_async): a second thread adds
    // documents while the caller builds the next ones. Every other use of
    // the database first waits for it to be idle (drain()), under `mu`,
    // so the database is never used by two threads at once.
    std::thread adder;
    std::mutex mu;
    std::condition_variable cv;            // the queue or `busy` changed
    std::vector<Xapian::Document> pending; // the caller's, not yet queued
    std::vector<Xapian::Document> queue;   // handed to the adder
    bool busy = false, stop = false, started = false, waiting = false;
    struct wy_err aerr = WY_ERR_INIT; // the first error of the adder
    bool failed = false;

    // The facet value dictionary (idx_xdb_facet_id): metadata
    // IDX_X_FID_PREFIX "<id>" -> "<facet>:<value>", ids only ever added.
    // Writer: value -> id, loaded from the metadata on first use and
    // dropped on cancel; new entries wait in fid_new (the caller's) and
    // fid_queue (handed to the adder with the documents using them) until
    // written just before those documents. Reader: id -> value, looked up
    // lazily (an id it has not seen is read from its snapshot).
    bool fid_loaded = false;
    uint32_t fid_next = 1;
    std::unordered_map<std::string, uint32_t> fid_of;
    std::vector<std::pair<uint32_t, std::string>> fid_new, fid_queue;
    std::vector<int> name_facet; // by id; -2: not looked up yet
    std::vector<std::string> name_value;
    std::string name_uuid; // the database name_* describe
};

#define IDX_X_FID_PREFIX "wenyuan.fid."
#define IDX_X_FID_NEXT "wenyuan.fidnext" // the next id (decimal)

// Writes the dictionary entries in v (the writer's thread), ascending ids.
static void write_fids(idx_xdb *db,
                       std::vector<std::pair<uint32_t, std::string>> &v)
{
    if (v.empty())
        return;
    for (const auto &e : v)
        db->w.set_metadata(IDX_X_FID_PREFIX + std::to_string(e.first),
                           e.second);
    db->w.set_metadata(IDX_X_FID_NEXT, std::to_string(v.back().first + 1));
    v.clear();
}

static void forget_fids(idx_xdb *db)
{
    db->fid_loaded = false;
    db->fid_of.clear();
    db->fid_new.clear();
    db->fid_queue.clear();
    db->fid_next = 1;
    db->name_facet.clear(); // a writer's cancelled ids are given again
    db->name_value.clear();
}

// Documents are handed to the adder this many at a time (one lock and
// wake-up per batch, not per document); at most IDX_X_QUEUE wait.
enum { IDX_X_HANDOFF = 32, IDX_X_QUEUE = 256 };

static void adder_main(idx_xdb *db)
{
    std::vector<Xapian::Document> docs;
    std::vector<std::pair<uint32_t, std::string>> fids;
    std::unique_lock<std::mutex> lk(db->mu);
    for (;;) {
        db->waiting = true;
        db->cv.wait(lk, [db] { return db->stop || !db->queue.empty(); });
        db->waiting = false;
        if (db->queue.empty())
            return; // stop, with nothing left
        docs.swap(db->queue);
        fids.swap(db->fid_queue);
        db->busy = true;
        lk.unlock();
        db->cv.notify_all(); // room in the queue
        size_t i = 0;
        try {
            write_fids(db, fids);
            for (; i < docs.size(); i++)
                db->w.add_document(docs[i]);
            docs.clear(); // the last references, in this thread
        } catch (...) {
            lk.lock();
            if (!db->failed) {
                fail(&db->aerr, "adding a document");
                try {
                    // the id term, for the message (a Q term, see idx.c)
                    Xapian::TermIterator t = docs[i].termlist_begin();
                    t.skip_to("Q");
                    if (t != docs[i].termlist_end() && (*t)[0] == 'Q')
                        wy_err_prefix(&db->aerr, "'%s'", (*t).c_str());
                } catch (...) {
                }
                db->failed = true;
            }
            db->queue.clear(); // the batch is lost: it will be cancelled
            db->fid_queue.clear();
            fids.clear();
            lk.unlock();
            docs.clear();
        }
        lk.lock();
        db->busy = false;
        db->cv.notify_all();
    }
}

// Hands the caller's pending documents to the adder (the caller's thread;
// lk holds db->mu), waiting while the queue is full.
static void handoff(idx_xdb *db, std::unique_lock<std::mutex> &lk)
{
    if (db->pending.empty())
        return;
    db->cv.wait(lk,
                [db] { return db->failed || db->queue.size() < IDX_X_QUEUE; });
    if (db->failed) {
        db->pending.clear();
        return;
    }
    for (auto &d : db->pending)
        db->queue.push_back(std::move(d));
    db->pending.clear();
    for (auto &e : db->fid_new)
        db->fid_queue.push_back(std::move(e));
    db->fid_new.clear();
    if (db->waiting)
        db->cv.notify_all();
}

// Waits until the adder has added every queued document; then hands over
// its first error, if any (once).
static wy_code drain(idx_xdb *db, struct wy_err *err)
{
    if (!db->started)
        return WY_OK;
    std::unique_lock<std::mutex> lk(db->mu);
    handoff(db, lk);
    db->cv.wait(lk, [db] { return db->queue.empty() && !db->busy; });
    if (!db->failed)
        return WY_OK;
    db->failed = false;
    forget_fids(db); // some entries may be lost with the batch
    wy_err_move(err, &db->aerr);
    return err->code;
}

static void stop_adder(idx_xdb *db) noexcept
{
    if (!db->started)
        return;
    {
        std::lock_guard<std::mutex> lk(db->mu);
        db->stop = true;
    }
    db->cv.notify_all();
    db->adder.join();
    db->started = false;
    db->pending.clear();
    wy_err_release(&db->aerr);
}

// At most this many bytes (keys, values, counts) and entries per handle.
enum { IDX_X_CACHE_BYTES = 32 << 20, IDX_X_CACHE_MAX = 4096 };

struct idx_xdoc {
    Xapian::Document doc;
    Xapian::TermGenerator tg;
};

// A term cut to IDX_X_MAX_TERM bytes without splitting a UTF-8 sequence.
static std::string make_term(const char *prefix, const char *v, size_t n)
{
    std::string t(prefix ? prefix : "");
    // the QueryParser's convention: a multi-character prefix is followed
    // by ':' when the value starts with a capital letter or a colon
    if (t.size() > 1 && t.back() != ':' && n > 0 &&
        ((v[0] >= 'A' && v[0] <= 'Z') || v[0] == ':'))
        t += ':';
    size_t room = IDX_X_MAX_TERM > t.size() ? IDX_X_MAX_TERM - t.size() : 0;
    if (n > room) {
        n = room;
        while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80)
            n--;
    }
    t.append(v, n);
    return t;
}

// Xapian 1.4's CJK::codepoint_is_cjk (common/cjk-tokenizer.cc): the
// characters its n-gram mode (and its parser bug) applies to.
static bool xapian_cjk(uint32_t p)
{
    static const uint32_t r[][2] = {{0x2E80, 0x2FDF},   {0x2FF0, 0x4DBF},
                                    {0x4DC0, 0x9FFF},   {0xA700, 0xA71F},
                                    {0xAC00, 0xD7AF},   {0xF900, 0xFAFF},
                                    {0xFE30, 0xFE4F},   {0xFF00, 0xFFEF},
                                    {0x20000, 0x2A6DF}, {0x2F800, 0x2FA1F}};
    for (const auto &x : r)
        if (p >= x[0] && p <= x[1])
            return true;
    return false;
}

// A copy of s with a space on each side of every CJK character, so that
// each is a word (a unigram with its own position) for the term generator.
static std::string spread_cjk(const char *s, size_t n)
{
    std::string out;
    out.reserve(n + n / 2);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint32_t cp = cjk_utf8_next(s, n, &j);
        bool c = xapian_cjk(cp) || cjk_is_han(cp);
        if (c)
            out += ' ';
        out.append(s + i, j - i);
        if (c)
            out += ' ';
        i = j;
    }
    return out;
}

extern "C" wy_code idx_xdb_open(struct idx_xdb **out, const char *path,
                                enum idx_xdb_mode mode, struct wy_err *err)
{
    *out = nullptr;
    idx_xdb *db = nullptr;
    try {
        db = new idx_xdb;
        db->path = path ? path : "";
        switch (mode) {
        case IDX_XDB_READ:
            db->r = Xapian::Database(db->path);
            break;
        case IDX_XDB_WRITE:
            db->w =
                Xapian::WritableDatabase(db->path, Xapian::DB_CREATE_OR_OPEN);
            db->writable = true;
            break;
        case IDX_XDB_OVERWRITE:
            // a new index is useless until complete: no fsync per commit,
            // every file is synced once when it is closed
            db->w = Xapian::WritableDatabase(
                db->path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
            db->writable = true;
            db->nosync = true;
            break;
        case IDX_XDB_MEMORY:
            db->w = Xapian::WritableDatabase(std::string(),
                                             Xapian::DB_BACKEND_INMEMORY);
            db->writable = true;
            break;
        }
        *out = db;
        return WY_OK;
    } catch (...) {
        fail(err, "opening");
        try {
            delete db;
        } catch (...) {
        }
        return wy_err_prefix(err, "index '%s'", path ? path : "");
    }
}

// fsyncs every file of the database directory, then the directory.
static wy_code sync_dir(const std::string &path, struct wy_err *err)
{
    DIR *d = opendir(path.c_str());
    if (!d)
        return wy_err_set(err, WY_EIO, "cannot open '%s': %s", path.c_str(),
                          strerror(errno));
    wy_code rc = WY_OK;
    struct dirent *e;
    while (rc == WY_OK && (e = readdir(d)) != nullptr) {
        if (e->d_name[0] == '.')
            continue;
        std::string f = path + "/" + e->d_name;
        int fd = open(f.c_str(), O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            rc = wy_err_set(err, WY_EIO, "cannot sync '%s': %s", f.c_str(),
                            strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY);
    if (rc == WY_OK && (fd < 0 || fsync(fd) != 0))
        rc = wy_err_set(err, WY_EIO, "cannot sync '%s': %s", path.c_str(),
                        strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

extern "C" wy_code idx_xdb_close(struct idx_xdb *db, struct wy_err *err)
{
    if (!db)
        return WY_OK;
    wy_code rc = drain(db, err);
    stop_adder(db);
    try {
        if (db->writable) {
            if (db->in_txn)
                db->w.cancel_transaction();
            else
                write_fids(db, db->fid_new);
            db->in_txn = false;
            db->w.commit();
            db->w.close();
            if (db->nosync)
                rc = sync_dir(db->path, err);
        } else {
            db->r.close();
        }
    } catch (...) {
        rc = fail(err, "closing the index");
    }
    try {
        delete db; // a WritableDatabase destructor may commit: inside try
    } catch (...) {
        if (rc == WY_OK)
            rc = fail(err, "closing the index");
    }
    return rc;
}

extern "C" wy_code idx_xdb_reopen(struct idx_xdb *db, int *changed,
                                  struct wy_err *err)
{
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        bool c = db->writable ? false : db->r.reopen();
        if (changed)
            *changed = c;
        return WY_OK;
    } catch (...) {
        return fail(err, "reopening the index");
    }
}

static wy_code need_writable(struct idx_xdb *db, const char *op,
                             struct wy_err *err)
{
    if (db->writable)
        return drain(db, err);
    return wy_err_set(err, WY_ESTATE, "%s: index '%s' is open read-only", op,
                      db->path.c_str());
}

extern "C" wy_code idx_xdb_begin(struct idx_xdb *db, struct wy_err *err)
{
    if (need_writable(db, "beginning a transaction", err) != WY_OK)
        return err->code;
    if (db->in_txn)
        return wy_err_set(err, WY_ESTATE,
                          "beginning a transaction: one is already open");
    try {
        db->w.begin_transaction(true);
        db->in_txn = true;
        return WY_OK;
    } catch (...) {
        return fail(err, "beginning a transaction");
    }
}

extern "C" wy_code idx_xdb_commit(struct idx_xdb *db, struct wy_err *err)
{
    if (!db->in_txn)
        return wy_err_set(err, WY_ESTATE,
                          "committing a transaction: none is open");
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        write_fids(db, db->fid_new);
        db->in_txn = false;
        db->w.commit_transaction();
        return WY_OK;
    } catch (...) {
        return fail(err, "committing a transaction");
    }
}

extern "C" wy_code idx_xdb_cancel(struct idx_xdb *db, struct wy_err *err)
{
    struct wy_err ignore = WY_ERR_INIT;
    drain(db, &ignore); // the adder's error is the one being cancelled
    wy_err_release(&ignore);
    forget_fids(db);
    if (!db->in_txn)
        return WY_OK;
    try {
        db->in_txn = false;
        db->w.cancel_transaction();
        return WY_OK;
    } catch (...) {
        return fail(err, "cancelling a transaction");
    }
}

extern "C" wy_code idx_xdb_flush(struct idx_xdb *db, struct wy_err *err)
{
    if (need_writable(db, "committing", err) != WY_OK)
        return err->code;
    try {
        write_fids(db, db->fid_new);
        if (!db->in_txn)
            db->w.commit();
        return WY_OK;
    } catch (...) {
        return fail(err, "committing the index");
    }
}

extern "C" wy_code idx_xdb_doccount(struct idx_xdb *db, uint64_t *out,
                                    struct wy_err *err)
{
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        *out = db->db().get_doccount();
        return WY_OK;
    } catch (...) {
        return fail(err, "counting documents");
    }
}

extern "C" wy_code idx_xdb_get_meta(struct idx_xdb *db, const char *key,
                                    char **out, struct wy_err *err)
{
    *out = nullptr;
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        std::string v = db->db().get_metadata(key);
        char *p = static_cast<char *>(malloc(v.size() + 1));
        if (!p)
            throw std::bad_alloc();
        memcpy(p, v.data(), v.size());
        p[v.size()] = '\0';
        *out = p;
        return WY_OK;
    } catch (...) {
        fail(err, "reading index metadata");
        return wy_err_prefix(err, "key '%s'", key);
    }
}

extern "C" wy_code idx_xdb_set_meta(struct idx_xdb *db, const char *key,
                                    const char *value, struct wy_err *err)
{
    if (need_writable(db, "setting metadata", err) != WY_OK)
        return err->code;
    try {
        db->w.set_metadata(key, value);
        return WY_OK;
    } catch (...) {
        fail(err, "writing index metadata");
        return wy_err_prefix(err, "key '%s'", key);
    }
}

static void load_fids(idx_xdb *db)
{
    db->fid_of.clear();
    db->fid_new.clear();
    db->fid_next = 1;
    Xapian::Database &d = db->db();
    // by number, not metadata_keys_begin(): the in-memory backend lacks it
    unsigned long next = strtoul(d.get_metadata(IDX_X_FID_NEXT).c_str(),
                                 nullptr, 10);
    if (next >= UINT32_MAX)
        throw std::runtime_error("bad " IDX_X_FID_NEXT);
    for (uint32_t id = 1; id < next; id++) {
        std::string v = d.get_metadata(IDX_X_FID_PREFIX + std::to_string(id));
        size_t colon = v.find(':');
        if (colon == std::string::npos)
            continue;
        std::string key = v.substr(0, colon);
        key += '\0';
        key.append(v, colon + 1, std::string::npos);
        db->fid_of[key] = id;
    }
    db->fid_next = next ? static_cast<uint32_t>(next) : 1;
    db->fid_loaded = true;
}

extern "C" wy_code idx_xdb_facet_id(struct idx_xdb *db, unsigned facet,
                                    const char *v, size_t n, uint32_t *id,
                                    struct wy_err *err)
{
    *id = 0;
    if (!db->writable)
        return need_writable(db, "numbering a facet value", err);
    try {
        if (!db->fid_loaded) {
            // the adder may be writing: read the metadata when it is idle
            if (drain(db, err) != WY_OK)
                return err->code;
            load_fids(db);
        }
        std::string key = std::to_string(facet);
        key += '\0';
        key.append(v, n);
        auto it = db->fid_of.find(key);
        if (it != db->fid_of.end()) {
            *id = it->second;
            return WY_OK;
        }
        if (db->fid_next == UINT32_MAX)
            return wy_err_set(err, WY_EINDEX,
                              "numbering a facet value: too many values");
        uint32_t nid = db->fid_next++;
        std::string val = std::to_string(facet) + ":";
        val.append(v, n);
        db->fid_new.emplace_back(nid, std::move(val));
        db->fid_of.emplace(std::move(key), nid);
        *id = nid;
        return WY_OK;
    } catch (...) {
        forget_fids(db);
        return fail(err, "numbering a facet value");
    }
}

// The facet (-1: unknown id) and value of dictionary id `id`, looked up in
// the handle's snapshot the first time.
static int fid_name(idx_xdb *db, uint32_t id, const std::string **value)
{
    if (id >= db->name_facet.size()) {
        db->name_facet.resize(id + 1024, -2);
        db->name_value.resize(id + 1024);
    }
    if (db->name_facet[id] == -2) {
        std::string v =
            db->db().get_metadata(IDX_X_FID_PREFIX + std::to_string(id));
        size_t colon = v.find(':');
        if (colon == std::string::npos || colon == 0) {
            return -1; // not in this snapshot: looked up again next time
        }
        db->name_facet[id] = atoi(v.c_str());
        db->name_value[id] = v.substr(colon + 1);
    }
    *value = &db->name_value[id];
    return db->name_facet[id];
}

extern "C" wy_code idx_xdoc_new(struct idx_xdoc **out, struct wy_err *err)
{
    *out = nullptr;
    try {
        std::unique_ptr<idx_xdoc> d(new idx_xdoc);
        d->tg.set_stemmer(Xapian::Stem("english"));
        // Every word is indexed stemmed only (STEM_ALL: one term per word,
        // not an exact and a stemmed one), and every CJK character is a
        // word of its own (see spread_cjk): queries search runs of them as
        // phrases, so Xapian's bigrams would never be used.
        d->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        d->tg.set_document(d->doc);
        *out = d.release();
        return WY_OK;
    } catch (...) {
        return fail(err, "creating a document");
    }
}

extern "C" void idx_xdoc_free(struct idx_xdoc *d)
{
    try {
        delete d;
    } catch (...) {
    }
}

extern "C" wy_code idx_xdoc_clear(struct idx_xdoc *d, struct wy_err *err)
{
    try {
        d->doc = Xapian::Document();
        d->tg.set_document(d->doc);
        return WY_OK;
    } catch (...) {
        return fail(err, "clearing a document");
    }
}

extern "C" wy_code idx_xdoc_text(struct idx_xdoc *d, const char *prefix,
                                 const char *s, size_t n, unsigned wdf_inc,
                                 struct wy_err *err)
{
    try {
        std::string t = spread_cjk(s, n);
        d->tg.index_text(t, wdf_inc ? wdf_inc : 1, prefix ? prefix : "");
        return WY_OK;
    } catch (...) {
        return fail(err, "indexing text");
    }
}

extern "C" void idx_xdoc_gap(struct idx_xdoc *d)
{
    try {
        d->tg.increase_termpos(100);
    } catch (...) {
    }
}

extern "C" wy_code idx_xdoc_term(struct idx_xdoc *d, const char *prefix,
                                 const char *value, size_t n,
                                 struct wy_err *err)
{
    try {
        d->doc.add_boolean_term(make_term(prefix, value, n));
        return WY_OK;
    } catch (...) {
        return fail(err, "adding a term");
    }
}

extern "C" wy_code idx_xdoc_value(struct idx_xdoc *d, unsigned slot,
                                  const char *v, size_t n, struct wy_err *err)
{
    try {
        d->doc.add_value(slot, std::string(v, n));
        return WY_OK;
    } catch (...) {
        return fail(err, "setting a value");
    }
}

extern "C" wy_code idx_xdoc_data(struct idx_xdoc *d, const char *p, size_t n,
                                 struct wy_err *err)
{
    try {
        d->doc.set_data(std::string(p, n));
        return WY_OK;
    } catch (...) {
        return fail(err, "setting document data");
    }
}

extern "C" wy_code idx_xdb_replace(struct idx_xdb *db, const char *idterm,
                                   struct idx_xdoc *d, struct wy_err *err)
{
    if (need_writable(db, "adding a document", err) != WY_OK)
        return err->code;
    try {
        std::string t = make_term("", idterm, strlen(idterm));
        d->doc.add_boolean_term(t);
        write_fids(db, db->fid_new);
        db->w.replace_document(t, d->doc);
        return WY_OK;
    } catch (...) {
        fail(err, "adding a document");
        return wy_err_prefix(err, "'%s'", idterm);
    }
}

extern "C" wy_code idx_xdb_add(struct idx_xdb *db, const char *idterm,
                               struct idx_xdoc *d, struct wy_err *err)
{
    if (need_writable(db, "adding a document", err) != WY_OK)
        return err->code;
    try {
        d->doc.add_boolean_term(make_term("", idterm, strlen(idterm)));
        write_fids(db, db->fid_new);
        db->w.add_document(d->doc);
        return WY_OK;
    } catch (...) {
        fail(err, "adding a document");
        return wy_err_prefix(err, "'%s'", idterm);
    }
}

extern "C" wy_code idx_xdb_add_async(struct idx_xdb *db, const char *idterm,
                                     struct idx_xdoc *d, struct wy_err *err)
{
    if (!db->writable)
        return need_writable(db, "adding a document", err);
    try {
        if (!db->started) {
            db->stop = db->failed = db->waiting = db->busy = false;
            db->adder = std::thread(adder_main, db);
            db->started = true;
        }
        d->doc.add_boolean_term(make_term("", idterm, strlen(idterm)));
        // the adder must hold the only reference to the document (Xapian's
        // reference counts are not atomic): the term generator's and
        // d's are dropped before it is handed over
        db->pending.push_back(d->doc);
        d->doc = Xapian::Document();
        d->tg.set_document(d->doc);
        if (db->pending.size() >= IDX_X_HANDOFF) {
            std::unique_lock<std::mutex> lk(db->mu);
            handoff(db, lk);
            if (db->failed) {
                lk.unlock();
                return drain(db, err);
            }
        }
        return WY_OK;
    } catch (...) {
        fail(err, "adding a document");
        return wy_err_prefix(err, "'%s'", idterm);
    }
}

extern "C" wy_code idx_xdb_delete(struct idx_xdb *db, const char *idterm,
                                  struct wy_err *err)
{
    if (need_writable(db, "deleting a document", err) != WY_OK)
        return err->code;
    try {
        db->w.delete_document(make_term("", idterm, strlen(idterm)));
        return WY_OK;
    } catch (...) {
        fail(err, "deleting a document");
        return wy_err_prefix(err, "'%s'", idterm);
    }
}

extern "C" wy_code idx_xdb_set_value(struct idx_xdb *db, const char *idterm,
                                     unsigned slot, const char *v, size_t n,
                                     int *changed, struct wy_err *err)
{
    if (changed)
        *changed = 0;
    if (need_writable(db, "setting a value", err) != WY_OK ||
        drain(db, err) != WY_OK)
        return err->code;
    try {
        std::string t = make_term("", idterm, strlen(idterm));
        Xapian::PostingIterator p = db->w.postlist_begin(t);
        if (p == db->w.postlist_end(t))
            return WY_OK;
        Xapian::docid did = *p;
        Xapian::Document doc = db->w.get_document(did);
        std::string want(v ? v : "", n);
        if (doc.get_value(static_cast<Xapian::valueno>(slot)) == want)
            return WY_OK;
        if (n)
            doc.add_value(static_cast<Xapian::valueno>(slot), want);
        else
            doc.remove_value(static_cast<Xapian::valueno>(slot));
        db->w.replace_document(did, doc);
        if (changed)
            *changed = 1;
        return WY_OK;
    } catch (...) {
        fail(err, "setting a value");
        return wy_err_prefix(err, "'%s'", idterm);
    }
}

extern "C" wy_code idx_xdb_has_term(struct idx_xdb *db, const char *idterm,
                                    int *out, struct wy_err *err)
{
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        *out = db->db().term_exists(make_term("", idterm, strlen(idterm)));
        return WY_OK;
    } catch (...) {
        return fail(err, "looking up a term");
    }
}

extern "C" size_t idx_x_sortable(double v, char out[18])
{
    try {
        std::string s = Xapian::sortable_serialise(v);
        size_t n = std::min<size_t>(s.size(), 18);
        memcpy(out, s.data(), n);
        return n;
    } catch (...) {
        return 0; // cannot happen: at most 18 bytes, a short string
    }
}

// ---- queries ------------------------------------------------------------

// Counts every value of the given slots once per matching document; a slot
// may hold several values separated by IDX_X_MULTI_SEP. Exact when every
// match is visited (checkatleast = doccount).
class FacetSpy : public Xapian::MatchSpy
{
  public:
    std::vector<Xapian::valueno> slots;
    int packed; // >= 0: every facet is in this one slot (IDX_X_FACET_SEP)
    bool ids = false; // packed holds varint dictionary ids instead
    uint32_t id_limit = 0; // ids: the dictionary's next id (larger: ignored)
    // ids: a count per id, and the ids counted (in first-seen order)
    std::vector<uint32_t> idcount, touched;
    // One open-addressing hash table per facet: values are looked up
    // without making a string or a node; each new value's bytes go once into
    // `pool`. A broad query looks up 8 facets in each of ~20,000 matches.
    struct Counts {
        struct Entry {
            uint64_t hash, count;
            size_t off, len;
        };
        std::vector<Entry> entries;
        std::vector<uint32_t> table; // index into entries + 1; 0: empty
        std::string pool;
        Counts() : table(64, 0)
        {
        }
        static uint64_t hash_of(const char *p, size_t n)
        {
            uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
            while (n >= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                h = (h ^ w) * 0xff51afd7ed558ccdull;
                h ^= h >> 32;
                p += 8;
                n -= 8;
            }
            uint64_t w = 0;
            memcpy(&w, p, n);
            h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
            h ^= h >> 29;
            return h;
        }
        void grow()
        {
            std::vector<uint32_t> t(table.size() * 2, 0);
            size_t mask = t.size() - 1;
            for (size_t i = 0; i < entries.size(); i++) {
                size_t j = entries[i].hash & mask;
                while (t[j])
                    j = (j + 1) & mask;
                t[j] = static_cast<uint32_t>(i + 1);
            }
            table.swap(t);
        }
        void add(const char *p, size_t n, uint64_t k = 1)
        {
            uint64_t h = hash_of(p, n);
            size_t mask = table.size() - 1;
            for (size_t j = h & mask;; j = (j + 1) & mask) {
                uint32_t e = table[j];
                if (!e) {
                    entries.push_back({h, k, pool.size(), n});
                    pool.append(p, n);
                    table[j] = static_cast<uint32_t>(entries.size());
                    if (entries.size() * 2 > table.size())
                        grow();
                    return;
                }
                Entry &x = entries[e - 1];
                if (x.hash == h && x.len == n &&
                    memcmp(pool.data() + x.off, p, n) == 0) {
                    x.count += k;
                    return;
                }
            }
        }
    };
    // A match adds each facet's whole part of the value (all its values,
    // "上海图书馆\x1f国家图书馆") to `segs` once: one lookup per facet
    // instead of one per value, as the same parts recur from match to
    // match. finish() then splits each distinct part into `counts`.
    std::vector<Counts> segs, counts;
    uint64_t docs = 0; // documents seen: every match, before collapsing
    // The packed slot's value stream, read forward: the matcher hands
    // matches over in ascending docid order, and skip_to() moves on from
    // where the last one was found, where Document::get_value() looks the
    // docid up anew for every match. Read-only databases only (NULL:
    // get_value()).
    Xapian::Database *vdb = nullptr;
    Xapian::ValueIterator vit;
    Xapian::docid vlast = 0;
    bool vstarted = false;

    FacetSpy(std::vector<Xapian::valueno> s, int packed_slot, size_t n,
             Xapian::Database *stream_db)
        : slots(std::move(s)), packed(packed_slot), segs(n), counts(n),
          vdb(stream_db)
    {
    }

    // Counts the values of each distinct part (separated by
    // IDX_X_MULTI_SEP), each once per document.
    void finish()
    {
        std::vector<std::string_view> seen;
        for (size_t f = 0; f < segs.size(); f++) {
            const Counts &sg = segs[f];
            for (const auto &e : sg.entries) {
                const char *p = sg.pool.data() + e.off, *end = p + e.len;
                seen.clear();
                while (p <= end) {
                    const char *q = static_cast<const char *>(memchr(
                        p, IDX_X_MULTI_SEP, static_cast<size_t>(end - p)));
                    if (!q)
                        q = end;
                    std::string_view v(p, static_cast<size_t>(q - p));
                    if (!v.empty() &&
                        std::find(seen.begin(), seen.end(), v) == seen.end()) {
                        counts[f].add(v.data(), v.size(), e.count);
                        seen.push_back(v);
                    }
                    p = q + 1;
                }
            }
        }
    }

    std::string packed_value(const Xapian::Document &doc)
    {
        Xapian::valueno slot = static_cast<Xapian::valueno>(packed);
        if (!vdb)
            return doc.get_value(slot);
        Xapian::docid did = doc.get_docid();
        if (!vstarted || did < vlast) { // never seen: the order is kept
            vit = vdb->valuestream_begin(slot);
            vstarted = true;
        }
        vlast = did;
        if (vit == vdb->valuestream_end(slot))
            return std::string();
        vit.skip_to(did);
        if (vit == vdb->valuestream_end(slot) || vit.get_docid() != did)
            return std::string();
        return *vit;
    }

    void count(size_t f, const char *p, size_t n)
    {
        if (n)
            segs[f].add(p, n);
    }
    void operator()(const Xapian::Document &doc, double) override
    {
        docs++;
        if (ids) {
            std::string v = packed_value(doc);
            const unsigned char *p =
                reinterpret_cast<const unsigned char *>(v.data());
            const unsigned char *end = p + v.size();
            while (p < end) {
                uint32_t id = 0;
                unsigned shift = 0;
                while (p < end && (*p & 0x80) && shift < 28) {
                    id |= static_cast<uint32_t>(*p++ & 0x7f) << shift;
                    shift += 7;
                }
                if (p == end)
                    break; // truncated: never written so
                id |= static_cast<uint32_t>(*p++) << shift;
                if (id >= id_limit)
                    continue; // not in the dictionary: a damaged value
                if (id >= idcount.size())
                    idcount.resize(std::max<size_t>(id + 1,
                                                    idcount.size() * 2), 0);
                if (!idcount[id]++)
                    touched.push_back(id);
            }
            return;
        }
        if (packed >= 0) {
            // one value read per document: glass caches one value stream
            // at a time, so reading eight slots per match costs eight seeks
            std::string v = packed_value(doc);
            const char *p = v.data(), *end = p + v.size();
            for (size_t f = 0; f < segs.size() && p <= end; f++) {
                const char *q = static_cast<const char *>(
                    memchr(p, IDX_X_FACET_SEP, static_cast<size_t>(end - p)));
                if (!q)
                    q = end;
                count(f, p, static_cast<size_t>(q - p));
                p = q + 1;
            }
            return;
        }
        for (size_t i = 0; i < slots.size(); i++) {
            std::string v = doc.get_value(slots[i]);
            count(i, v.data(), v.size());
        }
    }
    std::string name() const override
    {
        return "Wenyuan::FacetSpy";
    }
};

struct idx_xresults {
    uint64_t est = 0, lower = 0, upper = 0, uncollapsed = 0;
    std::vector<std::string> data, snippets;
    std::vector<double> weights;
    std::vector<uint64_t> collapsed;
    std::vector<std::vector<std::pair<unsigned, std::string>>> values;
    std::vector<std::vector<std::pair<std::string, uint64_t>>> facets;
    std::string desc;
    bool have_snippets = false;
};

static bool is_han_at(const std::string &s, size_t i, size_t *len)
{
    size_t j = i;
    uint32_t cp = cjk_utf8_next(s.data(), s.size(), &j);
    *len = j - i;
    return xapian_cjk(cp) || cjk_is_han(cp);
}

// Wraps each run of CJK characters outside quotes in quotes, so it is
// searched as a phrase (its characters adjacent, as users of Chinese
// catalogues expect and as Zebra's ICU chain does). This also keeps clear
// of 1.4.22's parse error on `abc 红楼 def` (fixed upstream in 1.4.25),
// whose error path leaks memory inside Xapian.
static size_t quote_len(const std::string &s, size_t i)
{
    if (s[i] == '"')
        return 1;
    if (s.compare(i, 3, "\xe2\x80\x9c") == 0 ||
        s.compare(i, 3, "\xe2\x80\x9d") == 0)
        return 3;
    return 0;
}

static std::string quote_cjk(const std::string &s)
{
    std::string out;
    bool inq = false, inrun = false;
    for (size_t i = 0; i < s.size();) {
        size_t len = 1, ql = quote_len(s, i);
        bool han = !ql && is_han_at(s, i, &len);
        if (inrun && !han) {
            out += '"';
            inrun = false;
            if (s[i] != ' ' && s[i] != ')')
                out += ' ';
        }
        if (ql) {
            // The user's quotes: a phrase opens only at a word boundary and
            // only if it also closes; any other quote (glued to a word, as
            // in `type:T"`, which the parser takes as part of the value, or
            // unbalanced) becomes a space, so our idea of what is quoted is
            // the parser's.
            bool boundary = i == 0 || strchr(" \t([{+-:", s[i - 1]) != nullptr;
            bool closes = false;
            for (size_t j = i + ql; j < s.size() && !closes; j++)
                closes = quote_len(s, j) != 0;
            if (inq || (boundary && closes)) {
                inq = !inq;
                out.append(s, i, ql);
            } else {
                out += ' ';
            }
            i += ql;
            continue;
        }
        if (han && !inq && !inrun) {
            size_t end = i, l2;
            while (end < s.size() && is_han_at(s, end, &l2))
                end += l2;
            if (end < s.size() && s[end] == ':') {
                out.append(s, i, end - i); // a field name (题名:)
                i = end;
                continue;
            }
            out += '"';
            inrun = true;
        }
        if (!han)
            len = 1;
        out.append(s, i, len);
        i += len;
    }
    if (inrun)
        out += '"';
    return out;
}

static void setup_parser(Xapian::QueryParser &qp, Xapian::Database &db,
                         const struct idx_xquery *q, bool free_as_plain)
{
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(q->default_and ? Xapian::Query::OP_AND
                                     : Xapian::Query::OP_OR);
    for (size_t i = 0; i < q->nfields; i++) {
        const struct idx_xfield &f = q->fields[i];
        if (f.boolean)
            qp.add_boolean_prefix(f.name, f.prefix);
        else if (!free_as_plain)
            qp.add_prefix(f.name, f.prefix);
        else if (*f.name)
            qp.add_prefix(f.name, "");
    }
}

static Xapian::Query parse(Xapian::QueryParser &qp, const std::string &text,
                           unsigned flags)
{
    // a new match-all query each time: the global Query::MatchAll is one
    // object whose reference count is not atomic, so copying it from the
    // service's threads at once corrupts it (test browsing_from_two_threads)
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return Xapian::Query(std::string());
    std::string quoted = quote_cjk(text);
    try {
        return qp.parse_query(quoted, flags);
    } catch (const Xapian::QueryParserError &) {
        // fall back to plain words and phrases
    }
    return qp.parse_query(quoted, flags & (IDX_QP_CJK_NGRAM | IDX_QP_PHRASE));
}

static Xapian::Query build_query(Xapian::Database &db,
                                 const struct idx_xquery *q, Xapian::Query *hl)
{
    Xapian::QueryParser qp;
    setup_parser(qp, db, q, false);
    std::string text = q->text ? q->text : "";
    Xapian::Query main = parse(qp, text, q->flags);
    if (hl) {
        // snippets highlight only unprefixed terms, so the highlighting
        // query is the same text with every free-text field unprefixed
        Xapian::QueryParser hp;
        setup_parser(hp, db, q, true);
        *hl = parse(hp, text, q->flags);
    }
    std::map<std::string, std::vector<Xapian::Query>> groups;
    for (size_t i = 0; i < q->nfilters; i++) {
        const char *v = q->filters[i].value ? q->filters[i].value : "";
        groups[q->filters[i].prefix ? q->filters[i].prefix : ""].push_back(
            Xapian::Query(make_term(q->filters[i].prefix, v, strlen(v))));
    }
    std::vector<Xapian::Query> filt;
    for (auto &g : groups)
        filt.push_back(Xapian::Query(Xapian::Query::OP_OR, g.second.begin(),
                                     g.second.end()));
    for (size_t i = 0; i < q->nranges; i++) {
        const struct idx_xrange &r = q->ranges[i];
        std::string lo = r.lo ? std::string(r.lo, r.lolen) : std::string();
        std::string hi = r.hi ? std::string(r.hi, r.hilen) : std::string();
        if (r.lo && r.hi)
            filt.push_back(
                Xapian::Query(Xapian::Query::OP_VALUE_RANGE, r.slot, lo, hi));
        else if (r.lo)
            filt.push_back(
                Xapian::Query(Xapian::Query::OP_VALUE_GE, r.slot, lo));
        else if (r.hi)
            filt.push_back(
                Xapian::Query(Xapian::Query::OP_VALUE_LE, r.slot, hi));
    }
    if (filt.empty())
        return main;
    Xapian::Query f(Xapian::Query::OP_AND, filt.begin(), filt.end());
    return Xapian::Query(Xapian::Query::OP_FILTER, main, f);
}

static bool spying_needed(const struct idx_xquery *q, const void *hit)
{
    return (q->nfacets || (q->collapse && q->exact_total)) && !hit;
}

static void run_once(idx_xdb *db, const struct idx_xquery *q, idx_xresults &res)
{
    Xapian::Database &d = db->db();
    bool want_snip = q->snippet_slot >= 0;
    Xapian::Query hlq;
    Xapian::Query query = build_query(d, q, want_snip ? &hlq : nullptr);
    res.desc = query.get_description();

    Xapian::Enquire enq(d);
    enq.set_query(query);
    if (q->sort_slot >= 0)
        enq.set_sort_by_value_then_relevance(
            static_cast<Xapian::valueno>(q->sort_slot), q->sort_reverse != 0);
    if (q->collapse)
        enq.set_collapse_key(static_cast<Xapian::valueno>(q->collapse_slot));
    std::vector<Xapian::valueno> slots;
    int packed = -1;
    if (q->nfacets && q->facets_packed)
        packed = static_cast<int>(q->facet_slots[0]);
    else
        slots.assign(q->facet_slots, q->facet_slots + q->nfacets);

    // the facet cache (read-only handles: a writer sees its own
    // uncommitted changes, which have no revision)
    const idx_xdb::Cached *hit = nullptr;
    std::string key;
    if (q->nfacets && !db->writable) {
        Xapian::rev rev = d.get_revision();
        if (rev != db->cache_rev) {
            db->cache.clear();
            db->cache_order.clear();
            db->cache_bytes = 0;
            db->cache_rev = rev;
        }
        key = res.desc;
        key += '\0';
        key += q->facets_packed == 2 ? 'i' : packed >= 0 ? 'p' : 's';
        if (q->collapse)
            key += "c" + std::to_string(q->collapse_slot);
        key += std::to_string(q->nfacets);
        for (size_t i = 0; i < (packed >= 0 ? 1 : q->nfacets); i++)
            key += "," + std::to_string(q->facet_slots[i]);
        auto it = db->cache.find(key);
        if (it != db->cache.end())
            hit = &it->second;
    }

    FacetSpy spy(slots, packed, hit ? 0 : q->nfacets,
                 db->writable ? nullptr : &d);
    spy.ids = q->facets_packed == 2;
    if (spy.ids && spying_needed(q, hit))
        spy.id_limit = static_cast<uint32_t>(std::min<unsigned long>(
            strtoul(d.get_metadata(IDX_X_FID_NEXT).c_str(), nullptr, 10),
            UINT32_MAX));
    // with collapsing, the spy also counts the matches before collapsing
    // (exact, unlike Xapian's uncollapsed estimate)
    bool spying = spying_needed(q, hit);
    if (spying)
        enq.add_matchspy(&spy);
    // a cached total spares visiting every match, except with collapsing:
    // each hit's count of collapsed records is exact only then (the
    // service's threads each have a cache, so whether a repeat hits one
    // varies from request to request)
    Xapian::doccount check = ((q->nfacets || q->exact_total) && !hit) ||
                                     (q->collapse && q->exact_total)
                                 ? d.get_doccount()
                                 : 0;
    Xapian::MSet m =
        enq.get_mset(static_cast<Xapian::doccount>(q->offset),
                     static_cast<Xapian::doccount>(q->pagesize), check);
    if (hit) {
        res.est = hit->est;
        res.lower = hit->lower;
        res.upper = hit->upper;
        res.uncollapsed = hit->uncollapsed;
        res.facets = hit->facets;
    } else {
        res.est = m.get_matches_estimated();
        res.lower = m.get_matches_lower_bound();
        res.upper = m.get_matches_upper_bound();
        // Every match visited (check == doccount): the collapsed lower
        // bound is the exact count, but 1.4 leaves the estimate and upper
        // bound loose when the page is short (a phrase query: 563 clusters
        // estimated as 600, upper bound 1677)
        if (q->collapse && check && check >= d.get_doccount())
            res.est = res.upper = res.lower;
        // Xapian 1.4's uncollapsed estimate is not exact even when every
        // match was visited; the spy saw each match once
        res.uncollapsed = !q->collapse ? res.est
                          : spying     ? spy.docs
                                       : m.get_uncollapsed_matches_estimated();
    }

    Xapian::MSet hm;
    if (want_snip) {
        Xapian::Enquire he(d);
        he.set_query(hlq);
        hm = he.get_mset(0, 0);
    }
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
        Xapian::Document doc = it.get_document();
        res.data.push_back(doc.get_data());
        res.weights.push_back(it.get_weight());
        res.collapsed.push_back(q->collapse ? it.get_collapse_count() : 0);
        std::vector<std::pair<unsigned, std::string>> vals;
        for (Xapian::ValueIterator v = doc.values_begin();
             v != doc.values_end(); ++v)
            vals.emplace_back(v.get_valueno(), *v);
        res.values.push_back(std::move(vals));
        if (want_snip) {
            std::string text =
                doc.get_value(static_cast<Xapian::valueno>(q->snippet_slot));
            std::string sn =
                hm.snippet(text, q->snippet_len ? q->snippet_len : 200,
                           Xapian::Stem("english"),
                           Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                               Xapian::MSet::SNIPPET_EXHAUSTIVE |
                               Xapian::MSet::SNIPPET_CJK_NGRAM,
                           q->hi_start ? q->hi_start : "<b>",
                           q->hi_end ? q->hi_end : "</b>", "...");
            // CJK n-grams are highlighted one character at a time: join
            // adjacent highlights ("<b>红</b><b>楼</b>" -> "<b>红楼</b>")
            std::string join = std::string(q->hi_end ? q->hi_end : "</b>") +
                               (q->hi_start ? q->hi_start : "<b>");
            for (size_t p; (p = sn.find(join)) != std::string::npos;)
                sn.erase(p, join.size());
            res.snippets.push_back(std::move(sn));
        }
    }
    res.have_snippets = want_snip;
    if (spy.ids && !hit) {
        // the counted ids to values: the value cache holds for one
        // database (a rebuilt one numbers its values anew)
        if (!db->writable) {
            std::string uuid = d.get_uuid();
            if (uuid != db->name_uuid) {
                db->name_facet.clear();
                db->name_value.clear();
                db->name_uuid = uuid;
            }
        }
        for (uint32_t id : spy.touched) {
            const std::string *v = nullptr;
            int f = fid_name(db, id, &v);
            if (f >= 0 && static_cast<size_t>(f) < spy.counts.size() &&
                !v->empty())
                spy.counts[static_cast<size_t>(f)].add(v->data(), v->size(),
                                                       spy.idcount[id]);
        }
    }
    spy.finish();
    for (auto &c : spy.counts) {
        std::vector<std::pair<std::string, uint64_t>> v;
        v.reserve(c.entries.size());
        for (const auto &e : c.entries)
            v.emplace_back(c.pool.substr(e.off, e.len), e.count);
        std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second
                                        : a.first < b.first;
        });
        res.facets.push_back(std::move(v));
    }
    if (q->nfacets && !hit && !db->writable) {
        size_t bytes = 2 * key.size() + 128;
        for (const auto &f : res.facets)
            for (const auto &e : f)
                bytes += e.first.size() + 48;
        while (!db->cache_order.empty() &&
               (db->cache_order.size() >= IDX_X_CACHE_MAX ||
                db->cache_bytes + bytes > IDX_X_CACHE_BYTES)) {
            auto old = db->cache.find(db->cache_order.front());
            db->cache_bytes -= old->second.bytes;
            db->cache.erase(old);
            db->cache_order.pop_front();
        }
        if (bytes <= IDX_X_CACHE_BYTES) {
            db->cache.emplace(key,
                              idx_xdb::Cached{res.est, res.lower, res.upper,
                                              res.uncollapsed, res.facets,
                                              bytes});
            db->cache_order.push_back(key);
            db->cache_bytes += bytes;
        }
    }
}

extern "C" wy_code idx_xquery_run(struct idx_xdb *db,
                                  const struct idx_xquery *q,
                                  struct idx_xresults **out, struct wy_err *err)
{
    *out = nullptr;
    if (drain(db, err) != WY_OK)
        return err->code;
    try {
        if (db->writable) // its own new facet values, to name them
            write_fids(db, db->fid_new);
        std::unique_ptr<idx_xresults> res(new idx_xresults);
        try {
            run_once(db, q, *res);
        } catch (const Xapian::DatabaseModifiedError &) {
            // a writer committed past our snapshot: reopen, retry once
            db->db().reopen();
            res.reset(new idx_xresults);
            run_once(db, q, *res);
        }
        *out = res.release();
        return WY_OK;
    } catch (const Xapian::QueryParserError &x) {
        return wy_err_set(err, WY_EINVAL, "query '%s': %s",
                          q->text ? q->text : "", x.get_msg().c_str());
    } catch (...) {
        fail(err, "searching");
        return wy_err_prefix(err, "query '%s'", q->text ? q->text : "");
    }
}

extern "C" void idx_xresults_free(struct idx_xresults *r)
{
    try {
        delete r;
    } catch (...) {
    }
}

extern "C" uint64_t idx_xresults_estimate(const struct idx_xresults *r)
{
    return r->est;
}
extern "C" uint64_t idx_xresults_lower(const struct idx_xresults *r)
{
    return r->lower;
}
extern "C" uint64_t idx_xresults_upper(const struct idx_xresults *r)
{
    return r->upper;
}
extern "C" uint64_t idx_xresults_uncollapsed(const struct idx_xresults *r)
{
    return r->uncollapsed;
}
extern "C" uint64_t idx_xresults_collapsed(const struct idx_xresults *r,
                                           size_t i)
{
    return i < r->collapsed.size() ? r->collapsed[i] : 0;
}
extern "C" size_t idx_xresults_count(const struct idx_xresults *r)
{
    return r->data.size();
}

extern "C" const char *idx_xresults_data(const struct idx_xresults *r, size_t i,
                                         size_t *len)
{
    if (i >= r->data.size())
        return nullptr;
    if (len)
        *len = r->data[i].size();
    return r->data[i].c_str();
}

extern "C" const char *idx_xresults_value(const struct idx_xresults *r,
                                          size_t i, unsigned slot, size_t *len)
{
    if (len)
        *len = 0;
    if (i >= r->values.size())
        return nullptr;
    for (const auto &v : r->values[i])
        if (v.first == slot) {
            if (len)
                *len = v.second.size();
            return v.second.c_str();
        }
    return nullptr;
}

extern "C" const char *idx_xresults_snippet(const struct idx_xresults *r,
                                            size_t i)
{
    if (!r->have_snippets || i >= r->snippets.size())
        return nullptr;
    return r->snippets[i].c_str();
}

extern "C" double idx_xresults_weight(const struct idx_xresults *r, size_t i)
{
    return i < r->weights.size() ? r->weights[i] : 0.0;
}

extern "C" const char *idx_xresults_query(const struct idx_xresults *r)
{
    return r->desc.c_str();
}

extern "C" size_t idx_xresults_nvalues(const struct idx_xresults *r, size_t f)
{
    return f < r->facets.size() ? r->facets[f].size() : 0;
}

extern "C" const char *idx_xresults_facet(const struct idx_xresults *r,
                                          size_t f, size_t k, size_t *len,
                                          uint64_t *count)
{
    if (f >= r->facets.size() || k >= r->facets[f].size())
        return nullptr;
    const auto &e = r->facets[f][k];
    if (len)
        *len = e.first.size();
    if (count)
        *count = e.second;
    return e.first.c_str();
}
