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
    loading: '加载中…', error: '出错了：', master: '下载原图',
    collections: '专题数据库', records: n => `${n} 条记录`, browseBy: '浏览：',
    searchIn: name => `在「${name}」中检索…（简体或繁体）`, allCollections: '全部专题',
    group: '按作品合并', heldBy: n => `${n} 馆收藏`, works: (n, m) => `共 ${n} 条结果，合并为 ${m} 部作品`,
    unionHoldings: '联合目录馆藏', library: '收藏馆', record: '记录',
    facets: { collection: '专题', library: '收藏馆', type: '类型', language: '语种',
      creator: '责任者', century: '世纪', dynasty: '朝代', source: '来源',
      edition_type: '版本类别', place: '地点', region: '主题地域' },
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
    loading: 'Loading…', error: 'Error: ', master: 'Download the master',
    collections: 'Collections', records: n => `${n} records`, browseBy: 'Browse by: ',
    searchIn: name => `Search ${name}… (simplified or traditional)`, allCollections: 'All collections',
    group: 'Group by work', heldBy: n => `held by ${n} ${n === 1 ? 'library' : 'libraries'}`,
    works: (n, m) => `${n} results in ${m} works`,
    unionHoldings: 'Holdings in the union catalogue', library: 'Library', record: 'Record',
    facets: { collection: 'Collection', library: 'Holding library', type: 'Type',
      language: 'Language', creator: 'Creator', century: 'Century', dynasty: 'Dynasty',
      source: 'Source', edition_type: 'Edition type', place: 'Place', region: 'Region' },
  },
};

/* Human labels for facet values the index stores as codes: DCMI types,
   ISO 639-2/B languages common in Chinese libraries, centuries, dynasties
   and sources. [Chinese, English]; a value not listed is shown as is. */
const LABELS = {
  type: {
    Text: ['文本', 'Text'], StillImage: ['静态图像', 'Still image'], Image: ['图像', 'Image'],
    MovingImage: ['动态图像', 'Moving image'], Sound: ['音频', 'Sound'],
    Collection: ['集合', 'Collection'], Dataset: ['数据集', 'Dataset'],
    Software: ['软件', 'Software'], Service: ['服务', 'Service'], Event: ['事件', 'Event'],
    InteractiveResource: ['交互资源', 'Interactive resource'],
    PhysicalObject: ['实物', 'Physical object'],
  },
  language: {
    chi: ['中文', 'Chinese'], zho: ['中文', 'Chinese'], eng: ['英文', 'English'],
    jpn: ['日文', 'Japanese'], kor: ['朝鲜文', 'Korean'], mul: ['多语种', 'Multiple languages'],
    lat: ['拉丁文', 'Latin'], fre: ['法文', 'French'], fra: ['法文', 'French'],
    ger: ['德文', 'German'], deu: ['德文', 'German'], rus: ['俄文', 'Russian'],
    mon: ['蒙古文', 'Mongolian'], tib: ['藏文', 'Tibetan'], bod: ['藏文', 'Tibetan'],
    uig: ['维吾尔文', 'Uighur'], mnc: ['满文', 'Manchu'], san: ['梵文', 'Sanskrit'],
    vie: ['越南文', 'Vietnamese'], spa: ['西班牙文', 'Spanish'], ita: ['意大利文', 'Italian'],
    und: ['未定', 'Undetermined'], zxx: ['无语言内容', 'No linguistic content'],
  },
  dynasty: {
    先秦: ['先秦', 'Pre-Qin'], 秦: ['秦', 'Qin'], 漢: ['漢', 'Han'], 汉: ['汉', 'Han'],
    三國: ['三國', 'Three Kingdoms'], 三国: ['三国', 'Three Kingdoms'], 晉: ['晉', 'Jin'], 晋: ['晋', 'Jin'],
    南朝梁: ['南朝梁', 'Liang (Southern Dynasties)'], 隋: ['隋', 'Sui'], 唐: ['唐', 'Tang'],
    五代: ['五代', 'Five Dynasties'], 宋: ['宋', 'Song'], 遼: ['遼', 'Liao'], 辽: ['辽', 'Liao'],
    金: ['金', 'Jin (Jurchen)'], 元: ['元', 'Yuan'], 明: ['明', 'Ming'], 清: ['清', 'Qing'],
    民國: ['民國', 'Republic of China'], 民国: ['民国', 'Republic of China'],
  },
  source: { local: ['本馆', 'Local'] },
  /* the 版本类别 vocabulary of docs/COLLECTIONS.md */
  edition_type: {
    刻本: ['刻本', 'Woodblock print'], 抄本: ['抄本', 'Manuscript copy'],
    影抄本: ['影抄本', 'Facsimile manuscript copy'], 稿本: ['稿本', 'Author\'s manuscript'],
    写本: ['写本', 'Manuscript'], 活字本: ['活字本', 'Movable-type print'],
    套印本: ['套印本', 'Multi-colour print'], 石印本: ['石印本', 'Lithograph'],
    铅印本: ['铅印本', 'Letterpress (lead type)'], 影印本: ['影印本', 'Photographic reprint'],
    油印本: ['油印本', 'Mimeograph'], 晒印本: ['晒印本', 'Blueprint'], 拓本: ['拓本', 'Rubbing'],
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
  const k = h.indexOf('?');
  const path = k < 0 ? h : h.slice(0, k);
  return { path: path || '/', params: new URLSearchParams(k < 0 ? '' : h.slice(k + 1)) };
}

function link(path, params) {
  const qs = params ? params.toString() : '';
  return '#' + path + (qs ? '?' + qs : '');
}

function go(path, params) {
  location.hash = link(path, params);
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.message || r.statusText);
  return j;
}

