/* tests/test_ingest.c: ingest of folders, zip (GBK names) and tar.gz
   archives, BagIt bags and CSV sheets into a real home (OCFL store +
   catalog), new versions with deduplication, resume, dry runs, and every
   failure leaving the store and the catalog exactly as they were.
   Archives are made by other tools (python3 zipfile/tarfile, tar, coreutils)
   and the checksums compared with sha512sum's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "core/buf.h"
#include "core/log.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/ingest.h"
#include "repository/store.h"

struct fx {
    char *dir;
    char home[4096];
    struct wy_home *h;
    struct wy_log log;
    struct wy_buf lines;
};

static void hook(void *ctx, enum wy_level lv, const char *msg)
{
    (void)lv;
    wy_buf_adds(ctx, msg);
    wy_buf_addc(ctx, '\n');
}

static void sh(struct fx *f, const char *fmt, ...) WY_PRINTF(2, 3);
static void sh(struct fx *f, const char *fmt, ...)
{
    char script[16384], cmd[20000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(script, sizeof(script), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "cd '%s' && { %s\n}", f->dir, script);
    if (wy_test_run(cmd, NULL) != 0)
        fail_msg("failed: %s", script);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    if (home_init(f->home, &err) || home_open(&f->h, f->home, 0, &err))
        fail_msg("%s", wy_err_msg(&err));
    wy_log_init(&f->log, NULL, WY_LOG_DEBUG);
    wy_buf_init(&f->lines, 1u << 20);
    f->log.hook = hook;
    f->log.hook_ctx = &f->lines;
    /* an item folder: MODS from Harvard's catalogue (its recordIdentifier
       is 007139874), a TIFF header, a JPEG header, a Chinese file name */
    sh(f, "mkdir -p item/scans && cp '%s' item/mods.xml && "
          "printf 'II*\\000\\010\\000\\000\\000' > item/scans/0001.tif && "
          "printf '\\377\\330\\377\\340JFIF' > 'item/scans/第二页.jpg' && "
          "head -c 200000 /dev/urandom > item/scans/0003.tif",
       wy_fixture("records/harvard-spotlight/mods_sample.xml"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    home_close(f->h);
    wy_buf_release(&f->lines);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static wy_code run(struct fx *f, const char *path, struct ingest_opts *o,
                   struct ingest_stats *st, struct wy_err *err)
{
    struct ingest_opts def = {0};
    if (!o)
        o = &def;
    o->log = &f->log;
    char p[8192];
    snprintf(p, sizeof(p), "%s/%s", f->dir, path);
    const char *paths[] = {p};
    return ingest_run(f->h, paths, 1, o, st, err);
}

static void ok(struct fx *f, const char *path, struct ingest_opts *o,
               struct ingest_stats *st)
{
    struct wy_err err = WY_ERR_INIT;
    if (run(f, path, o, st, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
}

/* Everything the store holds (paths and digests) and the catalog's
   records, objects, files and change log, as one string. */
static char *snapshot(struct fx *f)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && find store -type f | LC_ALL=C sort | "
             "xargs -d '\\n' sha256sum && find store -type d | LC_ALL=C sort "
             "&& sqlite3 catalog.db 'SELECT * FROM records; SELECT * FROM "
             "objects; SELECT * FROM object_files; SELECT * FROM changes; "
             "SELECT * FROM record_sets'", f->home);
    char *out = NULL;
    assert_int_equal(wy_test_run(cmd, &out), 0);
    return out;
}

static void assert_unchanged(struct fx *f, const char *before)
{
    char *after = snapshot(f);
    assert_string_equal(after, before);
    free(after);
}

static void validate_store(struct fx *f)
{
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd), "%s -H '%s' validate 2>&1", wy_test_bin(),
             f->home);
    if (wy_test_run(cmd, &out) != 0)
        fail_msg("validate: %s", out);
    assert_non_null(strstr(out, "0 errors"));
    free(out);
}

static char *sha512_of(struct fx *f, const char *rel)
{
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd), "cd '%s' && sha512sum '%s' | cut -c1-128 | "
             "tr -d '\\n'", f->dir, rel);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    return out;
}

static void folder_then_versions_with_dedup(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    struct ingest_opts o = {.collection = "guji"};
    char *before = snapshot(f);
    /* a dry run checks and writes nothing */
    struct ingest_opts dry = {.dry_run = 1};
    ok(f, "item", &dry, &st);
    assert_int_equal(st.items, 1);
    assert_int_equal(st.files, 4);
    assert_unchanged(f, before);
    free(before);
    ok(f, "item", &o, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.files, 4);
    /* the identifier comes from the MODS record */
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL, "007139874",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    assert_string_equal(r->collection, "guji");
    assert_string_equal(r->orig_format, "mods");
    assert_non_null(strstr(r->desc_json, "Dudleian lecture"));
    struct cat_object obj;
    assert_int_equal(cat_object_get_by_record(f->h->cat, r->id, &obj, &err),
                     WY_OK);
    cat_record_free(r);
    assert_string_equal(obj.ocfl_id, "urn:wenyuan:007139874");
    assert_string_equal(obj.head, "v1");
    assert_int_equal(obj.files, 4);
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat, obj.ocfl_id, &files, &n,
                                      &err), WY_OK);
    assert_int_equal(n, 4);
    assert_string_equal(files[1].path, "scans/0001.tif");
    assert_string_equal(files[1].mime, "image/tiff");
    assert_string_equal(files[1].format_check, "ok");
    assert_string_equal(files[2].path, "scans/0003.tif");
    assert_string_equal(files[2].format_check, "not TIFF");
    assert_string_equal(files[3].path, "scans/第二页.jpg");
    assert_string_equal(files[3].format_check, "ok");
    char *want = sha512_of(f, "item/scans/0003.tif");
    assert_string_equal(files[2].sha512, want);
    free(want);
    cat_files_free(files, n);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "'scans/0003.tif': not TIFF"));
    /* the same again: nothing new */
    ok(f, "item", &o, &st);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(st.bytes_stored, 0);
    /* one file changed: v2 stores only that file */
    sh(f, "printf 'MM\\000*\\000\\000\\000\\010' > item/scans/0001.tif");
    ok(f, "item", &o, &st);
    assert_int_equal(st.versioned, 1);
    assert_int_equal(st.bytes_stored, 8);
    cat_object_release(&obj);
    assert_int_equal(cat_object_get(f->h->cat, "urn:wenyuan:007139874", &obj,
                                    &err), WY_OK);
    assert_string_equal(obj.head, "v2");
    cat_object_release(&obj);
    struct store *s = NULL;
    assert_int_equal(store_open(&s, f->h->store_path, &err), WY_OK);
    struct store_object_info info;
    assert_int_equal(store_object_info(s, "urn:wenyuan:007139874", 0, &info,
                                       &err), WY_OK);
    assert_int_equal(info.head, 2);
    assert_int_equal(info.nfiles, 4);
    /* the unchanged 200000-byte scan is stored once */
    assert_true(info.stored_bytes < 2 * 200000);
    store_object_info_release(&info);
    store_close(s);
    validate_store(f);
}

