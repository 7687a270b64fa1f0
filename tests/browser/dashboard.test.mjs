// Opens a built dashboard page from file:// in Debian's Chromium with every network request
// blocked, and checks what a person would: no error, every chart has data, filters (the UI
// controls and clicks on charts) change every chart and tile consistently, "Clear filters"
// restores them, the search finds a known posting, the empty-lake page says so. Screenshots go
// to the artifacts directory.
//   node tests/browser/dashboard.test.mjs <page.html> [--artifacts DIR] [--perf]
// Needs `npm ci` in web/ (playwright-core) and /usr/bin/chromium (or CHROMIUM=path).
import { readFileSync, mkdirSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '../../web');
const require = createRequire(join(web, 'package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); if (i < 0) return false; args.splice(i, 1); return true; };
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : dflt; };
const perf = flag('--perf');
const artifacts = resolve(opt('--artifacts', join(tmpdir(), 'joblake-dashboard-artifacts')));
const pagePath = args[0] && resolve(args[0]);
if (!pagePath || !existsSync(pagePath)) {
  console.error('usage: node tests/browser/dashboard.test.mjs <page.html> [--artifacts DIR] [--perf]');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// ---- tiny harness ---------------------------------------------------------------------------------
const results = [];
async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const near = (a, b, msg) => assert(Math.abs(a - b) <= 0.5 + 1e-9 * Math.abs(b), `${msg}: ${a} != ${b}`);

// The page's own data, read the way the page reads it (for the known posting and the totals).
function pageData(path) {
  const html = readFileSync(path, 'utf8');
  const m = html.match(/<script id="joblake-data" type="([^"]+)">([\s\S]*?)<\/script>/);
  if (!m) throw new Error('no joblake-data element in the page');
  const text = m[2].trim();
  return JSON.parse(text.startsWith('{') ? text.replaceAll('<\\/', '</') : gunzipSync(Buffer.from(text, 'base64')).toString('utf8'));
}

const fatal = (msg) => { console.error(`FAIL ${msg}\n0 passed, 1 failed`); process.exit(1); };
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-default-apps'],
}).catch((e) => fatal(`could not start Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM): ${e.message}`));

// A context where only file:, data: and blob: URLs load; anything else is aborted and recorded.
async function openPage(path, viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const blocked = [], errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (/^(file|data|blob):/.test(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('websocket', (ws) => blocked.push(ws.url()));
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => { if (!/^(file|data|blob):/.test(req.url())) blocked.push(req.url()); });
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.joblake && window.joblake.timings.firstRender !== null, null, { timeout: 30000 });
  await page.evaluate(() => window.joblake.ready);
  return { context, page, blocked, errors };
}
const state = (page) => page.evaluate(() => window.joblake.state());
// Waits until the page finished one more update than `before` (and its frame was painted).
async function settle(page, before) {
  await page.waitForFunction((n) => window.joblake.timings.updates.length > n, before, { timeout: 10000 });
}
const updates = (page) => page.evaluate(() => window.joblake.timings.updates.length);

let data;
try { data = pageData(pagePath); } catch (e) { fatal(`cannot read the data of ${pagePath}: ${e.message}`); }
const { page, context, blocked, errors } = await openPage(pagePath)
  .catch((e) => fatal(`the page did not finish its first render: ${e.message.split('\n')[0]}`));
let s0;

await check('page renders with data and no error', async () => {
  s0 = await state(page);
  assert(!s0.empty, 'the page says the lake is empty');
  assert(errors.length === 0, `errors: ${errors.join(' | ')}`);
});

await check('every chart has data points', async () => {
  const charts = Object.entries(s0.charts);
  assert(charts.length >= 12, `expected at least 12 charts, found ${charts.length}`);
  const empty = charts.filter(([, c]) => !(c.points > 0)).map(([id]) => id);
  assert(empty.length === 0, `charts without data points: ${empty.join(', ')}`);
});

await check('tiles agree with the charts and the data', async () => {
  near(s0.tiles.postings, data.meta.postings, 'postings tile vs meta.postings');
  near(s0.charts.timeline.sum, s0.tiles.postings, 'postings-over-time sum vs postings tile');
  near(s0.charts.lifecycle.series[0].sum, data.lifecycle.opened.reduce((a, b) => a + b, 0), 'opened sum vs lifecycle data');
  const salaried = data.salary.n.reduce((a, b) => a + b, 0);
  near(s0.tiles.salaryN, salaried, 'salary tile count vs salary histogram');
  assert(s0.tiles.medianSalary > 0, 'no median salary');
  const visible = await page.locator('#tiles .tile').count();
  assert(visible === 6, `expected 6 tiles, found ${visible}`);
});

