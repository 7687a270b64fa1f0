//! Deterministic demo data: raw job postings in the native response formats of
//! Adzuna, France Travail, Remotive, Arbeitnow and schema.org JSON-LD job pages.
//!
//! Everything is invented (companies, texts, ids); only the *shapes* follow the
//! real APIs, so that the bronze parsers and the silver cleaning get realistic
//! work: the same job on several sources with cosmetic differences, missing and
//! mixed-period salaries, re-published records and a few malformed ones.
//!
//! Generation streams: each source keeps one open page and hands it to the
//! caller once full, so memory stays flat even for a million jobs. One seeded
//! RNG drives everything in a fixed order, which makes the output byte-stable.

use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One raw file as a source would have returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Source name, one of [`SOURCES`].
    pub source: &'static str,
    /// Relative path, e.g. `adzuna/gb-search-0001.json`.
    pub name: String,
    /// File content, byte for byte.
    pub bytes: Vec<u8>,
}

/// Options for a generated sample.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// RNG seed: the same spec always yields the same bytes.
    pub seed: u64,
    /// Number of distinct underlying jobs (records ≈ 1.55 × jobs).
    pub jobs: usize,
    /// "Today": postings are dated in the ~120 days before it.
    pub anchor: NaiveDate,
}

/// The sources written by the generator (file names start with `<source>/`).
pub const SOURCES: [&str; 5] = [
    "adzuna",
    "france_travail",
    "remotive",
    "arbeitnow",
    "jsonld",
];

/// Names of the deliberate defects, in [`DemoStats::malformed`] order.
pub const MALFORMED_KINDS: [&str; 6] = [
    "no_title",
    "empty_title",
    "salary_min_gt_max",
    "bad_date",
    "negative_salary",
    "null_description",
];

/// What a run generated, e.g. for a summary line after `joblake demo`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoStats {
    /// Records per source, in [`SOURCES`] order (re-published copies excluded).
    pub records: [usize; 5],
    /// Jobs published on more than one source.
    pub multi_source_jobs: usize,
    /// Records written a second time on a later page or file.
    pub republished: usize,
    /// Malformed records per kind, in [`MALFORMED_KINDS`] order.
    pub malformed: [usize; 6],
}

/// JSON-LD postings beyond this many are written as NDJSON instead of pages.
const HTML_PAGE_LIMIT: usize = 2000;
/// Share of records that a later fetch returns again.
const REPUBLISH: f64 = 0.02;
/// Share of records that are deliberately malformed.
const MALFORMED: f64 = 0.01;

/// Generates the sample: deterministic for a given spec (same bytes every time).
pub fn generate(spec: &DemoSpec) -> Vec<DemoFile> {
    let mut files = Vec::new();
    let Ok(()) = generate_each::<std::convert::Infallible>(spec, |f| {
        files.push(f);
        Ok(())
    });
    files
}

/// Same as [`generate`], but hands files to a callback one by one so that
/// 1M postings never sit in memory at once. Stops at the first callback error.
pub fn generate_each<E>(
    spec: &DemoSpec,
    f: impl FnMut(DemoFile) -> Result<(), E>,
) -> Result<(), E> {
    generate_each_with_stats(spec, f).map(|_| ())
}

/// Same as [`generate_each`], and reports what was generated.
pub fn generate_each_with_stats<E>(
    spec: &DemoSpec,
    mut f: impl FnMut(DemoFile) -> Result<(), E>,
) -> Result<DemoStats, E> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let world = World::new(spec, &mut rng);
    let mut out = Output::new(spec.jobs);
    for idx in 0..spec.jobs {
        let job = world.job(idx, spec.anchor, &mut rng);
        out.publish(&world, &job, spec.anchor, &mut rng, &mut f)?;
    }
    for stream in &mut out.streams {
        stream.finish(&mut f)?;
    }
    Ok(out.stats)
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

/// Skill kinds, so that templates put a language where a language belongs:
/// programming languages, data tools, cloud/ops, machine learning, BI/office.
const L: u8 = 1;
const D: u8 = 2;
const O: u8 = 4;
const M: u8 = 8;
const B: u8 = 16;

/// Skills with their kind and surface forms; the first form is the canonical
/// name. Texts pick a random form so that skill extraction meets the variety.
#[rustfmt::skip]
const SKILLS: &[(u8, &[&str])] = &[
    (L, &["Python", "python", "Python 3"]), (L, &["SQL", "sql"]), (L, &["R"]), (L, &["Scala"]),
    (L, &["Java"]), (L, &["Go", "Golang"]), (L, &["Rust"]),
    (D, &["Spark", "Apache Spark"]), (D, &["PySpark", "Py-Spark", "pyspark"]),
    (D, &["Airflow", "Apache Airflow"]), (D, &["dbt", "DBT", "dbt Core"]), (D, &["Kafka", "Apache Kafka"]),
    (D, &["pandas", "Pandas"]), (D, &["Snowflake"]), (D, &["Databricks"]), (D, &["BigQuery", "Big Query"]),
    (D, &["PostgreSQL", "Postgres", "postgres"]), (D, &["MongoDB", "Mongo DB"]), (D, &["Hadoop"]),
    (O, &["AWS", "Amazon Web Services"]), (O, &["Azure", "Microsoft Azure"]),
    (O, &["GCP", "Google Cloud", "Google Cloud Platform"]), (O, &["Docker", "docker"]),
    (O, &["Kubernetes", "k8s", "K8s"]), (O, &["Terraform"]), (O, &["Git", "git"]),
    (O, &["CI/CD", "CI-CD", "CICD"]),
    (M, &["TensorFlow", "Tensorflow"]), (M, &["PyTorch", "Pytorch"]),
    (M, &["scikit-learn", "scikit learn", "sklearn"]), (M, &["Machine Learning", "machine learning", "ML"]),
    (M, &["Deep Learning", "deep learning"]), (M, &["NLP", "natural language processing"]),
    (M, &["LLM", "LLMs", "large language models"]),
    (M, &["Statistics", "statistics", "statistical modelling"]),
    (B, &["Power BI", "PowerBI", "power bi"]), (B, &["Tableau"]), (B, &["Looker"]),
    (B, &["Excel", "MS Excel", "Microsoft Excel"]),
];

/// Index of a skill by canonical name (tables below refer to skills by name).
fn skill(name: &str) -> usize {
    SKILLS.iter().position(|s| s.1[0] == name).unwrap_or(0)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Fr,
    De,
}

