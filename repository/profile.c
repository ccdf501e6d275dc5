/* repository/profile.c: the built-in profiles and the record checker. */
#include "repository/profile.h"

#include <stdlib.h>
#include <string.h>

#include "formats/dates.h"

/* At most this many values of one element are kept for checking; the
   count goes on (a record with 40 call numbers is still "repeated"). */
#define PROF_MAXV 32

struct prof_values {
    const char *v[PROF_MAXV];
    size_t n; /* values seen (may exceed PROF_MAXV) */
};

static void push(struct prof_values *v, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < v->n && i < PROF_MAXV; i++)
        if (v->v[i] == s || !strcmp(v->v[i], s))
            return; /* the same text reached by two paths */
    if (v->n < PROF_MAXV)
        v->v[v->n] = s;
    v->n++;
}

/* The first of the '|'-separated words that occurs in s, or NULL. */
static const char *has_word(const char *s, const char *words)
{
    if (!s)
        return NULL;
    for (const char *w = words; *w;) {
        const char *bar = strchr(w, '|');
        size_t k = bar ? (size_t)(bar - w) : strlen(w);
        for (const char *p = s; k && (p = strchr(p, w[0])) != NULL; p++)
            if (!strncmp(p, w, k))
                return w;
        if (!bar)
            break;
        w = bar + 1;
    }
    return NULL;
}

/* Each subfield `code` of each field `tag`. */
static void marc_push(const struct wy_record *r, const char *tag, char code,
                      const char *needing, struct prof_values *v)
{
    for (const struct wy_field *f = wy_record_field(r, tag, NULL); f;
         f = wy_record_field(r, tag, f))
        for (size_t i = 0; i < f->nsub; i++)
            if (f->sub[i].code == code &&
                (!needing || has_word(f->sub[i].data, needing)))
                push(v, f->sub[i].data);
}

static int is21(const struct wy_record *r)
{
    return r->kind == WY_MARC21;
}
static int isuni(const struct wy_record *r)
{
    return r->kind == WY_UNIMARC;
}

/* ---- vocabularies ------------------------------------------------------ */

/* 版本类别 of the census (simplified and traditional). Longer terms first
   is not needed: any hit counts. */
static const char edition_types[] =
    "刻本|刊本|抄本|鈔本|钞本|稿本|写本|寫本|活字本|活字印本|木活字|铜活字|"
    "銅活字|泥活字|石印本|铅印本|鉛印本|套印本|影印本|拓本|刻印本|印本|"
    "油印本|晒印本|曬印本|影抄本|影鈔本|递修本|遞修本|修补本|修補本";

static const char binding_terms[] =
    "线装|線裝|包背装|包背裝|蝴蝶装|蝴蝶裝|经折装|經折裝|卷轴装|卷軸裝|"
    "旋风装|旋風裝|毛装|毛裝|金镶玉|金鑲玉|平装|平裝|精装|精裝|册页装|冊頁裝";

static const char pijiao_terms[] =
    "批|跋|题记|題記|题识|題識|题签|題簽|圈点|圈點|校改|手校|过录|過錄|"
    "朱笔|朱筆|墨笔|墨筆|识语|識語";

/* 著作方式 as the census writes it. */
static const char roles[] =
    "撰|辑|輯|编|編|注|註|校|纂|修|评|評|述|译|譯|著|集|点|點|释|釋|疏|笺|"
    "箋|订|訂|补|補|录|錄|书|書|绘|繪|选|選|考|解|传|傳|正|删|刪|序|定|参|參";

static const char dynasties[] =
    "|夏|商|周|西周|东周|東周|春秋|战国|戰國|秦|汉|漢|西汉|西漢|东汉|東漢|"
    "三国|三國|魏|蜀|吴|吳|晋|晉|西晋|西晉|东晋|東晉|十六国|南北朝|"
    "南朝宋|南朝齐|南朝齊|南朝梁|南朝陈|南朝陳|北魏|东魏|東魏|西魏|北齐|"
    "北齊|北周|隋|唐|五代|后梁|後梁|后唐|後唐|后晋|後晉|后汉|後漢|后周|"
    "後周|南唐|前蜀|后蜀|後蜀|吴越|吳越|宋|北宋|南宋|辽|遼|西夏|金|元|"
    "明|南明|清|民国|民國|朝鲜|朝鮮|日本|越南|高丽|高麗|";

