/* The researchers' page: search with facets and a year range, results with
   highlighted snippets, record pages with holdings and page images.
   Everything is built with DOM calls and textContent (no innerHTML of
   data), and state lives in the URL hash, so every view is a permalink. */
'use strict';

const T = {
  zh: {
    brand: '文渊 数字图书馆', placeholder: '检索题名、责任者、主题…（简体或繁体）',
    search: '检索', years: '年代', fromYear: '起', toYear: '止', apply: '应用',
    prev: '上一页', next: '下一页', back: '← 返回检索结果', close: '关闭',
    footer: '文渊 · 开放获取', lang: 'English', results: n => `共 ${n} 条结果`,
    page: (p, n) => `第 ${p} / ${n} 页`, none: '没有找到结果。', remove: '移除',
    title: '题名', creators: '责任者', date: '出版时间', publisher: '出版者',
    place: '出版地', edition: '版本', extent: '数量', subjects: '主题',
    identifiers: '标识符', languages: '语种', type: '类型', notes: '附注',
    rights: '权利', holdings: '收藏馆', callno: '索书号', census: '普查编号',
    collection: '专题', object: '数字对象', files: '文件', export: '导出',
    cite: '引用', permalink: '永久链接', deleted: '该记录已删除。',
    loading: '加载中…', error: '出错了：',
    facets: { collection: '专题', library: '收藏馆', type: '类型', language: '语种',
      creator: '责任者', century: '世纪', dynasty: '朝代', source: '来源' },
  },
  en: {
    brand: 'Wenyuan Digital Library', placeholder: 'Search titles, creators, subjects… (simplified or traditional)',
    search: 'Search', years: 'Years', fromYear: 'from', toYear: 'to', apply: 'Apply',
    prev: 'Previous', next: 'Next', back: '← Back to results', close: 'Close',
    footer: 'Wenyuan · open access', lang: '中文', results: n => `${n} results`,
    page: (p, n) => `page ${p} of ${n}`, none: 'Nothing found.', remove: 'remove',
    title: 'Title', creators: 'Creators', date: 'Date', publisher: 'Publisher',
    place: 'Place', edition: 'Edition', extent: 'Extent', subjects: 'Subjects',
    identifiers: 'Identifiers', languages: 'Languages', type: 'Type', notes: 'Notes',
    rights: 'Rights', holdings: 'Holding libraries', callno: 'call number', census: 'census no.',
    collection: 'Collection', object: 'Digital object', files: 'Files', export: 'Export',
    cite: 'Cite', permalink: 'Permalink', deleted: 'This record was deleted.',
    loading: 'Loading…', error: 'Error: ',
    facets: { collection: 'Collection', library: 'Holding library', type: 'Type',
      language: 'Language', creator: 'Creator', century: 'Century', dynasty: 'Dynasty',
      source: 'Source' },
  },
};

let lang = localStorage.getItem('wenyuan.lang') || 'zh';
const $ = id => document.getElementById(id);
const t = k => T[lang][k];

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined)
    e.append(k instanceof Node ? k : String(k));
  return e;
}

function applyLang() {
  document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
  document.querySelectorAll('[data-i18n]').forEach(n => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach(n => { n.placeholder = t(n.dataset.i18nPlaceholder); });
  $('lang').textContent = t('lang');
  $('lang').lang = lang === 'zh' ? 'en' : 'zh';
}

/* The snippet is HTML from the indexer: escaped text with <b> marks. Only
   the marks are kept; every other part is decoded as text. */
function snippet(html) {
  const out = el('span', { class: 'snippet' });
  const dec = document.createElement('textarea');
  html.split(/(<\/?b>)/).reduce((bold, part) => {
    if (part === '<b>') return true;
    if (part === '</b>') return false;
    dec.innerHTML = part.replace(/</g, '&lt;');
    out.append(bold ? el('mark', {}, dec.value) : dec.value);
    return bold;
  }, false);
  return out;
}

function parseHash() {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = h.split('?');
  return { path, params: new URLSearchParams(qs || '') };
}

function go(path, params) {
  const qs = params ? params.toString() : '';
  location.hash = '#' + path + (qs ? '?' + qs : '');
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.message || r.statusText);
  return j;
}