/// A job family: titles per language (en, fr, de), typical skills, and how
/// each source files it.
struct Family {
    titles: [&'static str; 3],
    skills: &'static [&'static str],
    /// Data/tech role; the others exist so that classification has something to reject.
    related: bool,
    remote_pct: u32,
    /// Mid-level annual pay in Germany, EUR.
    salary: f64,
    weight: u32,
    adzuna_cat: usize,
    remotive_cat: &'static str,
    arbeitnow_tag: &'static str,
    /// France Travail ROME code and label.
    rome: [&'static str; 2],
    /// One typical task, per language.
    duty: [&'static str; 3],
}

#[rustfmt::skip]
const FAMILIES: &[Family] = &[
    Family { titles: ["Data Scientist", "Data Scientist", "Data Scientist"],
        skills: &["Python", "SQL", "Machine Learning", "scikit-learn", "pandas", "Statistics", "PyTorch", "R", "Spark"],
        related: true, remote_pct: 25, salary: 62_000.0, weight: 14, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Data Science", rome: ["M1405", "Data scientist"],
        duty: ["Turn open business questions into predictive models",
               "Traduire les questions métier en modèles prédictifs",
               "Du übersetzt Fachfragen in belastbare Vorhersagemodelle"] },
    Family { titles: ["Data Engineer", "Ingénieur Données / Data Engineer", "Data Engineer"],
        skills: &["Python", "SQL", "Spark", "Airflow", "Kafka", "dbt", "AWS", "Docker", "Snowflake", "PySpark", "Databricks", "Scala"],
        related: true, remote_pct: 25, salary: 62_000.0, weight: 16, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Data Engineering", rome: ["M1811", "Data engineer"],
        duty: ["Own the ingestion of new data sources end to end",
               "Prendre en charge l’ingestion de nouvelles sources de données",
               "Du verantwortest die Anbindung neuer Datenquellen"] },
    Family { titles: ["Machine Learning Engineer", "Ingénieur Machine Learning", "Machine Learning Engineer"],
        skills: &["Python", "PyTorch", "Machine Learning", "Docker", "Kubernetes", "TensorFlow", "Deep Learning", "AWS", "GCP", "LLM"],
        related: true, remote_pct: 30, salary: 70_000.0, weight: 9, adzuna_cat: 0,
        remotive_cat: "Artificial Intelligence", arbeitnow_tag: "Machine Learning", rome: ["M1405", "Data scientist"],
        duty: ["Ship models to production and monitor them",
               "Mettre les modèles en production et assurer leur suivi",
               "Du bringst Modelle in Produktion und überwachst sie"] },
    Family { titles: ["Data Analyst", "Analyste de données", "Datenanalyst"],
        skills: &["SQL", "Excel", "Python", "Power BI", "Tableau", "Statistics", "Looker", "BigQuery"],
        related: true, remote_pct: 20, salary: 48_000.0, weight: 14, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Data Analytics", rome: ["M1403", "Analyste de données"],
        duty: ["Answer ad-hoc questions from marketing and finance",
               "Répondre aux demandes d’analyse du marketing et de la finance",
               "Du beantwortest Ad-hoc-Analysen für Marketing und Finance"] },
    Family { titles: ["BI Developer", "Développeur BI", "BI-Entwickler"],
        skills: &["SQL", "Power BI", "Tableau", "Excel", "Snowflake", "dbt", "Azure"],
        related: true, remote_pct: 15, salary: 52_000.0, weight: 6, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Business Intelligence", rome: ["M1805", "Développeur décisionnel"],
        duty: ["Maintain the company-wide reporting layer",
               "Maintenir le socle de reporting de l’entreprise",
               "Du pflegst das unternehmensweite Reporting"] },
    Family { titles: ["Analytics Engineer", "Analytics Engineer", "Analytics Engineer"],
        skills: &["SQL", "dbt", "Snowflake", "BigQuery", "Looker", "Python", "Git", "Airflow"],
        related: true, remote_pct: 30, salary: 58_000.0, weight: 5, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Data Engineering", rome: ["M1811", "Data engineer"],
        duty: ["Model clean, documented tables for analysts",
               "Modéliser des tables propres et documentées pour les analystes",
               "Du modellierst saubere, dokumentierte Tabellen für Analysts"] },
    Family { titles: ["MLOps Engineer", "Ingénieur MLOps", "MLOps Engineer"],
        skills: &["Python", "Kubernetes", "Docker", "Terraform", "CI/CD", "AWS", "Machine Learning", "Git", "Azure"],
        related: true, remote_pct: 30, salary: 66_000.0, weight: 4, adzuna_cat: 0,
        remotive_cat: "DevOps / Sysadmin", arbeitnow_tag: "DevOps", rome: ["M1811", "Data engineer"],
        duty: ["Build the platform our data scientists deploy on",
               "Construire la plateforme de déploiement des data scientists",
               "Du baust die Plattform, auf der unsere Data Scientists deployen"] },
    Family { titles: ["Data Architect", "Architecte Data", "Datenarchitekt"],
        skills: &["SQL", "Azure", "AWS", "Snowflake", "Databricks", "Kafka", "Hadoop", "PostgreSQL"],
        related: true, remote_pct: 15, salary: 78_000.0, weight: 3, adzuna_cat: 0,
        remotive_cat: "Data", arbeitnow_tag: "Data Architecture", rome: ["M1802", "Architecte des systèmes d’information"],
        duty: ["Define the target architecture of our data platform",
               "Définir l’architecture cible de la plateforme data",
               "Du definierst die Zielarchitektur unserer Datenplattform"] },
    Family { titles: ["Statistician", "Statisticien", "Statistiker"],
        skills: &["R", "Statistics", "Python", "SQL", "Excel"],
        related: true, remote_pct: 15, salary: 50_000.0, weight: 3, adzuna_cat: 1,
        remotive_cat: "Data", arbeitnow_tag: "Statistik", rome: ["M1403", "Statisticien"],
        duty: ["Design surveys and sampling plans",
               "Concevoir des enquêtes et des plans de sondage",
               "Du konzipierst Erhebungen und Stichprobenpläne"] },
    Family { titles: ["AI Research Scientist", "Chercheur en Intelligence Artificielle", "AI Research Scientist"],
        skills: &["PyTorch", "Deep Learning", "NLP", "LLM", "Python", "Machine Learning", "TensorFlow"],
        related: true, remote_pct: 35, salary: 82_000.0, weight: 3, adzuna_cat: 1,
        remotive_cat: "Artificial Intelligence", arbeitnow_tag: "Research", rome: ["K2402", "Chercheur en informatique"],
        duty: ["Publish and productise research on language models",
               "Publier et valoriser des travaux sur les modèles de langage",
               "Du forschst an Sprachmodellen und bringst Ergebnisse in Produkte"] },
    Family { titles: ["Backend Software Engineer", "Développeur Backend", "Backend-Entwickler"],
        skills: &["Java", "Go", "Python", "PostgreSQL", "Docker", "Kubernetes", "Git", "CI/CD", "MongoDB", "Rust", "Kafka"],
        related: true, remote_pct: 30, salary: 60_000.0, weight: 8, adzuna_cat: 0,
        remotive_cat: "Software Development", arbeitnow_tag: "Software Development", rome: ["M1805", "Développeur informatique"],
        duty: ["Design and run the APIs behind our products",
               "Concevoir et faire vivre les API de nos produits",
               "Du entwickelst und betreibst die APIs hinter unseren Produkten"] },
    Family { titles: ["DevOps Engineer", "Ingénieur DevOps / Cloud", "DevOps Engineer"],
        skills: &["Kubernetes", "Terraform", "AWS", "Azure", "GCP", "Docker", "CI/CD", "Git", "Python"],
        related: true, remote_pct: 30, salary: 62_000.0, weight: 6, adzuna_cat: 0,
        remotive_cat: "DevOps / Sysadmin", arbeitnow_tag: "DevOps", rome: ["M1810", "Ingénieur DevOps"],
        duty: ["Keep our cloud infrastructure reliable and affordable",
               "Garantir la fiabilité et la maîtrise des coûts de notre cloud",
               "Du hältst unsere Cloud-Infrastruktur stabil und bezahlbar"] },
    Family { titles: ["Product Analyst", "Product Analyst", "Product Analyst"],
        skills: &["SQL", "Python", "Looker", "Excel", "Statistics", "BigQuery"],
        related: true, remote_pct: 25, salary: 54_000.0, weight: 3, adzuna_cat: 0,
        remotive_cat: "Product", arbeitnow_tag: "Product", rome: ["M1403", "Analyste de données"],
        duty: ["Measure how customers use new features",
               "Mesurer l’usage des nouvelles fonctionnalités",
               "Du misst, wie Kund:innen neue Features nutzen"] },
    Family { titles: ["Sales Representative", "Commercial B2B", "Vertriebsmitarbeiter"], skills: &["Excel"],
        related: false, remote_pct: 10, salary: 42_000.0, weight: 4, adzuna_cat: 2,
        remotive_cat: "Sales", arbeitnow_tag: "Sales", rome: ["D1402", "Commercial B2B"],
        duty: ["Manage a portfolio of business customers",
               "Développer et fidéliser un portefeuille de clients professionnels",
               "Du betreust und erweiterst einen Stamm von Geschäftskunden"] },
    Family { titles: ["Registered Nurse", "Infirmier", "Pflegefachkraft"], skills: &["Excel"],
        related: false, remote_pct: 0, salary: 36_000.0, weight: 3, adzuna_cat: 3,
        remotive_cat: "Medical", arbeitnow_tag: "Pflege", rome: ["J1506", "Infirmier"],
        duty: ["Provide safe, compassionate care to patients",
               "Assurer les soins auprès des patients du service",
               "Du versorgst unsere Patient:innen professionell und empathisch"] },
    Family { titles: ["Accountant", "Comptable", "Buchhalter"], skills: &["Excel"],
        related: false, remote_pct: 15, salary: 44_000.0, weight: 3, adzuna_cat: 4,
        remotive_cat: "Finance / Legal", arbeitnow_tag: "Finance", rome: ["M1203", "Comptable"],
        duty: ["Prepare month-end closing and VAT returns",
               "Préparer les clôtures mensuelles et les déclarations de TVA",
               "Du erstellst Monatsabschlüsse und Umsatzsteuervoranmeldungen"] },
    Family { titles: ["Warehouse Operative", "Préparateur de commandes", "Lagermitarbeiter"], skills: &["Excel"],
        related: false, remote_pct: 0, salary: 28_000.0, weight: 1, adzuna_cat: 5,
        remotive_cat: "All others", arbeitnow_tag: "Logistik", rome: ["N1103", "Préparateur de commandes"],
        duty: ["Pick, pack and ship customer orders",
               "Préparer et expédier les commandes clients",
               "Du kommissionierst und versendest Kundenaufträge"] },
];

/// Adzuna categories: tag, then label per language (en, fr, de).
#[rustfmt::skip]
const ADZUNA_CATS: [[&str; 4]; 7] = [
    ["it-jobs", "IT Jobs", "Emplois Informatique", "IT-Stellen"],
    ["scientific-qa-jobs", "Scientific & QA Jobs", "Emplois Scientifique & Assurance Qualité", "Wissenschaft & Qualitätssicherung"],
    ["sales-jobs", "Sales Jobs", "Emplois Vente", "Vertrieb"],
    ["healthcare-nursing-jobs", "Healthcare & Nursing Jobs", "Emplois Soins de santé et infirmiers", "Gesundheit & Pflege"],
    ["accounting-finance-jobs", "Accounting & Finance Jobs", "Emplois Comptabilité et Finance", "Buchhaltung & Finanzen"],
    ["logistics-warehouse-jobs", "Logistics & Warehouse Jobs", "Emplois Distribution et Entrepôts", "Logistik & Lager"],
    ["unknown", "Unknown", "Unknown", "Unknown"],
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cc {
    Gb,
    Fr,
    De,
    Us,
    Ca,
    Nl,
}

struct Country {
    cc: Cc,
    /// Adzuna country code and host ("" = not searched on Adzuna).
    adzuna: [&'static str; 2],
    /// First element of Adzuna's `location.area`.
    area: &'static str,
    iso: &'static str,
    name: &'static str,
    currency: &'static str,
    symbol: &'static str,
    /// Pay level relative to Germany, in local currency.
    pay: f64,
    suffixes: &'static [&'static str],
    /// UTC offsets in minutes: winter, summer.
    tz: [i32; 2],
    tld: &'static str,
    weight: u32,
}

#[rustfmt::skip]
const COUNTRIES: [Country; 6] = [
    Country { cc: Cc::Gb, adzuna: ["gb", "www.adzuna.co.uk"], area: "UK", iso: "GB", name: "United Kingdom",
        currency: "GBP", symbol: "£", pay: 0.85, suffixes: &["Ltd", "Limited", "PLC"], tz: [0, 60], tld: "co.uk", weight: 20 },
    Country { cc: Cc::Fr, adzuna: ["fr", "www.adzuna.fr"], area: "France", iso: "FR", name: "France",
        currency: "EUR", symbol: "€", pay: 0.88, suffixes: &["SAS", "SA", "SARL"], tz: [60, 120], tld: "fr", weight: 30 },
    Country { cc: Cc::De, adzuna: ["de", "www.adzuna.de"], area: "Deutschland", iso: "DE", name: "Germany",
        currency: "EUR", symbol: "€", pay: 1.0, suffixes: &["GmbH", "AG", "SE", "GmbH & Co. KG"], tz: [60, 120], tld: "de", weight: 27 },
    Country { cc: Cc::Us, adzuna: ["us", "www.adzuna.com"], area: "US", iso: "US", name: "United States",
        currency: "USD", symbol: "$", pay: 1.75, suffixes: &["Inc.", "LLC", "Corp."], tz: [-300, -240], tld: "com", weight: 17 },
    Country { cc: Cc::Ca, adzuna: ["", ""], area: "Canada", iso: "CA", name: "Canada",
        currency: "CAD", symbol: "$", pay: 1.45, suffixes: &["Inc.", "Ltd."], tz: [-300, -240], tld: "ca", weight: 3 },
    Country { cc: Cc::Nl, adzuna: ["", ""], area: "Nederland", iso: "NL", name: "Netherlands",
        currency: "EUR", symbol: "€", pay: 1.05, suffixes: &["B.V."], tz: [60, 120], tld: "nl", weight: 3 },
];

fn country(cc: Cc) -> &'static Country {
    &COUNTRIES[cc as usize]
}

/// A workplace; `insee` and `ft_label` are France Travail's `commune` and `libelle`.
struct City {
    cc: Cc,
    name: &'static str,
    region: &'static str,
    postcode: &'static str,
    insee: &'static str,
    ft_label: &'static str,
    lat: f64,
    lon: f64,
}

#[rustfmt::skip]
const fn city(cc: Cc, name: &'static str, region: &'static str, postcode: &'static str, lat: f64, lon: f64) -> City {
    City { cc, name, region, postcode, insee: "", ft_label: "", lat, lon }
}

/// A French city with (postcode, INSEE code, France Travail label).
#[rustfmt::skip]
const fn fr(name: &'static str, region: &'static str, codes: [&'static str; 3], lat: f64, lon: f64) -> City {
    City { cc: Cc::Fr, name, region, postcode: codes[0], insee: codes[1], ft_label: codes[2], lat, lon }
}

/// The first city of each country is its biggest job market.
#[rustfmt::skip]
const CITIES: &[City] = &[
    city(Cc::Gb, "London", "London", "EC2A 4NE", 51.5136, -0.1365),
    city(Cc::Gb, "Manchester", "North West England", "M1 1AE", 53.4794, -2.2453),
    city(Cc::Gb, "Edinburgh", "Scotland", "EH1 1YZ", 55.9533, -3.1883),
    city(Cc::Gb, "Bristol", "South West England", "BS1 4DJ", 51.4545, -2.5879),
    city(Cc::Gb, "Cambridge", "Eastern England", "CB2 1TN", 52.2053, 0.1218),
    city(Cc::Gb, "Leeds", "Yorkshire And The Humber", "LS1 4AP", 53.7997, -1.5492),
    fr("Paris", "Ile-de-France", ["75011", "75111", "75 - Paris 11e Arrondissement"], 48.8588, 2.3792),
    fr("Paris", "Ile-de-France", ["75009", "75109", "75 - Paris 9e Arrondissement"], 48.8725, 2.3412),
    fr("Paris", "Ile-de-France", ["75008", "75108", "75 - PARIS 08"], 48.8775, 2.3176),
    fr("Lyon", "Auvergne-Rhône-Alpes", ["69003", "69383", "69 - LYON 03"], 45.7597, 4.8512),
    fr("Toulouse", "Occitanie", ["31000", "31555", "31 - TOULOUSE"], 43.6045, 1.4440),
    fr("Nantes", "Pays de la Loire", ["44000", "44109", "44 - Nantes"], 47.2184, -1.5536),
    fr("Bordeaux", "Nouvelle-Aquitaine", ["33000", "33063", "33 - Bordeaux"], 44.8378, -0.5792),
    fr("Lille", "Hauts-de-France", ["59000", "59350", "59 - LILLE"], 50.6292, 3.0573),
    fr("Rennes", "Bretagne", ["35000", "35238", "35 - RENNES"], 48.1173, -1.6778),
    city(Cc::De, "Berlin", "Berlin", "10115", 52.5200, 13.4050),
    city(Cc::De, "München", "Bayern", "80331", 48.1374, 11.5755),
    city(Cc::De, "Hamburg", "Hamburg", "20095", 53.5511, 9.9937),
    city(Cc::De, "Frankfurt am Main", "Hessen", "60311", 50.1109, 8.6821),
    city(Cc::De, "Köln", "Nordrhein-Westfalen", "50667", 50.9375, 6.9603),
    city(Cc::De, "Stuttgart", "Baden-Württemberg", "70173", 48.7758, 9.1829),
    city(Cc::De, "Leipzig", "Sachsen", "04109", 51.3397, 12.3731),
    city(Cc::Us, "New York", "New York", "10001", 40.7128, -74.0060),
    city(Cc::Us, "San Francisco", "California", "94105", 37.7749, -122.4194),
    city(Cc::Us, "Seattle", "Washington", "98101", 47.6062, -122.3321),
    city(Cc::Us, "Austin", "Texas", "78701", 30.2672, -97.7431),
    city(Cc::Us, "Boston", "Massachusetts", "02110", 42.3601, -71.0589),
    city(Cc::Us, "Chicago", "Illinois", "60601", 41.8781, -87.6298),
    city(Cc::Ca, "Montréal", "Québec", "H2Y 1C6", 45.5017, -73.5673),
    city(Cc::Ca, "Toronto", "Ontario", "M5H 2N2", 43.6532, -79.3832),
    city(Cc::Nl, "Amsterdam", "Noord-Holland", "1012 AB", 52.3676, 4.9041),
    city(Cc::Nl, "Utrecht", "Utrecht", "3511 AA", 52.0907, 5.1214),
];

/// Company name parts; the second word also decides the industry (see [`industry_of`]).
#[rustfmt::skip]
const NAME_A: [&str; 40] = [
    "Nordlicht", "Datalyse", "Blauwal", "Quantix", "Kestrel", "Lumen", "Orbitale", "Saphir", "Vektor",
    "Helix", "Tandem", "Polaris", "Kobalt", "Meridian", "Ardoise", "Cerulean", "Fjord", "Granit", "Isar",
    "Loire", "Mistral", "Opaline", "Pixelis", "Rubicon", "Solstice", "Tessel", "Umbra", "Velin",
    "Wavelet", "Zenit", "Alpenglow", "Brightwater", "Copperleaf", "Driftwood", "Emberly", "Foxglove",
    "Glasshouse", "Hawthorn", "Ironbridge", "Juniper",
];
#[rustfmt::skip]
const NAME_B: [&str; 20] = [
    "Analytics", "Data", "Labs", "Systems", "Insights", "Technologies", "Software", "Health", "Finanz",
    "Logistics", "Energie", "Retail", "Consulting", "Mobility", "Robotics", "AI", "Cloud", "Media", "",
    "Solutions",
];
const NAME_C: [&str; 6] = ["", "Europe", "Nord", "Digital", "International", "Partners"];

/// Hand-made companies at fixed ranks: names with `&`, CJK names (never with
/// a legal suffix) and an alternative spelling that Remotive and JSON-LD pages
/// sometimes use (decomposed accent, straight apostrophe, no accents).
#[rustfmt::skip]
const SPECIAL: [(usize, &str, Option<&str>, Cc, &str); 7] = [
    (2, "Keller & Partner Datentechnik", None, Cc::De, "GmbH"),
    (9, "Noësis Data", Some("Noe\u{308}sis Data"), Cc::Fr, "SA"),
    (17, "星河数据", None, Cc::Gb, ""),
    (23, "L’Atelier Données", Some("L'Atelier Données"), Cc::Fr, "SAS"),
    (41, "Café Numérique", Some("Cafe Numerique"), Cc::Fr, "SARL"),
    (58, "未来智能科技", None, Cc::Us, ""),
    (77, "Berger & Fils Analytique", None, Cc::Fr, "SAS"),
];

/// Industry: en, fr, de phrase and France Travail `secteurActiviteLibelle`.
#[rustfmt::skip]
const INDUSTRIES: [[&str; 4]; 7] = [
    ["software", "du numérique", "Software", "Programmation informatique"],
    ["IT consulting", "du conseil", "IT-Beratung", "Conseil en systèmes et logiciels informatiques"],
    ["financial services", "de la finance", "Finanzdienstleistungen", "Autres intermédiations monétaires"],
    ["healthcare", "de la santé", "Gesundheitswesen", "Activités hospitalières"],
    ["retail", "de la distribution", "Einzelhandel", "Commerce de détail"],
    ["energy", "de l’énergie", "Energie", "Production d'électricité"],
    ["logistics", "de la logistique", "Logistik", "Entreposage et stockage"],
];

fn industry_of(word: &str) -> usize {
    match word {
        "Consulting" => 1,
        "Finanz" => 2,
        "Health" => 3,
        "Retail" => 4,
        "Energie" => 5,
        "Logistics" | "Mobility" => 6,
        _ => 0,
    }
}

// Description building blocks, per language (en, fr, de). Placeholders:
// {c} company, {t} title, {city}, {team}, {dom} model domain, {n} years,
// {year} founding year, {staff}, {ind} industry, {s} the job's next skill and
// {lang} {data} {ops} {ml} {bi} its next skill of that kind (templates whose
// kinds the job lacks are skipped).

type Pool = [&'static [&'static str]; 3];

#[rustfmt::skip]
const INTRO: Pool = [
    &["{c} is looking for a {t} to join our {team} team in {city}.",
      "We’re hiring a {t} in {city}! At {c}, you will work on problems that matter to millions of customers.",
      "As a {t} at {c}, you will help our {team} team turn raw data into better decisions.",
      "Join {c} in {city} as {t} and shape how we use data across the company."],
    &["{c} recherche un(e) {t} pour renforcer son équipe {team} à {city}.",
      "Rejoignez {c}\u{a0}! Nous recrutons un(e) {t} basé(e) à {city}.",
      "Au sein de l’équipe {team} de {c}, vous intervenez en tant que {t}.",
      "Dans le cadre de sa croissance, {c} recrute un(e) {t} à {city}."],
    &["{c} sucht zum nächstmöglichen Zeitpunkt eine:n {t} für unser {team}-Team in {city}.",
      "Du willst mit Daten wirklich etwas bewegen? Dann verstärke {c} in {city} als {t}!",
      "Für unseren Standort {city} suchen wir eine:n engagierte:n {t}."],
];

#[rustfmt::skip]
const ABOUT: Pool = [
    &["{c} is a fast-growing {ind} company founded in {year}. Today more than {staff} people work across our offices in Europe and North America, and data sits at the heart of everything we do.",
      "Since {year}, {c} has been building {ind} products used every day by thousands of businesses. We are profitable, independent and proud of our “people first” culture."],
    &["Créée en {year}, {c} est une entreprise {ind} qui compte aujourd’hui plus de {staff} collaborateurs en France et à l’international. La donnée est au cœur de notre stratégie.",
      "Acteur reconnu {ind} depuis {year}, {c} accompagne plus de 2\u{a0}000 clients et place l’innovation au centre de son développement."],
    &["{c} wurde {year} gegründet und ist heute mit über {staff} Mitarbeitenden ein führendes Unternehmen im Bereich {ind}. Daten sind die Grundlage unserer Entscheidungen.",
      "Seit {year} gestaltet {c} die Zukunft im Bereich {ind} – unabhängig, profitabel und mit einer offenen „Du“-Kultur."],
];

#[rustfmt::skip]
const TEAM: Pool = [
    &["Our {team} team is made up of about fifteen engineers, analysts and scientists who work in small, autonomous squads. We ship every day, review each other’s work and spend 10% of our time on learning and experimentation. You will report to our Head of {team} and work with colleagues from more than 20 countries.",
      "How we hire: a 30-minute call with our recruiter, a take-home exercise (max. 3 hours, paid), a technical interview with two future colleagues and a final chat with the team lead. We aim to give you an answer within two weeks."],
    &["L’équipe {team} réunit une quinzaine d’ingénieurs, d’analystes et de data scientists organisés en squads autonomes. Nous livrons en continu, pratiquons la revue de code et consacrons 10\u{a0}% de notre temps à la veille et à l’expérimentation. Vous serez rattaché(e) au responsable {team}.",
      "Processus de recrutement\u{a0}: un premier échange téléphonique, un cas pratique, un entretien technique avec deux membres de l’équipe puis une rencontre avec le manager. Nous nous engageons à vous répondre sous quinze jours."],
    &["Unser {team}-Team besteht aus rund 15 Engineers, Analysts und Scientists, die in kleinen, selbstorganisierten Squads arbeiten. Wir liefern täglich aus, machen Code-Reviews und investieren 10\u{a0}% unserer Zeit in Weiterbildung. Du berichtest direkt an die Leitung {team}.",
      "So läuft der Prozess: ein kurzes Kennenlerngespräch, eine kleine Fallstudie, ein Fachinterview mit zwei künftigen Kolleg:innen und ein Abschlussgespräch mit der Teamleitung. Eine Rückmeldung bekommst du innerhalb von zwei Wochen."],
];

#[rustfmt::skip]
const TECH_TASKS: Pool = [
    &["Design, build and maintain reliable data pipelines with {data} and {lang}",
      "Develop {dom} models with {ml} and bring them to production",
      "Write clean, tested and well-documented code in {lang}",
      "Build dashboards and self-service reporting in {bi}",
      "Improve the performance, reliability and cost of our {data} platform",
      "Run A/B tests and explain the results to non-technical audiences",
      "Automate deployments with {ops} and {ops}",
      "Collaborate with our R&D team on new data products",
      "Take part in code reviews and mentor junior colleagues"],
    &["Concevoir, développer et maintenir des pipelines de données avec {data} et {lang}",
      "Développer des modèles de {dom} avec {ml} et les mettre en production",
      "Écrire un code propre, testé et documenté en {lang}",
      "Construire des tableaux de bord et des rapports en libre-service sous {bi}",
      "Optimiser la performance, la fiabilité et les coûts de notre plateforme {data}",
      "Mettre en place des tests A/B et restituer les résultats aux équipes métier",
      "Automatiser les déploiements avec {ops} et {ops}",
      "Collaborer avec l’équipe R&D sur de nouveaux produits data",
      "Participer aux revues de code et accompagner les profils juniors"],
    &["Du entwickelst und betreibst zuverlässige Datenpipelines mit {data} und {lang}",
      "Du entwickelst {dom}-Modelle mit {ml} und bringst sie in Produktion",
      "Du schreibst sauberen, getesteten und dokumentierten Code in {lang}",
      "Du baust Dashboards und Self-Service-Reports mit {bi}",
      "Du verbesserst Performance, Stabilität und Kosten unserer {data}-Plattform",
      "Du planst A/B-Tests und erklärst die Ergebnisse verständlich",
      "Du automatisierst Deployments mit {ops} und {ops}",
      "Du arbeitest eng mit unserem F&E-Team an neuen Datenprodukten",
      "Du unterstützt Code-Reviews und coachst Junior-Kolleg:innen"],
];

#[rustfmt::skip]
const GENERIC_TASKS: Pool = [
    &["Work closely with colleagues from sales, finance and operations",
      "Keep documentation and reporting up to date",
      "Contribute to the continuous improvement of our processes"],
    &["Travailler en lien étroit avec les équipes commerciales, finance et opérations",
      "Assurer le suivi et le reporting de votre activité",
      "Contribuer à l’amélioration continue de nos processus"],
    &["Du arbeitest eng mit Vertrieb, Finanzen und Operations zusammen",
      "Du hältst Dokumentation und Reporting aktuell",
      "Du trägst zur kontinuierlichen Verbesserung unserer Prozesse bei"],
];

#[rustfmt::skip]
const TECH_REQS: Pool = [
    &["{n}+ years of experience in a similar role",
      "Strong skills in {s} and {s}",
      "Hands-on experience with {s}, {s} or {s}",
      "Knowledge of {s} is a plus",
      "A degree in computer science, statistics, mathematics or a related field",
      "Good understanding of engineering best practices (testing, {ops}, code review)"],
    &["Vous justifiez d’au moins {n} an(s) d’expérience sur un poste similaire",
      "Vous maîtrisez {s} et {s}",
      "Une expérience avec {s}, {s} ou {s} est un vrai plus",
      "La connaissance de {s} serait appréciée",
      "Formation Bac+5 (école d’ingénieur ou université) en informatique, statistiques ou mathématiques",
      "Vous êtes sensible aux bonnes pratiques de développement (tests, {ops}, revue de code)"],
    &["Mindestens {n} Jahr(e) Berufserfahrung in einer vergleichbaren Position",
      "Sehr gute Kenntnisse in {s} und {s}",
      "Praktische Erfahrung mit {s}, {s} oder {s}",
      "Kenntnisse in {s} sind ein Plus",
      "Abgeschlossenes Studium der Informatik, Statistik, Mathematik oder vergleichbare Qualifikation",
      "Du kennst Best Practices der Softwareentwicklung (Tests, {ops}, Code-Reviews)"],
];

#[rustfmt::skip]
const GENERIC_REQS: Pool = [
    &["{n}+ years of relevant experience", "Excellent communication skills in English",
      "Good command of {s}", "A reliable, well-organised and friendly way of working"],
    &["Vous disposez d’au moins {n} an(s) d’expérience", "Excellent relationnel et sens du service",
      "Bonne maîtrise de {s}", "Rigueur, organisation et esprit d’équipe"],
    &["Mindestens {n} Jahr(e) relevante Berufserfahrung", "Sehr gute Deutschkenntnisse",
      "Sicherer Umgang mit {s}", "Zuverlässige, strukturierte und freundliche Arbeitsweise"],
];

#[rustfmt::skip]
const BENEFITS: Pool = [
    &["Competitive salary and an annual bonus", "Hybrid work: up to 3 days a week from home",
      "€1,500 yearly learning budget and conference tickets", "30 days of paid holiday",
      "A modern office in {city} with great coffee ☕", "Company pension scheme and private health insurance"],
    &["Salaire attractif + prime annuelle", "Télétravail jusqu’à 3 jours par semaine",
      "Tickets restaurant et mutuelle prise en charge à 60\u{a0}%", "RTT et 25 jours de congés payés",
      "Des locaux lumineux au cœur de {city}", "Budget formation de 1\u{a0}500\u{a0}€ par an"],
    &["Unbefristeter Vertrag und attraktives Gehalt", "30 Tage Urlaub",
      "Flexible Arbeitszeiten und bis zu 100\u{a0}% Homeoffice", "Deutschlandticket und Fahrradleasing",
      "Weiterbildungsbudget von 1.500\u{a0}€ pro Jahr", "Betriebliche Altersvorsorge"],
];

#[rustfmt::skip]
const CLOSING: Pool = [
    &["{c} is an equal opportunity employer. We welcome applications regardless of age, gender, origin, disability or sexual orientation.",
      "Interested? Send us your CV – no cover letter needed – and we’ll get back to you within a week 🙂"],
    &["Envie de relever le défi\u{a0}? Postulez dès maintenant\u{a0}!",
      "Ce poste est ouvert aux personnes en situation de handicap. {c} s’engage pour la diversité et l’inclusion."],
    &["Wir freuen uns auf deine Bewerbung – gerne mit Angabe deines frühestmöglichen Eintrittstermins!",
      "Bei {c} zählt, was du kannst – nicht woher du kommst. Wir begrüßen alle Bewerbungen unabhängig von Geschlecht, Herkunft, Alter oder Behinderung."],
];

/// Section headings: tasks, profile, benefits.
#[rustfmt::skip]
const HEADINGS: [Pool; 3] = [
    [&["What you’ll do", "Your responsibilities", "The role"],
     &["Vos missions\u{a0}:", "Missions principales\u{a0}:"], &["Deine Aufgaben", "Das erwartet dich"]],
    [&["What we’re looking for", "Your profile", "Requirements"],
     &["Votre profil\u{a0}:", "Profil recherché\u{a0}:"], &["Dein Profil", "Das bringst du mit"]],
    [&["What we offer", "Benefits"], &["Ce que nous offrons\u{a0}:", "Les avantages\u{a0}:"],
     &["Was wir bieten", "Deine Benefits"]],
];
const STACK: [&str; 3] = [
    "Our stack: ",
    "Stack technique\u{a0}: ",
    "Unser Tech-Stack: ",
];
#[rustfmt::skip]
const TEAMS: Pool = [&["Data", "Analytics", "Data Platform", "AI", "Engineering"],
    &["Data", "Analytics", "IA", "Plateforme Data"], &["Data", "Analytics", "Data-Plattform", "KI"]];
#[rustfmt::skip]
const DOMAINS: Pool = [&["forecasting", "recommendation", "pricing", "fraud detection", "churn prediction"],
    &["prévision", "recommandation", "tarification", "détection de fraude"],
    &["Prognose", "Empfehlungs", "Pricing", "Betrugserkennungs"]];

/// France Travail `competences` labels (own wording), for data roles and others.
#[rustfmt::skip]
const FT_SKILLS: [&[&str]; 2] = [
    &["Concevoir des pipelines de données", "Modéliser et structurer des données",
      "Développer des modèles statistiques ou prédictifs", "Mettre en production des applications",
      "Rédiger une documentation technique", "Animer des ateliers avec les équipes métier"],
    &["Accueillir et conseiller une clientèle", "Organiser son activité selon les priorités",
      "Renseigner des documents de suivi"],
];

// ---------------------------------------------------------------------------
// World and jobs
// ---------------------------------------------------------------------------

/// Index = position in [`SOURCES`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Src {
    Adzuna,
    FranceTravail,
    Remotive,
    Arbeitnow,
    JsonLd,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Seniority {
    Intern,
    Junior,
    Mid,
    Senior,
    Lead,
    Principal,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Contract {
    Permanent,
    FixedTerm,
    Freelance,
    Internship,
    Apprenticeship,
}

/// Index = position in the JSON-LD `unitText` list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Period {
    Hour,
    Day,
    Month,
    Year,
}

/// Deliberate defects, in [`MALFORMED_KINDS`] order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Bad {
    NoTitle,
    EmptyTitle,
    SalarySwapped,
    UnparseableDate,
    NegativeSalary,
    NullDescription,
}

struct Company {
    name: String,
    suffix: &'static str,
    /// Alternative spelling used by some sources (see [`SPECIAL`]).
    alt: Option<&'static str>,
    cc: Cc,
    industry: usize,
    slug: String,
    founded: u32,
    staff: u32,
}

impl Company {
    /// The name as a source spells it: with or without legal suffix, upper case
    /// on France Travail, "Name, Inc." on some pages. All differences are ones a
    /// name normalisation (case, accents, punctuation, legal suffix) absorbs.
    fn display(&self, src: Src, rng: &mut StdRng) -> String {
        let name = match self.alt {
            Some(alt) if matches!(src, Src::Remotive | Src::JsonLd) && rng.random_bool(0.6) => alt,
            _ => self.name.as_str(),
        };
        let full = || match self.suffix {
            "" => name.to_string(),
            suffix => format!("{name} {suffix}"),
        };
        match src {
            Src::Adzuna if rng.random_bool(0.5) => full(),
            Src::FranceTravail if rng.random_bool(0.6) => full().to_uppercase(),
            Src::FranceTravail | Src::Arbeitnow => full(),
            Src::JsonLd if !self.suffix.is_empty() && rng.random_bool(0.3) => {
                format!("{name}, {}", self.suffix)
            }
            Src::JsonLd => full(),
            _ => name.to_string(),
        }
    }
}

/// Title parts; sources render them with cosmetic variations only.
#[derive(Clone, Copy)]
struct Title {
    pre: &'static str,
    base: &'static str,
    post: &'static str,
    /// Gender marker such as "(H/F)" or "(m/w/d)": part of the title on every source.
    marker: &'static str,
}

impl Title {
    /// Variant 0 is canonical; 1..=7 change only case, accents, punctuation or
    /// whitespace ("Senior Data Engineer", "senior data engineer",
    /// "Senior  Data-Engineer"), so that cross-source matching stays possible.
    fn render(&self, variant: u32, with_marker: bool) -> String {
        let base = match variant {
            4 => self.base.replacen(' ', "-", 1),
            _ => self.base.to_string(),
        };
        let marker = match (variant, self.marker.strip_prefix('(')) {
            _ if !with_marker => String::new(),
            (6, Some(inner)) => inner.trim_end_matches(')').to_string(),
            (6, None) if !self.marker.is_empty() => format!("({})", self.marker),
            _ => self.marker.to_string(),
        };
        let parts = [self.pre, &base, self.post, &marker];
        let s = parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        match variant {
            1 => s.to_lowercase(),
            2 => s.to_uppercase(),
            3 => s.replacen(' ', "  ", 1),
            5 => s.chars().map(fold_char).collect(),
            7 => s + " ",
            _ => s,
        }
    }
}

/// A salary in its own period unit.
#[derive(Clone, Copy)]
struct Pay {
    min: f64,
    max: f64,
    period: Period,
}

impl Pay {
    /// Annual equivalent, as Adzuna shows every salary.
    fn annual(&self) -> (f64, f64) {
        let k = [1750.0, 220.0, 12.0, 1.0][self.period as usize];
        ((self.min * k).round(), (self.max * k).round())
    }
}

/// The description of a job as blocks, rendered per source.
#[derive(Default)]
struct Doc {
    intro: String,
    about: Option<String>,
    team: Option<String>,
    /// Tasks, profile and benefits: heading plus bullets.
    sections: Vec<(&'static str, Vec<String>)>,
    stack: Option<String>,
    closing: Vec<String>,
}

/// One underlying job, published on one to three sources.
struct Job {
    idx: usize,
    fam: &'static Family,
    sen: Seniority,
    contract: Contract,
    part_time: bool,
    company: usize,
    city: &'static City,
    lang: Lang,
    title: Title,
    remote: bool,
    pay: Pay,
    /// The employer published a salary (each source may still omit it).
    pay_shown: bool,
    skills: Vec<usize>,
    years: u32,
    posted: NaiveDateTime,
    doc: Doc,
    sources: Vec<Src>,
}

struct World {
    companies: Vec<Company>,
    /// Cumulative weights over company ranks, 1/(rank+5): the biggest employer
    /// has ~5% of the jobs, the top ten ~25%.
    company_cdf: Vec<f64>,
}

impl World {
    fn new(spec: &DemoSpec, rng: &mut StdRng) -> Self {
        // ~300 companies for 3,000 jobs, growing with √jobs.
        let n = ((spec.jobs as f64).sqrt() * 5.5)
            .round()
            .clamp(12.0, 4000.0) as usize;
        let (na, nb) = (NAME_A.len(), NAME_B.len());
        let combos = na * nb * NAME_C.len();
        let mut step = 7919;
        while gcd(step, combos) != 1 {
            step += 2;
        }
        let (mut companies, mut company_cdf, mut total) = (Vec::new(), Vec::new(), 0.0);
        for rank in 0..n {
            // A multiplicative permutation of the name space gives unique, mixed names.
            let k = (rank * step + spec.seed as usize % combos) % combos;
            let (a, b, c) = (k % na, k / na % nb, k / (na * nb));
            let special = SPECIAL.iter().find(|s| s.0 == rank);
            let cc = special.map_or_else(|| random_country(rng), |s| s.3);
            let (name, alt, suffix) = match special {
                Some(&(_, name, alt, _, suffix)) => (name.to_string(), alt, suffix),
                None => {
                    let words = [NAME_A[a], NAME_B[b], NAME_C[c]];
                    let name = words
                        .iter()
                        .filter(|w| !w.is_empty())
                        .copied()
                        .collect::<Vec<_>>();
                    (name.join(" "), None, pick(rng, country(cc).suffixes))
                }
            };
            let slug = match slugify(&name) {
                s if s.is_empty() => format!("company-{rank}"),
                s => s,
            };
            let founded = rng.random_range(1985..2022);
            let staff = pick(rng, &[50, 120, 300, 800, 2500]);
            let industry = industry_of(NAME_B[b]);
            companies.push(Company {
                name,
                suffix,
                alt,
                cc,
                industry,
                slug,
                founded,
                staff,
            });
            total += 1.0 / (rank as f64 + 5.0);
            company_cdf.push(total);
        }
        World {
            companies,
            company_cdf,
        }
    }