/* Whether s (exactly) is one of the '|'-delimited names in list, which
   starts and ends with '|'. */
static int in_list(const char *list, const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 32)
        return 0;
    char key[40];
    key[0] = '|';
    memcpy(key + 1, s, n);
    key[n + 1] = '|';
    key[n + 2] = '\0';
    return strstr(list, key) != NULL;
}

/* ---- collectors -------------------------------------------------------- */

static void c_title(const struct wy_record *r, struct prof_values *v)
{
    if (is21(r))
        marc_push(r, "245", 'a', NULL, v);
    else if (isuni(r))
        marc_push(r, "200", 'a', NULL, v);
    if (!v->n && r->desc.ntitles)
        push(v, r->desc.titles[0]);
}

/* 卷数: "十二卷", "12卷", "一百二十回", "不分卷", in the title or extent
   fields, never in notes (存卷 is another element). */
static const char juan_words[] = "卷|回|不分卷";

static void c_juan(const struct wy_record *r, struct prof_values *v)
{
    if (is21(r)) {
        marc_push(r, "245", 'n', juan_words, v);
        marc_push(r, "245", 'a', juan_words, v);
        marc_push(r, "245", 'b', juan_words, v);
        marc_push(r, "300", 'a', juan_words, v);
    } else if (isuni(r)) {
        marc_push(r, "200", 'a', juan_words, v);
        marc_push(r, "200", 'h', juan_words, v);
        marc_push(r, "200", 'e', juan_words, v);
        marc_push(r, "215", 'a', juan_words, v);
    } else {
        for (size_t i = 0; i < r->desc.ntitles; i++)
            if (has_word(r->desc.titles[i], juan_words))
                push(v, r->desc.titles[i]);
        if (has_word(r->desc.extent, juan_words))
            push(v, r->desc.extent);
    }
}

/* Whether the UTF-8 character at p is a numeral (Chinese or arabic). */
static size_t numeral_before(const char *s, const char *p)
{
    static const char nums[] = "〇一二三四五六七八九十百千零两兩廿卅";
    if (p > s && p[-1] >= '0' && p[-1] <= '9')
        return 1;
    if (p - s >= 3) {
        for (size_t i = 0; i + 3 <= sizeof(nums) - 1; i += 3)
            if (!memcmp(p - 3, nums + i, 3))
                return 1;
    }
    return 0;
}

static const char *k_juan(const char *s)
{
    if (strstr(s, "不分卷"))
        return NULL;
    for (const char *p = s; (p = strstr(p, "卷")) != NULL; p += 3)
        if (numeral_before(s, p))
            return NULL;
    for (const char *p = s; (p = strstr(p, "回")) != NULL; p += 3)
        if (numeral_before(s, p))
            return NULL;
    return "no number before 卷 (write e.g. '十二卷', '12卷' or '不分卷')";
}

static void c_creator(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.ncreators; i++)
        if (!r->desc.creators[i].secondary)
            push(v, r->desc.creators[i].name);
    if (!v->n) /* only contributors: they still name a 责任者 */
        for (size_t i = 0; i < r->desc.ncreators; i++)
            push(v, r->desc.creators[i].name);
}

static void c_dynasty(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.ncreators; i++)
        push(v, r->desc.creators[i].dynasty);
}

static const char *k_dynasty(const char *s)
{
    return in_list(dynasties, s) ? NULL
                                 : "not a dynasty of the census list (清, 明, "
                                   "元, 宋, 唐, 民国 ...)";
}

/* The last character of a statement of responsibility ("(清)纪昀撰") names
   the role when the name fields do not. */
static void role_from_statement(const char *s, struct prof_values *v)
{
    size_t n = s ? strlen(s) : 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '.' || s[n - 1] == ';'))
        n--;
    if (n < 3)
        return;
    char last[4];
    memcpy(last, s + n - 3, 3);
    last[3] = '\0';
    static const char *const one[] = {"撰", "辑", "輯", "编", "編", "注",
                                      "註", "校", "纂", "著", "述", "评",
                                      "評", "译", "譯", "修", "集", NULL};
    for (size_t i = 0; one[i]; i++)
        if (!strcmp(last, one[i])) {
            push(v, one[i]);
            return;
        }
}

