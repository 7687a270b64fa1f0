//! The vocabulary of the invented world: skills, job families, countries, cities, company
//! names and industries. Tables refer to one another by canonical name or index.

/// Skill kinds, so that templates put a language where a language belongs:
/// programming languages, data tools, cloud/ops, machine learning, BI/office.
pub(crate) const L: u8 = 1;
pub(crate) const D: u8 = 2;
pub(crate) const O: u8 = 4;
pub(crate) const M: u8 = 8;
pub(crate) const B: u8 = 16;

/// Skills with their kind and surface forms; the first form is the canonical
/// name. Texts pick a random form so that skill extraction meets the variety.
#[rustfmt::skip]
pub(crate) const SKILLS: &[(u8, &[&str])] = &[
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
pub(crate) fn skill(name: &str) -> usize {
    SKILLS.iter().position(|s| s.1[0] == name).unwrap_or(0)
}

/// Language of a posting; index = position in the per-language tables (en, fr, de).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    En,
    Fr,
    De,
}

/// A job family: titles per language (en, fr, de), typical skills, and how
/// each source files it.
pub(crate) struct Family {
    pub(crate) titles: [&'static str; 3],
    pub(crate) skills: &'static [&'static str],
    /// Data/tech role; the others exist so that classification has something to reject.
    pub(crate) related: bool,
    pub(crate) remote_pct: u32,
    /// Mid-level annual pay in Germany, EUR.
    pub(crate) salary: f64,
    pub(crate) weight: u32,
    pub(crate) adzuna_cat: usize,
    pub(crate) remotive_cat: &'static str,
    pub(crate) arbeitnow_tag: &'static str,
    /// France Travail ROME code and label.
    pub(crate) rome: [&'static str; 2],
    /// One typical task, per language.
    pub(crate) duty: [&'static str; 3],
}

#[rustfmt::skip]
pub(crate) const FAMILIES: &[Family] = &[
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
pub(crate) const ADZUNA_CATS: [[&str; 4]; 7] = [
    ["it-jobs", "IT Jobs", "Emplois Informatique", "IT-Stellen"],
    ["scientific-qa-jobs", "Scientific & QA Jobs", "Emplois Scientifique & Assurance Qualité", "Wissenschaft & Qualitätssicherung"],
    ["sales-jobs", "Sales Jobs", "Emplois Vente", "Vertrieb"],
    ["healthcare-nursing-jobs", "Healthcare & Nursing Jobs", "Emplois Soins de santé et infirmiers", "Gesundheit & Pflege"],
    ["accounting-finance-jobs", "Accounting & Finance Jobs", "Emplois Comptabilité et Finance", "Buchhaltung & Finanzen"],
    ["logistics-warehouse-jobs", "Logistics & Warehouse Jobs", "Emplois Distribution et Entrepôts", "Logistik & Lager"],
    ["unknown", "Unknown", "Unknown", "Unknown"],
];

/// A country; index = position in [`COUNTRIES`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cc {
    Gb,
    Fr,
    De,
    Us,
    Ca,
    Nl,
}

/// How the sources name a country, its currency, pay level, legal suffixes and time zone.
pub(crate) struct Country {
    pub(crate) cc: Cc,
    /// Adzuna country code and host ("" = not searched on Adzuna).
    pub(crate) adzuna: [&'static str; 2],
    /// First element of Adzuna's `location.area`.
    pub(crate) area: &'static str,
    pub(crate) iso: &'static str,
    pub(crate) name: &'static str,
    pub(crate) currency: &'static str,
    pub(crate) symbol: &'static str,
    /// Pay level relative to Germany, in local currency.
    pub(crate) pay: f64,
    pub(crate) suffixes: &'static [&'static str],
    /// UTC offsets in minutes: winter, summer.
    pub(crate) tz: [i32; 2],
    pub(crate) tld: &'static str,
    pub(crate) weight: u32,
}

#[rustfmt::skip]
pub(crate) const COUNTRIES: [Country; 6] = [
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

pub(crate) fn country(cc: Cc) -> &'static Country {
    &COUNTRIES[cc as usize]
}

/// A workplace; `insee` and `ft_label` are France Travail's `commune` and `libelle`.
pub(crate) struct City {
    pub(crate) cc: Cc,
    pub(crate) name: &'static str,
    pub(crate) region: &'static str,
    /// The French département's name (Adzuna's third level in France); empty elsewhere.
    pub(crate) departement: &'static str,
    pub(crate) postcode: &'static str,
    pub(crate) insee: &'static str,
    pub(crate) ft_label: &'static str,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

#[rustfmt::skip]
const fn city(cc: Cc, name: &'static str, region: &'static str, postcode: &'static str, lat: f64, lon: f64) -> City {
    City { cc, name, region, departement: "", postcode, insee: "", ft_label: "", lat, lon }
}

/// A French city with (postcode, INSEE code, France Travail label).
#[rustfmt::skip]
const fn fr(name: &'static str, region: &'static str, departement: &'static str, codes: [&'static str; 3], lat: f64, lon: f64) -> City {
    City { cc: Cc::Fr, name, region, departement, postcode: codes[0], insee: codes[1], ft_label: codes[2], lat, lon }
}

/// The first city of each country is its biggest job market.
#[rustfmt::skip]
pub(crate) const CITIES: &[City] = &[
    city(Cc::Gb, "London", "London", "EC2A 4NE", 51.5136, -0.1365),
    city(Cc::Gb, "Manchester", "North West England", "M1 1AE", 53.4794, -2.2453),
    city(Cc::Gb, "Edinburgh", "Scotland", "EH1 1YZ", 55.9533, -3.1883),
    city(Cc::Gb, "Bristol", "South West England", "BS1 4DJ", 51.4545, -2.5879),
    city(Cc::Gb, "Cambridge", "Eastern England", "CB2 1TN", 52.2053, 0.1218),
    city(Cc::Gb, "Leeds", "Yorkshire And The Humber", "LS1 4AP", 53.7997, -1.5492),
    fr("Paris", "Ile-de-France", "Paris", ["75011", "75111", "75 - Paris 11e Arrondissement"], 48.8588, 2.3792),
    fr("Paris", "Ile-de-France", "Paris", ["75009", "75109", "75 - Paris 9e Arrondissement"], 48.8725, 2.3412),
    fr("Paris", "Ile-de-France", "Paris", ["75008", "75108", "75 - PARIS 08"], 48.8775, 2.3176),
    fr("Lyon", "Auvergne-Rhône-Alpes", "Rhône", ["69003", "69383", "69 - LYON 03"], 45.7597, 4.8512),
    fr("Toulouse", "Occitanie", "Haute-Garonne", ["31000", "31555", "31 - TOULOUSE"], 43.6045, 1.4440),
    fr("Nantes", "Pays de la Loire", "Loire-Atlantique", ["44000", "44109", "44 - Nantes"], 47.2184, -1.5536),
    fr("Bordeaux", "Nouvelle-Aquitaine", "Gironde", ["33000", "33063", "33 - Bordeaux"], 44.8378, -0.5792),
    fr("Lille", "Hauts-de-France", "Nord", ["59000", "59350", "59 - LILLE"], 50.6292, 3.0573),
    fr("Rennes", "Bretagne", "Ille-et-Vilaine", ["35000", "35238", "35 - RENNES"], 48.1173, -1.6778),
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
pub(crate) const NAME_A: [&str; 40] = [
    "Nordlicht", "Datalyse", "Blauwal", "Quantix", "Kestrel", "Lumen", "Orbitale", "Saphir", "Vektor",
    "Helix", "Tandem", "Polaris", "Kobalt", "Meridian", "Ardoise", "Cerulean", "Fjord", "Granit", "Isar",
    "Loire", "Mistral", "Opaline", "Pixelis", "Rubicon", "Solstice", "Tessel", "Umbra", "Velin",
    "Wavelet", "Zenit", "Alpenglow", "Brightwater", "Copperleaf", "Driftwood", "Emberly", "Foxglove",
    "Glasshouse", "Hawthorn", "Ironbridge", "Juniper",
];
#[rustfmt::skip]
pub(crate) const NAME_B: [&str; 20] = [
    "Analytics", "Data", "Labs", "Systems", "Insights", "Technologies", "Software", "Health", "Finanz",
    "Logistics", "Energie", "Retail", "Consulting", "Mobility", "Robotics", "AI", "Cloud", "Media", "",
    "Solutions",
];
pub(crate) const NAME_C: [&str; 6] = ["", "Europe", "Nord", "Digital", "International", "Partners"];

/// Hand-made companies at fixed ranks: names with `&`, CJK names (never with
/// a legal suffix) and an alternative spelling that Remotive and JSON-LD pages
/// sometimes use (decomposed accent, straight apostrophe, no accents).
#[rustfmt::skip]
pub(crate) const SPECIAL: [(usize, &str, Option<&str>, Cc, &str); 7] = [
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
pub(crate) const INDUSTRIES: [[&str; 4]; 7] = [
    ["software", "du numérique", "Software", "Programmation informatique"],
    ["IT consulting", "du conseil", "IT-Beratung", "Conseil en systèmes et logiciels informatiques"],
    ["financial services", "de la finance", "Finanzdienstleistungen", "Autres intermédiations monétaires"],
    ["healthcare", "de la santé", "Gesundheitswesen", "Activités hospitalières"],
    ["retail", "de la distribution", "Einzelhandel", "Commerce de détail"],
    ["energy", "de l’énergie", "Energie", "Production d'électricité"],
    ["logistics", "de la logistique", "Logistik", "Entreposage et stockage"],
];

pub(crate) fn industry_of(word: &str) -> usize {
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