    fn job(&self, idx: usize, anchor: NaiveDate, rng: &mut StdRng) -> Job {
        let weights: Vec<u32> = FAMILIES.iter().map(|f| f.weight).collect();
        let fam = &FAMILIES[weighted(rng, &weights)];
        let u = rng.random::<f64>() * self.company_cdf.last().copied().unwrap_or(1.0);
        let company = self
            .company_cdf
            .partition_point(|&c| c < u)
            .min(self.companies.len() - 1);
        let co = &self.companies[company];
        // Most jobs are in the company's home country; big firms hire abroad too.
        let cc = if rng.random_bool(0.75) {
            co.cc
        } else {
            random_country(rng)
        };
        let cities: Vec<&'static City> = CITIES.iter().filter(|c| c.cc == cc).collect();
        let city = if rng.random_bool(0.35) {
            cities[0]
        } else {
            pick(rng, &cities)
        };
        let lang = match cc {
            Cc::Fr if rng.random_bool(0.7) => Lang::Fr,
            Cc::De if rng.random_bool(0.45) => Lang::De,
            _ => Lang::En,
        };
        use Seniority::*;
        let sen =
            [Intern, Junior, Mid, Senior, Lead, Principal][weighted(rng, &[5, 12, 40, 28, 9, 6])];
        let contract = match sen {
            Intern if cc == Cc::Fr && rng.random_bool(0.4) => Contract::Apprenticeship,
            Intern => Contract::Internship,
            _ => [
                Contract::Permanent,
                Contract::FixedTerm,
                Contract::Freelance,
            ][weighted(rng, &[80, 9, 11])],
        };
        let part_rate = if fam.related { 0.06 } else { 0.25 };
        let part_time = contract != Contract::Freelance && rng.random_bool(part_rate);
        let remote = rng.random_range(0..100) < fam.remote_pct;
        let mut skills: Vec<usize> = fam.skills.iter().map(|s| skill(s)).collect();
        shuffle_tail(&mut skills, 2, rng); // the first two are core to the family
        skills.truncate(rng.random_range(3..=7));
        let extra = rng.random_range(0..SKILLS.len());
        if fam.related && rng.random_bool(0.2) && !skills.contains(&extra) {
            skills.push(extra);
        }
        let years = match sen {
            Intern => 0,
            Junior => 1,
            Mid => rng.random_range(2..=3),
            Senior => 5,
            Lead => 7,
            Principal => 10,
        };
        let day = anchor - Duration::days(rng.random_range(3..=120));
        let seconds = Duration::seconds(rng.random_range(6 * 3600..19 * 3600));
        let mut job = Job {
            idx,
            fam,
            sen,
            contract,
            part_time,
            company,
            city,
            lang,
            title: make_title(fam, sen, contract, lang, cc, rng),
            remote,
            pay: make_pay(fam, sen, contract, part_time, cc, rng),
            pay_shown: rng.random_bool(0.58),
            skills,
            years,
            posted: day.and_hms_opt(0, 0, 0).unwrap_or_default() + seconds,
            doc: Doc::default(),
            sources: pick_sources(cc, remote, rng),
        };
        job.doc = make_doc(&job, co, rng);
        job
    }
}

fn random_country(rng: &mut StdRng) -> Cc {
    let weights: Vec<u32> = COUNTRIES.iter().map(|c| c.weight).collect();
    COUNTRIES[weighted(rng, &weights)].cc
}

fn make_title(
    fam: &'static Family,
    sen: Seniority,
    contract: Contract,
    lang: Lang,
    cc: Cc,
    rng: &mut StdRng,
) -> Title {
    use Seniority::*;
    let (pre, post) = match (lang, sen) {
        (Lang::En, Intern) => ("", "Intern"),
        (Lang::Fr, Intern) if contract == Contract::Apprenticeship => ("", "en alternance"),
        (Lang::Fr, Intern) => ("Stagiaire", ""),
        (Lang::De, Intern) => (pick(rng, &["Praktikant", "Werkstudent"]), ""),
        (Lang::Fr, Junior) => ("", "Junior"),
        (Lang::Fr, Senior) => ("", pick(rng, &["Senior", "Confirmé"])),
        (Lang::Fr, Principal) => ("", "Expert"),
        (_, Junior) => ("Junior", ""),
        (_, Senior) => ("Senior", ""),
        (_, Lead) => ("Lead", ""),
        (_, Principal) => (pick(rng, &["Principal", "Staff"]), ""),
        (_, Mid) => ("", ""),
    };
    let marker = match cc {
        Cc::Fr => ["(H/F)", "H/F", "(F/H)", ""][weighted(rng, &[65, 15, 12, 8])],
        Cc::De => ["(m/w/d)", "(w/m/d)", "(all genders)", ""][weighted(rng, &[70, 12, 6, 12])],
        _ => "",
    };
    Title {
        pre,
        base: fam.titles[lang as usize],
        post,
        marker,
    }
}

fn make_pay(
    fam: &Family,
    sen: Seniority,
    contract: Contract,
    part_time: bool,
    cc: Cc,
    rng: &mut StdRng,
) -> Pay {
    let factor = [0.35, 0.75, 1.0, 1.3, 1.5, 1.7][sen as usize];
    let annual = fam.salary * country(cc).pay * factor * rng.random_range(0.9..1.12);
    let period = match contract {
        Contract::Freelance if rng.random_bool(0.7) => Period::Day,
        Contract::Freelance => Period::Hour,
        Contract::Internship | Contract::Apprenticeship => Period::Month,
        _ if part_time || (!fam.related && rng.random_bool(0.4)) => Period::Hour,
        _ if cc == Cc::Fr && rng.random_bool(0.3) => Period::Month,
        _ => Period::Year,
    };
    // Per period: divisor from annual pay and rounding step.
    let (div, step) = [(1750.0, 0.25), (137.5, 10.0), (12.0, 50.0), (1.0, 1000.0)][period as usize];
    let round = |v: f64| (v / div / step).round() * step;
    let min = round(annual * rng.random_range(0.85..0.95));
    let max = if rng.random_bool(0.25) {
        min
    } else {
        round(annual * rng.random_range(1.05..1.25))
    };
    Pay { min, max, period }
}

/// Each job is on 1–3 sources (≈1.55 on average) among those covering its country.
fn pick_sources(cc: Cc, remote: bool, rng: &mut StdRng) -> Vec<Src> {
    let mut pool: Vec<(Src, u32)> = match cc {
        Cc::Fr => vec![(Src::Adzuna, 3), (Src::FranceTravail, 6), (Src::JsonLd, 1)],
        Cc::De => vec![(Src::Adzuna, 3), (Src::Arbeitnow, 5), (Src::JsonLd, 1)],
        Cc::Gb | Cc::Us => vec![(Src::Adzuna, 6), (Src::JsonLd, 2)],
        Cc::Nl => vec![(Src::JsonLd, 4), (Src::Arbeitnow, 2)],
        Cc::Ca => vec![(Src::JsonLd, 4)],
    };
    if remote {
        pool.push((Src::Remotive, 6));
    }
    let k = [1, 2, 3][weighted(rng, &[52, 36, 12])].min(pool.len());
    (0..k)
        .map(|_| {
            let weights: Vec<u32> = pool.iter().map(|p| p.1).collect();
            pool.remove(weighted(rng, &weights)).0
        })
        .collect()
}

/// Placeholder values for the description templates.
struct Vars<'a> {
    job: &'a Job,
    company: &'a str,
    title: &'a str,
    team: &'static str,
    dom: &'static str,
    ind: &'static str,
    year: u32,
    staff: u32,
    /// Next skill to mention, per placeholder kind (index 0: any kind).
    next: [usize; 6],
    /// Bit set of the skill kinds the job has.
    kinds: u8,
}

/// Placeholder → skill kind, 0 meaning any kind.
fn kind_of(placeholder: &str) -> Option<u8> {
    let i = ["s", "lang", "data", "ops", "ml", "bi"]
        .iter()
        .position(|&k| k == placeholder)?;
    Some([0, L, D, O, M, B][i])
}

impl Vars<'_> {
    fn fill(&mut self, tpl: &str, rng: &mut StdRng) -> String {
        let mut out = String::with_capacity(tpl.len() + 40);
        let mut rest = tpl;
        // Byte search: '{' and '}' are ASCII, so the slices stay on char boundaries.
        while let Some(i) = rest.bytes().position(|b| b == b'{') {
            out.push_str(&rest[..i]);
            let Some(j) = rest.bytes().skip(i).position(|b| b == b'}') else {
                break;
            };
            match &rest[i + 1..i + j] {
                "c" => out.push_str(self.company),
                "t" => out.push_str(self.title),
                "city" => out.push_str(self.job.city.name),
                "team" => out.push_str(self.team),
                "dom" => out.push_str(self.dom),
                "ind" => out.push_str(self.ind),
                "n" => write_num(&mut out, self.job.years),
                "year" => write_num(&mut out, self.year),
                "staff" => write_num(&mut out, self.staff),
                other => out.push_str(kind_of(other).map_or("", |k| self.skill(k, rng))),
            }
            rest = &rest[i + j + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The job's next skill of a kind (0: any), cycling, in a random spelling.
    fn skill(&mut self, kind: u8, rng: &mut StdRng) -> &'static str {
        let slot = [0, L, D, O, M, B]
            .iter()
            .position(|&k| k == kind)
            .unwrap_or(0);
        let of_kind: Vec<usize> = self
            .job
            .skills
            .iter()
            .copied()
            .filter(|&s| kind == 0 || SKILLS[s].0 == kind)
            .collect();
        let Some(&s) = of_kind.get(self.next[slot] % of_kind.len().max(1)) else {
            return "";
        };
        self.next[slot] += 1;
        pick(rng, SKILLS[s].1)
    }

    /// Whether the job has a skill for every kind the template asks for.
    fn fits(&self, tpl: &str) -> bool {
        let need = tpl.as_bytes().windows(3).fold(0u8, |need, w| match w {
            b"{la" => need | L,
            b"{da" => need | D,
            b"{op" => need | O,
            b"{ml" => need | M,
            b"{bi" => need | B,
            _ => need,
        });
        // "{n}+ years" makes no sense for an internship.
        need & !self.kinds == 0 && !(self.job.years == 0 && tpl.contains("{n}"))
    }

    /// Up to `k` distinct bullets from a pool, skipping templates that do not fit.
    fn bullets(&mut self, pool: &[&str], k: usize, rng: &mut StdRng) -> Vec<String> {
        let mut fitting: Vec<&str> = pool.iter().copied().filter(|t| self.fits(t)).collect();
        shuffle_tail(&mut fitting, 0, rng);
        fitting.iter().take(k).map(|t| self.fill(t, rng)).collect()
    }
}

fn make_doc(job: &Job, co: &Company, rng: &mut StdRng) -> Doc {
    let l = job.lang as usize;
    let title = job.title.render(0, false);
    let mut v = Vars {
        job,
        company: &co.name,
        title: &title,
        team: pick(rng, TEAMS[l]),
        dom: pick(rng, DOMAINS[l]),
        ind: INDUSTRIES[co.industry][l],
        year: co.founded,
        staff: co.staff,
        next: [0; 6],
        kinds: job.skills.iter().fold(0, |k, &s| k | SKILLS[s].0),
    };
    let (tasks, reqs) = match job.fam.related {
        true => (TECH_TASKS[l], TECH_REQS[l]),
        false => (GENERIC_TASKS[l], GENERIC_REQS[l]),
    };
    let mut doc = Doc {
        intro: v.fill(pick(rng, INTRO[l]), rng),
        ..Doc::default()
    };
    doc.about = rng
        .random_bool(0.8)
        .then(|| v.fill(pick(rng, ABOUT[l]), rng));
    doc.team = rng
        .random_bool(0.35)
        .then(|| v.fill(pick(rng, TEAM[l]), rng));
    let mut bullets = vec![job.fam.duty[l].to_string()];
    bullets.extend(v.bullets(tasks, rng.random_range(2..=6), rng));
    doc.sections.push((pick(rng, HEADINGS[0][l]), bullets));
    doc.sections.push((
        pick(rng, HEADINGS[1][l]),
        v.bullets(reqs, rng.random_range(3..=6), rng),
    ));
    let benefits = v.bullets(BENEFITS[l], rng.random_range(2..=5), rng);
    doc.sections.push((pick(rng, HEADINGS[2][l]), benefits));
    if job.fam.related && rng.random_bool(0.6) {
        let names: Vec<&str> = job.skills.iter().map(|&s| pick(rng, SKILLS[s].1)).collect();
        doc.stack = Some(format!("{}{}", STACK[l], names.join(", ")));
    }
    doc.closing.push(v.fill(pick(rng, CLOSING[l]), rng));
    // Keep full descriptions at 600+ characters, like real postings.
    if doc_len(&doc) < 700 {
        doc.closing.push(v.fill(CLOSING[l][1], rng));
        doc.team = Some(v.fill(TEAM[l][0], rng));
    }
    doc
}

fn doc_len(d: &Doc) -> usize {
    let paras = [
        Some(&d.intro),
        d.about.as_ref(),
        d.team.as_ref(),
        d.stack.as_ref(),
    ];
    let p: usize = paras.iter().flatten().map(|s| s.len() + 2).sum();
    let bullets = |b: &Vec<String>| b.iter().map(|x| x.len() + 3).sum::<usize>();
    let s: usize = d.sections.iter().map(|(h, b)| h.len() + bullets(b)).sum();
    p + s + d.closing.iter().map(String::len).sum::<usize>()
}

// ---------------------------------------------------------------------------
// Text rendering
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Html {
    Remotive,
    Arbeitnow,
    Page,
}

/// Plain text with line breaks, as France Travail returns it.
fn render_plain(d: &Doc, bullet: &str) -> String {
    let mut out = String::with_capacity(doc_len(d) + 64);
    for p in [Some(&d.intro), d.about.as_ref(), d.team.as_ref()]
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "{p}\n\n");
    }
    for (i, (head, items)) in d.sections.iter().enumerate() {
        let _ = writeln!(out, "{head}");
        for item in items {
            let _ = writeln!(out, "{bullet}{item}");
        }
        out.push('\n');
        if let (0, Some(stack)) = (i, &d.stack) {
            let _ = write!(out, "{stack}\n\n");
        }
    }
    out.push_str(&d.closing.join("\n"));
    out
}