/* A zip whose entry names are GBK bytes without the UTF-8 flag, as made on
   Chinese Windows: python's zipfile writes a placeholder name that is then
   replaced by the GBK bytes of the same length. */
static void zip_with_gbk_names(void **state)
{
    struct fx *f = *state;
    sh(f, "python3 - <<'EOF'\n"
          "import zipfile\n"
          "names = ['古籍0001/卷一/第一页.txt', '古籍0001/卷一/第二页.txt']\n"
          "z = zipfile.ZipFile('gbk.zip', 'w', zipfile.ZIP_DEFLATED)\n"
          "subs = []\n"
          "for i, n in enumerate(names):\n"
          "    g = n.encode('gbk')\n"
          "    ph = ('P%%d' %% i).encode().ljust(len(g), b'x')\n"
          "    z.writestr(ph.decode(), 'page %%d\\n' %% i)\n"
          "    subs.append((ph, g))\n"
          "z.close()\n"
          "d = open('gbk.zip', 'rb').read()\n"
          "for ph, g in subs:\n"
          "    assert d.count(ph) == 2\n"
          "    d = d.replace(ph, g)\n"
          "open('gbk.zip', 'wb').write(d)\n"
          "for i in zipfile.ZipFile('gbk.zip').infolist():\n"
          "    assert not i.flag_bits & 0x800\n"
          "EOF");
    struct ingest_stats st;
    ok(f, "gbk.zip", NULL, &st);
    assert_int_equal(st.added, 1);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "entry names are not UTF-8; read them as GB18030"));
    struct wy_err err = WY_ERR_INIT;
    struct cat_file *files;
    size_t n;
    /* no metadata: the identifier is the archive's name, the common top
       folder is not part of the logical paths */
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:gbk", &files, &n,
                                      &err), WY_OK);
    assert_int_equal(n, 2);
    assert_string_equal(files[0].path, "卷一/第一页.txt");
    assert_string_equal(files[1].path, "卷一/第二页.txt");
    cat_files_free(files, n);
    /* named explicitly (libarchive's hdrcharset), under another id */
    struct ingest_opts o = {.filename_charset = "CP936", .id = "古籍-0001"};
    ok(f, "gbk.zip", &o, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(cat_object_files(f->h->cat,
                                      "urn:wenyuan:%E5%8F%A4%E7%B1%8D-0001",
                                      &files, &n, &err), WY_OK);
    assert_string_equal(files[1].path, "卷一/第二页.txt");
    cat_files_free(files, n);
    /* the CLI, with the process in its default locale */
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd), "%s -H '%s' ingest --id cli-1 "
             "--filename-charset CP936 '%s/gbk.zip' 2>&1", wy_test_bin(),
             f->home, f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "1 items: 1 new"));
    free(out);
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:cli-1", &files,
                                      &n, &err), WY_OK);
    assert_string_equal(files[0].path, "卷一/第一页.txt");
    cat_files_free(files, n);
    validate_store(f);
}

/* A folder copied from a GBK Windows share keeps GBK bytes in its names;
   a zipped bag is refused (a bag is verified from a folder). */
static void gbk_folder_and_zipped_bag(void **state)
{
    struct fx *f = *state;
    sh(f, "mkdir -p gf && printf 'p' > \"gf/$(printf '卷一.txt' | iconv -f "
          "UTF-8 -t GBK)\" && sh '%s' zb && cd zb && python3 -c \"import "
          "shutil; shutil.make_archive('../zb', 'zip', '.')\"",
       wy_srcpath("tests/fixtures/mkbag.sh"));
    struct ingest_stats st;
    ok(f, "gf", NULL, &st);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "file names are not UTF-8; read them as GB18030"));
    struct wy_err err = WY_ERR_INIT;
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:gf", &files, &n,
                                      &err), WY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(files[0].path, "卷一.txt");
    cat_files_free(files, n);
    assert_int_equal(run(f, "zb.zip", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "holds a BagIt bag: unpack it");
    wy_err_release(&err);
}

static void tar_gz_with_metadata(void **state)
{
    struct fx *f = *state;
    sh(f, "tar czf item.tar.gz item");
    struct ingest_stats st;
    ok(f, "item.tar.gz", NULL, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.files, 4);
    struct wy_err err = WY_ERR_INIT;
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:007139874",
                                      &files, &n, &err), WY_OK);
    assert_int_equal(n, 4);
    assert_string_equal(files[0].path, "mods.xml");
    assert_string_equal(files[3].path, "scans/第二页.jpg");
    char *want = sha512_of(f, "item/scans/0003.tif");
    assert_string_equal(files[2].sha512, want);
    free(want);
    cat_files_free(files, n);
    /* the same content as a folder is the same object, unchanged */
    ok(f, "item", NULL, &st);
    assert_int_equal(st.unchanged, 1);
    validate_store(f);
}

