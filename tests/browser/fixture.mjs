// Writes synthetic dashboard data following web/CONTRACT.md (version 1), for the page's tests.
//   node tests/browser/fixture.mjs [--postings N] [--seed S] [--empty] out.json
// It simulates N postings one by one (month, family, source, country, region, contract, remote,
// skills, company, département, salary) and aggregates them as the Rust side does, so the cube
// has the shape and size of a real lake of N postings. Deterministic for a given seed.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : dflt;
};
const N = Number(opt('--postings', 3000));
const seed = Number(opt('--seed', 42));
const empty = args.includes('--empty');
const out = args.filter((a) => !a.startsWith('--'))[0];
if (!out || !Number.isInteger(N) || N < 0) {
  console.error('usage: node tests/browser/fixture.mjs [--postings N] [--seed S] [--empty] out.json');
  process.exit(2);
}

// ---- seeded randomness ------------------------------------------------------------------------
let s = seed >>> 0;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
// A sampler over weights (cumulative table + binary search).
const sampler = (weights) => {
  const cum = new Float64Array(weights.length);
  let t = 0;
  weights.forEach((w, i) => { t += w; cum[i] = t; });
  return () => {
    const x = rand() * t;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] > x) hi = mid; else lo = mid + 1; }
    return lo;
  };
};
const zipf = (n, a) => Array.from({ length: n }, (_, i) => 1 / (i + 1) ** a);

// ---- dimensions -------------------------------------------------------------------------------
const MONTHS = [];
for (let i = 0; i < 24; i++) {
  const y = 2024 + Math.floor((11 + i) / 12), m = ((11 + i) % 12) + 1; // 2024-12 .. 2026-11
  MONTHS.push(`${y}-${String(m).padStart(2, '0')}`);
}
const FAMILIES = [
  ['software_engineering', 'Software engineering', 62000], ['data_engineering', 'Data engineering', 60000],
  ['data_science', 'Data science', 61000], ['devops_sre', 'DevOps & SRE', 63000],
  ['frontend', 'Front-end development', 52000], ['data_analysis', 'Data analysis', 48000],
  ['product_management', 'Product management', 66000], ['project_management', 'Project management', 55000],
  ['cybersecurity', 'Cybersecurity', 64000], ['it_support', 'IT support', 36000],
  ['cloud_architecture', 'Cloud architecture', 75000], ['machine_learning', 'Machine learning engineering', 70000],
  ['qa_testing', 'QA & testing', 45000], ['ux_design', 'UX & UI design', 47000],
  ['business_intelligence', 'Business intelligence', 52000], ['erp_consulting', 'ERP consulting', 58000],
  ['network_engineering', 'Network engineering', 50000], ['embedded_systems', 'Embedded systems', 54000],
  ['database_administration', 'Database administration', 53000], ['mobile_development', 'Mobile development', 53000],
];
const SOURCES = [ // name, weight, countries it covers (null = all)
  ['adzuna', 20, ['FR', 'GB', 'DE', 'NL', 'IT', 'ES', 'AT', 'PL', 'US', 'CA', 'CH']], ['france_travail', 30, ['FR']],
  ['indeed', 12, ['FR', 'GB', 'DE', 'IE', 'US', 'CA']], ['linkedin', 6, null],
  ['welcome_to_the_jungle', 6, ['FR', 'ES', 'GB']], ['apec', 5, ['FR']], ['hellowork', 6, ['FR']],
  ['jooble', 4, ['BE', 'PT', 'LU', 'CH', '']], ['remotive', 1, null],
];
const deps = JSON.parse(readFileSync(join(here, '../../web/geo/fr_departements.geo.json'), 'utf8'))
  .features.map((f) => f.properties);
deps.push( // overseas départements: no shape in the map, listed in the bar view
  { code: '971', name: 'Guadeloupe', region: 'Guadeloupe' }, { code: '974', name: 'La Réunion', region: 'La Réunion' });