/// Adzuna's snippet: one line, cut near 500 characters with "…".
fn render_snippet(d: &Doc) -> String {
    let mut out = String::with_capacity(600);
    for piece in [Some(&d.intro), d.about.as_ref()].into_iter().flatten() {
        let _ = write!(out, "{piece} ");
    }
    for (head, items) in &d.sections {
        let _ = write!(out, "{}: ", head.trim_end_matches([':', '\u{a0}']));
        for item in items {
            if out.len() < 700 {
                let _ = write!(out, "{item}. ");
            }
        }
    }
    if let Some((i, _)) = out.char_indices().nth(497) {
        out.truncate(out[..i].rfind(' ').unwrap_or(i));
        out.push_str(" …");
    }
    out
}

/// HTML as each source marks it up; `short` drops the longer parts.
fn render_html(d: &Doc, flavor: Html, short: bool, rng: &mut StdRng) -> String {
    let mut out = String::with_capacity(doc_len(d) * 5 / 4);
    let tag = |out: &mut String, open: &str, text: &str, close: &str| {
        out.push_str(open);
        push_html(out, text);
        out.push_str(close);
    };
    let p_open = if flavor == Html::Remotive {
        "<p style=\"text-align: justify;\">👋 "
    } else {
        "<p>"
    };
    tag(&mut out, p_open, &d.intro, "</p>\n");
    let team = if short { None } else { d.team.as_ref() };
    for p in [d.about.as_ref(), team].into_iter().flatten() {
        tag(&mut out, "<p>", p, "</p>\n");
    }
    let li = if flavor == Html::Remotive {
        "<li style=\"\">"
    } else {
        "<li>"
    };
    for (i, (head, items)) in d
        .sections
        .iter()
        .enumerate()
        .take(if short { 2 } else { 3 })
    {
        match flavor {
            Html::Remotive => {
                let emoji = ["🚀 ", "💡 ", "🎁 "][i];
                tag(
                    &mut out,
                    &format!("<p><strong>{emoji}"),
                    head,
                    "</strong></p>\n<ul style=\"\">\n",
                );
            }
            Html::Arbeitnow => tag(&mut out, "<h2>", head, "</h2>\n<ul>\n"),
            Html::Page => tag(&mut out, "<p><strong>", head, "</strong></p>\n<ul>\n"),
        }
        for item in items {
            tag(&mut out, li, item, "</li>\n");
        }
        out.push_str("</ul>\n");
        if let (0, Some(stack)) = (i, &d.stack) {
            tag(&mut out, "<p>", stack, "</p>\n");
        }
    }
    for c in &d.closing {
        tag(&mut out, "<p>", c, "</p>\n");
    }
    if flavor == Html::Arbeitnow && rng.random_bool(0.3) {
        out.push_str("<p>&nbsp;</p>");
    }
    out
}

