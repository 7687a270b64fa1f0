// Assembles the dashboard page the way `joblake dashboard` does (see CONTRACT.md), for tests:
//   node web/build.mjs data.json out.html [--gzip]
// Each placeholder of web/dashboard/index.html is replaced once, in one pass over the template
// (inserted text is never scanned again); text inserted inside <script> has every `</` written `<\/`.
// With --gzip the data is gzip+base64 and its <script> element's type says so.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const gzip = args.includes('--gzip');
const [dataPath, outPath] = args.filter((a) => !a.startsWith('--'));
if (!dataPath || !outPath) {
  console.error('usage: node web/build.mjs data.json out.html [--gzip]');
  process.exit(2);
}

const read = (p) => readFileSync(join(here, p), 'utf8');
const inScript = (text) => text.replaceAll('</', '<\\/');
// JSON text only: `<!--` inside a string could also confuse the HTML parser's script states.
const jsonInScript = (text) => inScript(text).replaceAll('<!--', '<\\u0021--');

const dataText = readFileSync(dataPath, 'utf8');
JSON.parse(dataText); // fail early on a broken file
const geoText = `{"countries":${read('geo/countries.geo.json')},"fr_departements":${read('geo/fr_departements.geo.json')}}`;
const css = read('dashboard/style.css');
if (/<\/style/i.test(css)) throw new Error('style.css must not contain </style');

let template = read('dashboard/index.html');
if (gzip) {
  const dataTag = '<script id="joblake-data" type="application/json">';
  if (template.split(dataTag).length !== 2) throw new Error(`index.html must contain ${dataTag} once`);
  template = template.replace(dataTag, () => '<script id="joblake-data" type="application/gzip+base64">');
}
const parts = {
  '/*@style*/': css,
  '/*@echarts*/': inScript(read('vendor/echarts/echarts.min.js')),
  '/*@app*/': inScript(read('dashboard/app.js')),
  '/*@geo*/': jsonInScript(geoText),
  '/*@data*/': gzip ? gzipSync(Buffer.from(dataText), { level: 9 }).toString('base64') : jsonInScript(dataText),
};
for (const key of Object.keys(parts)) {
  const n = template.split(key).length - 1;
  if (n !== 1) throw new Error(`placeholder ${key} appears ${n} times in index.html (want 1)`);
}
const html = template.replace(/\/\*@(style|echarts|app|geo|data)\*\//g, (m) => parts[m]);
writeFileSync(outPath, html);
console.log(`${outPath}: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB${gzip ? ' (data gzip+base64)' : ''}`);