static void bags_valid_and_invalid(void **state)
{
    struct fx *f = *state;
    sh(f, "sh '%s' bag", wy_srcpath("tests/fixtures/mkbag.sh"));
    char *before = snapshot(f);
    /* a flipped byte: refused before anything is stored */
    sh(f, "cp -r bag bad && printf 'X' | dd of='bad/data/卷一/第一回.txt' "
          "bs=1 seek=2 conv=notrunc 2>/dev/null");
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    assert_int_equal(run(f, "bad", NULL, &st, &err), WY_EFIXITY);
    assert_err(&err, WY_EFIXITY, "data/卷一/第一回.txt: sha256 checksum "
                                 "mismatch");
    wy_err_release(&err);
    assert_unchanged(f, before);
    free(before);
    ok(f, "bag", NULL, &st);
    assert_int_equal(st.added, 1);
    /* External-Identifier names the object; data/ is not in the paths */
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:guji-0001",
                                      &files, &n, &err), WY_OK);
    assert_int_equal(n, 3);
    assert_string_equal(files[0].path, "a%7Eb.txt");
    assert_string_equal(files[2].path, "卷一/第一回.txt");
    cat_files_free(files, n);
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL, "guji-0001",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    assert_non_null(strstr(r->desc_json, "红楼梦 抄本, 第一册"));
    cat_record_free(r);
    validate_store(f);
}

static void csv_batch(void **state)
{
    struct fx *f = *state;
    sh(f, "mkdir -p batch/a batch/b && cp item/scans/0001.tif batch/a/ && "
          "cp item/scans/0003.tif batch/b/ && cd batch && "
          "printf '标识符,专题库,题名,责任者,日期,路径\\r\\n"
          "dfz-001,difangwenxian,\"嘉靖, 宁波府志\",周希哲,明嘉靖三十九年,a\\r\\n"
          "mg-001,minguo,申报,,民国二十年,b\\r\\n' > sheet.csv");
    struct ingest_stats st;
    ok(f, "batch/sheet.csv", NULL, &st);
    assert_int_equal(st.items, 2);
    assert_int_equal(st.added, 2);
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL, "dfz-001",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    assert_string_equal(r->collection, "difangwenxian");
    assert_string_equal(r->orig_format, "dc");
    assert_non_null(strstr(r->orig, "<dc:title>嘉靖, 宁波府志</dc:title>"));
    assert_non_null(strstr(r->desc_json, "\"year_from\":1560"));
    cat_record_free(r);
    /* the sheet's metadata is kept in the object as dc.xml */
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat, "urn:wenyuan:mg-001", &files,
                                      &n, &err), WY_OK);
    assert_int_equal(n, 2);
    assert_string_equal(files[1].path, "dc.xml");
    cat_files_free(files, n);
    ok(f, "batch/sheet.csv", NULL, &st);
    assert_int_equal(st.unchanged, 2);
    validate_store(f);
}