/// Byte classes for the escaping loops: 1 escaped in JSON, 2 `/`, 4 non-ASCII,
/// 8 escaped in HTML. A table lookup keeps these hot loops cheap.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'"' => 1 | 8,
            b'\\' | 0..0x20 => 1,
            b'/' => 2,
            b'&' | b'<' | b'>' => 8,
            0x80.. => 4,
            _ => 0,
        };
        b += 1;
    }
    t
};

fn push_html(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if CLASS[usize::from(b)] & 8 != 0 {
            out.push_str(&s[start..i]);
            out.push_str(match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                _ => "&quot;",
            });
            start = i + 1;
        }
    }
    out.push_str(&s[start..]);
}

/// Strips the accents that occur in our vocabulary.
fn fold_char(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' => 'i',
        'ô' | 'ö' => 'o',
        'ù' | 'û' | 'ü' => 'u',
        'À' | 'Â' => 'A',
        'Ç' => 'C',
        'É' | 'È' | 'Ê' => 'E',
        'Î' => 'I',
        'Ô' | 'Ö' => 'O',
        'Û' | 'Ü' => 'U',
        _ => c,
    }
}

fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(fold_char) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn write_num(out: &mut String, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

/// "60,000"
fn thousands(v: f64) -> String {
    let digits = format!("{}", v.abs().round() as u64);
    let mut out = String::from(if v < 0.0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_date(t: NaiveDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// "2026-10-02T09:12:44", without zone (Remotive; the others add one).
fn fmt_naive(t: NaiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        fmt_date(t),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Local time with an offset, "+02:00" or (some sites) "+0200".
fn fmt_offset(t: NaiveDateTime, cc: Cc, colon: bool) -> String {
    let off = country(cc).tz[usize::from((4..=10).contains(&t.month()))];
    let local = fmt_naive(t + Duration::minutes(off.into()));
    let sign = if off < 0 { '-' } else { '+' };
    let (h, m, sep) = (off.abs() / 60, off.abs() % 60, if colon { ":" } else { "" });
    format!("{local}{sign}{h:02}{sep}{m:02}")
}

// ---------------------------------------------------------------------------
// JSON writer
// ---------------------------------------------------------------------------

/// How a source serialises JSON (see [`PAGING`]); JSON-LD in pages is pretty-printed.
#[derive(Clone, Copy, Default)]
struct Style {
    ascii: bool,
    slash: bool,
    spaced: bool,
    pretty: bool,
}

/// Minimal streaming JSON writer. serde_json's `Map` would sort the keys;
/// writing directly keeps each source's key order and needs no tree per record.
struct Json<'a> {
    out: &'a mut String,
    style: Style,
    depth: usize,
    /// Per nesting level: whether a member was written (so a comma is due).
    filled: [bool; 12],
    after_key: bool,
}

/// Values the writer accepts in [`Json::field`] and [`Json::item`].
trait JsonValue {
    fn write(&self, w: &mut Json);
}

impl JsonValue for str {
    fn write(&self, w: &mut Json) {
        escape(w.out, self, w.style);
    }
}
impl JsonValue for String {
    fn write(&self, w: &mut Json) {
        escape(w.out, self, w.style);
    }
}
impl JsonValue for f64 {
    fn write(&self, w: &mut Json) {
        match self.fract() == 0.0 && self.abs() < 1e15 {
            true => write_num(w.out, *self as i64),
            false => write_num(w.out, self),
        }
    }
}
impl JsonValue for i64 {
    fn write(&self, w: &mut Json) {
        write_num(w.out, self);
    }
}
impl JsonValue for bool {
    fn write(&self, w: &mut Json) {
        w.out.push_str(if *self { "true" } else { "false" });
    }
}
impl JsonValue for () {
    fn write(&self, w: &mut Json) {
        w.out.push_str("null");
    }
}
impl JsonValue for [&str] {
    fn write(&self, w: &mut Json) {
        w.open('[');
        self.iter().for_each(|s| _ = w.item(*s));
        w.end(']');
    }
}
impl JsonValue for Vec<&str> {
    fn write(&self, w: &mut Json) {
        self.as_slice().write(w);
    }
}
impl<T: JsonValue> JsonValue for Option<T> {
    fn write(&self, w: &mut Json) {
        match self {
            Some(v) => v.write(w),
            None => ().write(w),
        }
    }
}

impl<T: JsonValue + ?Sized> JsonValue for &T {
    fn write(&self, w: &mut Json) {
        (**self).write(w);
    }
}

impl<'a> Json<'a> {
    fn new(out: &'a mut String, style: Style) -> Self {
        Json {
            out,
            style,
            depth: 0,
            filled: [false; 12],
            after_key: false,
        }
    }

    /// Comma and indentation before a member or array element.
    fn member(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.depth > 0 && std::mem::replace(&mut self.filled[self.depth], true) {
            self.out
                .push_str(if self.style.spaced { ", " } else { "," });
        }
        if self.style.pretty && self.depth > 0 {
            self.newline();
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        (0..self.depth).for_each(|_| self.out.push_str("  "));
    }

    fn key(&mut self, k: &str) -> &mut Self {
        self.member();
        escape(self.out, k, self.style);
        let pad = self.style.spaced || self.style.pretty;
        self.out.push_str(if pad { ": " } else { ":" });
        self.after_key = true;
        self
    }

    fn item(&mut self, v: impl JsonValue) -> &mut Self {
        self.member();
        v.write(self);
        self
    }

    fn field(&mut self, k: &str, v: impl JsonValue) -> &mut Self {
        self.key(k).item(v)
    }

    /// A field that the source leaves out when there is no value.
    fn opt_field(&mut self, k: &str, v: Option<impl JsonValue>) -> &mut Self {
        match v {
            Some(v) => self.field(k, v),
            None => self,
        }
    }

    /// Opens an object or array as the next value.
    fn begin(&mut self, c: char) -> &mut Self {
        self.member();
        self.open(c)
    }

    fn open(&mut self, c: char) -> &mut Self {
        self.out.push(c);
        self.depth += 1;
        self.filled[self.depth] = false;
        self
    }

    fn end(&mut self, c: char) -> &mut Self {
        let had_members = self.filled[self.depth];
        self.depth -= 1;
        if self.style.pretty && had_members {
            self.newline();
        }
        self.out.push(c);
        self
    }

    fn object(&mut self, k: &str, body: impl FnOnce(&mut Self)) -> &mut Self {
        self.key(k).begin('{');
        body(self);
        self.end('}')
    }

    /// Already-serialised records (a page body), as an array.
    fn raw_array(&mut self, k: &str, body: &str) -> &mut Self {
        self.key(k).member();
        self.out.push('[');
        self.out.push_str(body);
        self.out.push(']');
        self
    }
}

/// Writes `s` as a JSON string.
fn escape(out: &mut String, s: &str, style: Style) {
    out.push('"');
    let mask = 1 | if style.slash { 2 } else { 0 } | if style.ascii { 4 } else { 0 };
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if CLASS[usize::from(b)] & mask == 0 {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'/' => "\\/",
            _ => "",
        };
        if short.is_empty() {
            // A control character, or (ASCII style) a whole multi-byte character.
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(
                        b"0123456789abcdef"[usize::from(*unit >> shift) & 15],
                    ));
                }
            }
            i += c.len_utf8();
        } else {
            out.push_str(short);
            i += 1;
        }
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

// ---------------------------------------------------------------------------
// Source formats
// ---------------------------------------------------------------------------

/// One job as published on one source.
struct Rec<'a> {
    job: &'a Job,
    co: &'a Company,
    title: String,
    posted: NaiveDateTime,
    /// "Today" evening: no later date is written (except `posted` itself).
    latest: NaiveDateTime,
    bad: Option<Bad>,
}

impl Rec<'_> {
    fn write_title(&self, w: &mut Json, key: &str) {
        match self.bad {
            Some(Bad::NoTitle) => {}
            Some(Bad::EmptyTitle) => _ = w.field(key, ""),
            _ => _ = w.field(key, &self.title),
        }
    }

    fn write_description(&self, w: &mut Json, key: &str, text: impl FnOnce() -> String) {
        match self.bad {
            Some(Bad::NullDescription) => w.field(key, ()),
            _ => w.field(key, text()),
        };
    }

    fn date_or_bad(&self, good: String) -> String {
        match self.bad {
            Some(Bad::UnparseableDate) => ["31/02/2026", "not-a-date"][self.job.idx % 2].into(),
            _ => good,
        }
    }

    fn salary_bad(&self) -> bool {
        matches!(self.bad, Some(Bad::SalarySwapped | Bad::NegativeSalary))
    }

    /// Applies a salary defect to a (min, max) pair.
    fn range(&self, lo: f64, hi: f64) -> (f64, f64) {
        match self.bad {
            Some(Bad::SalarySwapped) => ((hi * 1.2).round(), lo),
            Some(Bad::NegativeSalary) => (-lo, hi),
            _ => (lo, hi),
        }
    }
}

/// Per-page aggregates that the envelopes report.
#[derive(Default)]
struct PageStats {
    salary_sum: f64,
    salary_n: u32,
    /// France Travail facets: (filter, value, count).
    facets: Vec<(&'static str, &'static str, i64)>,
}

impl PageStats {
    fn facet(&mut self, filter: &'static str, value: &'static str) {
        match self
            .facets
            .iter_mut()
            .find(|f| f.0 == filter && f.1 == value)
        {
            Some(f) => f.2 += 1,
            None => self.facets.push((filter, value, 1)),
        }
    }
}

fn jitter(rng: &mut StdRng, v: f64) -> f64 {
    ((v + rng.random_range(-0.03..0.03)) * 1e5).round() / 1e5
}

/// A JWT-looking Adzuna `adref`: two runs of 43 base64url characters.
fn adref(rng: &mut StdRng) -> String {
    const CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::from("eyJhbGciOiJIUzI1NiJ9.");
    let mut bits = 0u64;
    for i in 0..86 {
        if i % 10 == 0 {
            bits = rng.random(); // ten 6-bit characters per draw
        }
        if i == 43 {
            s.push('.');
        }
        s.push(char::from(CHARS[(bits >> (6 * (i % 10))) as usize & 63]));
    }
    s
}

fn adzuna(w: &mut Json, r: &Rec, id: u64, rng: &mut StdRng, page: &mut PageStats) {
    let (job, c) = (r.job, r.job.city);
    // Adzuna shows annual figures; without one it often shows its own prediction.
    let (lo, hi) = job.pay.annual();
    let salary = if (job.pay_shown && rng.random_bool(0.85)) || r.salary_bad() {
        Some((r.range(lo, hi), "0"))
    } else if rng.random_bool(0.3) {
        let v = ((lo + hi) / 2.0 * rng.random_range(0.9..1.1) * 100.0).round() / 100.0;
        Some(((v, v), "1"))
    } else {
        None
    };
    if let (Some(((lo, hi), _)), None) = (salary, r.bad) {
        page.salary_sum += (lo + hi) / 2.0;
        page.salary_n += 1;
    }
    let coords = rng
        .random_bool(0.88)
        .then(|| (jitter(rng, c.lat), jitter(rng, c.lon)));
    let cat = ADZUNA_CATS[if rng.random_bool(0.1) {
        6
    } else {
        job.fam.adzuna_cat
    }];
    // Adzuna's area runs country, region, city (unless the city is the region, as
    // for London or Berlin); display_name is "city, region".
    let mut area = vec![country(c.cc).area, c.region];
    area.extend([c.name].into_iter().filter(|&n| n != c.region));
    let display = match area.len() {
        2 => c.name.to_string(),
        _ => format!("{}, {}", c.name, c.region),
    };
    let host = country(c.cc).adzuna[1];

    w.begin('{');
    w.opt_field("salary_min", salary.map(|s| s.0.0));
    r.write_title(w, "title");
    w.opt_field("longitude", coords.map(|c| c.1));
    w.field("__CLASS__", "Adzuna::API::Response::Job")
        .field("adref", adref(rng));
    let url = format!("https://{host}/jobs/details/{id}?utm_medium=api&utm_source=demo");
    w.field("redirect_url", url);
    w.object("category", |w| {
        let label = cat[match c.cc {
            Cc::Fr => 2,
            Cc::De => 3,
            _ => 1,
        }];
        w.field("tag", cat[0]).field("label", label);
        w.field("__CLASS__", "Adzuna::API::Response::Category");
    });
    w.object("location", |w| {
        w.field("__CLASS__", "Adzuna::API::Response::Location");
        w.field("display_name", display).field("area", area);
    });
    w.field(
        "created",
        r.date_or_bad(format!("{}Z", fmt_naive(r.posted))),
    );
    let time = if job.part_time {
        "part_time"
    } else {
        "full_time"
    };
    w.opt_field("contract_time", Some(time).filter(|_| rng.random_bool(0.6)));
    w.field("salary_is_predicted", salary.map_or("0", |s| s.1));
    r.write_description(w, "description", || render_snippet(&job.doc));
    w.object("company", |w| {
        w.field("display_name", r.co.display(Src::Adzuna, rng));
        w.field("__CLASS__", "Adzuna::API::Response::Company");
    });
    w.opt_field("salary_max", salary.map(|s| s.0.1));
    w.opt_field("latitude", coords.map(|c| c.0));
    w.field("id", id.to_string());
    let kind = if job.contract == Contract::Permanent {
        "permanent"
    } else {
        "contract"
    };
    w.opt_field(
        "contract_type",
        Some(kind).filter(|_| rng.random_bool(0.45)),
    );
    w.end('}');
}

/// France Travail offer id: three digits and four letters, e.g. "201XYZK".
fn ft_id(idx: usize) -> String {
    let mut letters = [b'A'; 4];
    let mut n = idx;
    for l in letters.iter_mut().rev() {
        *l = b'A' + (n % 26) as u8;
        n /= 26;
    }
    format!("{}{}", 201 + n, String::from_utf8_lossy(&letters))
}

fn france_travail(w: &mut Json, r: &Rec, rng: &mut StdRng, page: &mut PageStats) {
    let (job, c, id) = (r.job, r.job.city, ft_id(r.job.idx));
    let created = r.posted + Duration::milliseconds(rng.random_range(0..1000));
    let updated = created + Duration::minutes(rng.random_range(0..3000));
    let updated = updated.min(r.latest.max(created));
    let ms = |t: NaiveDateTime| {
        format!(
            "{}.{:03}Z",
            fmt_naive(t),
            t.and_utc().timestamp_subsec_millis()
        )
    };
    let months = pick(rng, &[3, 6, 12, 18]);
    let (contract, contract_label) = match job.contract {
        Contract::Permanent => ("CDI", "CDI".to_string()),
        Contract::FixedTerm => ("CDD", format!("CDD - {months} Mois")),
        Contract::Freelance if rng.random_bool(0.5) => ("LIB", "Profession libérale".into()),
        Contract::Freelance => ("MIS", format!("Intérim - {months} Mois")),
        Contract::Internship => ("CDD", "CDD - 6 Mois".into()),
        Contract::Apprenticeship => ("CDD", "CDD - 24 Mois".into()),
    };
    let apprentice = job.contract == Contract::Apprenticeship;
    let junior = matches!(job.sen, Seniority::Intern | Seniority::Junior);
    let experience = if junior {
        "Débutant accepté".into()
    } else {
        format!("{} An(s)", job.years)
    };
    let (qual_code, qual) = match (job.fam.related, junior) {
        (true, true) => ("7", "Technicien"),
        (true, false) => ("9", "Cadre"),
        (false, _) => ("6", "Employé qualifié"),
    };
    let hours = if job.part_time {
        "24H"
    } else {
        pick(rng, &["35H", "37H30", "39H"])
    };
    let bullet = if rng.random_bool(0.5) { "- " } else { "" };

    w.begin('{');
    w.field("id", &id);
    r.write_title(w, "intitule");
    r.write_description(w, "description", || render_plain(&job.doc, bullet));
    w.field("dateCreation", r.date_or_bad(ms(created)));
    w.field("dateActualisation", ms(updated));
    w.object("lieuTravail", |w| {
        w.field("libelle", c.ft_label);
        if rng.random_bool(0.85) {
            w.field("latitude", c.lat).field("longitude", c.lon);
            w.field("codePostal", c.postcode).field("commune", c.insee);
        }
    });
    w.field("romeCode", job.fam.rome[0])
        .field("romeLibelle", job.fam.rome[1]);
    w.field("appellationlibelle", job.fam.titles[1]);
    w.object("entreprise", |w| {
        let name = r.co.display(Src::FranceTravail, rng);
        w.opt_field("nom", Some(name).filter(|_| rng.random_bool(0.88)));
        if rng.random_bool(0.25) {
            let (co, ind) = (r.co, INDUSTRIES[r.co.industry][1]);
            let about = format!(
                "{} accompagne les acteurs {ind} depuis {}. Nous sommes {} passionnés.",
                co.name, co.founded, co.staff
            );
            w.field("description", about);
        }
        w.field("entrepriseAdaptee", false);
    });
    w.field("typeContrat", contract)
        .field("typeContratLibelle", contract_label);
    let nature = if apprentice {
        "Contrat apprentissage"
    } else {
        "Contrat travail"
    };
    w.field("natureContrat", nature);
    w.field("experienceExige", if junior { "D" } else { "E" });
    w.field("experienceLibelle", experience);
    if rng.random_bool(0.8) {
        let pool = FT_SKILLS[usize::from(!job.fam.related)];
        w.key("competences").begin('[');
        for (i, label) in pool.iter().enumerate().skip(rng.random_range(0..2)).take(3) {
            let code = (300_100 + i * 37 + job.fam.weight as usize).to_string();
            w.begin('{').field("code", code).field("libelle", *label);
            w.field("exigence", if i % 3 == 0 { "E" } else { "S" })
                .end('}');
        }
        w.end(']');
    }
    ft_salaire(w, r, rng);
    let duree = match rng.random_bool(0.5) {
        true => format!("{hours}/semaine\nTravail en journée"),
        false => format!("{hours} Horaires normaux"),
    };
    w.field("dureeTravailLibelle", duree);
    let converted = if job.part_time {
        "Temps partiel"
    } else {
        "Temps plein"
    };
    w.field("dureeTravailLibelleConverti", converted);
    w.field("alternance", apprentice);
    w.field("nombrePostes", if rng.random_bool(0.9) { 1i64 } else { 2 });
    w.field("accessibleTH", rng.random_bool(0.3));
    w.field("qualificationCode", qual_code)
        .field("qualificationLibelle", qual);
    w.field("secteurActiviteLibelle", INDUSTRIES[r.co.industry][3]);
    w.object("origineOffre", |w| {
        let url = format!("https://candidat.francetravail.fr/offres/recherche/detail/{id}");
        w.field("origine", "1").field("urlOrigine", url);
    });
    w.field("offresManqueCandidats", rng.random_bool(0.1));
    w.end('}');
    page.facet("typeContrat", contract);
    page.facet("experience", if junior { "1" } else { "2" });
    page.facet("qualification", if qual_code == "9" { "9" } else { "X" });
    page.facet("natureContrat", if apprentice { "E2" } else { "E1" });
}

/// France Travail `salaire`: "Annuel de 45000.0 Euros à 55000.0 Euros sur 12 mois",
/// "Mensuel de …", "Horaire de …", a free-text `commentaire`, or nothing.
fn ft_salaire(w: &mut Json, r: &Rec, rng: &mut StdRng) {
    let pay = r.job.pay;
    let shown = (r.job.pay_shown && rng.random_bool(0.9)) || r.salary_bad();
    w.object("salaire", |w| {
        // France Travail has no daily unit: a day rate goes to the comment.
        if shown && (pay.period != Period::Day || r.salary_bad()) {
            let (label, (lo, hi), dec) = match pay.period {
                Period::Year if rng.random_bool(0.3) => (
                    "Mensuel",
                    ((pay.min / 12.0).round(), (pay.max / 12.0).round()),
                    2,
                ),
                Period::Year | Period::Day => ("Annuel", pay.annual(), 1),
                Period::Month => ("Mensuel", (pay.min, pay.max), 2),
                Period::Hour => ("Horaire", (pay.min, pay.max), 2),
            };
            let (lo, hi) = r.range(lo, hi);
            let mut s = format!("{label} de {lo:.dec$} Euros");
            if hi != lo {
                let _ = write!(s, " à {hi:.dec$} Euros");
            }
            s.push_str(pick(
                rng,
                &["", " sur 12 mois", " sur 12.0 mois", " sur 13.0 mois"],
            ));
            w.field("libelle", s);
            let extra = pick(rng, &["Prime", "Tickets restaurant", "Mutuelle"]);
            w.opt_field("complement1", Some(extra).filter(|_| rng.random_bool(0.15)));
        } else if shown {
            w.field("commentaire", format!("TJM {}\u{a0}€ / jour", pay.min));
        } else if rng.random_bool(0.45) {
            let comments = [
                "Selon profil",
                "selon expérience",
                "A négocier",
                "Selon convention",
            ];
            w.field("commentaire", pick(rng, &comments));
        }
    });
}

/// Remotive's free-text salary: "$120k - $150k", "€60,000 - €75,000 per year",
/// "$50 - $70/hour", "", "Competitive", …
fn remotive_salary(r: &Rec, rng: &mut StdRng) -> String {
    if !(r.salary_bad() || r.job.pay_shown && rng.random_bool(0.9)) {
        return pick(rng, &["", "", "", "Competitive", "DOE"]).to_string();
    }
    let (lo, hi) = r.range(r.job.pay.min, r.job.pay.max);
    let sym = country(r.job.city.cc).symbol;
    let range = |a: String, b: String, unit: &str| match lo == hi {
        true => format!("{sym}{a}{unit}"),
        false => format!("{sym}{a} - {sym}{b}{unit}"),
    };
    let k = |v: f64| format!("{}k", (v / 1000.0).round());
    match r.job.pay.period {
        Period::Year if rng.random_bool(0.5) => range(k(lo), k(hi), ""),
        Period::Year => range(thousands(lo), thousands(hi), " per year"),
        Period::Month => range(thousands(lo), thousands(hi), " / month"),
        Period::Day => range(lo.to_string(), hi.to_string(), "/day"),
        Period::Hour => range(lo.to_string(), hi.to_string(), pick(rng, &["/hour", "/hr"])),
    }
}

fn remotive(w: &mut Json, r: &Rec, id: u64, rng: &mut StdRng) {
    let job = r.job;
    let locations = match job.city.cc {
        Cc::Us => ["USA", "USA, Canada", "Worldwide"],
        Cc::Gb => ["UK", "Europe", "UK, Germany"],
        Cc::De => ["Germany", "Europe", "Worldwide"],
        Cc::Fr => ["France", "Europe", "Europe, UK"],
        Cc::Ca => ["Canada", "USA, Canada", "Worldwide"],
        Cc::Nl => ["Netherlands", "Europe", "Worldwide"],
    };
    let job_type = match (job.contract, job.part_time) {
        (Contract::Freelance, _) => pick(rng, &["contract", "freelance"]),
        (Contract::Internship | Contract::Apprenticeship, _) => "internship",
        (_, true) => "part_time",
        _ => "full_time",
    };
    let tags: Vec<String> = job
        .skills
        .iter()
        .take(5)
        .map(|&s| SKILLS[s].1[0].to_lowercase())
        .collect();
    let title_slug = slugify(&job.title.render(0, false));
    let logo = format!("https://remotive.com/job/{id}/logo");

    w.begin('{').field("id", id as i64);
    let category = job.fam.remotive_cat;
    w.field(
        "url",
        format!(
            "https://remotive.com/remote-jobs/{}/{title_slug}-{id}",
            slugify(category)
        ),
    );
    r.write_title(w, "title");
    w.field("company_name", r.co.display(Src::Remotive, rng));
    w.field("company_logo", &logo).field("category", category);
    w.field("tags", tags.iter().map(String::as_str).collect::<Vec<_>>());
    w.field("job_type", job_type);
    w.field("publication_date", r.date_or_bad(fmt_naive(r.posted)));
    w.field("candidate_required_location", pick(rng, &locations));
    w.field("salary", remotive_salary(r, rng));
    r.write_description(w, "description", || {
        render_html(&job.doc, Html::Remotive, false, rng)
    });
    w.field("company_logo_url", &logo).end('}');
}

/// Arbeitnow `job_types` of ordinary full-time jobs (often empty in the real feed).
const ARBEITNOW_TYPES: [&[&str]; 3] = [
    &[],
    &["full time", "Berufserfahren"],
    &["Full-time permanent", "experienced"],
];

fn arbeitnow(w: &mut Json, r: &Rec, number: u64, rng: &mut StdRng) {
    let job = r.job;
    let slug = format!(
        "{}-{}-{number}",
        slugify(&job.title.render(0, false)),
        slugify(job.city.name)
    );
    let job_types: &[&str] = match (job.contract, job.lang) {
        (Contract::Internship | Contract::Apprenticeship, Lang::De) => match job.title.pre {
            "Werkstudent" => &["Werkstudent"],
            _ => &["Praktikum"],
        },
        (Contract::Internship | Contract::Apprenticeship, _) => &["Internship"],
        (Contract::Freelance, _) => &["Freelance"],
        _ if job.part_time => &["part time"],
        _ if job.sen == Seniority::Junior => &["full time", "berufseinstieg"],
        _ => pick(rng, &ARBEITNOW_TYPES),
    };
    let mut tags = vec![job.fam.arbeitnow_tag];
    tags.extend(
        job.skills
            .iter()
            .take(rng.random_range(0..4))
            .map(|&s| SKILLS[s].1[0]),
    );

    w.begin('{').field("slug", &slug);
    w.field("company_name", r.co.display(Src::Arbeitnow, rng));
    r.write_title(w, "title");
    r.write_description(w, "description", || {
        render_html(&job.doc, Html::Arbeitnow, false, rng)
    });
    w.field("remote", job.remote);
    w.field(
        "url",
        format!(
            "https://www.arbeitnow.com/jobs/companies/{}/{slug}",
            r.co.slug
        ),
    );
    w.field("tags", tags).field("job_types", job_types);
    w.field("location", job.city.name);
    w.field("created_at", r.posted.and_utc().timestamp())
        .end('}');
}

const SCHEMA_CONTEXTS: [&str; 3] = [
    "https://schema.org",
    "http://schema.org/",
    "https://schema.org/",
];

/// A schema.org JobPosting as a scraper extracts it from a job page.
fn jsonld(w: &mut Json, r: &Rec, ident: u64, url: &str, rng: &mut StdRng) {
    let (job, c) = (r.job, r.job.city);
    let cty = country(c.cc);
    let date = |t: NaiveDateTime, rng: &mut StdRng| match rng.random_range(0..3) {
        0 => fmt_date(t),
        n => fmt_offset(t, c.cc, n == 1),
    };
    let employment: &[&str] = match (job.contract, job.part_time) {
        (Contract::Freelance, _) => &["CONTRACTOR"],
        (Contract::Internship | Contract::Apprenticeship, _) => &["INTERN"],
        (Contract::FixedTerm, _) => &["TEMPORARY"],
        (_, true) if rng.random_bool(0.5) => &["FULL_TIME", "PART_TIME"],
        (_, true) => &["PART_TIME"],
        _ => &["FULL_TIME"],
    };
    let context = pick(rng, &SCHEMA_CONTEXTS);

    w.begin('{')
        .field("@context", context)
        .field("@type", "JobPosting");
    r.write_title(w, "title");
    r.write_description(w, "description", || {
        // Most sites HTML-escape the markup inside the JSON, some do not.
        let html = render_html(&job.doc, Html::Page, rng.random_bool(0.5), rng);
        let mut escaped = String::with_capacity(html.len() * 11 / 10);
        push_html(&mut escaped, &html);
        if rng.random_bool(0.7) { escaped } else { html }
    });
    w.field("datePosted", r.date_or_bad(date(r.posted, rng)));
    let days = pick(rng, &[30, 45, 60]);
    let through = date(r.posted + Duration::days(days), rng);
    w.opt_field(
        "validThrough",
        Some(through).filter(|_| rng.random_bool(0.7)),
    );
    match employment {
        [one] => w.field("employmentType", *one),
        many => w.field("employmentType", many),
    };
    let category = Some(job.fam.remotive_cat).filter(|_| rng.random_bool(0.6));
    w.opt_field("occupationalCategory", category);
    w.object("hiringOrganization", |w| {
        w.field("@type", "Organization")
            .field("name", r.co.display(Src::JsonLd, rng));
        w.field(
            "sameAs",
            format!("https://www.{}.{}", r.co.slug, country(r.co.cc).tld),
        );
    });
    if !job.remote || rng.random_bool(0.5) {
        let as_array = rng.random_bool(0.3);
        w.key("jobLocation");
        if as_array {
            w.begin('[');
        }
        w.begin('{').field("@type", "Place");
        w.object("address", |w| {
            w.field("@type", "PostalAddress")
                .field("addressLocality", c.name);
            w.field("addressRegion", c.region)
                .field("postalCode", c.postcode);
            let named = c.cc == Cc::Ca || rng.random_bool(0.15);
            w.field("addressCountry", if named { cty.name } else { cty.iso });
        });
        w.end('}');
        if as_array {
            w.end(']');
        }
    }
    if job.remote {
        w.field("jobLocationType", "TELECOMMUTE");
        w.object("applicantLocationRequirements", |w| {
            w.field("@type", "Country").field("name", cty.name);
        });
    }
    if (job.pay_shown && rng.random_bool(0.8)) || r.salary_bad() {
        let (lo, hi) = r.range(job.pay.min, job.pay.max);
        let single = lo == hi && rng.random_bool(0.7);
        w.object("baseSalary", |w| {
            w.field("@type", "MonetaryAmount")
                .field("currency", cty.currency);
            w.object("value", |w| {
                w.field("@type", "QuantitativeValue");
                match single {
                    true => w.field("value", lo),
                    false => w.field("minValue", lo).field("maxValue", hi),
                };
                w.field(
                    "unitText",
                    ["HOUR", "DAY", "MONTH", "YEAR"][job.pay.period as usize],
                );
            });
        });
    }
    if rng.random_bool(0.8) {
        w.object("identifier", |w| {
            w.field("@type", "PropertyValue").field("name", &r.co.name);
            w.field("value", format!("JR-{ident}"));
        });
    }
    w.field("url", url).end('}');
}

/// A small job page carrying the JobPosting (and sometimes a BreadcrumbList) as JSON-LD.
fn html_page(r: &Rec, ident: u64, rng: &mut StdRng) -> String {
    let (job, co) = (r.job, r.co);
    let title_slug = slugify(&job.title.render(0, false));
    let url = format!(
        "https://careers.{}.{}/jobs/{ident}-{title_slug}",
        co.slug,
        country(co.cc).tld
    );
    let style = Style {
        slash: rng.random_bool(0.3),
        pretty: true,
        ..Style::default()
    };
    let mut blocks = vec![String::new()];
    jsonld(&mut Json::new(&mut blocks[0], style), r, ident, &url, rng);
    if rng.random_bool(0.4) {
        // Breadcrumbs come first on some sites: a parser must pick the JobPosting.
        let mut crumbs = String::new();
        let w = &mut Json::new(&mut crumbs, style);
        w.begin('{')
            .field("@context", "https://schema.org")
            .field("@type", "BreadcrumbList");
        w.key("itemListElement").begin('[');
        for (i, name) in ["Jobs", job.city.name, r.title.as_str()].iter().enumerate() {
            w.begin('{')
                .field("@type", "ListItem")
                .field("position", i as i64 + 1);
            w.field("name", *name).end('}');
        }
        w.end(']').end('}');
        blocks.insert(usize::from(rng.random_bool(0.5)), crumbs);
    }
    let lang = ["en", "fr", "de"][job.lang as usize];
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    );
    push_html(&mut page, &format!("{} | {} Careers", r.title, co.name));
    let _ = writeln!(page, "</title>\n<link rel=\"canonical\" href=\"{url}\">");
    for block in blocks {
        let _ = writeln!(
            page,
            "<script type=\"application/ld+json\">\n{block}\n</script>"
        );
    }
    page.push_str("</head>\n<body>\n<header class=\"site-header\"><a href=\"/\">");
    push_html(&mut page, &co.name);
    page.push_str("</a></header>\n<main class=\"job\">\n<h1>");
    push_html(&mut page, &r.title);
    page.push_str("</h1>\n<p class=\"job-meta\">");
    push_html(&mut page, job.city.name);
    page.push_str("</p>\n<section class=\"job-description\">\n");
    page.push_str(&render_html(&job.doc, Html::Page, false, rng));
    let _ = write!(
        page,
        "</section>\n<a class=\"apply\" href=\"{url}/apply\">Apply</a>\n</main>\n</body>\n</html>\n"
    );
    page
}

