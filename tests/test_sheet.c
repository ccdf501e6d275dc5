/* tests/test_sheet.c: the CSV batch sheet reader, cross-checked against
   Python's csv module (an independent RFC 4180 reader). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "repository/sheet.h"

/* Our rows as "f1|f2|...\n" lines (fields with | or newline escaped). */
static char *dump(struct sheet *s)
{
    struct wy_buf out = WY_BUF_INIT(1u << 20);
    struct wy_err err = WY_ERR_INIT;
    const struct sheet_row *r;
    wy_code rc;
    while ((rc = sheet_next_row(s, &r, &err)) == WY_OK) {
        for (size_t i = 0; i < r->nfields; i++) {
            if (i)
                wy_buf_addc(&out, '|');
            for (const char *p = r->fields[i]; *p; p++) {
                if (*p == '\n')
                    wy_buf_adds(&out, "\\n");
                else if (*p == '\r')
                    wy_buf_adds(&out, "\\r");
                else
                    wy_buf_addc(&out, *p);
            }
        }
        wy_buf_addc(&out, '\n');
    }
    if (rc != WY_EOF)
        fail_msg("%s", wy_err_msg(&err));
    return wy_buf_take(&out, NULL);
}

static const char tricky[] =
    "\xef\xbb\xbf" "标识符,题名,责任者,日期,路径\r\n"
    "guji-0001,\"红楼梦, 卷一\",曹雪芹,清乾隆,items/0001\r\n"
    "\r\n"
    "guji-0002,\"他说\"\"好\"\"\",\"多行\r\n题名\",1912,items/0002\n"
    "guji-0003,,, ,\"items/0003\"\r"
    "a\"b,c\n";

static void matches_python_csv(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/s.csv", dir);
    FILE *fp = fopen(path, "wb");
    fwrite(tricky, 1, sizeof(tricky) - 1, fp);
    fclose(fp);
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import csv,sys\n"
             "for r in csv.reader(open(sys.argv[1], encoding=\"utf-8-sig\", "
             "newline=\"\")):\n"
             "  r and print(\"|\".join(f.replace(\"\\n\",\"\\\\n\")"
             ".replace(\"\\r\",\"\\\\r\") for f in r))' '%s'", path);
    char *want = NULL;
    assert_int_equal(wy_test_run(cmd, &want), 0);
    struct wy_err err = WY_ERR_INIT;
    struct sheet *s = NULL;
    assert_int_equal(sheet_open_file(&s, path, NULL, &err), WY_OK);
    char *got = dump(s);
    assert_string_equal(got, want);
    free(got);
    free(want);
    sheet_free(s);
    /* items by Chinese column names, with line numbers */
    assert_int_equal(sheet_open_file(&s, path, NULL, &err), WY_OK);
    struct sheet_item it;
    assert_int_equal(sheet_next_item(s, &it, &err), WY_OK);
    assert_string_equal(it.identifier, "guji-0001");
    assert_string_equal(it.title, "红楼梦, 卷一");
    assert_string_equal(it.creator, "曹雪芹");
    assert_string_equal(it.date, "清乾隆");
    assert_string_equal(it.path, "items/0001");
    assert_null(it.collection);
    assert_int_equal(it.line, 2);
    assert_int_equal(sheet_next_item(s, &it, &err), WY_OK);
    assert_string_equal(it.title, "他说\"好\"");
    assert_int_equal(it.line, 4);
    assert_int_equal(sheet_next_item(s, &it, &err), WY_OK);
    assert_int_equal(it.line, 6);
    assert_null(it.title);
    assert_null(it.date);   /* a blank cell */
    assert_string_equal(it.path, "items/0003");
    /* "a\"b,c": two fields, the path column missing */
    assert_int_equal(sheet_next_item(s, &it, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "s.csv: line 7: empty path");
    wy_err_release(&err);
    sheet_free(s);
    wy_test_rmdir(dir);
}