const BIG_DEPS = { '75': 90, '92': 60, '69': 30, '31': 20, '13': 16, '33': 16, '44': 14, '59': 14, '67': 10, '06': 10, '35': 10, '34': 10, '93': 10, '94': 8, '38': 8, '91': 8, '78': 8 };
const frRegions = [...new Set(deps.map((d) => d.region))];
const COUNTRIES = [ // code, name, weight, salary factor, regions [name, weight, cities]
  ['FR', 'France', 62, 1.0, null],
  ['GB', 'United Kingdom', 10, 1.25, [['London', 6, ['London']], ['Scotland', 1, ['Edinburgh', 'Glasgow']], ['North West England', 1.5, ['Manchester', 'Liverpool']]]],
  ['DE', 'Germany', 9, 1.15, [['Bavaria', 3, ['Munich', 'Nuremberg']], ['Berlin', 3, ['Berlin']], ['Hesse', 2, ['Frankfurt am Main']]]],
  ['ES', 'Spain', 5, 0.75, [['Community of Madrid', 3, ['Madrid']], ['Catalonia', 3, ['Barcelona']]]],
  ['NL', 'Netherlands', 4, 1.1, [['North Holland', 3, ['Amsterdam', 'Haarlem']], ['South Holland', 1, ['Rotterdam', 'The Hague']]]],
  ['BE', 'Belgium', 4, 1.05, [['Brussels-Capital', 3, ['Brussels']], ['Flanders', 2, ['Antwerp', 'Ghent']]]],
  ['CH', 'Switzerland', 3, 1.7, [['Zurich', 2, ['Zurich']], ['Geneva', 1.5, ['Geneva']]]],
  ['IT', 'Italy', 3, 0.8, [['Lombardy', 3, ['Milan']], ['Lazio', 1, ['Rome']]]],
  ['IE', 'Ireland', 2, 1.2, [['Leinster', 1, ['Dublin']]]],
  ['PT', 'Portugal', 2, 0.6, [['Lisbon', 1, ['Lisbon']]]],
  ['PL', 'Poland', 2, 0.55, [['Masovia', 1, ['Warsaw']]]],
  ['LU', 'Luxembourg', 1.5, 1.35, [['Luxembourg', 1, ['Luxembourg']]]],
  ['AT', 'Austria', 1, 1.05, [['Vienna', 1, ['Vienna']]]],
  ['US', 'United States', 2, 1.6, [['California', 1, ['San Francisco', 'Los Angeles']], ['New York', 1, ['New York']]]],
  ['CA', 'Canada', 1, 1.2, [['Quebec', 1, ['Montreal']], ['Ontario', 1, ['Toronto']]]],
  ['', 'Unknown', 2, 1.0, [['', 1, ['']]]],
];
const CONTRACTS = [['permanent', 74, 1.0], ['fixed_term', 10, 0.9], ['freelance', 6, 1.3], ['internship', 4, 0.3], ['apprenticeship', 3, 0.35], ['unknown', 3, 1.0]];
const REMOTES = [['on_site', 70], ['hybrid', 22], ['remote', 8]];
const SKILLS = `Python SQL Java JavaScript TypeScript Go Rust C C++ C# Scala Kotlin Swift PHP Ruby R Bash
 PowerShell Spark Hadoop Kafka Airflow dbt Flink Beam Snowflake BigQuery Redshift Databricks Delta_Lake
 PostgreSQL MySQL Oracle SQL_Server MongoDB Cassandra Redis Elasticsearch Neo4j DuckDB Docker Kubernetes
 Terraform Ansible Helm Jenkins GitLab_CI GitHub_Actions ArgoCD Prometheus Grafana Linux Windows_Server
 AWS Azure GCP OpenStack VMware React Angular Vue.js Svelte Next.js Node.js HTML CSS Sass Webpack Vite
 Figma Sketch Adobe_XD Django Flask FastAPI Spring Spring_Boot .NET ASP.NET Laravel Symfony Rails Express
 GraphQL REST gRPC Microservices TensorFlow PyTorch scikit-learn Pandas NumPy Keras Hugging_Face LLM NLP
 Computer_Vision MLOps MLflow Tableau Power_BI Looker Qlik Excel SAP SAP_S4HANA Salesforce ServiceNow
 Jira Confluence Agile Scrum Kanban SAFe ITIL PRINCE2 PMP DevOps SRE CI/CD Git Cisco Juniper Fortinet
 Palo_Alto TCP/IP SIEM Splunk ISO_27001 Pentesting IAM Active_Directory Embedded_C RTOS FPGA VHDL
 Android iOS Flutter React_Native Selenium Cypress Playwright JUnit Pytest Accessibility UX_Research
 Data_Modeling ETL Data_Governance Statistics A/B_Testing Product_Discovery Roadmapping Stakeholder_Management
 English German Spanish`.split(/\s+/).filter(Boolean).map((x) => x.replaceAll('_', ' '));