static void c_role(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.ncreators; i++)
        push(v, r->desc.creators[i].role);
    if (v->n)
        return;
    if (is21(r))
        for (const struct wy_field *f = wy_record_field(r, "245", NULL); f;
             f = wy_record_field(r, "245", f))
            role_from_statement(wy_field_sub(f, 'c'), v);
    else if (isuni(r))
        for (const struct wy_field *f = wy_record_field(r, "200", NULL); f;
             f = wy_record_field(r, "200", f))
            role_from_statement(wy_field_sub(f, 'f'), v);
}

static const char *k_role(const char *s)
{
    /* "撰", "辑注", "校點": every character a census role */
    size_t n = strlen(s);
    if (!n || n % 3)
        return "not a census role (撰, 辑, 注, 校 ...)";
    for (size_t i = 0; i < n; i += 3) {
        char one[4];
        memcpy(one, s + i, 3);
        one[3] = '\0';
        if (!has_word(one, roles))
            return "not a census role (撰, 辑, 注, 校 ...)";
    }
    return NULL;
}

static void c_edition(const struct wy_record *r, struct prof_values *v)
{
    if (is21(r))
        marc_push(r, "250", 'a', NULL, v);
    else if (isuni(r))
        marc_push(r, "205", 'a', NULL, v);
    if (!v->n)
        push(v, r->desc.edition);
}

/* An edition statement, a MARC 21 655 term or a note that names a census
   category. */
static void types_in(const char *s, struct prof_values *v)
{
    if (has_word(s, edition_types))
        push(v, s);
}

static void c_edition_type(const struct wy_record *r, struct prof_values *v)
{
    types_in(r->desc.edition, v);
    if (is21(r)) {
        marc_push(r, "250", 'a', edition_types, v);
        for (const struct wy_field *f = wy_record_field(r, "655", NULL); f;
             f = wy_record_field(r, "655", f))
            types_in(wy_field_sub(f, 'a'), v);
    } else if (isuni(r)) {
        marc_push(r, "205", 'a', edition_types, v);
    }
}

static void c_edition_date(const struct wy_record *r, struct prof_values *v)
{
    push(v, r->desc.date);
}

static const char *k_date(const char *s)
{
    int a, b;
    return fmt_date_years(s, &a, &b)
               ? NULL
               : "not a date (write e.g. 清乾隆三十年, 明萬曆間, 1765)";
}

static void notes_with(const struct wy_record *r, const char *words,
                       struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.nnotes; i++)
        if (has_word(r->desc.notes[i], words))
            push(v, r->desc.notes[i]);
}

static void c_pijiao(const struct wy_record *r, struct prof_values *v)
{
    notes_with(r, pijiao_terms, v);
}

static void c_cunjuan(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.nnotes; i++) {
        const char *s = r->desc.notes[i];
        const char *p = strstr(s, "存");
        if (p && (strstr(p, "卷") || strstr(p, "册") || strstr(p, "冊") ||
                  strstr(p, "回")))
            push(v, s);
    }
    if (r->desc.extent && strstr(r->desc.extent, "存"))
        push(v, r->desc.extent);
}

static const char *k_cunjuan(const char *s)
{
    const char *p = strstr(s, "存");
    if (!p)
        return NULL;
    p += 3;
    static const char nums[] = "〇一二三四五六七八九十百千零两兩廿卅卷";
    if ((*p >= '0' && *p <= '9') || !strncmp(p, "卷", 3))
        return NULL;
    for (size_t i = 0; i + 3 <= sizeof(nums) - 1; i += 3)
        if (!memcmp(p, nums + i, 3))
            return NULL;
    return "存 not followed by the volumes kept (write e.g. 存卷一至五)";
}

static void c_binding(const struct wy_record *r, struct prof_values *v)
{
    if (has_word(r->desc.extent, binding_terms))
        push(v, r->desc.extent);
    notes_with(r, binding_terms, v);
    if (is21(r)) {
        marc_push(r, "340", 'e', binding_terms, v);
        marc_push(r, "563", 'a', binding_terms, v);
    }
}

static void c_callno(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.nholdings; i++)
        push(v, r->desc.holdings[i].callno);
    for (size_t i = 0; i < r->desc.nidents; i++)
        if (!strcmp(r->desc.idents[i].type, "callno"))
            push(v, r->desc.idents[i].value);
}

static void c_census(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.nholdings; i++)
        push(v, r->desc.holdings[i].census);
    for (size_t i = 0; i < r->desc.nidents; i++)
        if (!strcmp(r->desc.idents[i].type, "census"))
            push(v, r->desc.idents[i].value);
}