static void gbk_from_excel(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "printf 'path,title\\nitems/一,地方志\\n' | "
             "iconv -f UTF-8 -t GBK > '%s/g.csv'", dir);
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    char path[4096];
    snprintf(path, sizeof(path), "%s/g.csv", dir);
    struct wy_err err = WY_ERR_INIT;
    struct sheet *s = NULL;
    assert_int_equal(sheet_open_file(&s, path, NULL, &err), WY_OK);
    assert_string_equal(sheet_charset(s), "GB18030");
    struct sheet_item it;
    assert_int_equal(sheet_next_item(s, &it, &err), WY_OK);
    assert_string_equal(it.path, "items/一");
    assert_string_equal(it.title, "地方志");
    assert_int_equal(sheet_next_item(s, &it, &err), WY_EOF);
    sheet_free(s);
    /* named UTF-8 but it is not: 一 is D2 BB in GBK, which happens to be
       valid UTF-8; 地 (B5 D8) at byte 20 is not */
    assert_int_equal(sheet_open_file(&s, path, "UTF-8", &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "g.csv: byte 20 is not valid UTF-8");
    wy_err_release(&err);
    assert_int_equal(sheet_open_file(&s, path, "NOSUCH-CHARSET", &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown character set 'NOSUCH-CHARSET'");
    wy_err_release(&err);
    wy_test_rmdir(dir);
}

static void errors_name_the_line(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct sheet *s = NULL;
    const struct sheet_row *r;
    const char *a = "path\nx\n\"open\nstill open";
    assert_int_equal(sheet_open_mem(&s, "a.csv", a, strlen(a), NULL, &err),
                     WY_OK);
    assert_int_equal(sheet_next_row(s, &r, &err), WY_OK);
    assert_int_equal(sheet_next_row(s, &r, &err), WY_OK);
    assert_int_equal(sheet_next_row(s, &r, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "a.csv: line 3: quoted field never closed");
    wy_err_release(&err);
    assert_int_equal(sheet_next_row(s, &r, &err), WY_ESTATE);
    wy_err_release(&err);
    sheet_free(s);
    const char *b = "path,title\n\"x\"y,z\n";
    assert_int_equal(sheet_open_mem(&s, "b.csv", b, strlen(b), NULL, &err),
                     WY_OK);
    struct sheet_item it;
    assert_int_equal(sheet_next_item(s, &it, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "b.csv: line 2: text after a closing quote");
    wy_err_release(&err);
    sheet_free(s);
    const char *c = "identifier,title\nx,y\n";
    assert_int_equal(sheet_open_mem(&s, "c.csv", c, strlen(c), NULL, &err),
                     WY_OK);
    assert_int_equal(sheet_next_item(s, &it, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "c.csv: line 1: no 'path' column");
    wy_err_release(&err);
    sheet_free(s);
    assert_int_equal(sheet_open_mem(&s, "d.csv", "", 0, NULL, &err), WY_OK);
    assert_int_equal(sheet_next_item(s, &it, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "d.csv: empty sheet");
    wy_err_release(&err);
    sheet_free(s);
    assert_int_equal(sheet_open_mem(&s, "e.csv", "a\0b", 3, NULL, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "e.csv: contains a NUL byte");
    wy_err_release(&err);
}

/* Every allocation failing in turn: WY_ENOMEM, never a crash or a leak. */
static void allocation_failures(void **state)
{
    (void)state;
    for (long k = 0;; k++) {
        struct wy_err err = WY_ERR_INIT;
        struct sheet *s = NULL;
        size_t items = 0;
        wy_alloc_fail_after(k);
        wy_code rc = sheet_open_mem(&s, "t.csv", tricky, sizeof(tricky) - 1,
                                    NULL, &err);
        struct sheet_item it;
        while (rc == WY_OK && (rc = sheet_next_item(s, &it, &err)) == WY_OK)
            items++;
        sheet_free(s);
        wy_alloc_fail_after(-1);
        /* the last row has an empty path: the end of a complete read */
        if (rc == WY_EFORMAT && items == 3) {
            wy_err_release(&err);
            break;
        }
        if (rc != WY_ENOMEM)
            fail_msg("k=%ld: %s", k, wy_err_msg(&err));
        wy_err_release(&err);
        assert_true(k < 10000);
    }
}

WY_GROUP(sheet, NULL, NULL,
         cmocka_unit_test(allocation_failures),
         cmocka_unit_test(matches_python_csv),
         cmocka_unit_test(gbk_from_excel),
         cmocka_unit_test(errors_name_the_line))