/* The collections (/api/collections), fetched once: their names label the
   collection facet and their descriptions head the collection pages. */
let collectionsP = null;
function collections() {
  if (!collectionsP)
    collectionsP = getJSON('/api/collections').then(j => j.collections || [])
      .catch(() => { collectionsP = null; return []; });
  return collectionsP;
}
let collectionList = [];

/* The English name of a collection: the parenthesized part of its
   description ("古籍善本与普通古籍 (ancient books)"), else its code. */
function collectionName(c) {
  if (lang === 'zh') return c.name || c.code;
  const m = /\(([^()]+)\)\s*$/.exec(c.description || '');
  if (!m) return c.code;
  return m[1].charAt(0).toUpperCase() + m[1].slice(1);
}

/* A facet value as people read it, in the page's language. */
function facetLabel(name, value) {
  if (name === 'collection') {
    const c = collectionList.find(x => x.code === value);
    return c ? collectionName(c) : value;
  }
  if (name === 'century') {
    const n = Number(value);
    if (!Number.isInteger(n)) return value;
    if (lang === 'zh') return n > 0 ? n + '世纪' : '公元前' + -n + '世纪';
    const a = Math.abs(n), s = a % 100 >= 11 && a % 100 <= 13 ? 'th'
      : ['th', 'st', 'nd', 'rd'][a % 10] || 'th';
    return a + s + ' century' + (n < 0 ? ' BCE' : '');
  }
  const l = (LABELS[name] || {})[value];
  return l ? l[lang === 'zh' ? 0 : 1] : value;
}

/* The search state kept in the URL: the query, facets, years, sort, page
   and page size. A search view is '/' or '/collections/CODE'. */
const STATE = ['q', 'facet', 'from', 'to', 'sort', 'page', 'size', 'group'];

/* Whether results are grouped by work when the URL does not say (group=1
   or 0): on when the home has a cluster of more than one record, i.e. the
   union search over everything finds fewer clusters than records. */
let groupDefaultP = null;
function groupDefault() {
  if (!groupDefaultP)
    groupDefaultP = getJSON('/api/union/search?size=1')
      .then(j => j.clusters < j.total_records).catch(() => false);
  return groupDefaultP;
}
function searchState(params) {
  const p = new URLSearchParams();
  for (const k of STATE) for (const v of params.getAll(k)) if (v) p.append(k, v);
  return p;
}