/* 普查登记编号: the province's six-digit administrative code, the unit's
   four digits, a seven-digit serial: "110000-0101-0000001". */
static const char *k_census(const char *s)
{
    static const int groups[] = {6, 4, 7};
    const char *p = s;
    for (int g = 0; g < 3; g++) {
        for (int i = 0; i < groups[g]; i++, p++)
            if (*p < '0' || *p > '9')
                goto bad;
        if (g < 2 && *p++ != '-')
            goto bad;
    }
    if (*p == '\0')
        return NULL;
bad:
    return "not a census number of the form 110000-0101-0000001";
}

/* ---- 地方文献 ------------------------------------------------------------ */

static void c_place(const struct wy_record *r, struct prof_values *v)
{
    push(v, r->desc.place);
    if (is21(r)) {
        marc_push(r, "260", 'a', NULL, v);
        marc_push(r, "264", 'a', NULL, v);
        marc_push(r, "752", 'd', NULL, v);
    } else if (isuni(r)) {
        marc_push(r, "210", 'a', NULL, v);
        marc_push(r, "620", 'd', NULL, v);
    }
}

static void c_period(const struct wy_record *r, struct prof_values *v)
{
    push(v, r->desc.date);
    if (is21(r)) {
        marc_push(r, "648", 'a', NULL, v);
        marc_push(r, "650", 'y', NULL, v);
        marc_push(r, "651", 'y', NULL, v);
    } else if (isuni(r)) {
        marc_push(r, "661", 'a', NULL, v);
        marc_push(r, "606", 'z', NULL, v);
        marc_push(r, "607", 'z', NULL, v);
    }
}

static void c_region(const struct wy_record *r, struct prof_values *v)
{
    if (is21(r)) {
        marc_push(r, "651", 'a', NULL, v);
        marc_push(r, "650", 'z', NULL, v);
        marc_push(r, "651", 'z', NULL, v);
        marc_push(r, "043", 'a', NULL, v);
    } else if (isuni(r)) {
        marc_push(r, "607", 'a', NULL, v);
        marc_push(r, "606", 'y', NULL, v);
        marc_push(r, "607", 'y', NULL, v);
        marc_push(r, "660", 'a', NULL, v);
    }
}

static void c_subject(const struct wy_record *r, struct prof_values *v)
{
    for (size_t i = 0; i < r->desc.nsubjects; i++)
        push(v, r->desc.subjects[i]);
}

/* ---- facets ------------------------------------------------------------ */

/* The 版本类别 vocabulary: the first pattern found (in this order) gives
   the category. Specific kinds come before 刻本, so a facsimile of a
   woodblock edition (据明刻本影印) is 影印本 and a colour-printed woodblock
   (朱墨套印本) is 套印本. */
static const struct {
    const char *pattern, *category;
} edition_vocab[] = {
    {"稿本", "稿本"},     {"影抄本", "影抄本"}, {"影鈔本", "影抄本"},
    {"影钞本", "影抄本"}, {"抄本", "抄本"},     {"鈔本", "抄本"},
    {"钞本", "抄本"},     {"写本", "写本"},     {"寫本", "写本"},
    {"活字", "活字本"},   {"聚珍", "活字本"},   {"套印", "套印本"},
    {"石印", "石印本"},   {"铅印", "铅印本"},   {"鉛印", "铅印本"},
    {"影印", "影印本"},   {"油印", "油印本"},   {"晒印", "晒印本"},
    {"曬印", "晒印本"},   {"拓本", "拓本"},     {"刻本", "刻本"},
    {"刊本", "刻本"},     {"递修", "刻本"},     {"遞修", "刻本"},
    {"刻", "刻本"},
};

const char *prof_edition_category(const char *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof(edition_vocab) / sizeof(edition_vocab[0]);
         i++)
        if (strstr(s, edition_vocab[i].pattern))
            return edition_vocab[i].category;
    return NULL;
}

/* ---- the profiles ------------------------------------------------------ */