static void csv_missing_folder_writes_nothing(void **state)
{
    struct fx *f = *state;
    sh(f, "mkdir -p batch/a && cp item/scans/0001.tif batch/a/ && "
          "printf 'identifier,path\\nx1,a\\nx2,nosuch\\n' > batch/sheet.csv");
    char *before = snapshot(f);
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    assert_int_equal(run(f, "batch/sheet.csv", NULL, &st, &err),
                     WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "sheet.csv: line 3: cannot find");
    assert_err(&err, WY_ENOTFOUND, "nosuch");
    wy_err_release(&err);
    assert_unchanged(f, before);
    /* an unknown collection and a duplicate identifier, likewise */
    sh(f, "printf 'identifier,collection,path\\nx1,nosuch,a\\n' > "
          "batch/sheet.csv");
    assert_int_equal(run(f, "batch/sheet.csv", NULL, &st, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "sheet.csv: line 2: unknown collection "
                                "'nosuch'");
    wy_err_release(&err);
    sh(f, "mkdir -p batch/b && cp item/mods.xml batch/b/ && printf "
          "'identifier,path\\n007139874,a\\n,b\\n' > batch/sheet.csv");
    assert_int_equal(run(f, "batch/sheet.csv", NULL, &st, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "both have the identifier '007139874'");
    wy_err_release(&err);
    assert_unchanged(f, before);
    free(before);
}

static void bad_archives_write_nothing(void **state)
{
    struct fx *f = *state;
    char *before = snapshot(f);
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    /* cut short */
    sh(f, "tar czf full.tar.gz item && head -c 60000 full.tar.gz > "
          "cut.tar.gz");
    assert_int_equal(run(f, "cut.tar.gz", NULL, &st, &err), WY_EIO);
    assert_err(&err, WY_EIO, "cut.tar.gz");
    wy_err_release(&err);
    /* path escapes and links, made with python's tarfile */
    sh(f, "python3 - <<'EOF'\n"
          "import tarfile, io\n"
          "def mk(name, entries):\n"
          "    t = tarfile.open(name, 'w')\n"
          "    for n, kind in entries:\n"
          "        i = tarfile.TarInfo(n)\n"
          "        if kind == 'sym':\n"
          "            i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'\n"
          "            t.addfile(i)\n"
          "        elif kind == 'hard':\n"
          "            i.type = tarfile.LNKTYPE; i.linkname = 'a.txt'\n"
          "            t.addfile(i)\n"
          "        else:\n"
          "            i.size = 2; t.addfile(i, io.BytesIO(b'ok'))\n"
          "    t.close()\n"
          "mk('dotdot.tar', [('a.txt', 'f'), ('x/../../evil.txt', 'f')])\n"
          "mk('abs.tar', [('/etc/cron.d/evil', 'f')])\n"
          "mk('sym.tar', [('a.txt', 'f'), ('link.txt', 'sym')])\n"
          "mk('hard.tar', [('a.txt', 'f'), ('b.txt', 'hard')])\n"
          "EOF");
    assert_int_equal(run(f, "dotdot.tar", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "entry 2 'x/../../evil.txt': '..' path "
                                 "segment: refused");
    wy_err_release(&err);
    assert_int_equal(run(f, "abs.tar", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "absolute path: refused");
    wy_err_release(&err);
    assert_int_equal(run(f, "sym.tar", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "'link.txt' is a symbolic link to "
                                 "'/etc/passwd'");
    wy_err_release(&err);
    assert_int_equal(run(f, "hard.tar", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "'b.txt' is a hard link to 'a.txt'");
    wy_err_release(&err);
    /* a symbolic link in a folder */
    sh(f, "cp -r item linked && ln -s /etc/passwd linked/passwd");
    assert_int_equal(run(f, "linked", NULL, &st, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "linked/passwd' is a symbolic link");
    wy_err_release(&err);
    assert_unchanged(f, before);
    free(before);
}

/* Damage found only while writing (a bad CRC inside a zip), then --resume
   after the archive is fixed. */
static void damaged_zip_then_resume(void **state)
{
    struct fx *f = *state;
    sh(f, "mkdir -p b/one b/two && cp item/scans/0001.tif b/one/ && "
          "head -c 100000 /dev/urandom > b/p.bin && "
          "python3 -c \"import zipfile; z = zipfile.ZipFile('b/two.zip', 'w');"
          " z.write('b/p.bin', 'p.bin'); z.close()\" && "
          "cp b/two.zip b/good.zip && "
          "python3 -c \"f = open('b/two.zip', 'r+b'); f.seek(50000);"
          " c = f.read(1)[0]; f.seek(50000); f.write(bytes([c ^ 0xff]))\" "
          "&& mkdir -p b/three && cp item/scans/第二页.jpg b/three/ "
          "&& printf 'identifier,path\\ni1,one\\ni2,two.zip\\ni3,three\\n' > "
          "b/sheet.csv");
    char *before = NULL;
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    assert_int_equal(run(f, "b/sheet.csv", NULL, &st, &err), WY_EIO);
    assert_err(&err, WY_EIO, "two.zip");
    assert_err(&err, WY_EIO, "p.bin");
    wy_err_release(&err);
    assert_int_equal(st.added, 1);
    /* item 2 left nothing: i1 is there, i2 and i3 are not */
    struct cat_object o;
    assert_int_equal(cat_object_get(f->h->cat, "urn:wenyuan:i1", &o, &err),
                     WY_OK);
    cat_object_release(&o);
    assert_int_equal(cat_object_get(f->h->cat, "urn:wenyuan:i2", &o, &err),
                     WY_ENOTFOUND);
    wy_err_release(&err);
    validate_store(f);
    before = snapshot(f);
    struct cat_status s;
    assert_int_equal(cat_status_get(f->h->cat, &s, &err), WY_OK);
    assert_int_equal(s.batches_unfinished, 1);
    cat_status_release(&s);
    free(before);
    /* fixed, then resumed: i1 is skipped */
    sh(f, "cp b/good.zip b/two.zip");
    struct ingest_opts o2 = {.resume = 1};
    ok(f, "b/sheet.csv", &o2, &st);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.added, 2);
    assert_int_equal(cat_status_get(f->h->cat, &s, &err), WY_OK);
    assert_int_equal(s.batches_unfinished, 0);
    assert_int_equal(s.objects, 3);
    cat_status_release(&s);
    validate_store(f);
}

/* A full disk, simulated with a file size limit on the CLI process: the
   200 kB scan cannot be staged. */
static void full_disk_writes_nothing(void **state)
{
    struct fx *f = *state;
    char *before = snapshot(f);
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "trap '' XFSZ; ulimit -f 100; %s -H '%s' ingest '%s/item' 2>&1",
             wy_test_bin(), f->home, f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 1);
    assert_non_null(strstr(out, "File too large"));
    assert_non_null(strstr(out, "0003.tif"));
    free(out);
    assert_unchanged(f, before);
    free(before);
    validate_store(f);
}

/* The samples (samples/items, made by samples/make-items.sh with METS
   fileSec SHA-512 checksums): the batch sheet with two folders and a bag. */
static void samples_batch_and_mets_checksums(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    struct ingest_opts o = {.log = &f->log};
    const char *paths[] = {wy_srcpath("samples/items/batch.csv")};
    if (ingest_run(f->h, paths, 1, &o, &st, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(st.added, 3);
    /* identifiers and collection from batch.csv; metadata from mets.xml */
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL,
                                             "wy-sample-qianziwen",
                                             CAT_LOAD_ALL, &r, &err), WY_OK);
    assert_string_equal(r->collection, "guji");
    assert_string_equal(r->orig_format, "mets");
    assert_non_null(strstr(r->desc_json, "千字文"));
    cat_record_free(r);
    struct cat_file *files;
    size_t n;
    assert_int_equal(cat_object_files(f->h->cat,
                                      "urn:wenyuan:wy-sample-qianziwen",
                                      &files, &n, &err), WY_OK);
    assert_int_equal(n, 6);
    assert_string_equal(files[0].path, "images/0001.jpg");
    assert_string_equal(files[0].mime, "image/jpeg");
    /* the transcriptions, found by name and libmagic like any file */
    int texts = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(files[i].path, "text/0001.txt") ||
            !strcmp(files[i].path, "text/0002.txt")) {
            assert_string_equal(files[i].mime, "text/plain");
            texts++;
        }
    assert_int_equal(texts, 2);
    cat_files_free(files, n);
    validate_store(f);
    /* a page that is not the one its METS describes is refused */
    char *before = snapshot(f);
    sh(f, "cp -r '%s' lunyu && printf x | dd of=lunyu/images/0002.tif bs=1 "
          "seek=5000 conv=notrunc 2>/dev/null",
       wy_srcpath("samples/items/lunyu"));
    struct ingest_opts o2 = {.id = "wy-sample-lunyu"};
    assert_int_equal(run(f, "lunyu", &o2, &st, &err), WY_EFIXITY);
    assert_err(&err, WY_EFIXITY, "'images/0002.tif' does not match its "
                                 "SHA-512 checksum in mets.xml");
    wy_err_release(&err);
    assert_unchanged(f, before);
    free(before);
}

/* kill -9 at several moments of a batch: the store always validates, and
   the catalog never lists a version the store does not have; --resume then
   finishes the batch. */
static void killed_ingest_is_consistent(void **state)
{
    struct fx *f = *state;
    sh(f, "mkdir -p k && for i in 1 2 3 4 5 6; do mkdir -p k/i$i && "
          "head -c 3000000 /dev/urandom > k/i$i/a.tif && head -c 2000000 "
          "/dev/urandom > k/i$i/b.tif; done && printf 'path\n' > k/s.csv && "
          "for i in 1 2 3 4 5 6; do echo i$i >> k/s.csv; done");
    static const char *const delays[] = {"0.05", "0.3", "0.8"};
    struct wy_err err = WY_ERR_INIT;
    for (size_t d = 0; d < 3; d++) {
        char cmd[8192];
        snprintf(cmd, sizeof(cmd),
                 "%s -H '%s' ingest --resume '%s/k/s.csv' >/dev/null 2>&1 & "
                 "pid=$!; sleep %s; kill -9 $pid; wait $pid 2>/dev/null; true",
                 wy_test_bin(), f->home, f->dir, delays[d]);
        assert_int_equal(wy_test_run(cmd, NULL), 0);
        validate_store(f);
        /* every object the catalog lists is in the store at that head */
        home_close(f->h);
        assert_int_equal(home_open(&f->h, f->home, 0, &err), WY_OK);
        struct store *s = NULL;
        assert_int_equal(store_open(&s, f->h->store_path, &err), WY_OK);
        /* a kill between the OCFL commit and the catalog commit leaves an
           intent: recovered, the catalog lists exactly what is stored */
        struct ingest_recovery rv;
        assert_int_equal(ingest_recover(f->h->cat, s, &f->log, &rv, &err),
                         WY_OK);
        assert_int_equal(rv.busy, 0);
        for (int i = 1; i <= 6; i++) {
            char id[64];
            snprintf(id, sizeof(id), "urn:wenyuan:i%d", i);
            struct cat_object o;
            if (cat_object_get(f->h->cat, id, &o, &err) != WY_OK) {
                assert_err(&err, WY_ENOTFOUND, id);
                wy_err_release(&err);
                assert_false(store_object_exists(s, id));
                continue;
            }
            struct store_object_info info;
            assert_int_equal(store_object_info(s, id, 0, &info, &err), WY_OK);
            char head[16];
            snprintf(head, sizeof(head), "v%u", info.head);
            assert_string_equal(o.head, head);
            store_object_info_release(&info);
            cat_object_release(&o);
        }
        store_close(s);
    }
    struct ingest_opts o = {.resume = 1};
    struct ingest_stats st;
    ok(f, "k/s.csv", &o, &st);
    assert_int_equal(st.items, 6);
    assert_int_equal(st.added + st.skipped + st.unchanged, 6);
    struct cat_status cs;
    assert_int_equal(cat_status_get(f->h->cat, &cs, &err), WY_OK);
    assert_int_equal(cs.objects, 6);
    cat_status_release(&cs);
    validate_store(f);
}

/* ---- a kill between the OCFL commit and the catalog commit ---- */

static int kill_at(void *ctx, const char *step)
{
    if (!strcmp(step, ctx))
        raise(SIGKILL);
    return 0;
}

/* Ingests path in a child process killed at step (an ingest step or a
   store commit step); the parent's home is closed meanwhile and reopened. */
static void ingest_killed_at(struct fx *f, const char *path, const char *step)
{
    home_close(f->h);
    f->h = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct wy_home *h = NULL;
        struct wy_err err = WY_ERR_INIT;
        if (home_open(&h, f->home, 0, &err) != WY_OK)
            _exit(3);
        struct ingest_opts o = {.hook = kill_at, .hook_ctx = (void *)step};
        struct ingest_stats st;
        char p[8192];
        snprintf(p, sizeof(p), "%s/%s", f->dir, path);
        const char *paths[] = {p};
        (void)ingest_run(h, paths, 1, &o, &st, &err);
        _exit(4); /* the step was never reached */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct wy_err err = WY_ERR_INIT;
    assert_int_equal(home_open(&f->h, f->home, 0, &err), WY_OK);
}

static size_t intents(struct fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_intent *v = NULL;
    size_t n = 0;
    assert_int_equal(cat_intent_list(f->h->cat, &v, &n, &err), WY_OK);
    cat_intents_free(v, n);
    return n;
}

struct cmp {
    struct cat *cat;
    struct store *s;
    size_t n;
};

/* one catalog object against the store: the head and every file */
static wy_code same_as_store(void *ctx, const struct cat_object *o,
                             struct wy_err *err)
{
    struct cmp *c = ctx;
    struct store_object_info info;
    assert_int_equal(store_object_info(c->s, o->ocfl_id, 0, &info, err), WY_OK);
    char head[16];
    snprintf(head, sizeof(head), "v%u", info.head);
    assert_string_equal(o->head, head);
    assert_int_equal(o->files, (int64_t)info.nfiles);
    assert_int_equal(o->bytes, (int64_t)info.bytes);
    struct cat_file *files = NULL;
    size_t n = 0;
    assert_int_equal(cat_object_files(c->cat, o->ocfl_id, &files, &n, err),
                     WY_OK);
    assert_int_equal(n, info.nfiles);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(files[i].path, info.files[i].logical_path);
        assert_string_equal(files[i].sha512, info.files[i].sha512);
        assert_int_equal(files[i].size, (int64_t)info.files[i].size);
    }
    cat_files_free(files, n);
    store_object_info_release(&info);
    c->n++;
    return WY_OK;
}

/* The catalog lists exactly the objects and head versions the store holds
   (nobjects of them, each with its record), file for file, and no intent
   is left. */
static void assert_catalog_is_store(struct fx *f, size_t nobjects)
{
    struct wy_err err = WY_ERR_INIT;
    struct cmp c = {f->h->cat, NULL, 0};
    assert_int_equal(store_open(&c.s, f->h->store_path, &err), WY_OK);
    assert_int_equal(cat_object_list(f->h->cat, same_as_store, &c, &err),
                     WY_OK);
    store_close(c.s);
    assert_int_equal(c.n, nobjects);
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && find store -name 0=ocfl_object_1.1 -not -path "
             "'*/extensions/*' | wc -l && sqlite3 catalog.db 'SELECT "
             "count(*) FROM records; SELECT count(*) FROM objects WHERE "
             "record_id IS NOT NULL'",
             f->home);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    char want[64];
    snprintf(want, sizeof(want), "%zu\n%zu\n%zu\n", nobjects, nobjects,
             nobjects);
    assert_string_equal(out, want);
    free(out);
    assert_int_equal(intents(f), 0);
}

static unsigned store_head(struct fx *f, const char *id)
{
    struct wy_err err = WY_ERR_INIT;
    struct store *s = NULL;
    assert_int_equal(store_open(&s, f->h->store_path, &err), WY_OK);
    struct store_object_info info;
    unsigned h = 0;
    if (store_object_info(s, id, 0, &info, &err) == WY_OK) {
        h = info.head;
        store_object_info_release(&info);
    } else {
        assert_err(&err, WY_ENOTFOUND, "");
        wy_err_release(&err);
    }
    store_close(s);
    return h;
}

static char *catalog_head(struct fx *f, const char *id)
{
    struct wy_err err = WY_ERR_INIT;
    struct cat_object o;
    if (cat_object_get(f->h->cat, id, &o, &err) != WY_OK) {
        assert_int_equal(err.code, WY_ENOTFOUND);
        wy_err_release(&err);
        return NULL;
    }
    char *h = strdup(o.head);
    cat_object_release(&o);
    return h;
}

static struct ingest_recovery recover(struct fx *f)
{
    struct wy_err err = WY_ERR_INIT;
    struct store *s = NULL;
    struct ingest_recovery rv;
    assert_int_equal(store_open(&s, f->h->store_path, &err), WY_OK);
    assert_int_equal(ingest_recover(f->h->cat, s, &f->log, &rv, &err), WY_OK);
    store_close(s);
    return rv;
}

/* SIGKILL between the steps of writing an item: after the OCFL commit
   (the catalog rows not yet committed), in the middle of the OCFL commit,
   before it, and right after the intent. Each time the recovery (run
   directly, by the next ingest, or by `wenyuan audit`) leaves the catalog
   listing exactly the stored versions, nothing lost or twice. */
static void kill_between_store_and_catalog(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    const char *id = "urn:wenyuan:007139874"; /* the MODS recordIdentifier */

    /* 1. a new object: stored, not catalogued, the intent says what to do */
    ingest_killed_at(f, "item", "stored");
    assert_int_equal(store_head(f, id), 1);
    assert_null(catalog_head(f, id));
    assert_int_equal(intents(f), 1);
    char cmd[20000], *out = NULL;
    snprintf(cmd, sizeof(cmd), "%s -H '%s' status; %s -H '%s' status --json",
             wy_test_bin(), f->home, wy_test_bin(), f->home);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "1 ingest intents not settled: versions an "
                                "interrupted ingest may have stored but not "
                                "catalogued"));
    assert_non_null(strstr(out, "\"intents_pending\":1,"));
    free(out);
    struct ingest_recovery rv = recover(f);
    assert_int_equal(rv.finished, 1);
    assert_int_equal(rv.dropped, 0);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "object 'urn:wenyuan:007139874': version v1 is in "
                           "the store but was not in the catalog"));
    assert_catalog_is_store(f, 1);
    /* the record is the item's: its title from the MODS, the metadata
       file kept as the original */
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL, "007139874",
                                             CAT_LOAD_ALL, &r, &err),
                     WY_OK);
    assert_string_equal(r->orig_format, "mods");
    char *mods = wy_test_slurp(wy_fixture("records/harvard-spotlight/"
                                          "mods_sample.xml"),
                               NULL);
    assert_memory_equal(r->orig, mods, strlen(mods));
    free(mods);
    cat_record_free(r);
    /* the journal has the item done: --resume skips it */
    struct ingest_opts res = {.resume = 1};
    ok(f, "item", &res, &st);
    assert_int_equal(st.skipped, 1);
    assert_catalog_is_store(f, 1);

    /* 2. a new version, recovered by the next ingest (of another item) */
    sh(f, "printf 'v2' > item/scans/note.txt && mkdir other && "
          "head -c 5000 /dev/urandom > other/a.tif");
    ingest_killed_at(f, "item", "stored");
    assert_int_equal(store_head(f, id), 2);
    char *h = catalog_head(f, id);
    assert_string_equal(h, "v1");
    free(h);
    ok(f, "other", NULL, &st);
    assert_int_equal(st.added, 1);
    assert_catalog_is_store(f, 2);

    /* 3. killed in the middle of the OCFL commit (the version directory
          renamed into place, the root inventory not yet): the store rolls
          it forward and `wenyuan audit` records it */
    sh(f, "printf 'v3' > item/scans/note.txt");
    ingest_killed_at(f, "item", "renamed");
    h = catalog_head(f, id);
    assert_string_equal(h, "v2");
    free(h);
    snprintf(cmd, sizeof(cmd), "%s -H '%s' audit 2>&1", wy_test_bin(), f->home);
    int ec = wy_test_run(cmd, &out);
    if (ec != 0)
        fail_msg("audit: %s", out);
    assert_non_null(strstr(out, "version v3 is in the store but was not in "
                                "the catalog"));
    free(out);
    home_close(f->h);
    assert_int_equal(home_open(&f->h, f->home, 0, &err), WY_OK);
    assert_int_equal(store_head(f, id), 3);
    assert_catalog_is_store(f, 2);

    /* 4. killed before the version reached the store, and right after the
          intent: the intents are dropped, nothing changes */
    sh(f, "printf 'v4' > item/scans/note.txt");
    static const char *const before_commit[] = {"version-inventory", "intent"};
    for (size_t i = 0; i < 2; i++) {
        ingest_killed_at(f, "item", before_commit[i]);
        assert_int_equal(intents(f), 1);
        rv = recover(f);
        assert_int_equal(rv.finished, 0);
        assert_int_equal(rv.dropped, 1);
        assert_int_equal(store_head(f, id), 3);
        assert_catalog_is_store(f, 2);
    }
    /* and the version is written whole by the next ingest */
    ok(f, "item", NULL, &st);
    assert_int_equal(st.versioned, 1);
    assert_int_equal(store_head(f, id), 4);
    assert_catalog_is_store(f, 2);
    validate_store(f);
}

