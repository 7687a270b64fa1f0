// joblake dashboard: reads the data described in web/CONTRACT.md from the page itself and draws
// every tile and chart as a sum over the cells that pass the filters. No network, no framework.
// The work: decodeAndIndex() (in a worker) and prepare() turn the data once into typed arrays, with
// the rows of the per-cell tables grouped by cell; compute() lists the cells that pass the filters and sums every
// table over them; each chart turns the sums into an ECharts data update (setOption merge,
// lazyUpdate), so filtering never re-creates a chart. window.joblake is a read-only hook for tests
// (state(), locate(), timings).
(function () {
  'use strict';

  const timings = { scriptStart: performance.now(), firstRender: null, updates: [] };
  const hook = { timings, ready: null, state: () => null, locate: () => null };
  window.joblake = hook;

  // ---- formatting -------------------------------------------------------------------------------
  const nf = new Intl.NumberFormat('en-GB');
  const nfCompact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });
  const fmt = (x) => nf.format(Math.round(x));
  const pct = (x, digits = 1) => `${(x * 100).toFixed(digits)}%`;
  const eur = (x) => `€${nf.format(Math.round(x / 100) * 100)}`;
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const NAMES = {
    on_site: 'On site', hybrid: 'Hybrid', remote: 'Remote', fixed_term: 'Fixed term', permanent: 'Permanent',
    freelance: 'Freelance', internship: 'Internship', apprenticeship: 'Apprenticeship', unknown: 'Unknown',
    adzuna: 'Adzuna', france_travail: 'France Travail', indeed: 'Indeed', linkedin: 'LinkedIn', jooble: 'Jooble',
    welcome_to_the_jungle: 'Welcome to the Jungle', apec: 'APEC', hellowork: 'HelloWork', remotive: 'Remotive',
  };
  const humanize = (code) => NAMES[code] || (code ? code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, ' ') : 'Unknown');
  const fmtTime = (iso) => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : 'unknown');
  const ago = (iso) => {
    if (!iso) return '';
    const h = (Date.now() - Date.parse(iso)) / 3.6e6;
    if (!(h >= 0)) return '';
    if (h < 1) return '< 1 hour';
    if (h < 48) return Math.round(h) === 1 ? '1 hour' : `${Math.round(h)} hours`;
    return `${Math.round(h / 24)} days`;
  };
  const PALETTE = ['#1f5fbf', '#e8730c', '#2a9d5b', '#c2185b', '#7b52c7', '#00838f', '#b38f00', '#6d4c41', '#5c7cfa', '#d84343',
    '#8fb3e8', '#f4b37a', '#8ccf9f', '#e88bb0', '#b9a3e3', '#6cc4cc', '#ddc766', '#b08a7c', '#3d3d8f', '#7a9a2e'];
  const OTHER = '#aab1bd';
  const color = (i) => PALETTE[i % PALETTE.length];
  const AXIS = { axisLabel: { color: '#4a5262' }, nameTextStyle: { color: '#4a5262' } };
  const BASE = { animation: false };

  const $ = (id) => document.getElementById(id);
  const show = (id, on = true) => { $(id).hidden = !on; };
  const message = (title, text) => {
    const el = $('message');
    el.innerHTML = `<h2>${esc(title)}</h2><p>${esc(text).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`;
    el.hidden = false;
  };

  // ---- loading ----------------------------------------------------------------------------------
  // Decoding the data (base64, gunzip, JSON, typed arrays, rows grouped by cell) is the page's
  // biggest job: it runs in a worker, in parallel with the browser evaluating ECharts, and falls
  // back to the main thread when no worker can start. This function is self-contained (its source
  // is the worker's script): it uses no variable from outside.
  async function decodeAndIndex(text, gzip) {
    let json = text;
    if (gzip) {
      const b64 = text.replace(/\s+/g, '');
      let bytes;
      if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(b64);
      else {
        const bin = atob(b64);
        bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      }
      json = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    }
    const D = JSON.parse(json);
    const cells = D.cells;
    if (!cells || !cells.month || cells.month.length === 0 || (D.meta && D.meta.empty)) return { D, T: null, transfer: [] };
    const nC = cells.month.length, MAX_BINS = 2000;
    const u16 = (a) => Uint16Array.from(a || []), u32 = (a) => Uint32Array.from(a || []), f64 = (a) => Float64Array.from(a || []);
    // Groups a table's rows by cell (a stable counting sort; nothing moves when already sorted):
    // the rows of cell c are [off[c], off[c + 1]).
    const byCell = (cellList, cols) => {
      const cell = u32(cellList), n = cell.length, off = new Uint32Array(nC + 1);
      let sorted = true;
      for (let i = 0; i < n; i++) { off[cell[i] + 1]++; if (i && cell[i] < cell[i - 1]) sorted = false; }
      for (let c = 0; c < nC; c++) off[c + 1] += off[c];
      if (sorted) return [off, ...cols];
      const pos = off.slice(0, nC), perm = new Uint32Array(n);
      for (let i = 0; i < n; i++) perm[pos[cell[i]]++] = i;
      return [off, ...cols.map((a) => { const b = new a.constructor(n); for (let i = 0; i < n; i++) b[i] = a[perm[i]]; return b; })];
    };
    const T = {};
    for (const k of ['month', 'family', 'source', 'country', 'region', 'contract', 'remote']) T[k] = u16(cells[k]);
    T.postings = f64(cells.postings); T.salaried = f64(cells.salaried);
    [T.sOff, T.sK, T.sN] = byCell(D.skills.cell, [u16(D.skills.skill), f64(D.skills.n)]);
    [T.kOff, T.kK, T.kN] = byCell(D.companies.cell, [u32(D.companies.company), f64(D.companies.n)]);
    [T.dOff, T.dD, T.dN] = byCell(D.departements.cell, [u16(D.departements.dep), f64(D.departements.n)]);
    // Salaries past MAX_BINS bins (2M EUR with 1,000 EUR bins) count in the last bin.
    const bins = u32(D.salary.bin);
    for (let i = 0; i < bins.length; i++) if (bins[i] >= MAX_BINS) bins[i] = MAX_BINS - 1;
    [T.yOff, T.yB, T.yN] = byCell(D.salary.cell, [bins, f64(D.salary.n)]);
    T.lM = u16(D.lifecycle.month); T.lF = u16(D.lifecycle.family); T.lO = f64(D.lifecycle.opened); T.lX = f64(D.lifecycle.closed);
    T.pC = u32(D.postings.cell);
    const fold = (x) => String(x || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    T.pKey = D.postings.title.map((t, i) => fold(`${t} \u0001 ${D.postings.company[i]}`));
    // The big columns now live in T; what stays in D is small (labels, meta, the posting list).
    D.cells = { rows: nC };
    for (const k of ['cell', 'skill', 'n']) delete D.skills[k];
    for (const k of ['cell', 'company', 'n']) delete D.companies[k];
    for (const k of ['cell', 'dep', 'n']) delete D.departements[k];
    for (const k of ['cell', 'bin', 'n']) delete D.salary[k];
    D.lifecycle = {};
    const transfer = Object.values(T).filter((v) => ArrayBuffer.isView(v)).map((v) => v.buffer);
    return { D, T, transfer };
  }
  const WORKER_MAIN = 'onmessage = async (e) => { try { const r = await decodeAndIndex(e.data.text, e.data.gzip);'
    + ' postMessage({ D: r.D, T: r.T }, r.transfer); } catch (err) { postMessage({ error: String((err && err.message) || err) }); } };';
  function startDecode() {
    const text = $('joblake-data').textContent.trim();
    if (!text || text.startsWith('/*@')) return Promise.reject(new Error('This page has no data: it is the template. Write it with `joblake dashboard`.'));
    const gzip = !text.startsWith('{');
    const here = () => decodeAndIndex(text, gzip);
    let worker, url;
    try {
      url = URL.createObjectURL(new Blob([`${decodeAndIndex.toString()}\n${WORKER_MAIN}`], { type: 'text/javascript' }));
      worker = new Worker(url);
    } catch (e) {
      timings.decodedIn = 'main thread';
      return here();
    }
    return new Promise((resolve) => {
      const done = (result) => { worker.terminate(); URL.revokeObjectURL(url); resolve(result); };
      worker.onmessage = (e) => { timings.decodedIn = 'worker'; done(e.data.error ? Promise.reject(new Error(e.data.error)) : e.data); };
      worker.onerror = (e) => { e.preventDefault(); timings.decodedIn = 'main thread'; done(here()); };
      worker.postMessage({ text, gzip });
    });
  }
  const decoding = startDecode();
  decoding.catch(() => {}); // reported by main()

  function readGeo() {
    try {
      const text = $('joblake-geo').textContent.trim();
      return text.startsWith('{') ? JSON.parse(text) : {};
    } catch (e) {
      return {};
    }
  }

  // ---- the model: typed arrays built once ----------------------------------------------------------
  let D, G, dims, nM, nF, nS, nCo, nR, nK, nW, nC, nB;
  let cM, cF, cS, cCo, cR, cK, cW, cP, cSal; // cells
  // Rows of the per-cell tables, grouped by cell: rows of cell c are [xOff[c], xOff[c + 1]).
  let sOff, sK, sN; // skills
  let kOff, kK, kN; // companies
  let dOff, dD, dN; // départements
  let yOff, yB, yN; // salary histogram
  let lM, lF, lO, lX; // lifecycle rows
  let pC, pKey; // postings: cell, folded search text
  let depRegion, depIndexByCode, countryIndexByCode, remoteIdx;

  function prepare(T) {
    dims = D.dims;
    nM = dims.month.length; nF = dims.family.length; nS = dims.source.length; nCo = dims.country.length;
    nR = dims.region.length; nK = dims.contract.length; nW = dims.remote.length;
    nC = T.month.length;
    cM = T.month; cF = T.family; cS = T.source; cCo = T.country; cR = T.region; cK = T.contract; cW = T.remote;
    cP = T.postings; cSal = T.salaried;
    ({ sOff, sK, sN, kOff, kK, kN, dOff, dD, dN, yOff, yB, yN, lM, lF, lO, lX, pC, pKey } = T);
    nB = 1;
    for (let i = 0; i < yB.length; i++) if (yB[i] + 1 > nB) nB = yB[i] + 1;
    // The région of each département, as the data says (the region it is most often paired with).
    const nDep = D.departements.codes.length;
    const pair = new Float64Array(nDep * nR);
    for (let c = 0; c < nC; c++) for (let i = dOff[c]; i < dOff[c + 1]; i++) pair[dD[i] * nR + cR[c]] += dN[i];
    depRegion = new Int32Array(nDep).fill(-1);
    for (let d = 0; d < nDep; d++) {
      let best = 0;
      for (let r = 0; r < nR; r++) if (pair[d * nR + r] > best) { best = pair[d * nR + r]; depRegion[d] = r; }
    }
    depIndexByCode = new Map(D.departements.codes.map((code, i) => [code, i]));
    countryIndexByCode = new Map(dims.country.map((code, i) => [code, i]));
    remoteIdx = dims.remote.indexOf('remote');
    allocate();
  }

  // ---- labels -----------------------------------------------------------------------------------
  const famLabel = (i) => (dims.family_label && dims.family_label[i]) || humanize(dims.family[i]);
  const countryLabel = (i) => (dims.country_name && dims.country_name[i]) || dims.country[i] || 'Unknown';
  const regionLabel = (i) => dims.region[i] || 'Unknown';
  const DIMS = ['family', 'source', 'country', 'region', 'contract', 'remote'];
  const DIM_TITLE = { family: 'Family', source: 'Source', country: 'Country', region: 'Region', contract: 'Contract', remote: 'Remote' };
  const dimLabel = (dim, i) => {
    if (dim === 'family') return famLabel(i);
    if (dim === 'country') return countryLabel(i);
    if (dim === 'region') return regionLabel(i);
    return humanize(dims[dim][i]);
  };

  // ---- filters ----------------------------------------------------------------------------------
  const F = { m0: 0, m1: 0, family: new Set(), source: new Set(), country: new Set(), region: new Set(), contract: new Set(), remote: new Set() };
  let selectedSkill = -1;
  // Chart clicks change the filters after ECharts has finished handling the click.
  const later = (fn) => setTimeout(fn, 0);
  const toggle = (dim, i) => {
    if (i < 0 || i === undefined) return;
    const set = F[dim];
    if (set.has(i)) set.delete(i); else set.add(i);
    later(() => update(`click ${dim}`));
  };
  const clearFilters = () => {
    F.m0 = 0; F.m1 = nM - 1;
    for (const d of DIMS) F[d].clear();
    selectedSkill = -1;
    const q = $('q');
    if (q.value) q.value = '';
    update('clear');
  };
  const filtersActive = () => F.m0 !== 0 || F.m1 !== nM - 1 || DIMS.some((d) => F[d].size > 0);

  // ---- aggregation ------------------------------------------------------------------------------
  let mask, sel, ok, A;
  function allocate() {
    mask = new Uint8Array(nC);
    sel = new Uint32Array(nC);
    ok = {};
    for (const d of DIMS) ok[d] = new Uint8Array(dims[d].length);
    A = {
      total: 0, prev: 0, hasPrev: false, salaried: 0,
      month: new Float64Array(nM), monthFam: new Float64Array(nM * nF), monthSrc: new Float64Array(nM * nS),
      family: new Float64Array(nF), source: new Float64Array(nS), country: new Float64Array(nCo), region: new Float64Array(nR),
      contract: new Float64Array(nK), remote: new Float64Array(nW),
      skill: new Float64Array(D.skills.names.length), skillMonth: new Float64Array(D.skills.names.length * nM),
      skillFam: new Float64Array(D.skills.names.length * nF),
      company: new Float64Array(D.companies.names.length), dep: new Float64Array(D.departements.codes.length),
      hist: new Float64Array(nB), histFam: new Float64Array(nF * nB), histReg: new Float64Array(nR * nB),
      opened: new Float64Array(nM), closed: new Float64Array(nM),
    };
  }
  function compute() {
    for (const d of DIMS) {
      const a = ok[d];
      if (F[d].size === 0) a.fill(1); else { a.fill(0); for (const v of F[d]) a[v] = 1; }
    }
    for (const k of Object.keys(A)) if (A[k] instanceof Float64Array) A[k].fill(0);
    const okF = ok.family, okS = ok.source, okCo = ok.country, okR = ok.region, okK = ok.contract, okW = ok.remote;
    const m0 = F.m0, m1 = F.m1, len = m1 - m0 + 1, pm0 = m0 - len, pm1 = m0 - 1;
    const aM = A.month, aMF = A.monthFam, aMS = A.monthSrc, aF = A.family, aS = A.source, aCo = A.country,
      aR = A.region, aK = A.contract, aW = A.remote;
    let total = 0, prev = 0, salaried = 0, nSel = 0;
    mask.fill(0);
    for (let c = 0; c < nC; c++) {
      if (!(okF[cF[c]] & okS[cS[c]] & okCo[cCo[c]] & okR[cR[c]] & okK[cK[c]] & okW[cW[c]])) continue;
      const m = cM[c], p = cP[c];
      if (m < m0 || m > m1) { if (m >= pm0 && m <= pm1) prev += p; continue; }
      mask[c] = 1; sel[nSel++] = c;
      total += p; salaried += cSal[c];
      const f = cF[c], s = cS[c];
      aM[m] += p; aMF[m * nF + f] += p; aMS[m * nS + s] += p;
      aF[f] += p; aS[s] += p; aCo[cCo[c]] += p; aR[cR[c]] += p; aK[cK[c]] += p; aW[cW[c]] += p;
    }
    A.total = total; A.prev = prev; A.hasPrev = pm0 >= 0; A.salaried = salaried;
    const aSk = A.skill, aSkM = A.skillMonth, aSkF = A.skillFam, aCmp = A.company, aDep = A.dep;
    const h = A.hist, hF = A.histFam, hR = A.histReg;
    for (let j = 0; j < nSel; j++) {
      const c = sel[j], m = cM[c], f = cF[c], fB = f * nB, rB = cR[c] * nB;
      for (let i = sOff[c], e = sOff[c + 1]; i < e; i++) {
        const k = sK[i], v = sN[i];
        aSk[k] += v; aSkM[k * nM + m] += v; aSkF[k * nF + f] += v;
      }
      for (let i = kOff[c], e = kOff[c + 1]; i < e; i++) aCmp[kK[i]] += kN[i];
      for (let i = dOff[c], e = dOff[c + 1]; i < e; i++) aDep[dD[i]] += dN[i];
      for (let i = yOff[c], e = yOff[c + 1]; i < e; i++) {
        const b = yB[i], v = yN[i];
        h[b] += v; hF[fB + b] += v; hR[rB + b] += v;
      }
    }
    // lifecycle: the period and the family filters only
    for (let i = 0, n = lM.length; i < n; i++) {
      const m = lM[i];
      if (m < m0 || m > m1 || !okF[lF[i]]) continue;
      A.opened[m] += lO[i]; A.closed[m] += lX[i];
    }
  }

  // Quantiles of a histogram slice, interpolated linearly inside the bin that holds each rank.
  function quantiles(h, off, qs) {
    let total = 0;
    for (let b = 0; b < nB; b++) total += h[off + b];
    if (total === 0) return null;
    const out = [];
    let cum = 0, b = 0;
    for (const q of qs) {
      const target = q * total;
      while (b < nB - 1 && cum + h[off + b] < target) { cum += h[off + b]; b++; }
      while (b < nB - 1 && h[off + b] === 0) b++;
      const inBin = h[off + b] || 1;
      out.push((b + Math.min(1, Math.max(0, (target - cum) / inBin))) * D.salary.bin_eur);
    }
    return { n: total, q: out };
  }
  const topIndices = (arr, k, minValue = 1e-9) => {
    const idx = [];
    for (let i = 0; i < arr.length; i++) if (arr[i] > minValue) idx.push(i);
    idx.sort((a, b) => arr[b] - arr[a] || a - b);
    return idx.slice(0, k);
  };
  const monthsInPeriod = () => dims.month.slice(F.m0, F.m1 + 1);

  // ---- charts -----------------------------------------------------------------------------------
  const charts = {};
  const narrow = () => window.innerWidth < 600;
  const tooltipItem = { trigger: 'item', confine: true };
  const valueAxis = (name, extra = {}) => ({ type: 'value', name, nameLocation: 'middle', nameGap: 28, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v) => nfCompact.format(v) }, ...extra });
  // Charts whose series vary keep a fixed number of series slots, so no series is ever removed
  // (ECharts' pointer handling can reach a removed series' graphics); unused slots are empty.
  const slots = (n, parts, style) => Array.from({ length: n }, (_, j) => {
    const x = parts[j];
    if (!x) return { id: `slot${j}`, name: `\u200b${j}`, key: null, type: style({}).type, data: [] };
    return { id: `slot${j}`, name: x.name, key: x.key, ...style(x), data: x.data };
  });
  const axisTip = (ps, f = fmt) => {
    const rows = ps.filter((p) => p.value !== null && p.value !== undefined && p.value !== '-' && !String(p.seriesName).startsWith('\u200b'));
    return rows.length ? `${esc(rows[0].axisValueLabel)}<br>${rows.map((p) => `${p.marker}${esc(p.seriesName)} <b>${f(p.value)}</b>`).join('<br>')}` : '';
  };
  const topName = (name) => valueAxis(name, { nameLocation: 'end', nameGap: 10, nameTextStyle: { ...AXIS.nameTextStyle, align: 'left' } });
  const categoryBars = (id, names, values, colors, labelFn, xName) => ({
    grid: { left: 8, right: 56, top: 8, bottom: 40, containLabel: true },
    tooltip: { ...tooltipItem, formatter: (p) => `${esc(p.name)}<br><b>${fmt(p.value)}</b> postings` },
    xAxis: valueAxis(xName),
    yAxis: { type: 'category', inverse: true, data: names, ...AXIS, axisLabel: { ...AXIS.axisLabel, width: narrow() ? 110 : 190, overflow: 'truncate' } },
    series: [{
      id: `${id}-bars`, type: 'bar', data: values.map((v, i) => ({ value: v, itemStyle: colors ? { color: colors[i] } : undefined })),
      barMaxWidth: 22, cursor: 'pointer',
      label: { show: true, position: 'right', formatter: labelFn || ((p) => nfCompact.format(p.value)), color: '#333' },
    }],
  });
  const sumSeries = (arr) => arr.reduce((s, v) => s + (typeof v === 'number' ? v : (v && typeof v.value === 'number' ? v.value : 0)), 0);
  const countPoints = (arr) => arr.filter((v) => (typeof v === 'number' ? v > 0 : v && (v.value > 0 || Array.isArray(v.value) || Array.isArray(v)))).length;

  const CHARTS = {
    timeline: {
      views: ['family', 'source'],
      render(view) {
        const months = monthsInPeriod();
        const by = view === 'family' ? A.family : A.source;
        const n = view === 'family' ? nF : nS;
        const grid = view === 'family' ? A.monthFam : A.monthSrc;
        const top = topIndices(by, view === 'family' ? 9 : 10);
        const inTop = new Uint8Array(n);
        top.forEach((i) => { inTop[i] = 1; });
        const parts = top.map((i) => ({
          key: `${view}:${i}`, name: view === 'family' ? famLabel(i) : humanize(dims.source[i]), color: color(i),
          data: months.map((_, j) => grid[(F.m0 + j) * n + i]),
        }));
        const rest = months.map((_, j) => {
          let s = 0;
          for (let i = 0; i < n; i++) if (!inTop[i]) s += grid[(F.m0 + j) * n + i];
          return s;
        });
        if (rest.some((v) => v > 0)) parts.push({ key: `${view}:other`, name: 'Other', color: OTHER, data: rest });
        this.keys = parts.map((x) => x.key);
        const series = slots(11, parts, (x) => ({ type: 'bar', stack: 'all', itemStyle: { color: x.color }, cursor: 'pointer', barMaxWidth: 40 }));
        return {
          option: {
            grid: { left: 8, right: 16, top: 62, bottom: 30, containLabel: true },
            legend: { type: 'scroll', top: 0, left: 0, right: 0, textStyle: { fontSize: 12 }, data: parts.map((x) => x.name) },
            tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, formatter: (ps) => axisTip(ps) },
            xAxis: { type: 'category', data: months, name: 'Month posted', nameLocation: 'middle', nameGap: 30, ...AXIS },
            yAxis: topName('Postings'),
            series,
          },
        };
      },
      click(view, p) {
        const key = this.keys[p.seriesIndex];
        if (!key || key.endsWith(':other')) return;
        toggle(view, Number(key.split(':')[1]));
      },
    },
    skills: {
      render() {
        const top = topIndices(A.skill, 15);
        const la = F.m1, pr = F.m1 - 1;
        const canMoM = F.m1 > F.m0 && A.month[la] > 0 && A.month[pr] > 0;
        const mom = top.map((k) => (canMoM ? (A.skillMonth[k * nM + la] / A.month[la] - A.skillMonth[k * nM + pr] / A.month[pr]) * 100 : null));
        this.top = top;
        const names = top.map((k) => D.skills.names[k]);
        const opt = categoryBars('skills', names, top.map((k) => A.skill[k]), top.map((k) => (k === selectedSkill ? '#e8730c' : '#1f5fbf')),
          (p) => {
            const m = mom[p.dataIndex];
            if (m === null) return nfCompact.format(p.value);
            return `${nfCompact.format(p.value)}  ${Math.abs(m) < 0.05 ? '±' : m > 0 ? '▲' : '▼'}${Math.abs(m).toFixed(1)} pt`;
          }, 'Postings mentioning the skill');
        opt.grid.right = 90;
        opt.tooltip.formatter = (p) => {
          const m = mom[p.dataIndex];
          return `${esc(p.name)}<br><b>${fmt(p.value)}</b> postings (${pct(p.value / (A.total || 1))} of the selection)` +
            (m === null ? '' : `<br>share change last month: ${m >= 0 ? '+' : ''}${m.toFixed(1)} pt`);
        };
        return { option: opt };
      },
      click(view, p) {
        const k = this.top[p.dataIndex];
        selectedSkill = selectedSkill === k ? -1 : k;
        later(() => update('select skill'));
      },
    },
    skilltrend: {
      render() {
        const months = monthsInPeriod();
        const top = topIndices(A.skill, 5);
        if (selectedSkill >= 0 && !top.includes(selectedSkill)) top.push(selectedSkill);
        const parts = top.map((k, j) => ({
          key: `skill:${k}`, name: D.skills.names[k], color: k === selectedSkill ? '#e8730c' : color(j), width: k === selectedSkill ? 4 : 2,
          data: months.map((_, i) => {
            const m = F.m0 + i;
            return A.month[m] > 0 ? +((A.skillMonth[k * nM + m] / A.month[m]) * 100).toFixed(2) : null;
          }),
        }));
        const series = slots(6, parts, (x) => ({ type: 'line', showSymbol: months.length <= 12, symbolSize: 5, lineStyle: { width: x.width }, itemStyle: { color: x.color } }));
        return {
          option: {
            grid: { left: 8, right: 16, top: 62, bottom: 30, containLabel: true },
            legend: { type: 'scroll', top: 0, left: 0, right: 0, data: parts.map((x) => x.name) },
            tooltip: { trigger: 'axis', confine: true, formatter: (ps) => axisTip(ps, (v) => `${v.toFixed(1)}%`) },
            xAxis: { type: 'category', data: months, name: 'Month posted', nameLocation: 'middle', nameGap: 30, ...AXIS },
            yAxis: { ...topName('% of the month\'s postings'), axisLabel: { ...AXIS.axisLabel, formatter: '{value}%' } },
            series,
          },
        };
      },
    },
    heatmap: {
      render() {
        // Skills: each family's two most asked, then the most asked overall.
        const fams = topIndices(A.family, 10);
        const want = narrow() ? 8 : 14, picked = new Set();
        const nSk = D.skills.names.length;
        for (const f of fams) {
          const col = new Float64Array(nSk);
          for (let k = 0; k < nSk; k++) col[k] = A.skillFam[k * nF + f];
          for (const k of topIndices(col, 2)) if (picked.size < want) picked.add(k);
        }
        for (const k of topIndices(A.skill, want)) if (picked.size < want) picked.add(k);
        const skills = [...picked].sort((a, b) => A.skill[b] - A.skill[a]);
        this.fams = fams;
        const data = [];
        let max = 0;
        fams.forEach((f, y) => skills.forEach((k, x) => {
          const share = A.family[f] > 0 ? (A.skillFam[k * nF + f] / A.family[f]) * 100 : 0;
          if (share > max) max = share;
          data.push({ value: [x, y, Math.round(share)], count: A.skillFam[k * nF + f] });
        }));
        return {
          option: {
            grid: { left: 8, right: 12, top: 8, bottom: 8, containLabel: true },
            tooltip: {
              ...tooltipItem,
              formatter: (p) => `${esc(famLabel(fams[p.value[1]]))} × ${esc(D.skills.names[skills[p.value[0]]])}<br><b>${p.value[2]}%</b> of the family's postings (${fmt(p.data.count)})`,
            },
            xAxis: { type: 'category', data: skills.map((k) => D.skills.names[k]), ...AXIS, axisLabel: { ...AXIS.axisLabel, rotate: 40, interval: 0 }, splitArea: { show: true } },
            yAxis: { type: 'category', inverse: true, data: fams.map((f) => famLabel(f)), ...AXIS, axisLabel: { ...AXIS.axisLabel, width: narrow() ? 100 : 190, overflow: 'truncate' } },
            visualMap: { show: false, min: 0, max: Math.max(1, max), inRange: { color: ['#f4f7fc', '#9fbbe6', '#1f5fbf', '#0b2e66'] } },
            series: [{ id: 'heat', type: 'heatmap', data, cursor: 'pointer', label: { show: !narrow(), fontSize: 11 }, emphasis: { itemStyle: { borderColor: '#e8730c', borderWidth: 2 } } }],
          },
        };
      },
      click(view, p) { toggle('family', this.fams[p.value[1]]); },
    },
    mapFr: {
      views: ['map', 'bars'],
      render(view) {
        const codes = D.departements.codes;
        if (view === 'map' && G.fr_departements) {
          const data = G.fr_departements.features.map((f) => {
            const d = depIndexByCode.get(f.properties.code);
            return { name: f.properties.code, value: d === undefined ? 0 : A.dep[d] };
          });
          const names = this.names || (this.names = new Map(G.fr_departements.features.map((f) => [f.properties.code, f.properties.name])));
          return {
            option: {
              tooltip: { ...tooltipItem, formatter: (p) => `${esc(names.get(p.name) || p.name)} (${esc(p.name)})<br><b>${fmt(p.value || 0)}</b> postings` },
              visualMap: classes(data.map((x) => x.value)),
              series: [{ id: 'fr', type: 'map', map: 'fr_departements', nameProperty: 'code', roam: false, selectedMode: false, aspectScale: 0.72, top: 4, bottom: 30, left: 4, right: 4, itemStyle: { borderColor: '#fff', borderWidth: 0.6 }, emphasis: { label: { show: false }, itemStyle: { areaColor: '#e8730c' } }, data, cursor: 'pointer' }],
            },
          };
        }
        const top = topIndices(A.dep, 15);
        this.top = top;
        return { option: categoryBars('fr-bars', top.map((d) => `${D.departements.names[d]} (${codes[d]})`), top.map((d) => A.dep[d]), null, null, 'Postings') };
      },
      click(view, p) {
        const d = view === 'map' ? depIndexByCode.get(p.name) : this.top[p.dataIndex];
        if (d !== undefined && depRegion[d] >= 0) toggle('region', depRegion[d]);
      },
    },
    mapWorld: {
      views: ['map', 'bars'],
      render(view) {
        if (view === 'map' && G.countries) {
          const data = [];
          for (let i = 0; i < nCo; i++) if (dims.country[i]) data.push({ name: dims.country[i], value: A.country[i] });
          return {
            option: {
              tooltip: { ...tooltipItem, formatter: (p) => `${esc(countryLabel(countryIndexByCode.get(p.name) ?? -1) || p.name)}<br><b>${fmt(p.value || 0)}</b> postings` },
              visualMap: classes(data.map((x) => x.value)),
              series: [{ id: 'world', type: 'map', map: 'countries', nameProperty: 'code', roam: false, selectedMode: false, boundingCoords: worldView, top: 4, bottom: 30, left: 4, right: 4, itemStyle: { areaColor: '#f1f2f4', borderColor: '#fff', borderWidth: 0.5 }, emphasis: { label: { show: false }, itemStyle: { areaColor: '#e8730c' } }, data, cursor: 'pointer' }],
            },
          };
        }
        const top = topIndices(A.country, 15);
        this.top = top;
        return { option: categoryBars('world-bars', top.map(countryLabel), top.map((i) => A.country[i]), null, null, 'Postings') };
      },
      click(view, p) {
        const i = view === 'map' ? countryIndexByCode.get(p.name) : this.top[p.dataIndex];
        if (i !== undefined) toggle('country', i);
      },
    },
    regions: {
      render() {
        const top = topIndices(A.region, 15);
        this.top = top;
        return { option: categoryBars('regions', top.map(regionLabel), top.map((r) => A.region[r]), null, null, 'Postings') };
      },
      click(view, p) { toggle('region', this.top[p.dataIndex]); },
    },
    shares: {
      render() {
        const total = A.total || 1;
        const kIdx = this.k || (this.k = topIndices(totalsBy.contract, nK, -1)), wIdx = this.w || (this.w = topIndices(totalsBy.remote, nW, -1));
        const bars = (id, idx, arr, dim, axisIndex) => ({
          id, type: 'bar', xAxisIndex: axisIndex, yAxisIndex: axisIndex, cursor: 'pointer', barMaxWidth: 20,
          data: idx.map((i) => ({ value: +(arr[i] / total * 100).toFixed(2), count: arr[i], itemStyle: { color: color(i + (dim === 'remote' ? 3 : 0)) } })),
          label: { show: true, position: 'right', formatter: (p) => `${p.value.toFixed(1)}%`, color: '#333' },
        });
        // Pixel layout: a row per category, so the chart's height follows the number of categories.
        const ROW = 24, kTop = 24, kH = kIdx.length * ROW, wTitle = kTop + kH + 14, wTop = wTitle + 24, wH = wIdx.length * ROW;
        const height = wTop + wH + 46;
        if (charts.shares && charts.shares.el.style.height !== `${height}px`) charts.shares.el.style.height = `${height}px`;
        return {
          option: {
            title: [
              { text: 'Contract', left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 600, color: '#1d2330' } },
              { text: 'Remote', left: 0, top: wTitle, textStyle: { fontSize: 13, fontWeight: 600, color: '#1d2330' } },
            ],
            tooltip: { ...tooltipItem, formatter: (p) => `${esc(p.name)}<br><b>${p.value.toFixed(1)}%</b> (${fmt(p.data.count)} postings)` },
            grid: [
              { left: narrow() ? 104 : 124, right: 60, top: kTop, height: kH },
              { left: narrow() ? 104 : 124, right: 60, top: wTop, height: wH },
            ],
            xAxis: [
              { type: 'value', gridIndex: 0, max: 100, ...AXIS, axisLabel: { show: false } },
              { type: 'value', gridIndex: 1, max: 100, name: '% of postings', nameLocation: 'middle', nameGap: 24, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: '{value}%' } },
            ],
            yAxis: [
              { type: 'category', gridIndex: 0, inverse: true, data: kIdx.map((i) => humanize(dims.contract[i])), ...AXIS, axisLabel: { ...AXIS.axisLabel, width: narrow() ? 96 : 116, overflow: 'truncate' } },
              { type: 'category', gridIndex: 1, inverse: true, data: wIdx.map((i) => humanize(dims.remote[i])), ...AXIS, axisLabel: { ...AXIS.axisLabel, width: narrow() ? 96 : 116, overflow: 'truncate' } },
            ],
            series: [bars('contract', kIdx, A.contract, 'contract', 0), bars('remote', wIdx, A.remote, 'remote', 1)],
          },
        };
      },
      click(view, p) {
        if (p.seriesId === 'contract') toggle('contract', this.k[p.dataIndex]);
        else toggle('remote', this.w[p.dataIndex]);
      },
    },
    salaryFamily: {
      render() { return salaryBoxes(this, 'family', nF, A.histFam, famLabel); },
      click(view, p) { toggle('family', this.rows[p.dataIndex]); },
    },
    salaryRegion: {
      render() { return salaryBoxes(this, 'region', nR, A.histReg, regionLabel); },
      click(view, p) { toggle('region', this.rows[p.dataIndex]); },
    },
    companies: {
      render() {
        const top = topIndices(A.company, 15);
        this.top = top;
        return { option: categoryBars('companies', top.map((k) => D.companies.names[k]), top.map((k) => A.company[k]), null, null, 'Postings') };
      },
      click(view, p) {
        const q = $('q');
        const name = D.companies.names[this.top[p.dataIndex]];
        q.value = q.value === name ? '' : name;
        renderSearch();
      },
    },
    lifecycle: {
      render() {
        const months = monthsInPeriod();
        return {
          option: {
            grid: { left: 8, right: 16, top: 62, bottom: 30, containLabel: true },
            legend: { top: 0, left: 0 },
            tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, valueFormatter: (v) => fmt(v) },
            xAxis: { type: 'category', data: months, name: 'Month', nameLocation: 'middle', nameGap: 30, ...AXIS },
            yAxis: topName('Postings'),
            series: [
              { id: 'opened', name: 'Opened', type: 'bar', itemStyle: { color: '#2a9d5b' }, data: months.map((_, i) => A.opened[F.m0 + i]) },
              { id: 'closed', name: 'Closed', type: 'bar', itemStyle: { color: '#b3261e' }, data: months.map((_, i) => A.closed[F.m0 + i]) },
            ],
          },
        };
      },
    },
  };

  function salaryBoxes(self, dim, n, hist, label) {
    const stats = [];
    for (let i = 0; i < n; i++) {
      const r = quantiles(hist, i * nB, [0.05, 0.25, 0.5, 0.75, 0.95]);
      if (r) stats.push({ i, n: r.n, q: r.q });
    }
    stats.sort((a, b) => b.n - a.n);
    const rows = stats.slice(0, 12).sort((a, b) => b.q[2] - a.q[2]);
    self.rows = rows.map((r) => r.i);
    self.n = rows.map((r) => r.n);
    const k = (v) => +(v / 1000).toFixed(1);
    return {
      option: {
        grid: { left: 8, right: 20, top: 8, bottom: 40, containLabel: true },
        tooltip: {
          ...tooltipItem,
          formatter: (p) => {
            const r = rows[p.dataIndex];
            return `${esc(label(r.i))}<br>median <b>${eur(r.q[2])}</b><br>quartiles ${eur(r.q[1])} – ${eur(r.q[3])}<br>5th–95th pct ${eur(r.q[0])} – ${eur(r.q[4])}<br>n = ${fmt(r.n)}${r.n < 10 ? ' (small sample)' : ''}`;
          },
        },
        xAxis: valueAxis('Annual salary, thousand EUR', { scale: true }),
        yAxis: {
          type: 'category', inverse: true, data: rows.map((r) => {
            const n = `n=${nfCompact.format(r.n)}${r.n < 10 ? ' ⚠' : ''}`;
            return narrow() ? `${n} · ${label(r.i)}` : `${label(r.i)} · ${n}`; // on a phone the name is what gets cut
          }), ...AXIS,
          axisLabel: { ...AXIS.axisLabel, width: narrow() ? 130 : 230, overflow: 'truncate', interval: 0 },
        },
        series: [{
          id: `box-${dim}`, type: 'boxplot', cursor: 'pointer', boxWidth: [6, 18],
          data: rows.map((r) => ({
            value: r.q.map(k), n: r.n,
            itemStyle: r.n < 10 ? { color: '#f1f2f4', borderColor: '#8a93a3', borderType: 'dashed' } : { color: '#dfe9f8', borderColor: '#1f5fbf' },
          })),
        }],
      },
    };
  }

  // Choropleth classes: none, then five classes cut at the quintiles of the non-zero values.
  const CLASS_COLORS = ['#d5e2f5', '#9dbbe8', '#5f8fd6', '#2c62b8', '#0b3a82'];
  function classes(values) {
    const v = values.filter((x) => x > 0).sort((a, b) => a - b);
    const pieces = [{ min: 0, max: 0, label: 'none', color: '#f1f2f4' }];
    if (v.length) {
      const cuts = [];
      for (const q of [0.2, 0.4, 0.6, 0.8]) {
        const x = v[Math.floor(q * (v.length - 1))];
        if (x < v[v.length - 1] && (!cuts.length || x > cuts[cuts.length - 1])) cuts.push(x);
      }
      let lo = 0;
      cuts.forEach((c, i) => {
        const from = lo === 0 ? Math.min(1, c) : Math.floor(lo) + 1;
        pieces.push({ gt: lo, lte: c, label: from >= c ? nfCompact.format(c) : `${nfCompact.format(from)}–${nfCompact.format(c)}`, color: CLASS_COLORS[i] });
        lo = c;
      });
      pieces.push({ gt: lo, label: `> ${nfCompact.format(lo)}`, color: CLASS_COLORS[4] });
    }
    return { type: 'piecewise', pieces, orient: 'horizontal', left: 'center', bottom: 0, backgroundColor: 'rgba(255,255,255,0.9)', padding: [4, 6], itemWidth: 12, itemHeight: 10, itemGap: 6, textGap: 3, textStyle: { fontSize: 11, color: '#4a5262' } };
  }

  let worldView;
  function worldBounds() {
    // The view: the top country and those with at least 5% of the postings (their largest polygon each).
    const feats = new Map(G.countries.features.map((f) => [f.properties.code, f]));
    const order = topIndices(A.country, nCo);
    const total = order.reduce((s, i) => s + A.country[i], 0);
    let x0 = 180, x1 = -180, y0 = 90, y1 = -90, any = false;
    for (const i of order) {
      if (any && A.country[i] < 0.05 * total) break;
      const f = feats.get(dims.country[i]);
      if (f) {
        const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
        let best = null, bestN = -1;
        for (const p of polys) if (p[0].length > bestN) { best = p; bestN = p[0].length; }
        for (const [x, y] of best[0]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
        any = true;
      }
    }
    if (!any) return [[-180, 85], [180, -60]];
    const px = Math.max(4, (x1 - x0) * 0.08), py = Math.max(3, (y1 - y0) * 0.08);
    return [[x0 - px, Math.min(85, y1 + py)], [x1 + px, Math.max(-60, y0 - py)]];
  }

  function registerWorld(view) {
    worldView = view;
    // Only the countries in (or near) the view are drawn: a map of 240 countries redraws slowly.
    const [[vx0, vy1], [vx1, vy0]] = view;
    const inView = (f) => {
      const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      return polys.some((p) => p[0].some(([x, y]) => x >= vx0 - 5 && x <= vx1 + 5 && y >= vy0 - 5 && y <= vy1 + 5));
    };
    echarts.registerMap('countries', { type: 'FeatureCollection', features: G.countries.features.filter(inView) });
  }
  function initCharts() {
    if (G.fr_departements) echarts.registerMap('fr_departements', G.fr_departements);
    for (const id of Object.keys(CHARTS)) {
      const el = $(`c-${id}`);
      const chart = echarts.init(el, null, { renderer: 'canvas' });
      const def = CHARTS[id];
      charts[id] = { el, chart, def, view: def.views ? def.views[0] : null, summary: null, w: el.clientWidth, h: el.clientHeight };
      chart.on('click', (p) => { if (def.click && p.componentType === 'series') def.click.call(def, charts[id].view, p); });
    }
    if (!G.fr_departements) setView('mapFr', 'bars', false);
    if (!G.countries) setView('mapWorld', 'bars', false);
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) {
        const c = Object.values(charts).find((x) => x.el === e.target);
        const w = Math.round(e.contentRect.width), h = Math.round(e.contentRect.height);
        if (!c || w === 0 || (w === c.w && h === c.h)) continue; // the first report repeats the size the chart has
        c.w = w; c.h = h;
        c.chart.resize();
      }
    });
    for (const c of Object.values(charts)) ro.observe(c.el);
  }

  function summarize(option) {
    const series = (option.series || []).map((s) => {
      const data = s.data || [];
      let sum = 0, points = 0;
      const values = [];
      for (const d of data) {
        let v = d && typeof d === 'object' && !Array.isArray(d) ? d.value : d;
        if (s.type === 'boxplot') v = d.n;
        else if (s.type === 'heatmap') v = d.count;
        if (typeof v === 'number' && v > 0) { sum += v; points++; }
        if (data.length <= 60) values.push(typeof v === 'number' ? v : null);
      }
      return { id: s.id, key: s.key || s.id, name: s.name || s.id, type: s.type, points, sum: Math.round(sum * 100) / 100, values };
    });
    return { series, points: series.reduce((s, x) => s + x.points, 0), sum: series.reduce((s, x) => s + x.sum, 0) };
  }

  // A filter change sends only what depends on the data: series, category lists, colour ranges
  // and tooltips; grids, axes and legends set up by the first render stay as they are.
  const categoryData = (axis) => (Array.isArray(axis) ? axis : [axis]).map((a) => (a.type === 'category' ? { data: a.data } : {}));
  function slim(option) {
    const out = { series: option.series };
    if (option.xAxis) out.xAxis = categoryData(option.xAxis);
    if (option.yAxis) out.yAxis = categoryData(option.yAxis);
    if (option.visualMap) out.visualMap = option.visualMap.pieces ? { pieces: option.visualMap.pieces } : { min: option.visualMap.min, max: option.visualMap.max };
    if (option.tooltip && option.tooltip.formatter) out.tooltip = { formatter: option.tooltip.formatter };
    if (option.legend && option.legend.data) out.legend = { data: option.legend.data };
    return out;
  }
  function renderChart(id, fresh) {
    const c = charts[id];
    const { option } = c.def.render.call(c.def, c.view);
    c.summary = summarize(option);
    if (fresh) c.chart.setOption({ ...BASE, ...option }, { notMerge: true, lazyUpdate: false });
    else c.chart.setOption(slim(option), { lazyUpdate: true });
  }
  function setView(id, view, rerender = true) {
    const c = charts[id];
    c.view = view;
    document.querySelectorAll(`[data-view^="${id}:"]`).forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === `${id}:${view}`)));
    if (rerender) renderChart(id, true);
  }

  // ---- tiles, chips, selects, search, footer ---------------------------------------------------
  const tileValues = {};
  function renderTiles() {
    const t = tileValues;
    t.postings = A.total; t.previous = A.hasPrev ? A.prev : null;
    t.change = A.hasPrev && A.prev > 0 ? A.total / A.prev - 1 : null;
    const med = quantiles(A.hist, 0, [0.5]);
    t.medianSalary = med ? Math.round(med.q[0]) : null; t.salaryN = med ? med.n : 0;
    t.remoteShare = remoteIdx >= 0 && A.total > 0 ? A.remote[remoteIdx] / A.total : null;
    let companies = 0;
    for (let i = 0; i < A.company.length; i++) if (A.company[i] > 0) companies++;
    t.companies = companies;
    let sources = 0;
    for (let i = 0; i < nS; i++) if (A.source[i] > 0) sources++;
    t.sources = sources;
    t.lastRefresh = D.meta.last_refresh;
    const months = F.m1 - F.m0 + 1;
    const capped = D.companies.top < D.companies.total;
    const topSources = topIndices(A.source, 3).map((i) => humanize(dims.source[i])).join(', ');
    const change = t.change === null
      ? (A.hasPrev ? 'no postings in the previous period' : 'no earlier period in the data to compare')
      : `<span class="${t.change >= 0 ? 'up' : 'down'}">${t.change >= 0 ? '▲' : '▼'} ${pct(Math.abs(t.change))}</span> vs the previous ${months} month${months > 1 ? 's' : ''}`;
    const tiles = [
      ['Postings in the period', fmt(t.postings), change],
      ['Median annual salary', t.medianSalary === null ? '–' : eur(t.medianSalary), t.salaryN ? `from ${fmt(t.salaryN)} postings with a salary (EUR)` : 'no salary in this selection'],
      ['Remote', t.remoteShare === null ? '–' : pct(t.remoteShare), `of ${fmt(A.total)} postings are fully remote`],
      ['Active companies', fmt(companies), capped ? `of the top ${fmt(D.companies.top)} employers (${fmt(D.companies.total)} in the lake)` : `of ${fmt(D.companies.total)} companies in the lake`],
      ['Sources', `${sources} of ${nS}`, topSources ? `most postings: ${esc(topSources)}` : 'none in this selection'],
      ['Data age', t.lastRefresh ? esc(ago(t.lastRefresh) || '–') : 'unknown', t.lastRefresh ? `since the lake's last refresh, ${esc(fmtTime(t.lastRefresh))}` : 'the lake has no refresh time'],
    ];
    $('tiles').innerHTML = tiles.map(([k, v, s]) => `<div class="tile"><div class="k">${k}</div><div class="v">${v}</div><div class="s">${s}</div></div>`).join('');
  }

  function renderChips() {
    const chips = [];
    if (F.m0 !== 0 || F.m1 !== nM - 1) chips.push({ key: 'period', text: `Period: ${dims.month[F.m0]} – ${dims.month[F.m1]}` });
    for (const d of DIMS) for (const v of F[d]) chips.push({ key: `${d}:${v}`, text: `${DIM_TITLE[d]}: ${dimLabel(d, v)}` });
    $('chips').innerHTML = chips.map((c) => `<button type="button" class="chip" data-chip="${esc(c.key)}" aria-label="Remove filter ${esc(c.text)}">${esc(c.text)} <span class="x" aria-hidden="true">✕</span></button>`).join('');
  }

  function syncSelects() {
    $('f-skill').value = selectedSkill >= 0 ? String(selectedSkill) : '';
    $('f-from').value = String(F.m0);
    $('f-to').value = String(F.m1);
    for (const d of DIMS) {
      const sel = $(`f-${d}`);
      let multi = sel.querySelector('option[data-multi]');
      if (F[d].size > 1) {
        if (!multi) { multi = document.createElement('option'); multi.dataset.multi = '1'; multi.disabled = true; sel.insertBefore(multi, sel.options[1]); }
        multi.value = 'multi'; multi.textContent = `${F[d].size} selected`;
        sel.value = 'multi';
      } else {
        if (multi) multi.remove();
        sel.value = F[d].size === 1 ? String([...F[d]][0]) : '';
      }
    }
  }

  let totalsBy;
  function fillSelects() {
    const opts = (list) => list.map(([v, t]) => `<option value="${esc(v)}">${esc(t)}</option>`).join('');
    const months = dims.month.map((m, i) => [i, m]);
    $('f-from').innerHTML = opts(months);
    $('f-to').innerHTML = opts(months);
    // The trend's extra skill, for the keyboard (the bar chart's click does the same).
    const skills = D.skills.names.map((n, k) => [k, n]).sort((a, b) => a[1].localeCompare(b[1]));
    $('f-skill').innerHTML = `<option value="">None</option>${opts(skills)}`;
    const totals = {};
    for (const d of DIMS) totals[d] = new Float64Array(dims[d].length);
    for (let c = 0; c < nC; c++) {
      totals.family[cF[c]] += cP[c]; totals.source[cS[c]] += cP[c]; totals.country[cCo[c]] += cP[c];
      totals.region[cR[c]] += cP[c]; totals.contract[cK[c]] += cP[c]; totals.remote[cW[c]] += cP[c];
    }
    totalsBy = totals;
    for (const d of DIMS) {
      const idx = dims[d].map((_, i) => i);
      if (d === 'region' || d === 'country') idx.sort((a, b) => dimLabel(d, a).localeCompare(dimLabel(d, b)));
      $(`f-${d}`).innerHTML = opts([['', 'All'], ...idx.map((i) => [i, `${dimLabel(d, i)} (${nfCompact.format(totals[d][i])})`])]);
    }
  }

  const SHOWN = 50, SHOWN_IDLE = 12;
  let searchState = { query: '', matches: 0, shown: 0 };
  function renderSearch() {
    const P = D.postings;
    const raw = $('q').value.trim();
    const terms = fold(raw).split(/\s+/).filter(Boolean);
    const hits = [];
    let matches = 0;
    for (let i = 0; i < pC.length; i++) {
      if (!mask[pC[i]]) continue;
      const key = pKey[i];
      let okTerm = true;
      for (const t of terms) if (!key.includes(t)) { okTerm = false; break; }
      if (!okTerm) continue;
      matches++;
      if (hits.length < (terms.length ? SHOWN : SHOWN_IDLE)) hits.push(i);
    }
    searchState = { query: raw, matches, shown: hits.length };
    const capped = P.total > pC.length ? ` (the page holds the latest ${fmt(pC.length)} of ${fmt(P.total)} postings)` : '';
    $('search-count').textContent = raw
      ? `${fmt(matches)} posting${matches === 1 ? '' : 's'} match “${raw}” in the selection${hits.length < matches ? `; showing the ${hits.length} newest` : ''}${capped}.`
      : `The ${hits.length} newest of ${fmt(matches)} postings in the selection${capped}.`;
    $('results').innerHTML = hits.map((i) => {
      const url = /^https?:\/\//i.test(P.url[i] || '') ? P.url[i] : null;
      const title = url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(P.title[i])}</a>` : `<strong>${esc(P.title[i])}</strong>`;
      const c = pC[i];
      const place = [P.city[i], countryLabel(cCo[c])].filter(Boolean).join(', ');
      const pay = payText(P, i);
      return `<li>${title}<div class="meta">${esc(P.company[i] || '')} · ${esc(P.date[i] || '')} · ${esc(place)}</div><div class="meta">${pay}</div></li>`;
    }).join('');
  }

  // A stated salary as the posting gives it; else the salary model's estimate, marked as one
  // (never shown as a published figure), with its interval in the tooltip.
  function payText(P, i) {
    const given = (v) => v !== null && v !== undefined;
    if (given(P.salary_eur[i])) return `<span class="pay">${eur(P.salary_eur[i])}</span> a year`;
    const est = P.salary_estimate_eur ? P.salary_estimate_eur[i] : null;
    if (!given(est)) return 'salary not given';
    const lo = P.salary_estimate_low_eur[i], hi = P.salary_estimate_high_eur[i];
    const level = given(P.salary_estimate_level[i]) ? Math.round(P.salary_estimate_level[i] * 100) : null;
    const range = given(lo) && given(hi) ? ` (${eur(lo)} to ${eur(hi)}${level ? `, ${level}% interval` : ''})` : '';
    const tip = `Not published: estimated by joblake's salary model from the title, family, place, contract and skills${range}.`;
    return `salary not given · <span class="pay estimate" title="${esc(tip)}">≈ ${eur(est)}</span> a year, <abbr title="${esc(tip)}">estimated</abbr>`;
  }

  function renderFooter() {
    const m = D.meta || {}, dd = D.dims || {}, months = dd.month || [], sources = dd.source || [], nSrc = sources.length;
    const period = months.length ? `${months[0]} to ${months[months.length - 1]}` : 'no months';
    const srcs = sources.map(humanize).join(', ');
    $('footer').innerHTML = (!m.postings ? '<p>No postings to show.</p>' :
      `<p>Shows ${fmt(m.postings)} postings from ${nSrc} source${nSrc === 1 ? '' : 's'}${nSrc ? ` (${esc(srcs)})` : ''}, posted ${esc(period)}, from the lake “${esc(m.lake || '')}”.</p>`) +
      `<p>Lake last refreshed: ${esc(fmtTime(m.last_refresh))} · page written ${esc(fmtTime(m.generated_at))} · joblake ${esc(m.joblake_version || '')}</p>` +
      '<p>Charts: Apache ECharts (Apache-2.0). Boundaries: Natural Earth (public domain); French départements after “Map of France departments” by Victor Cazanave (CC BY 4.0), simplified.</p>';
  }

  // ---- the update cycle -------------------------------------------------------------------------
  function update(reason) {
    const t0 = performance.now();
    compute();
    for (const id of Object.keys(charts)) renderChart(id, false);
    renderTiles();
    renderChips();
    syncSelects();
    renderSearch();
    $('clear').disabled = false;
    const t1 = performance.now();
    // zrender paints in its own animation-frame callback, queued before this one.
    requestAnimationFrame(() => timings.updates.push({ reason, compute: t1 - t0, total: performance.now() - t0 }));
  }

  function wire() {
    $('f-from').addEventListener('change', (e) => { F.m0 = Number(e.target.value); if (F.m1 < F.m0) F.m1 = F.m0; update('period'); });
    $('f-to').addEventListener('change', (e) => { F.m1 = Number(e.target.value); if (F.m0 > F.m1) F.m0 = F.m1; update('period'); });
    for (const d of DIMS) {
      $(`f-${d}`).addEventListener('change', (e) => {
        const v = e.target.value;
        if (v === 'multi') return;
        F[d].clear();
        if (v !== '') F[d].add(Number(v));
        update(`select ${d}`);
      });
    }
    $('f-skill').addEventListener('change', (e) => {
      selectedSkill = e.target.value === '' ? -1 : Number(e.target.value);
      update('select skill');
    });
    $('clear').addEventListener('click', clearFilters);
    $('chips').addEventListener('click', (e) => {
      const b = e.target.closest('[data-chip]');
      if (!b) return;
      const key = b.dataset.chip;
      if (key === 'period') { F.m0 = 0; F.m1 = nM - 1; } else { const [d, v] = key.split(':'); F[d].delete(Number(v)); }
      update('remove chip');
      const next = $('chips').querySelector('.chip');
      (next || $('clear')).focus();
    });
    document.querySelectorAll('[data-view]').forEach((b) => b.addEventListener('click', () => {
      const [id, view] = b.dataset.view.split(':');
      if (charts[id].view !== view) setView(id, view);
    }));
    let timer = 0;
    $('q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(renderSearch, 120); });
    let wasNarrow = narrow();
    window.addEventListener('resize', () => {
      if (narrow() !== wasNarrow) { wasNarrow = narrow(); for (const id of Object.keys(charts)) renderChart(id, true); }
    });
  }

  function state() {
    const out = { empty: !D || !!D.meta.empty || nC === 0, tiles: { ...tileValues }, charts: {}, search: { ...searchState } };
    if (!out.empty) {
      out.filters = { from: dims.month[F.m0], to: dims.month[F.m1] };
      for (const d of DIMS) out.filters[d] = [...F[d]].map((i) => dims[d][i]);
      for (const [id, c] of Object.entries(charts)) out.charts[id] = { view: c.view, ...JSON.parse(JSON.stringify(c.summary)) };
      out.selectedSkill = selectedSkill >= 0 ? D.skills.names[selectedSkill] : null;
    }
    return out;
  }
  // Where a bar or box of a chart is on the screen (viewport pixels), for tests that click it.
  function locate(id, seriesIndex, dataIndex) {
    const c = charts[id];
    if (!c) return null;
    const series = c.chart.getModel().getSeriesByIndex(seriesIndex);
    if (!series) return null;
    const layout = series.getData().getItemLayout(dataIndex);
    if (!layout) return null;
    const r = c.el.getBoundingClientRect();
    let x, y;
    if (Array.isArray(layout.ends)) { // boxplot: the first four ends are the box's corners
      const pts = layout.ends.slice(0, 4);
      x = pts.reduce((a, p) => a + p[0], 0) / 4; y = pts.reduce((a, p) => a + p[1], 0) / 4;
    } else if (layout.width !== undefined) { x = layout.x + layout.width / 2; y = layout.y + layout.height / 2; } else return null;
    return { x: r.left + x, y: r.top + y };
  }

  async function main() {
    if (document.readyState === 'loading') await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
    if (!window.echarts) {
      $('subtitle').textContent = '';
      message('This page is incomplete', 'It has no charting library or data: it is the template. Write the page with `joblake dashboard`.');
      return;
    }
    G = readGeo();
    // While the worker decodes the data, lay out the page and create the (empty) charts.
    const sections = ['filters', 'tiles', 'charts', 'search'];
    sections.forEach((id) => show(id));
    initCharts();
    timings.chartsInit = performance.now();
    let T;
    try {
      ({ D, T } = await decoding);
    } catch (e) {
      sections.forEach((id) => show(id, false));
      $('subtitle').textContent = '';
      message('The data could not be read', e.message);
      throw e;
    }
    timings.dataReady = performance.now();
    if (D.version !== 1) console.warn(`joblake dashboard: data version ${D.version}, this page reads version 1`);
    D.meta = D.meta || {};
    renderFooter();
    if (!T) {
      sections.forEach((id) => show(id, false));
      for (const c of Object.values(charts)) c.chart.dispose();
      $('subtitle').textContent = `No postings in the lake “${D.meta.lake || ''}”`;
      message('The lake has no postings yet', 'There is nothing to chart. Load or refresh the lake (for instance with `joblake demo`), then write the dashboard again.');
      hook.state = () => ({ empty: true, tiles: {}, charts: {}, message: $('message').textContent });
      timings.firstRender = performance.now();
      return;
    }
    prepare(T);
    timings.prepared = performance.now();
    F.m1 = nM - 1;
    $('subtitle').textContent = `${fmt(D.meta.postings)} postings posted ${dims.month[0]} to ${dims.month[nM - 1]}, from the lake “${D.meta.lake || ''}”`;
    fillSelects();
    compute();
    if (G.countries) registerWorld(worldBounds());
    timings.firstDraw = {};
    for (const id of Object.keys(charts)) {
      const t = performance.now();
      renderChart(id, true);
      timings.firstDraw[id] = Math.round(performance.now() - t);
    }
    timings.chartsDrawn = performance.now();
    renderTiles(); renderChips(); syncSelects(); renderSearch();
    wire();
    hook.state = state;
    hook.locate = locate;
    hook.charts = Object.freeze(Object.keys(charts));
    await new Promise((r) => requestAnimationFrame(r));
    timings.firstRender = performance.now();
  }
  hook.ready = main().catch((e) => { console.warn('joblake dashboard:', e.stack); });
})();