// ---------------------------------------------------------------------------
// Output: one paginated stream per source (per country for Adzuna)
// ---------------------------------------------------------------------------

/// Per source: records per page, and JSON style as the real API serialises:
/// Adzuna raw UTF-8, France Travail and Remotive `\u`-escaped, Arbeitnow (PHP)
/// also escaping `/`, Remotive with Python-style spacing, NDJSON compact.
#[rustfmt::skip]
const PAGING: [(usize, Style); 5] = [
    (50, Style { ascii: false, slash: false, spaced: false, pretty: false }),
    (150, Style { ascii: true, slash: false, spaced: false, pretty: false }),
    (200, Style { ascii: true, slash: false, spaced: true, pretty: false }),
    (100, Style { ascii: true, slash: true, spaced: false, pretty: false }),
    (500, Style { ascii: false, slash: false, spaced: false, pretty: false }),
];

struct Stream {
    src: Src,
    /// Adzuna country; unused by the other sources.
    cc: Cc,
    per_page: usize,
    style: Style,
    body: String,
    n: usize,
    page: usize,
    /// Records that a later fetch returns again: written at the start of the next page.
    pending: Vec<String>,
    stats: PageStats,
    count_hint: i64,
}

impl Stream {
    fn new(src: Src, cc: Cc, jobs: usize) -> Self {
        let (per_page, style) = PAGING[src as usize];
        let (body, pending, stats) = (String::new(), Vec::new(), PageStats::default());
        let count_hint = jobs as i64 / 5 + 17;
        Stream {
            src,
            cc,
            per_page,
            style,
            body,
            n: 0,
            page: 1,
            pending,
            stats,
            count_hint,
        }
    }

