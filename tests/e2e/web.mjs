// tests/e2e/web.mjs: drives the researchers' page in headless Chromium:
// a query in traditional characters, a facet, a record with its holdings
// and its page image, the English switch; screenshots go to OUTDIR.
// Usage: node web.mjs URL OUTDIR   (exit 0 when every step worked)
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
const fail = msg => { console.error('e2e: ' + msg); process.exit(1); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  if ((await page.textContent('.brand')).trim() !== '文渊 数字图书馆') fail('not the Chinese interface');

  // a query in traditional characters finds the simplified titles
  await page.fill('#q', '中國發展報告');
  await page.click('#search-btn');
  await page.waitForSelector('#hits li', { timeout: 10000 });
  const hits = await page.$$eval('#hits li .title', l => l.map(a => a.textContent));
  if (hits.length < 5) fail('expected at least 5 hits, got ' + hits.length);
  if (!hits.some(t => t.includes('中国发展报告'))) fail('no 中国发展报告 among ' + hits);
  const marks = await page.$$eval('#hits mark', l => l.length);
  await page.screenshot({ path: out + '/search.png', fullPage: true });

  // a facet: the collection guji
  await page.click('[data-facet="collection"] li a');
  await page.waitForSelector('#chosen a', { timeout: 10000 });
  if (!page.url().includes('facet=collection')) fail('facet not in the permalink: ' + page.url());

  // the record of '94中国发展报告, with its object
  const link = page.locator('#hits li a.title', { hasText: "'94中国发展报告" }).first();
  await link.click();
  await page.waitForSelector('#record h1', { timeout: 10000 });
  const h1 = await page.textContent('#record h1');
  if (!h1.includes("'94中国发展报告")) fail('record title ' + h1);
  if (await page.isVisible('#search-view')) fail('the result list is still shown on the record page');
  const dl = await page.textContent('#record dl');
  if (!dl.includes('国家统计局')) fail('no creator in ' + dl);
  await page.waitForSelector('.thumbs img', { timeout: 10000 });
  await page.waitForFunction(() => {
    const i = document.querySelector('.thumbs img');
    return i && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 10000 });
  await page.click('.thumbs img');
  await page.waitForSelector('#viewer:not([hidden]) img', { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#viewer-img').naturalWidth > 0);
  await page.screenshot({ path: out + '/image.png' });
  await page.click('#viewer-close');
  await page.screenshot({ path: out + '/record.png', fullPage: true });

  // the English switch
  await page.click('#lang');
  if ((await page.textContent('.brand')).trim() !== 'Wenyuan Digital Library') fail('no English switch');
  if (errors.length) fail('page errors: ' + errors.join('; '));
  console.log(`e2e: ok (${hits.length} hits, ${marks} highlights, screenshots in ${out})`);
} finally {
  await browser.close();
}