let familyTotal, famCode;
/** Whether a chart's summary differs: its sum, or any value of its series. */
const changed = (a, b) => a.sum !== b.sum
  || JSON.stringify(a.series.map((x) => x.values)) !== JSON.stringify(b.series.map((x) => x.values));
await check('a job family set through its control filters every chart and tile', async () => {
  const first = s0.charts.timeline.series.find((x) => x.key === 'family:0');
  assert(first, 'no series for the first family in the postings-over-time chart');
  familyTotal = first.sum;
  famCode = data.dims.family[0];
  const n = await updates(page);
  await page.selectOption('#f-family', '0');
  await settle(page, n);
  const s1 = await state(page);
  assert(s1.filters.family.length === 1 && s1.filters.family[0] === famCode, `family filter not set: ${JSON.stringify(s1.filters)}`);
  near(s1.tiles.postings, familyTotal, 'postings tile vs the family in the unfiltered breakdown');
  near(s1.charts.timeline.sum, s1.tiles.postings, 'postings-over-time sum vs postings tile');
  const shown = s1.charts.timeline.series.filter((x) => x.points > 0).length;
  assert(shown === 1, `postings-over-time still shows ${shown} series`);
  for (const id of ['skills', 'heatmap', 'mapFr', 'mapWorld', 'regions', 'shares', 'salaryRegion', 'companies', 'lifecycle']) {
    // A chart of shares sums to 100% whatever the filter: its values, not its sum, must move.
    assert(changed(s1.charts[id], s0.charts[id]), `${id} did not change with the family filter`);
  }
  assert(s1.tiles.salaryN < s0.tiles.salaryN, 'salary count tile did not shrink');
  const chips = await page.locator('#chips .chip').allTextContents();
  assert(chips.length === 1 && chips[0].includes(data.dims.family_label[0]), `chips: ${JSON.stringify(chips)}`);
});

await check('"Clear filters" restores the totals', async () => {
  const n = await updates(page);
  await page.click('#clear');
  await settle(page, n);
  const s2 = await state(page);
  near(s2.tiles.postings, s0.tiles.postings, 'postings tile after clear');
  for (const [id, c] of Object.entries(s0.charts)) near(s2.charts[id].sum, c.sum, `${id} after clear`);
  assert((await page.locator('#chips .chip').count()) === 0, 'chips left after clear');
});

await check('clicking a bar (top region) cross-filters, and its chip removes it', async () => {
  const expected = s0.charts.regions.series[0].values[0];
  await page.locator('#c-regions').scrollIntoViewIfNeeded();
  const pt = await page.evaluate(() => window.joblake.locate('regions', 0, 0));
  assert(pt, 'could not locate the first bar of the regions chart');
  const n = await updates(page);
  await page.mouse.click(pt.x, pt.y);
  await settle(page, n);
  const s3 = await state(page);
  assert(s3.filters.region.length === 1, `region filter not set by the click: ${JSON.stringify(s3.filters)}`);
  near(s3.tiles.postings, expected, 'postings tile vs the clicked bar');
  near(s3.charts.timeline.sum, expected, 'postings-over-time vs the clicked bar');
  const n2 = await updates(page);
  await page.locator('#chips .chip').first().click();
  await settle(page, n2);
  near((await state(page)).tiles.postings, s0.tiles.postings, 'postings tile after removing the chip');
});

await check('clicking a salary box cross-filters by family', async () => {
  await page.locator('#c-salaryFamily').scrollIntoViewIfNeeded();
  const pt = await page.evaluate(() => window.joblake.locate('salaryFamily', 0, 0));
  assert(pt, 'could not locate the first box');
  const n = await updates(page);
  await page.mouse.click(pt.x, pt.y);
  await settle(page, n);
  const s4 = await state(page);
  assert(s4.filters.family.length === 1, `family filter not set by the click: ${JSON.stringify(s4.filters)}`);
  assert(s4.charts.salaryFamily.series[0].points === 1, 'the salary chart should show the one family');
  const n2 = await updates(page);
  await page.click('#clear');
  await settle(page, n2);
});