    fn push_separator(&mut self) {
        if self.n > 0 {
            self.body.push_str(match self.src {
                Src::JsonLd => "\n",
                _ if self.style.spaced => ", ",
                _ => ",",
            });
        }
    }

    /// Makes room for one record (flushing a full page first); returns where it starts.
    fn begin<E>(&mut self, f: &mut impl FnMut(DemoFile) -> Result<(), E>) -> Result<usize, E> {
        if self.n >= self.per_page {
            self.flush(false, f)?;
        }
        self.push_separator();
        self.n += 1;
        Ok(self.body.len())
    }

    fn flush<E>(
        &mut self,
        last: bool,
        f: &mut impl FnMut(DemoFile) -> Result<(), E>,
    ) -> Result<(), E> {
        let file = self.wrap(last);
        self.page += 1;
        self.n = 0;
        self.body.clear();
        self.stats = PageStats::default();
        for rec in std::mem::take(&mut self.pending) {
            self.push_separator();
            self.body.push_str(&rec);
            self.n += 1;
        }
        f(file)
    }

    fn finish<E>(&mut self, f: &mut impl FnMut(DemoFile) -> Result<(), E>) -> Result<(), E> {
        if self.n == 0 {
            return Ok(());
        }
        if !self.pending.is_empty() {
            self.flush(false, f)?;
        }
        self.flush(true, f)
    }

    /// The page body inside the source's envelope.
    fn wrap(&self, last: bool) -> DemoFile {
        let mut s = String::with_capacity(self.body.len() + 1024);
        let (page, n, per_page) = (self.page, self.n as i64, self.per_page);
        let w = &mut Json::new(&mut s, self.style);
        let name = match self.src {
            Src::Adzuna => {
                let mean = match self.stats.salary_n {
                    0 => 45_000.0,
                    k => (self.stats.salary_sum / f64::from(k) * 100.0).round() / 100.0,
                };
                w.begin('{')
                    .field("count", self.count_hint)
                    .raw_array("results", &self.body);
                w.field("mean", mean);
                w.field("__CLASS__", "Adzuna::API::Response::JobSearchResults")
                    .end('}');
                format!(
                    "adzuna/{}-search-{page:04}.json",
                    country(self.cc).adzuna[0]
                )
            }
            Src::FranceTravail => {
                w.begin('{').raw_array("resultats", &self.body);
                w.key("filtresPossibles").begin('[');
                for filter in [
                    "typeContrat",
                    "experience",
                    "qualification",
                    "natureContrat",
                ] {
                    w.begin('{')
                        .field("filtre", filter)
                        .key("agregation")
                        .begin('[');
                    let mut values: Vec<_> =
                        self.stats.facets.iter().filter(|f| f.0 == filter).collect();
                    values.sort_by_key(|f| f.1);
                    for &&(_, value, count) in &values {
                        w.begin('{')
                            .field("valeurPossible", value)
                            .field("nbResultats", count)
                            .end('}');
                    }
                    w.end(']').end('}');
                }
                w.end(']').end('}');
                format!("france_travail/offres-search-{page:04}.json")
            }
            Src::Remotive => {
                w.begin('{');
                w.field(
                    "00-warning",
                    "Demo data generated by joblake: every job and company is invented.",
                );
                w.field(
                    "0-legal-notice",
                    "Synthetic sample in the shape of the Remotive public API.",
                );
                w.field("job-count", n).field("total-job-count", n);
                w.raw_array("jobs", &self.body).end('}');
                format!("remotive/remote-jobs-{page:04}.json")
            }
            Src::Arbeitnow => {
                let base = "https://www.arbeitnow.com/api/job-board-api";
                let link = |p: usize| Some(format!("{base}?page={p}"));
                w.begin('{').raw_array("data", &self.body);
                w.object("links", |w| {
                    w.field("first", link(1)).field("last", None::<String>);
                    w.field("prev", link(page - 1).filter(|_| page > 1));
                    w.field("next", link(page + 1).filter(|_| !last));
                });
                w.object("meta", |w| {
                    w.field("current_page", page as i64)
                        .field("current_page_url", link(page));
                    w.field("from", ((page - 1) * per_page + 1) as i64)
                        .field("path", base);
                    w.field("per_page", per_page as i64);
                    w.field("to", (page - 1) as i64 * per_page as i64 + n);
                    w.field(
                        "terms",
                        "Synthetic demo page in the shape of the Arbeitnow job board API.",
                    );
                    w.field(
                        "info",
                        "Jobs are ordered by created_at. Use ?page= to paginate.",
                    );
                });
                w.end('}');
                format!("arbeitnow/job-board-api-{page:04}.json")
            }
            Src::JsonLd => {
                s.push_str(&self.body);
                s.push('\n');
                format!("jsonld/extracted-{page:04}.ndjson")
            }
        };
        DemoFile {
            source: SOURCES[self.src as usize],
            name,
            bytes: s.into_bytes(),
        }
    }
}

struct Output {
    /// Adzuna gb, fr, de, us; France Travail; Remotive; Arbeitnow; JSON-LD NDJSON.
    streams: Vec<Stream>,
    html_pages: usize,
    stats: DemoStats,
}

impl Output {
    fn new(jobs: usize) -> Self {
        let mut streams: Vec<Stream> = [Cc::Gb, Cc::Fr, Cc::De, Cc::Us]
            .iter()
            .map(|&cc| Stream::new(Src::Adzuna, cc, jobs))
            .collect();
        for src in [
            Src::FranceTravail,
            Src::Remotive,
            Src::Arbeitnow,
            Src::JsonLd,
        ] {
            streams.push(Stream::new(src, Cc::Gb, jobs));
        }
        Output {
            streams,
            html_pages: 0,
            stats: DemoStats::default(),
        }
    }

    fn publish<E>(
        &mut self,
        world: &World,
        job: &Job,
        anchor: NaiveDate,
        rng: &mut StdRng,
        f: &mut impl FnMut(DemoFile) -> Result<(), E>,
    ) -> Result<(), E> {
        let co = &world.companies[job.company];
        let latest = anchor.and_hms_opt(20, 0, 0).unwrap_or_default();
        self.stats.multi_source_jobs += usize::from(job.sources.len() > 1);
        for (rank, &src) in job.sources.iter().enumerate() {
            let bad = malformation(job.idx, rank, src, rng);
            // The first source has the canonical title and date, the others variations.
            let (mut variant, mut delay) = (0, Duration::zero());
            if rank > 0 {
                // Canonical in 5 cases out of 12, else one of the variations 1..=7.
                variant = rng.random_range(0u32..12).saturating_sub(4);
                delay = Duration::days(rng.random_range(0..=3))
                    + Duration::minutes(rng.random_range(-180..180));
            }
            let title = job.title.render(variant, true);
            let posted = (job.posted + delay).min(latest);
            let rec = Rec {
                job,
                co,
                title,
                posted,
                latest,
                bad,
            };
            self.stats.records[src as usize] += 1;
            if let Some(b) = bad {
                self.stats.malformed[b as usize] += 1;
            }
            let repeat = rng.random_bool(REPUBLISH);
            self.stats.republished += usize::from(repeat);
            let uid = job.idx as u64 * 4 + rng.random_range(0..4);
            if src == Src::JsonLd && self.html_pages < HTML_PAGE_LIMIT {
                let page = html_page(&rec, 100_000 + uid, rng).into_bytes();
                for _ in 0..1 + usize::from(repeat) {
                    self.html_pages += 1;
                    let name = format!("jsonld/page-{:06}.html", self.html_pages);
                    f(DemoFile {
                        source: SOURCES[4],
                        name,
                        bytes: page.clone(),
                    })?;
                }
                continue;
            }
            let stream = match src {
                Src::Adzuna => [Cc::Gb, Cc::Fr, Cc::De]
                    .iter()
                    .position(|&c| c == job.city.cc)
                    .unwrap_or(3),
                _ => 3 + src as usize,
            };
            let stream = &mut self.streams[stream];
            let start = stream.begin(f)?;
            let w = &mut Json::new(&mut stream.body, stream.style);
            match src {
                Src::Adzuna => adzuna(w, &rec, 5_100_000_000 + uid, rng, &mut stream.stats),
                Src::FranceTravail => france_travail(w, &rec, rng, &mut stream.stats),
                Src::Remotive => remotive(w, &rec, 1_900_000 + uid, rng),
                Src::Arbeitnow => arbeitnow(w, &rec, 10_000 + uid, rng),
                Src::JsonLd => {
                    let url = format!(
                        "https://careers.{}.{}/jobs/{}",
                        co.slug,
                        country(co.cc).tld,
                        100_000 + uid
                    );
                    jsonld(w, &rec, 100_000 + uid, &url, rng);
                }
            }
            if repeat {
                stream.pending.push(stream.body[start..].to_string());
            }
        }
        Ok(())
    }
}