const COMPANY_A = ['Acme', 'Nordwind', 'Bleu', 'Helix', 'Orbital', 'Cobalt', 'Lumen', 'Vertex', 'Alpine', 'Kestrel', 'Marin', 'Quartz', 'Solstice', 'Tandem', 'Urbane', 'Vireo', 'Wavelet', 'Zephyr', 'Atlas', 'Boreal', 'Cedar', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Iris', 'Juniper', 'Krypton', 'Lyra', 'Meridian', 'Nimbus', 'Opal', 'Pioneer', 'Quest', 'Rivage', 'Sirius', 'Tessera', 'Umbra', 'Vega'];
const COMPANY_B = ['Analytics', 'Systems', 'Labs', 'Consulting', 'Bank', 'Insurance', 'Retail', 'Energy', 'Health', 'Mobility', 'Software', 'Data', 'Group', 'Digital', 'Telecom', 'Logistics', 'Media', 'Robotics', 'Cloud', 'Security', 'Services', 'Partners', 'Industries', 'Technologies', 'SA', 'GmbH', 'SAS', 'Ltd', 'Studio', 'Networks', 'Finance', 'Foods', 'Aerospace', 'Pharma', 'Games', 'Automotive', 'Education', 'Capital', 'Solutions', 'Works', 'Interactive', 'Dynamics', 'Ventures', 'Engineering', 'Connect', 'Hub', 'One', 'Point', 'Line', 'Scale'];
const COMPANIES = [];
for (let i = 0; COMPANIES.length < 2000; i++) {
  const a = COMPANY_A[i % COMPANY_A.length], b = COMPANY_B[Math.floor(i / COMPANY_A.length) % COMPANY_B.length];
  COMPANIES.push(i < COMPANY_A.length * COMPANY_B.length ? `${a} ${b}` : `${a} ${b} ${Math.floor(i / 2000) + 2}`);
}
const SENIORITY = ['', '', 'Senior ', 'Junior ', 'Lead ', 'Staff '];

// ---- per-family skill profiles ------------------------------------------------------------------
const skillIdx = new Map(SKILLS.map((x, i) => [x, i]));
const CORE = {
  software_engineering: 'Java Spring Boot Git Docker Kubernetes SQL Python Go Microservices REST CI/CD Agile',
  data_engineering: 'Python SQL Spark Airflow dbt Kafka Snowflake Databricks AWS Docker Data Modeling ETL',
  data_science: 'Python SQL Pandas scikit-learn Statistics PyTorch TensorFlow R NLP LLM A/B Testing NumPy',
  devops_sre: 'Kubernetes Terraform Docker AWS Linux Ansible Prometheus Grafana CI/CD GitLab CI Helm SRE',
  frontend: 'JavaScript TypeScript React CSS HTML Vue.js Angular Next.js Figma Accessibility Vite Webpack',
  data_analysis: 'SQL Excel Power BI Tableau Python Statistics Looker Data Modeling English Agile',
  product_management: 'Agile Scrum Product Discovery Roadmapping Jira Stakeholder Management A/B Testing SQL English Figma',
  project_management: 'Agile Scrum PMP PRINCE2 Jira Confluence SAFe Kanban Stakeholder Management ITIL',
  cybersecurity: 'SIEM Splunk ISO 27001 Pentesting IAM Active Directory Linux Palo Alto Fortinet Python Azure',
  it_support: 'Windows Server Active Directory ITIL ServiceNow Linux TCP/IP Excel PowerShell VMware',
  cloud_architecture: 'AWS Azure GCP Terraform Kubernetes Microservices Docker IAM OpenStack DevOps',
  machine_learning: 'Python PyTorch TensorFlow MLOps MLflow Kubernetes LLM Hugging Face Computer Vision Spark',
  qa_testing: 'Selenium Cypress Playwright JUnit Pytest Java Python Jira Agile CI/CD',
  ux_design: 'Figma Sketch Adobe XD UX Research Accessibility HTML CSS Agile',
  business_intelligence: 'Power BI Tableau SQL Qlik Looker Excel Data Modeling ETL SQL Server Oracle',
  erp_consulting: 'SAP SAP S4HANA Salesforce Excel SQL ServiceNow Agile English German',
  network_engineering: 'Cisco Juniper TCP/IP Fortinet Linux Palo Alto VMware Python Bash',
  embedded_systems: 'C C++ Embedded C RTOS FPGA VHDL Linux Python Git',
  database_administration: 'PostgreSQL Oracle SQL Server MySQL MongoDB Linux Bash Redis Cassandra SQL',
  mobile_development: 'Kotlin Swift Android iOS Flutter React Native Java TypeScript Git CI/CD',
};
const tokenizeSkills = (text) => {
  const outList = [];
  const words = text.split(' ');
  for (let i = 0; i < words.length;) {
    let found = false;
    for (let len = 3; len >= 1; len--) {
      const cand = words.slice(i, i + len).join(' ');
      if (skillIdx.has(cand)) { outList.push(skillIdx.get(cand)); i += len; found = true; break; }
    }
    if (!found) throw new Error(`unknown skill in profile: ${words[i]}`);
  }
  return outList;
};
const profiles = FAMILIES.map(([code]) => {
  const core = tokenizeSkills(CORE[code]);
  // core skills likely, a few random others rarely: [skill, probability]
  const p = core.map((k, i) => [k, 0.6 / (1 + i * 0.45)]);
  for (let j = 0; j < 6; j++) p.push([Math.floor(rand() * SKILLS.length), 0.015]);
  return p;
});

// ---- simulation -----------------------------------------------------------------------------
const monthW = MONTHS.map((_, i) => (0.7 + i * 0.03) * (1 + 0.12 * Math.sin((i / 12) * 2 * Math.PI)));
const pickMonth = sampler(monthW);
const pickFamily = sampler(zipf(FAMILIES.length, 1.15));
const pickCountry = sampler(COUNTRIES.map((c) => c[2]));
const pickContract = sampler(CONTRACTS.map((c) => c[1]));
const pickRemote = sampler(REMOTES.map((c) => c[1]));
const pickCompany = sampler(zipf(COMPANIES.length, 1.05));
const regionList = []; // [countryIdx, regionName, cities]
const regionPickers = COUNTRIES.map(([code, , , , regions], ci) => {
  if (code === 'FR') {
    const depW = deps.map((d) => BIG_DEPS[d.code] ?? (d.code.length === 3 ? 0.4 : 1));
    const pickDep = sampler(depW);
    return () => pickDep();
  }
  const ids = regions.map(([name, , cities]) => regionList.push([ci, name, cities]) - 1);
  const pick = sampler(regions.map((r) => r[1]));
  return () => ids[pick()];
});
const frRegionIds = new Map(frRegions.map((r) => [r, regionList.push([0, r, null]) - 1]));
const frUnknownRegion = regionList.push([0, '', ['']]) - 1;
const sourcePickers = COUNTRIES.map(([code]) => {
  const ok = SOURCES.map(([, w, cs]) => (cs === null || cs.includes(code) ? w : 0));
  return sampler(ok);
});
const remoteIdx = REMOTES.findIndex((r) => r[0] === 'remote');
const remotiveIdx = SOURCES.findIndex((x) => x[0] === 'remotive');

const cellKey = new Map(); // key -> cell index
const cells = { month: [], family: [], source: [], country: [], region: [], contract: [], remote: [], postings: [], salaried: [] };
const skillMap = new Map(), companyMap = new Map(), depMap = new Map(), salaryMap = new Map();
const bump = (map, key, by = 1) => map.set(key, (map.get(key) || 0) + by);
const pMonth = new Uint8Array(N), pDay = new Uint8Array(N), pCell = new Uint32Array(N), pCompany = new Uint16Array(N);
const pSalary = new Float64Array(N), pDep = new Int16Array(N), pFamily = new Uint8Array(N), pRegion = new Uint16Array(N);
const companySeen = new Uint32Array(COMPANIES.length);

// Employers give the data its structure: each has a home country, region and département, one or
// two sources, a few job families, a usual contract and a remote policy; postings mostly follow them.
const placeOf = (ci) => {
  if (COUNTRIES[ci][0] !== 'FR') return [regionPickers[ci](), -1];
  if (rand() < 0.04) return [frUnknownRegion, -1];
  const dep = regionPickers[ci]();
  return [frRegionIds.get(deps[dep].region), dep];
};
const employers = COMPANIES.map(() => {
  const ci = pickCountry();
  const [region, dep] = placeOf(ci);
  const sources = [sourcePickers[ci]()];
  if (rand() < 0.35) sources.push(sourcePickers[ci]());
  const families = [pickFamily()];
  for (let j = 0, n = Math.floor(rand() * 4); j < n; j++) families.push(pickFamily());
  return { ci, region, dep, sources, families, contract: pickContract(), remote: pickRemote() };
});

for (let p = 0; p < N; p++) {
  const co = pickCompany(), e = employers[co];
  const m = pickMonth(), ci = e.ci;
  const f = e.families[rand() < 0.6 ? 0 : Math.floor(rand() * e.families.length)];
  let r = e.region, dep = e.dep;
  if (rand() < 0.04) [r, dep] = placeOf(ci); // a branch office
  else if (dep >= 0 && rand() < 0.2) { // another département of the same région
    const d2 = regionPickers[ci]();
    if (deps[d2].region === deps[dep].region) dep = d2;
  }
  let src = e.sources[rand() < 0.8 ? 0 : e.sources.length - 1];
  if (rand() < 0.02) src = sourcePickers[ci]();
  const k = rand() < 0.93 ? e.contract : pickContract();
  let w = rand() < 0.94 ? e.remote : pickRemote();
  if (src === remotiveIdx) w = remoteIdx;
  const key = ((((((m * 32 + f) * 16 + src) * 32 + ci) * 64 + r) * 8 + k) * 4) + w;
  let c = cellKey.get(key);
  if (c === undefined) {
    c = cells.month.length;
    cellKey.set(key, c);
    cells.month.push(m); cells.family.push(f); cells.source.push(src); cells.country.push(ci);
    cells.region.push(r); cells.contract.push(k); cells.remote.push(w); cells.postings.push(0); cells.salaried.push(0);
  }
  cells.postings[c]++;
  for (const [sk, prob] of profiles[f]) if (rand() < prob) bump(skillMap, c * 256 + sk);
  companySeen[co]++;
  bump(companyMap, c * 2048 + co);
  if (dep >= 0) bump(depMap, c * 128 + dep);
  let salary = -1;
  const salariedP = COUNTRIES[ci][0] === 'FR' ? (SOURCES[src][0] === 'france_travail' || SOURCES[src][0] === 'apec' ? 0.85 : 0.45) : 0.3;
  if (CONTRACTS[k][0] !== 'unknown' && rand() < salariedP) {
    salary = FAMILIES[f][2] * COUNTRIES[ci][3] * CONTRACTS[k][2] * Math.exp(0.25 * gauss());
    salary = Math.max(12000, Math.round(salary / 500) * 500);
    cells.salaried[c]++;
    bump(salaryMap, c * 1024 + Math.min(1023, Math.floor(salary / 1000)));
  }
  pMonth[p] = m; pDay[p] = 1 + Math.floor(rand() * 28); pCell[p] = c; pCompany[p] = co; pSalary[p] = salary;
  pDep[p] = dep; pFamily[p] = f; pRegion[p] = r;
}

// ---- ordering as the Rust side would emit it ------------------------------------------------------
const famTotals = FAMILIES.map(() => 0);
cells.family.forEach((f, c) => { famTotals[f] += cells.postings[c]; });
const famOrder = FAMILIES.map((_, i) => i).sort((a, b) => famTotals[b] - famTotals[a]);
const famRank = new Array(FAMILIES.length);
famOrder.forEach((f, i) => { famRank[f] = i; });
const countryTotals = COUNTRIES.map(() => 0);
cells.country.forEach((x, c) => { countryTotals[x] += cells.postings[c]; });
const countryOrder = COUNTRIES.map((_, i) => i).filter((i) => countryTotals[i] > 0).sort((a, b) => countryTotals[b] - countryTotals[a]);
const countryRank = new Map(countryOrder.map((x, i) => [x, i]));
const regionTotals = regionList.map(() => 0);
cells.region.forEach((x, c) => { regionTotals[x] += cells.postings[c]; });
const regionOrder = regionList.map((_, i) => i).filter((i) => regionTotals[i] > 0).sort((a, b) => regionTotals[b] - regionTotals[a]);
const regionRank = new Map(regionOrder.map((x, i) => [x, i]));
// dims.region holds names; the same name could be reused by two countries: keep one entry per name.
const regionNames = [...new Set(regionOrder.map((i) => regionList[i][1]))];
const regionNameIdx = new Map(regionNames.map((n, i) => [n, i]));

const nCells = cells.month.length;
const order = Array.from({ length: nCells }, (_, i) => i).sort((a, b) =>
  cells.month[a] - cells.month[b] || famRank[cells.family[a]] - famRank[cells.family[b]] ||
  cells.source[a] - cells.source[b] || countryRank.get(cells.country[a]) - countryRank.get(cells.country[b]) ||
  regionRank.get(cells.region[a]) - regionRank.get(cells.region[b]) || cells.contract[a] - cells.contract[b] || cells.remote[a] - cells.remote[b]);
const newCell = new Uint32Array(nCells);
order.forEach((old, i) => { newCell[old] = i; });
const outCells = {
  month: order.map((c) => cells.month[c]), family: order.map((c) => famRank[cells.family[c]]),
  source: order.map((c) => cells.source[c]), country: order.map((c) => countryRank.get(cells.country[c])),
  region: order.map((c) => regionNameIdx.get(regionList[cells.region[c]][1])),
  contract: order.map((c) => cells.contract[c]), remote: order.map((c) => cells.remote[c]),
  postings: order.map((c) => cells.postings[c]), salaried: order.map((c) => cells.salaried[c]),
};
const sparse = (map, width) => [...map].map(([key, n]) => [newCell[Math.floor(key / width)], key % width, n])
  .sort((a, b) => a[0] - b[0] || a[1] - b[1]);

const salaryRows = sparse(salaryMap, 1024);
const skillRows = sparse(skillMap, 256);
const topCompanies = COMPANIES.map((_, i) => i).filter((i) => companySeen[i] > 0).sort((a, b) => companySeen[b] - companySeen[a]);
const TOP = 500;
const companyRank = new Map(topCompanies.slice(0, TOP).map((co, i) => [co, i]));
const companyRows = sparse(companyMap, 2048).filter((r) => companyRank.has(r[1])).map(([c, co, n]) => [c, companyRank.get(co), n]);
const depRows = sparse(depMap, 128);
const depUsed = [...new Set(depRows.map((r) => r[1]))].sort((a, b) => deps[a].code.localeCompare(deps[b].code));
const depRank = new Map(depUsed.map((d, i) => [d, i]));

// lifecycle: opened = posted that month; closed = part of what opened one to three months before
const life = new Map();
for (let c = 0; c < nCells; c++) bump(life, outCells.month[c] * 64 + outCells.family[c], outCells.postings[c]);
const lifeRows = [];
for (let m = 0; m < MONTHS.length; m++) for (let f = 0; f < FAMILIES.length; f++) {
  const opened = life.get(m * 64 + f) || 0;
  let closed = 0;
  for (let back = 1; back <= 3; back++) if (m - back >= 0) closed += Math.round((life.get((m - back) * 64 + f) || 0) * [0, 0.45, 0.25, 0.12][back]);
  if (opened || closed) lifeRows.push([m, f, opened, closed]);
}

// the latest postings, newest first
const LIMIT = 5000;
const byDate = Array.from({ length: N }, (_, i) => i).sort((a, b) => pMonth[b] - pMonth[a] || pDay[b] - pDay[a] || b - a).slice(0, LIMIT);
const postings = { limit: LIMIT, total: N, cell: [], title: [], company: [], url: [], date: [], city: [], salary_eur: [] };
for (const p of byDate) {
  const f = pFamily[p];
  const title = `${SENIORITY[p % SENIORITY.length]}${FAMILIES[f][1].replace(/ (engineering|development)$/, '')} ${['engineer', 'specialist', 'consultant', 'developer', 'analyst'][p % 5]}${p % 7 === 0 ? ' (H/F)' : ''}`;
  const reg = regionList[pRegion[p]];
  const city = pDep[p] >= 0 ? deps[pDep[p]].name : (reg[2] ? reg[2][p % reg[2].length] : '');
  postings.cell.push(newCell[pCell[p]]);
  postings.title.push(title.replace(/^./, (x) => x.toUpperCase()));
  postings.company.push(COMPANIES[pCompany[p]]);
  postings.url.push(`https://jobs.example.org/${SOURCES[cells.source[pCell[p]]][0]}/${(p * 2654435761) >>> 0}`);
  postings.date.push(`${MONTHS[pMonth[p]]}-${String(pDay[p]).padStart(2, '0')}`);
  postings.city.push(city);
  postings.salary_eur.push(pSalary[p] > 0 ? pSalary[p] : null);
}

const col = (rows, i) => rows.map((r) => r[i]);
const data = {
  version: 1,
  meta: {
    generated_at: '2026-12-02T17:00:00Z', last_refresh: '2026-12-02T16:55:00Z', joblake_version: '0.1.0',
    lake: 'lake', postings: N, empty: N === 0,
  },
  dims: {
    month: MONTHS, family: famOrder.map((f) => FAMILIES[f][0]), family_label: famOrder.map((f) => FAMILIES[f][1]),
    source: SOURCES.map((x) => x[0]), country: countryOrder.map((i) => COUNTRIES[i][0]),
    country_name: countryOrder.map((i) => COUNTRIES[i][1]), region: regionNames,
    contract: CONTRACTS.map((x) => x[0]), remote: REMOTES.map((x) => x[0]),
  },
  cells: outCells,
  salary: { bin_eur: 1000, cell: col(salaryRows, 0), bin: col(salaryRows, 1), n: col(salaryRows, 2) },
  skills: { names: SKILLS, cell: col(skillRows, 0), skill: col(skillRows, 1), n: col(skillRows, 2) },
  companies: {
    names: topCompanies.slice(0, TOP).map((i) => COMPANIES[i]), top: TOP, total: topCompanies.length,
    cell: col(companyRows, 0), company: col(companyRows, 1), n: col(companyRows, 2),
  },
  departements: {
    codes: depUsed.map((d) => deps[d].code), names: depUsed.map((d) => deps[d].name),
    cell: col(depRows, 0), dep: depRows.map((r) => depRank.get(r[1])), n: col(depRows, 2),
  },
  lifecycle: { month: col(lifeRows, 0), family: col(lifeRows, 1), opened: col(lifeRows, 2), closed: col(lifeRows, 3) },
  postings,
};
if (empty || N === 0) {
  data.meta.postings = 0; data.meta.empty = true; data.meta.last_refresh = null;
  for (const k of Object.keys(data.dims)) data.dims[k] = [];
  for (const k of Object.keys(data.cells)) data.cells[k] = [];
  for (const t of ['salary', 'skills', 'companies', 'departements', 'lifecycle', 'postings']) {
    for (const k of Object.keys(data[t])) if (Array.isArray(data[t][k])) data[t][k] = [];
  }
  data.companies.total = 0; data.postings.total = 0;
}
const text = JSON.stringify(data);
writeFileSync(out, text);
console.log(`${out}: ${N} postings, ${outCells.month.length} cells, ${skillRows.length} skill rows, ${companyRows.length} company rows, ` +
  `${salaryRows.length} salary rows, ${depRows.length} département rows, ${(text.length / 1e6).toFixed(2)} MB`);