/* Where a record page's "back" link leads: the search view it was opened
   from, carried in its own URL (back=/?q=…) so it survives a reload. */
function backTarget(params) {
  const b = params.get('back') || '';
  return /^\/(collections\/[^?#]+)?(\?[^#]*)?$/.test(b) ? b : '/';
}

function showView(name) {
  for (const v of ['search-view', 'record-view']) $(v).hidden = v !== name;
}

/* The home page's list of collections, each linking to its page. */
function showHomeCollections(show) {
  const box = $('home-collections');
  box.hidden = !show || !collectionList.length;
  if (box.hidden) return;
  box.replaceChildren(el('h2', {}, t('collections')), el('ul', {}, ...collectionList.map(c =>
    el('li', {}, el('a', { href: '#/collections/' + encodeURIComponent(c.code), 'data-code': c.code },
      collectionName(c)), ' ', el('span', { class: 'count' }, t('records')(c.records)),
      el('div', { class: 'desc' }, c.description || '')))));
}

/* A collection page's head: its name, description and browsing facets. */
function showCollectionHead(coll) {
  const box = $('collection-head');
  box.hidden = !coll;
  $('q').placeholder = t('placeholder');
  if (!coll) return;
  const c = collectionList.find(x => x.code === coll) || { code: coll };
  $('q').placeholder = t('searchIn')(collectionName(c));
  box.replaceChildren(
    el('p', { class: 'crumbs' }, el('a', { href: '#/' }, t('allCollections')), ' › '),
    el('h1', {}, collectionName(c),
      lang === 'zh' || !c.name ? null : el('span', { class: 'alt', lang: 'zh' }, ' ' + c.name)),
    c.description ? el('p', { class: 'desc' }, c.description) : null,
    c.records !== undefined ? el('p', { class: 'count' }, t('records')(c.records)) : null,
    (c.browse || []).length ? el('p', { class: 'browse' }, t('browseBy'),
      ...c.browse.map((b, i) => el('span', { title: b.label },
        (i ? ' · ' : '') + ((t('facets')[b.facet]) || b.facet)))) : null);
}

async function showSearch(path, params, coll) {
  showView('search-view');
  collectionList = await collections();
  if (parseHash().path !== path) return;
  showCollectionHead(coll);
  showHomeCollections(!coll && !STATE.some(k => params.get(k)));
  $('q').value = params.get('q') || '';
  $('from-year').value = params.get('from') || '';
  $('to-year').value = params.get('to') || '';
  const api = searchState(params);
  api.delete('group');
  if (!api.get('size')) api.set('size', '20');
  if (coll) api.set('collection', coll);
  const group = params.has('group') ? params.get('group') === '1' : await groupDefault();
  $('group').checked = group;
  $('group').onchange = () => {
    const p = searchState(params);
    p.delete('page');
    p.set('group', $('group').checked ? '1' : '0');
    go(path, p);
  };
  $('summary').textContent = t('loading');
  $('hits').replaceChildren();
  let res, uni = null;
  try {
    [res, uni] = await Promise.all([getJSON('/api/search?' + api.toString()),
      group ? getJSON('/api/union/search?' + api.toString()) : null]);
  } catch (e) {
    $('summary').replaceChildren(el('span', { class: 'error' }, t('error') + e.message));
    $('facets').replaceChildren();
    return;
  }
  if (parseHash().path !== path) return; /* the user moved on meanwhile */
  $('summary').textContent = !res.total ? t('none')
    : uni ? t('works')(res.total, uni.clusters) : t('results')(res.total);
  const chosen = params.getAll('facet');
  const withFacets = list => {
    const p = searchState(params);
    p.delete('facet'); p.delete('page');
    list.forEach(x => p.append('facet', x));
    return link(path, p);
  };
  $('chosen').replaceChildren(...chosen.map(f => {
    const k = f.indexOf(':');
    const name = f.slice(0, k), value = f.slice(k + 1);
    return el('a', { href: withFacets(chosen.filter(x => x !== f)), title: t('remove') },
      ((t('facets')[name]) || name) + ': ' + facetLabel(name, value) + ' ✕');
  }));
  const back = link(path, searchState(params));
  /* grouped: one hit per cluster, linking to its display record */
  $('hits').replaceChildren(...(uni ? uni.hits : res.hits).map(h => {
    const id = String(h.display || h.id);
    const li = el('li', {},
      el('a', { class: 'title', href: link('/record/' + encodeURIComponent(id),
        new URLSearchParams({ back: back.slice(1) })) }, h.display_title || h.title || h.id),
      el('div', { class: 'meta' }, [h.creator, h.date].filter(Boolean).join(' · ')));
    if (uni && (h.records > 1 || h.held_by > 1))
      li.append(el('div', { class: 'held-by', 'data-cluster': h.cluster }, t('heldBy')(h.held_by)));
    if (h.snippet) li.append(el('div', {}, snippet(h.snippet)));
    return li;
  }));
  /* on a collection page, its profile's facets come first and the
     collection facet (one value) is left out */
  const order = coll ? ((collectionList.find(c => c.code === coll) || {}).browse || []).map(b => b.facet) : [];
  const ranked = (res.facets || []).filter(f => !(coll && f.name === 'collection'))
    .map((f, i) => ({ f, i, r: order.includes(f.name) ? order.indexOf(f.name) : order.length + i }))
    .sort((a, b) => a.r - b.r).map(x => x.f);
  const facets = el('div');
  for (const f of ranked) {
    if (!f.values || !f.values.length) continue;
    const ul = el('ul');
    for (const v of f.values.slice(0, 12)) {
      const key = f.name + ':' + v.value;
      const on = chosen.includes(key);
      const label = facetLabel(f.name, v.value);
      ul.append(el('li', {}, el('a', {
        href: withFacets(on ? chosen.filter(x => x !== key) : chosen.concat([key])),
        class: on ? 'on' : null, title: label !== v.value ? v.value : null,
        'data-value': v.value,
      }, el('span', {}, label), el('span', { class: 'count' }, v.count))));
    }
    facets.append(el('div', { class: 'facet', 'data-facet': f.name },
      el('h3', {}, (t('facets')[f.name]) || f.name), ul));
  }
  $('facets').replaceChildren(facets);
  const pages = Math.max(1, Math.ceil((uni ? uni.clusters : res.total) / res.size));
  $('pageinfo').textContent = t('page')(res.page, pages);
  $('prev').disabled = res.page <= 1;
  $('next').disabled = res.page >= pages;
  const toPage = n => { const p = searchState(params); p.set('page', n); go(path, p); };
  $('prev').onclick = () => toPage(res.page - 1);
  $('next').onclick = () => toPage(res.page + 1);
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

async function showRecord(id, params) {
  showView('record-view');
  $('back').href = '#' + backTarget(params);
  const box = $('record');
  box.replaceChildren(t('loading'));
  $('object').replaceChildren();
  let r;
  try {
    [r, collectionList] = await Promise.all([getJSON('/api/records/' + encodeURIComponent(id)), collections()]);
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
  row(dl, t('languages'), [].concat(d.languages || []).map(v => facetLabel('language', v)));
  row(dl, t('type'), [].concat(d.type || []).map(v => facetLabel('type', v)));
  row(dl, t('identifiers'), (d.identifiers || []).map(i => i.type + ': ' + i.value));
  row(dl, t('notes'), d.notes);
  row(dl, t('rights'), d.rights);
  if (r.collection)
    row(dl, t('collection'), el('a', { href: '#/collections/' + encodeURIComponent(r.collection) },
      facetLabel('collection', r.collection) !== r.collection ? facetLabel('collection', r.collection)
        : r.collection_name || r.collection));
  row(dl, t('holdings'), (d.holdings || []).map(h =>
    [h.institution, h.callno ? t('callno') + ' ' + h.callno : '', h.census ? t('census') + ' ' + h.census : '', h.note || '']
      .filter(Boolean).join(' · ')));
  box.append(dl);
  showUnionHoldings(r.id, box);
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

/* The holdings of the record's cluster (/api/clusters/ID takes any member's
   record id): every library, its call number and a link to its record.
   Shown only for a cluster of more than one record. */
async function showUnionHoldings(id, box) {
  let c;
  try { c = await getJSON('/api/clusters/' + encodeURIComponent(id)); } catch (e) { return; }
  if (!c.holdings || (c.records || []).length < 2) return;
  const rows = c.holdings.map(h => el('tr', {}, el('td', {}, h.library || ''),
    el('td', {}, h.callno || ''),
    el('td', {}, el('a', { href: '#/record/' + h.record }, String(h.record)))));
  const sec = el('section', { class: 'union-holdings', 'data-cluster': c.id },
    el('h2', {}, t('unionHoldings') + ' · ' + t('heldBy')(c.held_by)),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, t('library')),
      el('th', {}, t('callno')), el('th', {}, t('record')))), el('tbody', {}, ...rows)));
  const ex = box.querySelector('.exports');
  if (ex) box.insertBefore(sec, ex); else box.append(sec);
}

function size(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
  if (n >= 1024) return (n / 1024).toFixed(0) + ' KB';
  return n + ' B';
}

async function showObject(oid) {
  const sec = $('object');
  let o;
  try { o = await getJSON('/api/objects/' + encodeURIComponent(oid)); }
  catch (e) { sec.replaceChildren(el('p', { class: 'error' }, t('error') + e.message)); return; }
  sec.replaceChildren(el('h2', {}, t('object') + ' · ' + o.id + ' (' + o.head + ')'));
  /* every page image (TIFF and JPEG 2000 included, which browsers cannot
     show) is displayed through the service's JPEG derivatives; the master
     is a download link */
  const images = o.files.filter(f => /^image\//.test(f.mime || '') && !/svg/.test(f.mime));
  const thumbs = el('div', { class: 'thumbs' });
  for (const f of images) {
    const img = el('img', { src: f.url + '?size=thumb', alt: f.path, loading: 'lazy' });
    img.addEventListener('click', () => {
      $('viewer-img').src = f.url + '?size=view'; $('viewer-img').alt = f.path;
      $('viewer-master').href = f.url;
      $('viewer-master').textContent = t('master') + ' · ' + f.path + ' (' + (f.mime || '') + ', ' + size(f.size) + ')';
      $('viewer').hidden = false;
    });
    thumbs.append(el('figure', {}, img, el('figcaption', {},
      el('a', { href: f.url, class: 'master', title: t('master') }, f.path))));
  }
  if (images.length) sec.append(thumbs);
  const ul = el('ul');
  for (const f of o.files)
    ul.append(el('li', {}, el('a', { href: f.url }, f.path), ' ',
      el('span', { class: 'count' }, (f.mime || '') + ' · ' + size(f.size))));
  sec.append(el('h3', {}, t('files')), ul);
}

function route() {
  const { path, params } = parseHash();
  const m = path.match(/^\/record\/(.+)$/);
  const c = path.match(/^\/collections\/([^/]+)$/);
  if (m) showRecord(decodeURIComponent(m[1]), params);
  else if (c) showSearch(path, params, decodeURIComponent(c[1]));
  else showSearch('/', params, null);
}

/* a new query keeps the view, the years and the page size; facets and the
   page start over */
$('search-form').addEventListener('submit', ev => {
  ev.preventDefault();
  const { path, params: old } = parseHash();
  const p = new URLSearchParams();
  if ($('q').value.trim()) p.set('q', $('q').value.trim());
  for (const k of ['from', 'to', 'sort', 'size']) if (old.get(k)) p.set(k, old.get(k));
  go(path.startsWith('/record/') ? '/' : path, p);
});
$('years').addEventListener('submit', ev => {
  ev.preventDefault();
  const { path, params } = parseHash();
  const p = searchState(params);
  p.delete('page');
  for (const [k, id] of [['from', 'from-year'], ['to', 'to-year']]) {
    if ($(id).value) p.set(k, $(id).value); else p.delete(k);
  }
  go(path, p);
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