/* An item folder named in GBK: its identifier and journal key are not
   UTF-8, and come back from the intent byte for byte. */
static void gbk_item_name_survives_a_kill(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    sh(f, "d=$(printf '古籍' | iconv -f UTF-8 -t GBK) && mkdir \"$d\" && "
          "printf 'II*\\000\\010\\000\\000\\000' > \"$d/0001.tif\" "
          "&& true");
    char name[64];
    snprintf(name, sizeof(name), "%s", "\xb9\xc5\xbc\xae"); /* 古籍 */
    ingest_killed_at(f, name, "stored");
    assert_int_equal(intents(f), 1);
    struct ingest_recovery rv = recover(f);
    assert_int_equal(rv.finished, 1);
    assert_catalog_is_store(f, 1);
    struct cat_record *r = NULL;
    assert_int_equal(cat_get_record_by_local(f->h->cat, NULL, name,
                                             CAT_LOAD_HEADER, &r, &err),
                     WY_OK);
    assert_string_equal(r->local_id, name);
    cat_record_free(r);
    /* the journal key came back too: --resume skips the item */
    struct ingest_opts res = {.resume = 1};
    struct ingest_stats st;
    ok(f, name, &res, &st);
    assert_int_equal(st.skipped, 1);
    assert_catalog_is_store(f, 1);
}