function currentSearch() {
  const { params } = parseHash();
  return params;
}

async function showSearch(params) {
  $('search-view').hidden = false;
  $('record-view').hidden = true;
  $('q').value = params.get('q') || '';
  $('from-year').value = params.get('from') || '';
  $('to-year').value = params.get('to') || '';
  const api = new URLSearchParams();
  for (const k of ['q', 'from', 'to', 'sort', 'page']) if (params.get(k)) api.set(k, params.get(k));
  for (const f of params.getAll('facet')) api.append('facet', f);
  api.set('size', '20');
  $('summary').textContent = t('loading');
  $('hits').replaceChildren();
  let res;
  try {
    res = await getJSON('/api/search?' + api.toString());
  } catch (e) {
    $('summary').replaceChildren(el('span', { class: 'error' }, t('error') + e.message));
    $('facets').replaceChildren();
    return;
  }
  $('summary').textContent = res.total ? t('results')(res.total) : t('none');
  const chosen = params.getAll('facet');
  $('chosen').replaceChildren(...chosen.map(f => {
    const p = new URLSearchParams(params);
    p.delete('facet'); p.delete('page');
    chosen.filter(x => x !== f).forEach(x => p.append('facet', x));
    return el('a', { href: '#/?' + p.toString(), title: t('remove') }, f.replace(/^[^:]*:/, '') + ' ✕');
  }));
  $('hits').replaceChildren(...res.hits.map(h => {
    const li = el('li', {},
      el('a', { class: 'title', href: '#/record/' + encodeURIComponent(h.id) }, h.title || h.id),
      el('div', { class: 'meta' }, [h.creator, h.date].filter(Boolean).join(' · ')));
    if (h.snippet) li.append(el('div', {}, snippet(h.snippet)));
    return li;
  }));
  const facets = el('div');
  for (const f of res.facets || []) {
    if (!f.values || !f.values.length) continue;
    const ul = el('ul');
    for (const v of f.values.slice(0, 12)) {
      const key = f.name + ':' + v.value;
      const on = chosen.includes(key);
      const p = new URLSearchParams(params);
      p.delete('page');
      if (on) { p.delete('facet'); chosen.filter(x => x !== key).forEach(x => p.append('facet', x)); }
      else p.append('facet', key);
      ul.append(el('li', {}, el('a', { href: '#/?' + p.toString(), class: on ? 'on' : null },
        el('span', {}, v.value), el('span', { class: 'count' }, v.count))));
    }
    facets.append(el('div', { class: 'facet', 'data-facet': f.name },
      el('h3', {}, (t('facets')[f.name]) || f.name), ul));
  }
  $('facets').replaceChildren(facets);
  const pages = Math.max(1, Math.ceil(res.total / res.size));
  $('pageinfo').textContent = t('page')(res.page, pages);
  $('prev').disabled = res.page <= 1;
  $('next').disabled = res.page >= pages;
  $('prev').onclick = () => { const p = new URLSearchParams(params); p.set('page', res.page - 1); go('/', p); };
  $('next').onclick = () => { const p = new URLSearchParams(params); p.set('page', res.page + 1); go('/', p); };
}

function row(dl, label, value) {
  if (value === undefined || value === null || value === '' ||
      (Array.isArray(value) && !value.length)) return;
  dl.append(el('dt', {}, label));
  const dd = el('dd');
  if (Array.isArray(value)) value.forEach((v, i) => { if (i) dd.append(el('br')); dd.append(v); });
  else dd.append(value);
  dl.append(dd);
}