await check('clicking a stacked bar segment filters by its job family', async () => {
  await page.locator('#c-timeline').scrollIntoViewIfNeeded();
  // The month where the first family's segment is tallest: a recent partial month may hold
  // a segment too thin to click.
  const values = s0.charts.timeline.series[0].values;
  const tallest = values.indexOf(Math.max(...values));
  const pt = await page.evaluate((i) => window.joblake.locate('timeline', 0, i), tallest);
  assert(pt, 'could not locate a bar of the postings-over-time chart');
  const n = await updates(page);
  await page.mouse.click(pt.x, pt.y);
  await settle(page, n);
  await page.mouse.move(pt.x + 3, pt.y - 3); // hover what replaced the clicked bar
  const s6 = await state(page);
  assert(s6.filters.family.length === 1 && s6.filters.family[0] === data.dims.family[0], `family filter: ${JSON.stringify(s6.filters)}`);
  near(s6.tiles.postings, familyTotal, 'postings tile vs the clicked family');
  const n2 = await updates(page);
  await page.click('#clear');
  await settle(page, n2);
  assert(errors.length === 0, `errors: ${errors.join(' | ')}`);
});

await check('the search finds a known posting', async () => {
  const title = data.postings.title[0];
  const url = data.postings.url[0];
  await page.fill('#q', title);
  await page.waitForFunction((t) => window.joblake.state().search.query === t, title);
  const s5 = await state(page);
  assert(s5.search.matches >= 1, `no match for "${title}"`);
  const link = page.locator('#results a', { hasText: title }).first();
  assert((await link.count()) === 1, `"${title}" not listed`);
  assert((await link.getAttribute('href')) === url, 'the listed link is not the posting URL');
  const c = data.postings.company[0];
  await page.fill('#q', c);
  await page.waitForFunction((t) => window.joblake.state().search.query === t, c);
  assert((await state(page)).search.matches >= 1, `no match for company "${c}"`);
  await page.fill('#q', '');
});

await check('an estimated salary is shown as an estimate, never as a stated one', async () => {
  const P = data.postings;
  // The newest posting that states no salary but has the model's estimate.
  const i = P.title.findIndex((_, k) => P.salary_eur[k] === null && P.salary_estimate_eur && P.salary_estimate_eur[k] !== null);
  assert(i >= 0, 'the page data holds no estimated salary (the demo lake is trained: tests/it/dashboard.rs)');
  await page.fill('#q', P.title[i]);
  await page.waitForFunction((t) => window.joblake.state().search.query === t, P.title[i]);
  const item = page.locator('#results li', { hasText: P.title[i] }).filter({ has: page.locator('.pay.estimate') }).first();
  assert((await item.count()) === 1, `"${P.title[i]}" is not listed with an estimate`);
  const text = await item.locator('.pay.estimate').textContent();
  assert(text.startsWith('≈'), `the estimate reads "${text}", not "≈ ..."`);
  assert((await item.textContent()).includes('estimated'), 'the estimate is not called one');
  assert((await item.locator('.pay:not(.estimate)').count()) === 0, 'an estimate is styled as a stated salary');
  const tip = await item.locator('.pay.estimate').getAttribute('title');
  assert(/Not published/.test(tip) && /interval/.test(tip), `tooltip: ${tip}`);
  const style = await item.locator('.pay.estimate').evaluate((el) => getComputedStyle(el).fontStyle);
  assert(style === 'italic', `the estimate is in ${style} type, not italic`);
  await page.fill('#q', '');
});

await check('controls are keyboard-reachable and labelled', async () => {
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('select, input')].filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id));
  assert(unlabeled.length === 0, `controls without a label: ${unlabeled.join(', ')}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.focus('.skip'); // the first focusable element
  const seen = new Set();
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    seen.add(await page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim().slice(0, 20))));
  }
  for (const id of ['f-from', 'f-family', 'clear']) assert(seen.has(id), `Tab never reached #${id}`);
});

await check('a skill picked with the keyboard joins the trend chart', async () => {
  const before = (await state(page)).charts.skilltrend.series.filter((x) => x.points > 0).map((x) => x.name);
  // A skill outside the chart's top five, chosen by typing into the focused control.
  const pick = await page.evaluate((shown) => [...document.querySelectorAll('#f-skill option')]
    .map((o) => ({ value: o.value, text: o.textContent })).find((o) => o.value !== '' && !shown.includes(o.text)), before);
  assert(pick, 'no skill to pick outside the top five');
  await page.focus('#f-skill');
  await page.selectOption('#f-skill', pick.value);
  const st = await state(page);
  assert(st.selectedSkill === pick.text, `selected skill ${st.selectedSkill}, expected ${pick.text}`);
  const names = st.charts.skilltrend.series.map((x) => x.name);
  assert(names.includes(pick.text), `trend series ${names.join(', ')} lack ${pick.text}`);
  await page.click('#clear');
  assert((await state(page)).selectedSkill === null, '"Clear filters" kept the picked skill');
  assert(await page.inputValue('#f-skill') === '', 'the skill control still shows the cleared pick');
});