/* A home whose catalog and store drifted apart without an intent (written
   before schema 3, or edited by hand): `wenyuan audit` names each object
   they disagree on and fails; ingesting the item again mends it. */
static void audit_reports_disagreements(void **state)
{
    struct fx *f = *state;
    struct ingest_stats st;
    sh(f, "mkdir other && head -c 5000 /dev/urandom > other/a.tif");
    ok(f, "item", NULL, &st);
    ok(f, "other", NULL, &st);
    char cmd[20000], *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && sqlite3 catalog.db \"DELETE FROM objects WHERE "
             "ocfl_id = 'urn:wenyuan:007139874'; UPDATE objects SET head = "
             "'v7' WHERE ocfl_id = 'urn:wenyuan:other'; INSERT INTO objects "
             "(ocfl_id, head, created, updated) VALUES ('urn:wenyuan:ghost', "
             "'v1', 'x', 'x')\" && %s -H . audit 2>&1; echo \"exit $?\"",
             f->home, wy_test_bin());
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "uncatalogued urn:wenyuan:007139874: the "
                                "store holds v1; the catalog does not list "
                                "the object (ingest the item again)\n"));
    assert_non_null(strstr(out, "head urn:wenyuan:other: the store's head is "
                                "v1, the catalog lists v7 (ingest the item "
                                "again)\n"));
    assert_non_null(strstr(out, "not-stored urn:wenyuan:ghost: the catalog "
                                "lists v1; the store does not hold the "
                                "object\n"));
    assert_non_null(strstr(out, "3 objects on which the store and the catalog "
                                "disagree"));
    assert_non_null(strstr(out, "exit 1\n"));
    free(out);
    /* the unchanged items written again: only the ghost is left */
    ok(f, "item", NULL, &st);
    assert_int_equal(st.unchanged, 1);
    ok(f, "other", NULL, &st);
    snprintf(cmd, sizeof(cmd), "%s -H '%s' audit 2>&1; echo \"exit $?\"",
             wy_test_bin(), f->home);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_null(strstr(out, "uncatalogued"));
    assert_null(strstr(out, "head urn"));
    assert_non_null(strstr(out, "not-stored urn:wenyuan:ghost"));
    assert_non_null(strstr(out, "1 objects on which"));
    free(out);
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && sqlite3 catalog.db \"DELETE FROM objects WHERE "
             "ocfl_id = 'urn:wenyuan:ghost'\" && %s -H . audit 2>&1; echo "
             "\"exit $?\"",
             f->home, wy_test_bin());
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_null(strstr(out, "disagree"));
    assert_non_null(strstr(out, "exit 0\n"));
    free(out);
    assert_catalog_is_store(f, 2);
}

