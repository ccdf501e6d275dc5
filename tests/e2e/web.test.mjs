// tests/e2e/web.test.mjs: the researchers' page on the samples home (built
// and served by tests/e2e/run.sh), in headless Chromium driven by
// playwright-core: queries typed in traditional and simplified characters
// (one that only a page transcription answers), a facet, a record with the
// page images of its digital object, the English switch. Screenshots go to
// $WY_E2E_OUT. Run: sh tests/e2e/run.sh (node --test, node's own runner).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.WY_URL;
const out = process.env.WY_E2E_OUT || 'out';
const T = { timeout: 10000 };
let browser, context, page, profile;
const errors = [];

before(async () => {
  assert.ok(url, 'WY_URL names the running service (see run.sh)');
  // a fresh profile each run; nothing reaches out to the network
  profile = mkdtempSync(join(tmpdir(), 'wenyuan-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  browser = context.browser();
  page = context.pages()[0] || await context.newPage();
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
});

after(async () => {
  if (context) await context.close();
  if (browser) await browser.close().catch(() => {});
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// Polls fn(arg) in the page until it is true (page.waitForFunction would
// evaluate a string, which the page's Content-Security-Policy refuses).
async function until(fn, arg, what) {
  const end = Date.now() + T.timeout;
  while (!(await page.evaluate(fn, arg))) {
    if (Date.now() > end) assert.fail('timed out waiting for ' + what);
    await new Promise(r => setTimeout(r, 50));
  }
}

async function search(q) {
  await page.fill('#q', q);
  await page.click('#search-btn');
  await until(want => {
    const s = document.querySelector('#summary');
    return new URLSearchParams(location.hash.replace(/^#[^?]*\?/, '')).get('q') === want &&
      s && s.textContent && !s.textContent.includes('…');
  }, q, 'the results of ' + q);
  await page.waitForSelector('#hits li', T);
  return page.$$eval('#hits li a.title', l => l.map(a => a.textContent));
}

test('the page opens in Chinese', async () => {
  assert.equal((await page.textContent('.brand')).trim(), '文渊 数字图书馆');
});

test('a title query in traditional characters: 論語', async () => {
  const hits = await search('論語');
  assert.ok(hits.includes('論語集注'), 'hits: ' + hits);
  await page.screenshot({ path: join(out, '1-search-lunyu.png'), fullPage: true });
});

test('a full-text query only the page transcription answers: 学而', async () => {
  // 学而 (simplified) is on page 1 of 論語集注 (學而時習之), in no record field
  const hits = await search('学而');
  assert.deepEqual(hits, ['論語集注']);
  // the snippet shows the page as transcribed (traditional), not the
  // simplified text the query was matched on
  const marks = await page.$$eval('#hits mark', l => l.map(m => m.textContent));
  assert.ok(marks.some(m => m.includes('學而')), 'highlights: ' + marks);
  await page.screenshot({ path: join(out, '2-search-xueer.png'), fullPage: true });
});

test('a facet narrows the results', async () => {
  const all = await search('嘉禾');
  assert.ok(all.includes('嘉禾縣志'), 'hits: ' + all);
  await page.click('[data-facet="dynasty"] li a:has-text("清")');
  await page.waitForSelector('#chosen a', T);
  assert.match(decodeURIComponent(page.url()), /facet=dynasty:清/);
  await page.waitForSelector('#hits li', T);
  const hits = await page.$$eval('#hits li a.title', l => l.map(a => a.textContent));
  assert.deepEqual(hits, ['嘉禾縣志']);
  await page.screenshot({ path: join(out, '3-facet.png'), fullPage: true });
});

test('a record shows its digital object with page images', async () => {
  await page.click('#hits li a.title:has-text("嘉禾縣志")');
  await page.waitForSelector('#record h1', T);
  assert.match(await page.textContent('#record h1'), /嘉禾縣志/);
  assert.ok(!(await page.isVisible('#search-view')), 'results still shown');
  const img = page.locator('.thumbs img').first();
  await img.waitFor(T);
  await img.scrollIntoViewIfNeeded();
  await until(() => {
    const i = document.querySelector('.thumbs img');
    return i && i.complete && i.naturalWidth > 0;
  }, null, 'the first page image');
  const n = await page.$$eval('.thumbs img', l => l.length);
  assert.equal(n, 3, 'three JPEG pages');
  const files = await page.textContent('#object');
  assert.ok(files.includes('text/0001.hocr'), 'the hOCR transcription is listed');
  await page.screenshot({ path: join(out, '4-record.png'), fullPage: true });
  await img.click();
  await page.waitForSelector('#viewer:not([hidden]) img', T);
  await until(() => document.querySelector('#viewer-img').naturalWidth > 0, null,
    'the image in the viewer');
  await page.screenshot({ path: join(out, '5-viewer.png') });
  await page.click('#viewer-close');
});

test('switching to English', async () => {
  await page.click('#lang');
  assert.equal((await page.textContent('.brand')).trim(), 'Wenyuan Digital Library');
  await page.screenshot({ path: join(out, '6-record-en.png'), fullPage: true });
});

test('back to the results keeps the query and the facet', async () => {
  await page.click('#back');
  await page.waitForSelector('#hits li', T);
  const h = decodeURIComponent(page.url());
  assert.match(h, /#\/\?.*q=嘉禾/);
  assert.match(h, /facet=dynasty:清/);
  assert.equal(await page.inputValue('#q'), '嘉禾');
  const hits = await page.$$eval('#hits li a.title', l => l.map(a => a.textContent));
  assert.deepEqual(hits, ['嘉禾縣志']);
  // the chosen facet is labelled in English: Dynasty: Qing
  assert.match(await page.textContent('#chosen'), /Dynasty: Qing/);
  await page.screenshot({ path: join(out, '7-search-en.png'), fullPage: true });
});

test('facet values are labelled, not coded', async () => {
  await page.goto(url + '#/');
  await page.waitForSelector('[data-facet="language"] li', T);
  const labels = async name => page.$$eval(`[data-facet="${name}"] li a span:first-child`,
    l => l.map(s => s.textContent));
  assert.ok((await labels('collection')).includes('Ancient books'), 'collection: ' + await labels('collection'));
  assert.ok((await labels('language')).includes('Chinese'), 'language');
  assert.ok((await labels('type')).includes('Text'), 'type');
  await page.click('#lang');
  await until(() => document.querySelector('.brand').textContent.includes('文渊'), null, 'Chinese');
  await page.waitForSelector('[data-facet="language"] li', T);
  await until(() => [...document.querySelectorAll('[data-facet="type"] li a span:first-child')]
    .some(s => s.textContent === '文本'), null, 'the type label 文本');
  assert.ok((await labels('collection')).includes('古籍'), 'collection 古籍');
  assert.ok((await labels('language')).includes('中文'), 'language 中文');
  assert.ok((await labels('language')).includes('英文'), 'language 英文');
  // the code stays in the link (the permalink) and the tooltip
  assert.equal(await page.getAttribute('[data-facet="language"] a[data-value="chi"]', 'title'), 'chi');
  await page.screenshot({ path: join(out, '8-facet-labels.png'), fullPage: true });
});

test('back to the results keeps the page', async () => {
  await page.goto(url + '#/?size=5&page=2');
  await until(() => /第 2 \/ \d+ 页/.test(document.querySelector('#pageinfo').textContent),
    null, 'page 2');
  const first = await page.textContent('#hits li a.title');
  await page.click('#hits li a.title');
  await page.waitForSelector('#record h1', T);
  await page.reload(); // the record's URL alone is enough to come back
  await page.waitForSelector('#record h1', T);
  await page.click('#back');
  await until(() => /第 2 \/ \d+ 页/.test(document.querySelector('#pageinfo').textContent),
    null, 'page 2 again');
  assert.equal(await page.textContent('#hits li a.title'), first);
  assert.match(page.url(), /size=5/);
  assert.match(page.url(), /page=2/);
});

test('a collection page: description, browsing facets, scoped search', async () => {
  await page.goto(url + '#/');
  await page.waitForSelector('#home-collections a[data-code="guji"]', T);
  await page.screenshot({ path: join(out, '9-home.png'), fullPage: true });
  await page.click('#home-collections a[data-code="guji"]');
  await until(() => location.hash === '#/collections/guji' &&
    document.querySelector('#collection-head h1') &&
    /共 3 条结果/.test(document.querySelector('#summary').textContent), null, 'the guji page');
  assert.equal((await page.textContent('#collection-head h1')).trim(), '古籍');
  assert.match(await page.textContent('#collection-head .desc'), /古籍善本与普通古籍/);
  assert.ok(!(await page.isVisible('#home-collections')), 'home list hidden');
  // the profile's facets first (著者, 著者朝代, 版本年代 → century), no collection facet
  const names = await page.$$eval('.facet', l => l.map(f => f.dataset.facet));
  assert.deepEqual(names.slice(0, 3), ['creator', 'dynasty', 'century']);
  assert.ok(!names.includes('collection'), 'facets: ' + names);
  await page.screenshot({ path: join(out, '10-collection.png'), fullPage: true });
  // a query inside the collection stays inside it
  const hits = await search('論語');
  assert.deepEqual(hits, ['論語集注']);
  assert.match(decodeURIComponent(page.url()), /#\/collections\/guji\?q=論語/);
  await page.fill('#q', 'Perl');
  await page.click('#search-btn');
  await until(() => /没有找到结果/.test(document.querySelector('#summary').textContent),
    null, 'no Perl among the ancient books');
  // browse by dynasty, then back from a record to the collection page
  await page.goto(url + '#/collections/guji');
  await page.click('[data-facet="dynasty"] a[data-value="宋"]');
  await until(() => /facet=dynasty/.test(location.hash) &&
    document.querySelectorAll('#hits li').length === 1, null, 'the Song facet');
  await page.click('#hits li a.title');
  await page.waitForSelector('#record h1', T);
  assert.equal(await page.getAttribute('#record dd a[href^="#/collections/"]', 'href'),
    '#/collections/guji');
  await page.click('#back');
  await until(() => location.hash.startsWith('#/collections/guji?') &&
    document.querySelector('#collection-head h1') &&
    document.querySelectorAll('#hits li').length === 1, null, 'back in the collection');
  assert.match(decodeURIComponent(page.url()), /facet=dynasty:宋/);
});

test('a 地方文献 page browses by its profile: 地点 and 主题地域', async () => {
  // tests/fixtures/union/local.xml: 杭州府志 and 西湖遊覽志 (published in
  // 杭州, about 杭州市), 上海縣志 (上海, about 上海縣)
  await page.goto(url + '#/collections/difangwenxian');
  await until(() => document.querySelector('#collection-head h1') &&
    /共 3 条结果/.test(document.querySelector('#summary').textContent), null,
  'the 地方文献 page');
  const names = await page.$$eval('.facet', l => l.map(f => f.dataset.facet));
  // 责任者, 地点, 时期 (century), 主题地域, 索书号 (library), in that order
  assert.deepEqual(names.slice(0, 5), ['creator', 'place', 'century', 'region', 'library']);
  assert.equal((await page.textContent('[data-facet="region"] h3')).trim(), '主题地域');
  assert.equal((await page.textContent('[data-facet="place"] h3')).trim(), '地点');
  await page.screenshot({ path: join(out, '15-difangwenxian.png'), fullPage: true });
  await page.click('[data-facet="region"] a[data-value="杭州市"]');
  await until(() => /facet=region/.test(location.hash) &&
    document.querySelectorAll('#hits li').length === 2, null, 'the 杭州市 region');
  const hits = await page.$$eval('#hits li a.title', l => l.map(a => a.textContent).sort());
  assert.deepEqual(hits, ['杭州府志', '西湖遊覽志']);
  // the place facet is as catalogued without brackets: [杭州] : is 杭州
  assert.equal(await page.textContent('[data-facet="place"] a[data-value="杭州"] .count'), '2');
});

test('TIFF pages are shown through JPEG derivatives, the master downloadable', async () => {
  await page.goto(url + '#/');
  await search('論語');
  await page.click('#hits li a.title:has-text("論語集注")');
  await page.waitForSelector('#record h1', T);
  await page.waitForSelector('.thumbs img', T);
  await until(() => {
    const l = [...document.querySelectorAll('.thumbs img')];
    return l.length === 2 && l.every(i => i.complete && i.naturalWidth > 0);
  }, null, 'both TIFF pages as thumbnails');
  const srcs = await page.$$eval('.thumbs img', l => l.map(i => i.getAttribute('src')));
  assert.ok(srcs.every(s => /\/images\/000[12]\.tif\?size=thumb$/.test(s)), 'srcs: ' + srcs);
  // a thumbnail fits 320 pixels: the 480 x 640 master becomes 240 x 320
  assert.equal(await page.$eval('.thumbs img', i => i.naturalHeight), 320);
  const master = await page.getAttribute('.thumbs figcaption a', 'href');
  assert.match(master, /\/images\/0001\.tif$/);
  await page.screenshot({ path: join(out, '11-record-tiff.png'), fullPage: true });
  await page.click('.thumbs img');
  await page.waitForSelector('#viewer:not([hidden]) img', T);
  await until(() => document.querySelector('#viewer-img').naturalWidth > 0, null,
    'the TIFF page in the viewer');
  assert.match(await page.getAttribute('#viewer-img', 'src'), /0001\.tif\?size=view$/);
  assert.match(await page.getAttribute('#viewer-master', 'href'), /\/images\/0001\.tif$/);
  assert.match(await page.textContent('#viewer-master'), /下载原图/);
  await page.screenshot({ path: join(out, '12-viewer-tiff.png') });
  await page.click('#viewer-close');
  // the master itself is served as the stored TIFF
  const r = await page.evaluate(async u => {
    const x = await fetch(u); return x.headers.get('content-type');
  }, master);
  assert.equal(r, 'image/tiff');
});

test('grouped by work: one hit per cluster, its record lists all holdings', async () => {
  // tests/fixtures/union/libraries.xml: 红楼梦 (ISBN-10, 国家图书馆 I242.47/1)
  // and 紅樓夢 (its ISBN-13, 上海图书馆 I242.4/12) are one work
  await page.goto(url + '#/');
  const grouped = await search('红楼梦');
  assert.ok(await page.isChecked('#group'), 'grouping is on by default');
  assert.deepEqual(grouped.filter(h => /[红紅]樓?楼?梦|紅樓夢/.test(h)), ['红楼梦']);
  const li = page.locator('#hits li:has(.held-by)').first();
  assert.equal((await li.locator('.held-by').textContent()).trim(), '2 馆收藏');
  await page.screenshot({ path: join(out, '13-grouped.png'), fullPage: true });
  await li.locator('a.title').click();
  await page.waitForSelector('.union-holdings tbody tr', T);
  assert.equal((await page.textContent('#record h1')).trim(), '红楼梦');
  const rows = await page.$$eval('.union-holdings tbody tr',
    l => l.map(r => [...r.cells].map(c => c.textContent)));
  assert.deepEqual(rows.map(r => r.slice(0, 2)).sort(),
    [['上海图书馆', 'I242.4/12'], ['国家图书馆', 'I242.47/1']]);
  await page.screenshot({ path: join(out, '14-union-holdings.png'), fullPage: true });
  // each holding links to its library's own record
  await page.click('.union-holdings tr:has-text("上海图书馆") a');
  await until(() => /紅樓夢/.test(document.querySelector('#record h1')?.textContent || ''),
    null, 'the 上海图书馆 record');
  // the toggle off: every record again, 红楼梦 and 紅樓夢 both
  await page.goto(url + '#/?q=' + encodeURIComponent('红楼梦') + '&group=0');
  await until(() => !document.querySelector('#group').checked &&
    document.querySelectorAll('#hits li').length >= 2, null, 'the ungrouped results');
  const all = await page.$$eval('#hits li a.title', l => l.map(a => a.textContent));
  assert.ok(all.includes('红楼梦') && all.includes('紅樓夢'), 'hits: ' + all);
  assert.equal(await page.$$eval('#hits .held-by', l => l.length), 0);
});

test('no errors in the page', () => {
  assert.deepEqual(errors, []);
});