static const struct prof_element guji_elements[] = {
    {"title", "题名", PROF_REQUIRED, 0, c_title, NULL},
    {"juan", "卷数", PROF_REQUIRED, 1, c_juan, k_juan},
    {"creator", "著者", PROF_REQUIRED, 1, c_creator, NULL},
    {"dynasty", "著者朝代", PROF_REQUIRED, 1, c_dynasty, k_dynasty},
    {"role", "著作方式", PROF_REQUIRED, 1, c_role, k_role},
    {"edition", "版本", PROF_REQUIRED, 0, c_edition, NULL},
    {"edition_date", "版本年代", PROF_REQUIRED, 0, c_edition_date, k_date},
    {"edition_type", "版本类别", PROF_REQUIRED, 1, c_edition_type, NULL},
    {"pijiao", "批校题跋", PROF_RECOMMENDED, 1, c_pijiao, NULL},
    {"cunjuan", "存卷", PROF_OPTIONAL, 1, c_cunjuan, k_cunjuan},
    {"binding", "装帧", PROF_RECOMMENDED, 0, c_binding, NULL},
    {"callno", "索书号", PROF_REQUIRED, 1, c_callno, NULL},
    {"census", "普查登记编号", PROF_RECOMMENDED, 1, c_census, k_census},
};

static const struct prof_element local_elements[] = {
    {"title", "题名", PROF_REQUIRED, 0, c_title, NULL},
    {"creator", "责任者", PROF_RECOMMENDED, 1, c_creator, NULL},
    {"place", "地点", PROF_REQUIRED, 1, c_place, NULL},
    {"period", "时期", PROF_REQUIRED, 1, c_period, NULL},
    {"region", "主题地域", PROF_REQUIRED, 1, c_region, NULL},
    {"subject", "主题", PROF_RECOMMENDED, 1, c_subject, NULL},
    {"callno", "索书号", PROF_RECOMMENDED, 1, c_callno, NULL},
};

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static const struct prof_profile guji = {
    "guji", "古籍",
    "Ancient books, described with the elements of the national "
    "ancient-book census (全国古籍普查登记)",
    guji_elements, N_(guji_elements)};

static const struct prof_profile local_docs = {
    "difangwenxian", "地方文献",
    "Local documents: where, when and about which region", local_elements,
    N_(local_elements)};

static const struct prof_profile *const profiles[] = {&guji, &local_docs, NULL};

const struct prof_profile *const *prof_all(void)
{
    return profiles;
}

const struct prof_profile *prof_find(const char *collection)
{
    if (!collection)
        return NULL;
    for (size_t i = 0; profiles[i]; i++)
        if (!strcmp(profiles[i]->code, collection))
            return profiles[i];
    return NULL;
}

/* ---- checking ---------------------------------------------------------- */

void prof_result_reset(struct prof_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->issues[i].msg);
    r->n = r->errors = r->warnings = 0;
}

void prof_result_release(struct prof_result *r)
{
    prof_result_reset(r);
    free(r->issues);
    r->issues = NULL;
    r->cap = 0;
}

static int add_issue(struct prof_result *r, enum prof_severity sev,
                     const struct prof_element *e, const char *what,
                     const char *value)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct prof_issue *p = realloc(r->issues, cap * sizeof(*p));
        if (!p)
            return 0;
        r->issues = p;
        r->cap = cap;
    }
    struct wy_buf b = WY_BUF_INIT(4096);
    wy_buf_adds(&b, what);
    if (value) {
        wy_buf_adds(&b, ": '");
        size_t n = strlen(value);
        wy_buf_add(&b, value, n > 200 ? 200 : n); /* a report line */
        wy_buf_adds(&b, n > 200 ? "...'" : "'");
    }
    char *msg = wy_buf_take(&b, NULL);
    if (!msg)
        return 0;
    r->issues[r->n].severity = sev;
    r->issues[r->n].element = e;
    r->issues[r->n].msg = msg;
    r->n++;
    if (sev == PROF_ERROR)
        r->errors++;
    else
        r->warnings++;
    return 1;
}