/* The intents themselves: replaced per object, the original bytes kept
   as they are, a damaged one reported naming the object, one whose object
   another process is committing left for later. */
static void intent_edges(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct ingest_stats st;
    const char *id = "urn:wenyuan:007139874";
    ok(f, "item", NULL, &st);
    struct cat *c = f->h->cat;
    assert_int_equal(cat_intent_put(c, id, "v1", "{", NULL, 0, &err), WY_OK);
    assert_int_equal(cat_intent_put(c, id, "v2", "{}", "a\0b", 3, &err), WY_OK);
    struct cat_intent *v = NULL;
    size_t n = 0;
    assert_int_equal(cat_intent_list(c, &v, &n, &err), WY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].ocfl_id, id);
    assert_string_equal(v[0].version, "v2");
    assert_string_equal(v[0].payload, "{}");
    assert_int_equal(v[0].orig_len, 3);
    assert_memory_equal(v[0].orig, "a\0b", 3);
    assert_non_null(v[0].created);
    cat_intents_free(v, n);
    /* v1 is the store's head: a damaged payload cannot be finished; it is
       kept and named, and does not stop the recovery */
    assert_int_equal(cat_intent_put(c, id, "v1", "{", NULL, 0, &err), WY_OK);
    struct store *s = NULL;
    struct ingest_recovery rv;
    assert_int_equal(store_open(&s, f->h->store_path, &err), WY_OK);
    assert_int_equal(ingest_recover(c, s, &f->log, &rv, &err), WY_OK);
    assert_int_equal(rv.damaged, 1);
    assert_non_null(strstr(wy_buf_cstr(&f->lines),
                           "object 'urn:wenyuan:007139874': version v1 may "
                           "be missing from the catalog: its ingest intent "
                           "cannot be used (the payload is damaged: "));
    assert_int_equal(intents(f), 1);
    /* a damaged file list likewise */
    assert_int_equal(cat_intent_put(c, id, "v1",
                                    "{\"local_id\":\"x\",\"model\":\"{}\","
                                    "\"desc\":\"{}\",\"files\":[[null]]}",
                                    NULL, 0, &err),
                     WY_OK);
    assert_int_equal(ingest_recover(c, s, &f->log, &rv, &err), WY_OK);
    assert_int_equal(rv.damaged, 1);
    /* an ingest of the item writes its rows and replaces the intent */
    ok(f, "item", NULL, &st);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(intents(f), 0);
    /* v2 never reached the store; while another handle stages the object
       the intent is left alone */
    assert_int_equal(cat_intent_put(c, id, "v2", "{}", NULL, 0, &err), WY_OK);
    struct store_version *sv = NULL;
    assert_int_equal(store_version_begin(s, id, &sv, &err), WY_OK);
    struct store *s2 = NULL;
    assert_int_equal(store_open(&s2, f->h->store_path, &err), WY_OK);
    assert_int_equal(ingest_recover(c, s2, &f->log, &rv, &err), WY_OK);
    assert_int_equal(rv.busy, 1);
    assert_int_equal(intents(f), 1);
    store_version_abort(sv);
    assert_int_equal(ingest_recover(c, s2, &f->log, &rv, &err), WY_OK);
    assert_int_equal(rv.busy, 0);
    assert_int_equal(rv.dropped, 1);
    store_close(s2);
    store_close(s);
    assert_int_equal(cat_intent_delete(c, id, &err), WY_OK); /* none: ok */
    assert_catalog_is_store(f, 1);
}

