/* tests/test_web.c: the researchers' page end to end in headless Chromium
   (tests/e2e/web.mjs with playwright-core), on the home of tc_home_build
   plus a page image: the object's TIFF converted to PNG with ImageMagick.
   Heavy (a browser), so it runs only with WY_E2E=1 (after `npm install`
   in tests/e2e and with Debian's chromium); screenshots are left in
   $WY_E2E_OUT (default /tmp/wenyuan-e2e). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "svc_client.h"

#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/store.h"

static void add_page_image(const struct tc_home *h, const char *dir)
{
    struct wy_err err = WY_ERR_INIT;
    char png[4200], cmd[9000];
    snprintf(png, sizeof(png), "%s/page-001.png", dir);
    snprintf(cmd, sizeof(cmd), "convert '%s' -scale 2000%% '%s'",
             wy_fixture("ocfl/1.1/content/spec-ex-full/v3/image.tiff"), png);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    struct wy_home *home;
    assert_int_equal(home_open(&home, h->path, 0, &err), WY_OK);
    struct store *st;
    assert_int_equal(store_open(&st, home->store_path, &err), WY_OK);
    struct store_version *v;
    assert_int_equal(store_version_begin(st, TC_OBJ, &v, &err), WY_OK);
    assert_int_equal(store_version_carry_forward(v, &err), WY_OK);
    struct store_file_info fi;
    assert_int_equal(store_version_add_file(v, "page-001.png", png, &fi, &err),
                     WY_OK);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_OK);
    store_close(st);
    struct cat_file cf = {.path = "page-001.png",
                          .size = (int64_t)fi.size,
                          .mime = "image/png",
                          .sha512 = fi.sha512};
    assert_int_equal(cat_object_set_files(home->cat, TC_OBJ, &cf, 1, &err),
                     WY_OK);
    home_close(home);
}

static void browse_search_facet_record_image(void **state)
{
    (void)state;
    if (!getenv("WY_E2E")) {
        print_message("web: skipped (set WY_E2E=1 to run Chromium)\n");
        return;
    }
    char *dir = wy_test_tmpdir();
    struct tc_home h;
    tc_home_build(dir, &h);
    add_page_image(&h, dir);
    struct tc_srv t;
    tc_srv_start(&t, h.path);
    const char *out =
        getenv("WY_E2E_OUT") ? getenv("WY_E2E_OUT") : "/tmp/wenyuan-e2e";
    mkdir(out, 0777);
    char cmd[9000];
    snprintf(cmd, sizeof(cmd), "node '%s' http://127.0.0.1:%u/ '%s' 2>&1",
             wy_srcpath("tests/e2e/web.mjs"), t.port, out);
    char *log = NULL;
    int rc = wy_test_run(cmd, &log);
    print_message("%s", log ? log : "");
    free(log);
    tc_srv_stop(&t);
    wy_test_rmdir(dir);
    assert_int_equal(rc, 0);
}

WY_GROUP(web, NULL, NULL, cmocka_unit_test(browse_search_facet_record_image))