/// About 1% of records carry a defect; a few jobs near the start always do, so
/// that small samples contain every kind.
fn malformation(idx: usize, rank: usize, src: Src, rng: &mut StdRng) -> Option<Bad> {
    use Bad::*;
    let kinds = [
        NoTitle,
        EmptyTitle,
        SalarySwapped,
        UnparseableDate,
        NegativeSalary,
        NullDescription,
    ];
    let random = rng.random_bool(MALFORMED).then(|| pick(rng, &kinds));
    let forced = [5, 12, 19, 26, 33, 40]
        .iter()
        .position(|&i| i == idx)
        .map(|k| kinds[k]);
    let bad = forced.filter(|_| rank == 0).or(random);
    // Arbeitnow has no salary and an integer `created_at`: keep its types intact.
    // France Travail offers always carry `intitule` (parsers require it): blank it instead.
    match (src, bad) {
        (Src::FranceTravail, Some(NoTitle)) => Some(EmptyTitle),
        (Src::Arbeitnow, Some(SalarySwapped | UnparseableDate | NegativeSalary)) => {
            Some(NullDescription)
        }
        _ => bad,
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let mut x = rng.random_range(0..weights.iter().sum::<u32>().max(1));
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Fisher–Yates on `v[from..]`, leaving the first `from` items in place.
fn shuffle_tail<T>(v: &mut [T], from: usize, rng: &mut StdRng) {
    for i in (from + 1..v.len()).rev() {
        v.swap(i, rng.random_range(from..=i));
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use serde_json::Value;

    use super::*;

    fn spec(jobs: usize) -> DemoSpec {
        DemoSpec {
            seed: 7,
            jobs,
            anchor: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap_or_default(),
        }
    }

    fn run_collect(spec: &DemoSpec) -> (Vec<DemoFile>, DemoStats) {
        let mut files = Vec::new();
        let Ok(stats) = generate_each_with_stats::<std::convert::Infallible>(spec, |f| {
            files.push(f);
            Ok(())
        });
        (files, stats)
    }

    /// The JSON-LD blocks of an HTML page.
    fn ld_blocks(html: &str) -> Vec<Value> {
        let open = "<script type=\"application/ld+json\">";
        html.split(open)
            .skip(1)
            .map(|rest| {
                let json = rest.split("</script>").next().unwrap_or("");
                serde_json::from_str(json).expect("ld+json block is valid JSON")
            })
            .collect()
    }

    /// The postings of a file, checking its envelope on the way.
    fn records(file: &DemoFile) -> Vec<Value> {
        let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
        assert!(
            file.name.starts_with(&format!("{}/", file.source)),
            "{}",
            file.name
        );
        if file.name.ends_with(".html") {
            assert!(text.starts_with("<!DOCTYPE html>") && text.trim_end().ends_with("</html>"));
            let postings: Vec<Value> = ld_blocks(text)
                .into_iter()
                .filter(|b| b["@type"] == "JobPosting")
                .collect();
            assert_eq!(postings.len(), 1, "{}", file.name);
            return postings;
        }
        if file.name.ends_with(".ndjson") {
            return text
                .lines()
                .map(|l| serde_json::from_str(l).expect("NDJSON line"))
                .collect();
        }
        let v: Value = serde_json::from_str(text).expect("valid JSON file");
        let (key, per_page) = match file.source {
            "adzuna" => {
                assert_eq!(v["__CLASS__"], "Adzuna::API::Response::JobSearchResults");
                assert!(v["count"].is_u64() && v["mean"].is_number());
                ("results", 50)
            }
            "france_travail" => {
                assert!(v["filtresPossibles"].is_array());
                ("resultats", 150)
            }
            "remotive" => {
                assert_eq!(
                    v["job-count"].as_u64().map(|n| n as usize),
                    v["jobs"].as_array().map(Vec::len)
                );
                ("jobs", 200)
            }
            "arbeitnow" => {
                assert!(v["meta"]["current_page"].is_u64() && v["links"].is_object());
                ("data", 100)
            }
            other => panic!("unexpected source {other}"),
        };
        let items = v[key].as_array().expect("records array").clone();
        assert!(
            !items.is_empty() && items.len() <= per_page,
            "{}: {}",
            file.name,
            items.len()
        );
        items
    }

    fn all_records(files: &[DemoFile]) -> Vec<(&'static str, &str, Value)> {
        files
            .iter()
            .flat_map(|f| {
                records(f)
                    .into_iter()
                    .map(move |r| (f.source, f.name.as_str(), r))
            })
            .collect()
    }

    fn title_of<'a>(src: &str, r: &'a Value) -> Option<&'a Value> {
        r.get(if src == "france_travail" {
            "intitule"
        } else {
            "title"
        })
    }

    fn date_of<'a>(src: &str, r: &'a Value) -> &'a Value {
        match src {
            "adzuna" => &r["created"],
            "france_travail" => &r["dateCreation"],
            "remotive" => &r["publication_date"],
            "arbeitnow" => &r["created_at"],
            _ => &r["datePosted"],
        }
    }

    /// (min, max) of the numeric salary formats.
    fn numeric_salary(src: &str, r: &Value) -> Option<(f64, f64)> {
        match src {
            "adzuna" => Some((r["salary_min"].as_f64()?, r["salary_max"].as_f64()?)),
            "jsonld" => {
                let v = &r["baseSalary"]["value"];
                let one = v["value"].as_f64();
                Some((
                    v["minValue"].as_f64().or(one)?,
                    v["maxValue"].as_f64().or(one)?,
                ))
            }
            _ => None,
        }
    }

    /// What a silver-layer normalisation would do: case, accents, punctuation, whitespace.
    fn norm(s: &str) -> String {
        let s: String = s
            .chars()
            .filter(|c| !('\u{300}'..='\u{36f}').contains(c) && !matches!(c, '.' | '\'' | '’'))
            .map(fold_char)
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn norm_company(s: &str) -> String {
        const LEGAL: [&str; 15] = [
            "gmbh", "ag", "se", "co", "kg", "sas", "sa", "sarl", "ltd", "limited", "plc", "inc",
            "llc", "corp", "bv",
        ];
        let n = norm(s);
        let mut words: Vec<&str> = n.split(' ').collect();
        while words.len() > 1 && words.last().is_some_and(|w| LEGAL.contains(w)) {
            words.pop();
        }
        words.join(" ")
    }

    fn company_of<'a>(src: &str, r: &'a Value) -> Option<&'a str> {
        match src {
            "adzuna" => r["company"]["display_name"].as_str(),
            "france_travail" => r["entreprise"]["nom"].as_str(),
            "jsonld" => r["hiringOrganization"]["name"].as_str(),
            _ => r["company_name"].as_str(),
        }
    }

    #[test]
    fn same_spec_gives_same_bytes() {
        let a = generate(&spec(400));
        assert_eq!(a, generate(&spec(400)));
        assert!(generate(&spec(0)).is_empty());
        assert_ne!(
            a,
            generate(&DemoSpec {
                seed: 8,
                ..spec(400)
            })
        );
    }

    #[test]
    fn files_are_valid_and_record_counts_add_up() {
        let (files, stats) = run_collect(&spec(3000));
        let recs = all_records(&files);
        let mut per_source = [0usize; 5];
        for (src, _, _) in &recs {
            per_source[SOURCES.iter().position(|s| s == src).unwrap_or(0)] += 1;
        }
        let written: usize = stats.records.iter().sum();
        assert_eq!(
            per_source.iter().sum::<usize>(),
            written + stats.republished
        );
        let ratio = written as f64 / 3000.0;
        assert!((1.4..=1.6).contains(&ratio), "records per job {ratio}");
        assert!(stats.records.iter().all(|&n| n > 300), "{stats:?}");
        assert!(files.iter().any(|f| f.name == "adzuna/gb-search-0001.json"));
        assert!(
            files
                .iter()
                .any(|f| f.name == "france_travail/offres-search-0001.json")
        );
        eprintln!("jobs=3000: {stats:?}, {} files", files.len());
    }

    #[test]
    fn many_jsonld_postings_spill_into_ndjson() {
        let (files, stats) = run_collect(&spec(6000));
        let pages = files.iter().filter(|f| f.name.ends_with(".html")).count();
        let ndjson: Vec<&DemoFile> = files
            .iter()
            .filter(|f| f.name.ends_with(".ndjson"))
            .collect();
        assert_eq!(pages, HTML_PAGE_LIMIT);
        assert!(stats.records[4] > HTML_PAGE_LIMIT && !ndjson.is_empty());
        for f in ndjson {
            let recs = records(f);
            assert!(recs.len() <= 500 && recs.iter().all(|r| r["@type"] == "JobPosting"));
        }
    }

    #[test]
    fn jobs_recur_across_sources_and_pages() {
        let (files, stats) = run_collect(&spec(3000));
        let recs = all_records(&files);
        // Cross-source: normalised (title, company) pairs seen on several sources.
        let mut sources_of: HashMap<(String, String), HashSet<&str>> = HashMap::new();
        for (src, _, r) in &recs {
            if let (Some(Value::String(t)), Some(c)) = (title_of(src, r), company_of(src, r)) {
                sources_of
                    .entry((norm(t), norm_company(c)))
                    .or_default()
                    .insert(src);
            }
        }
        let shared = sources_of.values().filter(|s| s.len() > 1).count();
        eprintln!(
            "multi-source jobs {}, matching keys {shared}",
            stats.multi_source_jobs
        );
        assert!(
            shared * 10 >= stats.multi_source_jobs * 7,
            "{shared} vs {}",
            stats.multi_source_jobs
        );
        // Re-published: the same source id in two files.
        let mut files_of: HashMap<String, HashSet<&str>> = HashMap::new();
        for (src, name, r) in &recs {
            let id = match *src {
                "adzuna" | "france_travail" | "remotive" => r["id"].to_string(),
                "arbeitnow" => r["slug"].to_string(),
                _ => r["url"].to_string(),
            };
            files_of
                .entry(format!("{src}:{id}"))
                .or_default()
                .insert(name);
        }
        let repeated = files_of.values().filter(|f| f.len() > 1).count();
        assert!(
            repeated * 10 >= stats.republished * 9 && repeated > 20,
            "{repeated}"
        );
    }

    #[test]
    fn malformed_records_are_present_and_rare() {
        let (files, stats) = run_collect(&spec(3000));
        let recs = all_records(&files);
        let mut seen = [0usize; 6];
        for (src, _, r) in &recs {
            match title_of(src, r) {
                None => seen[0] += 1,
                Some(t) if t == "" => seen[1] += 1,
                _ => {}
            }
            if let Some((lo, hi)) = numeric_salary(src, r) {
                seen[2] += usize::from(lo > hi);
                seen[4] += usize::from(lo < 0.0);
            }
            let date = date_of(src, r);
            seen[3] += usize::from(date == "31/02/2026" || date == "not-a-date");
            seen[5] += usize::from(r["description"].is_null());
        }
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
        let bad: usize = stats.malformed.iter().sum();
        let share = bad as f64 / recs.len() as f64;
        assert!((0.005..0.02).contains(&share), "{share}");
    }

    #[test]
    fn salaries_come_in_every_period_and_currency() {
        let (files, _) = run_collect(&spec(3000));
        let recs = all_records(&files);
        let text = |src: &str, key: &str| -> Vec<String> {
            recs.iter()
                .filter(|r| r.0 == src)
                .map(|r| {
                    r.2.pointer(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        };
        let ft = text("france_travail", "/salaire/libelle");
        for unit in ["Annuel de", "Mensuel de", "Horaire de"] {
            assert!(ft.iter().any(|l| l.starts_with(unit)), "{unit}");
        }
        let units = text("jsonld", "/baseSalary/value/unitText");
        let currencies = text("jsonld", "/baseSalary/currency");
        for unit in ["YEAR", "MONTH", "DAY", "HOUR"] {
            assert!(units.iter().any(|u| u == unit), "{unit}");
        }
        for cur in ["EUR", "GBP", "USD"] {
            assert!(currencies.iter().any(|c| c == cur), "{cur}");
        }
        let remotive = text("remotive", "/salary");
        for pat in ["/day", "per year", "k - ", "/hour"] {
            assert!(remotive.iter().any(|s| s.contains(pat)), "{pat}");
        }
        // About half of all records carry a usable salary.
        let with_salary = recs
            .iter()
            .filter(|(src, _, r)| match *src {
                "adzuna" => r.get("salary_min").is_some(),
                "france_travail" => r["salaire"].get("libelle").is_some(),
                "remotive" => r["salary"]
                    .as_str()
                    .is_some_and(|s| s.contains(|c: char| c.is_ascii_digit())),
                "jsonld" => r.get("baseSalary").is_some(),
                _ => false,
            })
            .count();
        let share = with_salary as f64 / recs.len() as f64;
        assert!((0.35..0.65).contains(&share), "{share}");
    }

    #[test]
    fn texts_look_like_real_postings() {
        let (files, _) = run_collect(&spec(3000));
        let recs = all_records(&files);
        for (src, _, r) in &recs {
            let Some(d) = r["description"].as_str() else {
                continue;
            };
            let n = d.chars().count();
            match *src {
                "adzuna" => assert!(n <= 505, "{n}"),
                "france_travail" => assert!((600..=4000).contains(&n), "{n}"),
                _ => assert!((600..=6000).contains(&n), "{src} {n}"),
            }
        }
        let titles: Vec<&str> = recs
            .iter()
            .filter_map(|(src, _, r)| title_of(src, r)?.as_str())
            .collect();
        let has = |p: &str| titles.iter().any(|t| t.contains(p));
        for p in [
            "(H/F)",
            "(m/w/d)",
            "Analyste de données",
            "Datenanalyst",
            "Infirmier",
            "Accountant",
            "Senior",
        ] {
            assert!(has(p), "{p}");
        }
        let unrelated = titles
            .iter()
            .filter(|t| {
                FAMILIES
                    .iter()
                    .filter(|f| !f.related)
                    .any(|f| f.titles.iter().any(|x| t.contains(x)))
            })
            .count();
        let share = unrelated as f64 / titles.len() as f64;
        assert!((0.05..0.16).contains(&share), "{share}");
        let all: String = files
            .iter()
            .filter(|f| f.source == "adzuna")
            .map(|f| String::from_utf8_lossy(&f.bytes))
            .collect();
        for p in ["\u{a0}", "’", "€", "星河数据", "k8s", "scikit learn", "…"] {
            assert!(all.contains(p), "{p:?}");
        }
    }
}