static void format_checks(void **state)
{
    (void)state;
    const unsigned char jp2[12] = {0, 0, 0, 12, 'j', 'P', ' ', ' ', 13, 10,
                                   0x87, 10};
    assert_string_equal(ingest_format_check("a.JP2", jp2, 12), "ok");
    assert_string_equal(ingest_format_check("a.jp2", jp2, 11),
                        "not JPEG 2000");
    assert_string_equal(ingest_format_check("a.pdf",
                                            (const unsigned char *)
                                            "\n%PDF-1.7", 9), "ok");
    assert_string_equal(ingest_format_check("a.pdf",
                                            (const unsigned char *)"PK", 2),
                        "not PDF");
    assert_string_equal(ingest_format_check("a.tiff",
                                            (const unsigned char *)"II+\0", 4),
                        "ok");
    assert_null(ingest_format_check("a.txt", (const unsigned char *)"x", 1));
    struct wy_err err = WY_ERR_INIT;
    char *id = NULL;
    assert_int_equal(ingest_ocfl_id("古 籍/1", &id, &err), WY_OK);
    assert_string_equal(id, "urn:wenyuan:%E5%8F%A4%20%E7%B1%8D/1");
    free(id);
}

WY_GROUP(ingest, NULL, NULL,
         cmocka_unit_test_setup_teardown(folder_then_versions_with_dedup, setup, teardown),
         cmocka_unit_test_setup_teardown(zip_with_gbk_names, setup, teardown),
         cmocka_unit_test_setup_teardown(gbk_folder_and_zipped_bag, setup, teardown),
         cmocka_unit_test_setup_teardown(tar_gz_with_metadata, setup, teardown),
         cmocka_unit_test_setup_teardown(bags_valid_and_invalid, setup, teardown),
         cmocka_unit_test_setup_teardown(csv_batch, setup, teardown),
         cmocka_unit_test_setup_teardown(csv_missing_folder_writes_nothing, setup, teardown),
         cmocka_unit_test_setup_teardown(bad_archives_write_nothing, setup, teardown),
         cmocka_unit_test_setup_teardown(damaged_zip_then_resume, setup, teardown),
         cmocka_unit_test_setup_teardown(full_disk_writes_nothing, setup, teardown),
         cmocka_unit_test_setup_teardown(samples_batch_and_mets_checksums, setup, teardown),
         cmocka_unit_test_setup_teardown(killed_ingest_is_consistent, setup, teardown),
         cmocka_unit_test_setup_teardown(kill_between_store_and_catalog, setup, teardown),
         cmocka_unit_test_setup_teardown(intent_edges, setup, teardown),
         cmocka_unit_test_setup_teardown(gbk_item_name_survives_a_kill, setup, teardown),
         cmocka_unit_test_setup_teardown(audit_reports_disagreements, setup, teardown),
         cmocka_unit_test(format_checks))