await check('screenshots: laptop and phone', async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, 'dashboard-laptop.png'), fullPage: true });
  const phone = await openPage(pagePath, { width: 375, height: 800 });
  await phone.page.screenshot({ path: join(artifacts, 'dashboard-phone.png'), fullPage: true });
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 1, `the page is ${overflow}px wider than a 375px phone`);
  assert(phone.errors.length === 0, `errors at phone width: ${phone.errors.join(' | ')}`);
  blocked.push(...phone.blocked);
  await phone.context.close();
});

await check('the empty-lake page shows its message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joblake-empty-'));
  execFileSync(process.execPath, [join(here, 'fixture.mjs'), '--empty', join(dir, 'empty.json')], { stdio: 'ignore' });
  execFileSync(process.execPath, [join(web, 'build.mjs'), join(dir, 'empty.json'), join(dir, 'empty.html')], { stdio: 'ignore' });
  const e = await openPage(join(dir, 'empty.html'));
  const st = await state(e.page);
  assert(st.empty === true, 'state() does not say empty');
  const msg = e.page.locator('#message');
  assert(await msg.isVisible(), 'no message shown');
  assert(/no postings/i.test(await msg.textContent()), `message: ${await msg.textContent()}`);
  assert(!(await e.page.locator('#charts').isVisible()), 'charts are shown for an empty lake');
  assert(e.errors.length === 0, `errors: ${e.errors.join(' | ')}`);
  await e.page.screenshot({ path: join(artifacts, 'dashboard-empty.png'), fullPage: true });
  blocked.push(...e.blocked);
  await e.context.close();
  rmSync(dir, { recursive: true, force: true });
});

await check('no request left the page and no error was logged', async () => {
  assert(blocked.length === 0, `blocked requests: ${[...new Set(blocked)].slice(0, 5).join(', ')}`);
  assert(errors.length === 0, `errors: ${errors.join(' | ')}`);
});
await context.close();

if (perf) {
  // Wall-clock times measured inside the page (performance.now()), median of 5; with them the
  // main thread's CPU time (Chromium's thread clock), which a busy machine inflates less.
  const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };
  const cpuClock = async (p) => {
    const cdp = await p.context.newCDPSession(p.page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    return async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value * 1000;
  };
  const loads = [], loadCpu = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 });
    await context.route('**/*', (route) => (/^(file|data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));
    const p = { context, page: await context.newPage() };
    const clock = await cpuClock(p);
    const c0 = await clock();
    await p.page.goto(pathToFileURL(pagePath).href);
    await p.page.waitForFunction(() => window.joblake && window.joblake.timings.firstRender !== null, null, { timeout: 30000 });
    loads.push(await p.page.evaluate(() => window.joblake.timings.firstRender));
    loadCpu.push((await clock()) - c0);
    await context.close();
  }
  const p = await openPage(pagePath);
  const clock = await cpuClock(p);
  const changes = [], computes = [], changeCpu = [];
  for (let i = 0; i < 5; i++) {
    const n = await updates(p.page);
    const c0 = await clock();
    await p.page.selectOption('#f-family', String(i % 2 === 0 ? (i % data.dims.family.length) + 1 : ''));
    await settle(p.page, n);
    changeCpu.push((await clock()) - c0);
    const u = await p.page.evaluate(() => window.joblake.timings.updates.at(-1));
    changes.push(u.total); computes.push(u.compute);
  }
  await p.context.close();
  const round = (x) => Math.round(x * 10) / 10;
  const [l1, l5] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  console.log(JSON.stringify({
    page: pagePath, page_mb: Number((readFileSync(pagePath).length / 1e6).toFixed(2)), cells: data.cells.month.length,
    first_render_ms: { median: round(median(loads)), runs: loads.map(round), main_thread_cpu_median: round(median(loadCpu)), goal: 1500 },
    filter_change_ms: {
      median: round(median(changes)), runs: changes.map(round), script_before_paint_median: round(median(computes)),
      main_thread_cpu_median: round(median(changeCpu)), goal: 150,
    },
    load_average: { '1min': l1, '5min': l5 },
  }, null, 2));
}
await browser.close();

const failed = results.filter((r) => !r.ok);
console.log(`\nscreenshots in ${artifacts}`);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
if (failed.length) {
  for (const f of failed) console.error(`failed: ${f.name}: ${f.error}`);
  process.exit(1);
}