async function showRecord(id) {
  $('search-view').hidden = true;
  $('record-view').hidden = false;
  const box = $('record');
  box.replaceChildren(t('loading'));
  $('object').replaceChildren();
  let r;
  try {
    r = await getJSON('/api/records/' + encodeURIComponent(id));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, t('error') + e.message));
    return;
  }
  const d = r.description || {};
  const titles = d.titles || [];
  box.replaceChildren(el('h1', {}, titles[0] || r.id));
  if (r.deleted) { box.append(el('p', {}, t('deleted'))); return; }
  const dl = el('dl');
  row(dl, t('title'), titles.slice(1));
  row(dl, t('creators'), (d.creators || []).map(c =>
    [c.dynasty ? '〔' + c.dynasty + '〕' : '', c.name, c.dates ? ' (' + c.dates + ')' : '', c.role ? ' ' + c.role : ''].join('')));
  row(dl, t('date'), d.date);
  row(dl, t('publisher'), d.publisher);
  row(dl, t('place'), d.place);
  row(dl, t('edition'), d.edition);
  row(dl, t('extent'), d.extent);
  row(dl, t('subjects'), d.subjects);
  row(dl, t('languages'), d.languages);
  row(dl, t('type'), d.type);
  row(dl, t('identifiers'), (d.identifiers || []).map(i => i.type + ': ' + i.value));
  row(dl, t('notes'), d.notes);
  row(dl, t('rights'), d.rights);
  row(dl, t('collection'), r.collection_name || r.collection);
  row(dl, t('holdings'), (d.holdings || []).map(h =>
    [h.institution, h.callno ? t('callno') + ' ' + h.callno : '', h.census ? t('census') + ' ' + h.census : '', h.note || '']
      .filter(Boolean).join(' · ')));
  box.append(dl);
  const rid = encodeURIComponent(r.id);
  const ex = el('p', { class: 'exports' }, el('strong', {}, t('export') + ': '));
  for (const f of ['marcxml', 'mods', 'oai_dc', 'marc21', 'json'])
    ex.append(el('a', { href: '/api/records/' + rid + '?format=' + f }, f));
  ex.append(el('strong', {}, t('cite') + ': '));
  for (const s of ['ris', 'bibtex'])
    ex.append(el('a', { href: '/api/records/' + rid + '/cite?style=' + s }, s.toUpperCase()));
  ex.append(el('a', { href: '#/record/' + rid, class: 'permalink' }, t('permalink')));
  box.append(ex);
  if (r.object) showObject(r.object);
}

async function showObject(oid) {
  const sec = $('object');
  let o;
  try { o = await getJSON('/api/objects/' + encodeURIComponent(oid)); }
  catch (e) { sec.replaceChildren(el('p', { class: 'error' }, t('error') + e.message)); return; }
  sec.replaceChildren(el('h2', {}, t('object') + ' · ' + o.id + ' (' + o.head + ')'));
  const images = o.files.filter(f => /^image\/(jpeg|png|gif|webp|svg)/.test(f.mime || ''));
  const thumbs = el('div', { class: 'thumbs' });
  for (const f of images) {
    const img = el('img', { src: f.url, alt: f.path, loading: 'lazy' });
    img.addEventListener('click', () => {
      $('viewer-img').src = f.url; $('viewer-img').alt = f.path; $('viewer').hidden = false;
    });
    thumbs.append(el('figure', {}, img, el('figcaption', {}, f.path)));
  }
  if (images.length) sec.append(thumbs);
  const ul = el('ul');
  for (const f of o.files)
    ul.append(el('li', {}, el('a', { href: f.url }, f.path), ' ',
      el('span', { class: 'count' }, (f.mime || '') + ' · ' + f.size + ' B')));
  sec.append(el('h3', {}, t('files')), ul);
}

function route() {
  const { path, params } = parseHash();
  const m = path.match(/^\/record\/(.+)$/);
  if (m) showRecord(decodeURIComponent(m[1]));
  else showSearch(params);
}

$('search-form').addEventListener('submit', ev => {
  ev.preventDefault();
  const p = new URLSearchParams();
  if ($('q').value.trim()) p.set('q', $('q').value.trim());
  const old = currentSearch();
  for (const k of ['from', 'to']) if (old.get(k)) p.set(k, old.get(k));
  go('/', p);
});
$('years').addEventListener('submit', ev => {
  ev.preventDefault();
  const p = new URLSearchParams(currentSearch());
  p.delete('page');
  for (const [k, id] of [['from', 'from-year'], ['to', 'to-year']]) {
    if ($(id).value) p.set(k, $(id).value); else p.delete(k);
  }
  go('/', p);
});
$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('wenyuan.lang', lang);
  applyLang();
  route();
});
$('viewer-close').addEventListener('click', () => { $('viewer').hidden = true; });
window.addEventListener('hashchange', route);
applyLang();
route();