wy_code prof_check(const struct prof_profile *p, const struct wy_record *rec,
                   struct prof_result *out, struct wy_err *err)
{
    prof_result_reset(out);
    for (size_t i = 0; i < p->nelements; i++) {
        const struct prof_element *e = &p->elements[i];
        struct prof_values v;
        v.n = 0;
        e->collect(rec, &v);
        int ok = 1;
        if (!v.n && e->level == PROF_REQUIRED)
            ok = add_issue(out, PROF_ERROR, e, "missing (required element)",
                           NULL);
        else if (!v.n && e->level == PROF_RECOMMENDED)
            ok = add_issue(out, PROF_WARNING, e,
                           "missing (recommended element)", NULL);
        if (ok && v.n > 1 && !e->repeatable)
            ok = add_issue(out, PROF_WARNING, e,
                           "given more than once (not repeatable)", NULL);
        for (size_t k = 0; ok && e->check && k < v.n && k < PROF_MAXV; k++) {
            const char *why = e->check(v.v[k]);
            if (why) {
                struct wy_buf b = WY_BUF_INIT(1024);
                wy_buf_addf(&b, "malformed: %s", why);
                ok = !b.error &&
                     add_issue(out, PROF_ERROR, e, wy_buf_cstr(&b), v.v[k]);
                wy_buf_release(&b);
            }
        }
        if (!ok)
            return wy_err_set(err, WY_ENOMEM,
                              "checking element '%s' of profile '%s'", e->key,
                              p->code);
    }
    return WY_OK;
}

wy_code prof_batch_init(struct prof_batch *b, const struct prof_profile *p,
                        struct wy_err *err)
{
    memset(b, 0, sizeof(*b));
    b->profile = p;
    b->missing = calloc(p->nelements, sizeof(*b->missing));
    b->malformed = calloc(p->nelements, sizeof(*b->malformed));
    if (!b->missing || !b->malformed) {
        prof_batch_release(b);
        return wy_err_set(err, WY_ENOMEM, "profile '%s': batch report",
                          p->code);
    }
    return WY_OK;
}

void prof_batch_release(struct prof_batch *b)
{
    free(b->missing);
    free(b->malformed);
    prof_result_release(&b->cur);
    b->missing = b->malformed = NULL;
}

wy_code prof_batch_add(struct prof_batch *b, const char *name,
                       const struct wy_record *rec, struct wy_buf *out,
                       struct wy_err *err)
{
    wy_code rc = prof_check(b->profile, rec, &b->cur, err);
    if (rc)
        return wy_err_prefix(err, "%s", name);
    b->records++;
    if (!b->cur.n)
        b->clean++;
    if (b->cur.errors)
        b->with_errors++;
    else if (b->cur.warnings)
        b->with_warnings++;
    const struct prof_element *last_missing = NULL, *last_bad = NULL;
    for (size_t i = 0; i < b->cur.n; i++) {
        const struct prof_issue *is = &b->cur.issues[i];
        size_t k = (size_t)(is->element - b->profile->elements);
        if (!strncmp(is->msg, "missing", 7) && is->element != last_missing) {
            b->missing[k]++;
            last_missing = is->element;
        } else if (!strncmp(is->msg, "malformed", 9) &&
                   is->element != last_bad) {
            b->malformed[k]++;
            last_bad = is->element;
        }
        wy_buf_addf(out, "%s: %s: %s (%s): %s\n", name,
                    is->severity == PROF_ERROR ? "error" : "warning",
                    is->element->label, is->element->key, is->msg);
    }
    return wy_buf_status(out, err);
}

void prof_batch_summary(const struct prof_batch *b, struct wy_buf *out)
{
    const struct prof_profile *p = b->profile;
    wy_buf_addf(out,
                "profile %s (%s): %zu records checked, %zu clean, %zu with "
                "errors, %zu with warnings only\n",
                p->code, p->name, b->records, b->clean, b->with_errors,
                b->with_warnings);
    for (size_t i = 0; i < p->nelements; i++) {
        if (!b->missing[i] && !b->malformed[i])
            continue;
        wy_buf_addf(out, "  %s (%s, %s): %zu missing, %zu malformed\n",
                    p->elements[i].label, p->elements[i].key,
                    p->elements[i].level == PROF_REQUIRED      ? "required"
                    : p->elements[i].level == PROF_RECOMMENDED ? "recommended"
                                                               : "optional",
                    b->missing[i], b->malformed[i]);
    }
}

size_t prof_values_of(const char *key, const struct wy_record *rec,
                      const char **out, size_t max)
{
    for (const struct prof_profile *const *p = profiles; *p; p++)
        for (size_t i = 0; i < (*p)->nelements; i++) {
            const struct prof_element *e = &(*p)->elements[i];
            if (strcmp(e->key, key))
                continue;
            struct prof_values v = {{NULL}, 0};
            e->collect(rec, &v);
            size_t n = v.n < PROF_MAXV ? v.n : PROF_MAXV;
            n = n < max ? n : max;
            for (size_t k = 0; k < n; k++)
                out[k] = v.v[k];
            return n;
        }
    return 0;
}
