//! Places: countries (`countries.csv`, resolved from names, aliases and free-form locations),
//! French départements (`fr_departments.csv`) and the France Travail location labels and postal
//! codes that name them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::keys::normalize_key;
use crate::reference::{COUNTRIES_CSV, EnrichError, FR_DEPARTMENTS_CSV, field, read_table};

/// Countries from `countries.csv` (columns `iso2,name,aliases`, aliases separated by `|`).
///
/// [`Countries::resolve`] maps a whole value (code, English/French/German name, alias) to its
/// ISO 3166-1 alpha-2 code after [`normalize_key`]. [`Countries::resolve_location`] also looks
/// inside a comma/parenthesis separated location such as `"Munich, Bavaria, Germany"`.
#[derive(Debug, Clone)]
pub struct Countries {
    /// key → (index into `codes`, key comes from the iso2 column)
    by_key: HashMap<String, (usize, bool)>,
    codes: Vec<String>,
    names: Vec<String>,
}

impl Countries {
    /// Loads the table; a bad code or a name claimed by two countries names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "countries.csv";
        let (idx, rows) = read_table(text, FILE, &["iso2", "name", "aliases"])?;
        let mut by_key: HashMap<String, (usize, bool)> = HashMap::new();
        let mut codes = Vec::new();
        let mut names = Vec::new();
        for (line, rec) in &rows {
            let line = *line;
            let code = field(rec, idx[0]);
            if code.len() != 2 || !code.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("iso2 `{code}` must be two uppercase letters"),
                });
            }
            let ci = codes.len();
            codes.push(code.to_string());
            names.push(field(rec, idx[1]).to_string());
            let mut add = |k: String, is_code: bool| -> Result<(), EnrichError> {
                if k.is_empty() {
                    return Ok(());
                }
                match by_key.get(&k) {
                    Some((other, _)) if *other != ci => Err(EnrichError::Invalid {
                        file: FILE,
                        line,
                        message: format!("`{k}` already names {}", codes[*other]),
                    }),
                    Some(_) => Ok(()),
                    None => {
                        by_key.insert(k, (ci, is_code));
                        Ok(())
                    }
                }
            };
            add(code.to_ascii_lowercase(), true)?;
            add(normalize_key(field(rec, idx[1])), false)?;
            for a in field(rec, idx[2]).split('|') {
                add(normalize_key(a), false)?;
            }
        }
        Ok(Self {
            by_key,
            codes,
            names,
        })
    }

    /// Loads the embedded default table ([`COUNTRIES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(COUNTRIES_CSV)
    }

    /// ISO alpha-2 code of a country code, name or alias (`"uk"` → `GB`, `"Allemagne"` → `DE`).
    pub fn resolve(&self, s: &str) -> Option<&str> {
        self.by_key
            .get(&normalize_key(s))
            .map(|(i, _)| self.codes[*i].as_str())
    }

    /// Country of a free-form location: the whole value first, then its parts separated by
    /// `,` `(` `)` `/` `;` `|` from last to first (addresses end with the country). Inside a
    /// multi-part location, two-letter ISO codes are ignored because they clash with US states
    /// (`"Boston, MA"` is not Morocco); aliases such as `USA`, `UK` still count.
    ///
    /// A remote scope names a country: "Remote USA" is the USA, and in "Remote (US)" the code in
    /// parentheses is a country, not a state.
    pub fn resolve_location(&self, s: &str) -> Option<&str> {
        if let Some(c) = self.resolve(s) {
            return Some(c);
        }
        const SCOPE: [&str; 5] = ["remote", "anywhere", "only", "fully", "hybrid"];
        let folded = normalize_key(s);
        let remote_scope =
            folded.split(' ').any(|w| w == "remote" || w == "anywhere") && s.contains('(');
        s.rsplit([',', '(', ')', '/', ';', '|']).find_map(|part| {
            let key = normalize_key(part)
                .split(' ')
                .filter(|w| !SCOPE.contains(w))
                .collect::<Vec<_>>()
                .join(" ");
            match self.by_key.get(&key) {
                Some((i, false)) => Some(self.codes[*i].as_str()),
                Some((i, true)) if remote_scope => Some(self.codes[*i].as_str()),
                _ => None,
            }
        })
    }

    /// The country a posting's text requires its worker to be in ("remotely anywhere in the
    /// United States", "Based in India", "must reside in the UK"): the one country such
    /// phrases name, or `None` when they name none or several. For postings whose fields give
    /// no place (remote boards).
    pub fn required_by_text(&self, text: &str) -> Option<&str> {
        static PHRASE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?i:anywhere|based|located|reside|residing|resident|live|living|remotely)\s+(?i:anywhere\s+)?(?i:in|within)\s+(?i:the\s+)?(\p{Lu}[\p{L}.]*(?:\s+\p{Lu}[\p{L}.]*){0,2})",
            )
            .expect("phrase regex")
        });
        let mut found: Option<&str> = None;
        for c in PHRASE.captures_iter(text) {
            // "our headquarters located in Denmark" is the company, not the worker.
            let start = c.get(0).map_or(0, |m| m.start());
            let before = &text[text.floor_char_boundary(start.saturating_sub(40))..start];
            let lower = before.to_lowercase();
            if [
                "headquarter",
                "hq",
                "office",
                "offices",
                "campus",
                "factory",
                "site",
            ]
            .iter()
            .any(|w| {
                lower
                    .split(|ch: char| !ch.is_alphanumeric())
                    .any(|t| t.starts_with(w))
            }) {
                continue;
            }
            let words: Vec<&str> = c[1].split_whitespace().collect();
            // The longest run of capitalised words that names a country ("United States").
            let country = (1..=words.len())
                .rev()
                .find_map(|n| self.resolve(words[..n].join(" ").trim_end_matches('.')));
            match (found, country) {
                (_, None) => {}
                (None, Some(c)) => found = Some(c),
                (Some(f), Some(c)) if f == c => {}
                (Some(_), Some(_)) => return None,
            }
        }
        found
    }

    /// The city a posting's text places its worker in, when the fields give none: "candidates
    /// located in Campinas, Brazil", "based in Lyon, France", where the country after the comma
    /// is `country` (the posting's own). `None` when such phrases name no city or several, or
    /// when the place before the comma is itself a country or a remote scope. A region or state
    /// ("based in Texas, USA") is returned like a city: the caller drops known subdivisions.
    pub fn city_in_text(&self, text: &str, country: &str) -> Option<String> {
        static PHRASE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?i:located|based|reside|residing|living|live|work|working)\s+(?i:in|from|out\s+of)\s+(\p{Lu}[\p{L}'’.-]*(?:\s+(?:\p{Lu}[\p{L}'’.-]*|de|do|da|dos|das|del|di|la|le|les|sur|am|an|upon|on)){0,3})\s*,\s*(?:the\s+)?(\p{Lu}[\p{L}.]*(?:\s+\p{Lu}[\p{L}.]*){0,2})",
            )
            .expect("phrase regex")
        });
        const SCOPE: [&str; 6] = [
            "remote",
            "anywhere",
            "hybrid",
            "worldwide",
            "home",
            "europe",
        ];
        let mut found: Option<String> = None;
        for c in PHRASE.captures_iter(text) {
            let words: Vec<&str> = c[2].split_whitespace().collect();
            let named = (1..=words.len())
                .rev()
                .find_map(|n| self.resolve(words[..n].join(" ").trim_end_matches('.')));
            if named != Some(country) {
                continue;
            }
            let city = c[1].trim_end_matches(['.', '-']).to_string();
            let key = normalize_key(&city);
            if self.resolve(&city).is_some() || key.split(' ').any(|w| SCOPE.contains(&w)) {
                continue;
            }
            match &found {
                None => found = Some(city),
                Some(f) if normalize_key(f) == key => {}
                Some(_) => return None,
            }
        }
        found
    }

    /// English name of an ISO alpha-2 code.
    pub fn name_of(&self, iso2: &str) -> Option<&str> {
        self.codes
            .iter()
            .position(|c| c.eq_ignore_ascii_case(iso2))
            .map(|i| self.names[i].as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// French départements
// ---------------------------------------------------------------------------------------------

/// French départements from `fr_departments.csv` (columns `code,name,region`).
#[derive(Debug, Clone)]
pub struct Departments {
    by_code: HashMap<String, (String, String)>,
    /// `normalize_key(name)` → code.
    by_name: HashMap<String, String>,
}

impl Departments {
    /// Loads the table; a malformed or duplicated code names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "fr_departments.csv";
        let (idx, rows) = read_table(text, FILE, &["code", "name", "region"])?;
        let mut by_code = HashMap::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let code = field(rec, idx[0]);
            if !is_department_code(code) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad code `{code}`"),
                });
            }
            let (name, region) = (field(rec, idx[1]), field(rec, idx[2]));
            if name.is_empty() || region.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty name or region".into(),
                });
            }
            if by_code
                .insert(code.to_string(), (name.to_string(), region.to_string()))
                .is_some()
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("code `{code}` listed twice"),
                });
            }
        }
        let by_name = by_code
            .iter()
            .map(|(code, (name, _))| (normalize_key(name), code.clone()))
            .collect();
        Ok(Self { by_code, by_name })
    }

    /// Loads the embedded default table ([`FR_DEPARTMENTS_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(FR_DEPARTMENTS_CSV)
    }

    fn canonical(code: &str) -> Cow<'_, str> {
        let code = code.trim();
        if code.len() == 1 && code.as_bytes()[0].is_ascii_digit() {
            return Cow::Owned(format!("0{code}"));
        }
        if code.bytes().any(|c| c.is_ascii_lowercase()) {
            return Cow::Owned(code.to_ascii_uppercase());
        }
        Cow::Borrowed(code)
    }

    /// Region of a département code (`"75"` → Île-de-France, `"2A"` → Corse, `"971"` →
    /// Guadeloupe). `"1"` is read as `"01"`; the pre-1976 Corsican code `"20"` gives Corse.
    pub fn region_of(&self, code: &str) -> Option<&str> {
        let code = Self::canonical(code);
        if code == "20" {
            return self.by_code.get("2A").map(|(_, r)| r.as_str());
        }
        self.by_code.get(code.as_ref()).map(|(_, r)| r.as_str())
    }

    /// The département a place names: a France Travail label (`"75 - Paris 11e"`), a postal
    /// code, or a département's name (`"Haute-Garonne"`, `"Paris"`), tried in the order given;
    /// the first part that names one wins.
    pub fn find<'a>(&self, parts: impl IntoIterator<Item = &'a str>) -> Option<String> {
        for part in parts {
            if let Some(code) = department_code_from_label(part) {
                return Some(Self::canonical(code).into_owned());
            }
            if let Some(code) = part
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 5)
                .and_then(department_code_from_postal_code)
            {
                return Some(code);
            }
            if let Some(code) = self.by_name.get(&normalize_key(part)) {
                return Some(code.clone());
            }
        }
        None
    }

    /// Name of a département code (`"69"` → Rhône).
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.by_code
            .get(Self::canonical(code).as_ref())
            .map(|(n, _)| n.as_str())
    }
}

fn is_department_code(code: &str) -> bool {
    let b = code.as_bytes();
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            let n = (a - b'0') * 10 + (c - b'0');
            (1..=95).contains(&n) && n != 20
        }
        [b'2', b'A' | b'B'] => true,
        [b'9', b'7', c] => (b'1'..=b'6').contains(c),
        _ => false,
    }
}

/// Leading département code of a France Travail `lieuTravail.libelle` such as
/// `"75 - Paris 11e Arrondissement"` → `"75"`, `"2B - AREGNO"` → `"2B"`; `None` for labels
/// without one (`"France"`, `"Ile-de-France"`).
pub fn department_code_from_label(label: &str) -> Option<&str> {
    let label = label.trim_start();
    let end = label
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(label.len());
    let code = &label[..end];
    let rest = label[end..].trim_start();
    (is_department_code(code) && (rest.is_empty() || rest.starts_with('-'))).then_some(code)
}

/// City part of a France Travail label: `"75 - Paris 11e Arrondissement"` →
/// `"Paris 11e Arrondissement"`. `None` without a leading code, without a city, or for
/// département-level labels (`"75 - Paris (Dept.)"`).
pub fn city_from_ft_label(label: &str) -> Option<&str> {
    let code = department_code_from_label(label)?;
    let label = label.trim_start();
    let rest = label[code.len()..].trim_start().strip_prefix('-')?.trim();
    if rest.is_empty() {
        return None;
    }
    if rest.ends_with("(Dept.)") || rest.ends_with("(Dépt.)") {
        // Paris is both a département and its one commune.
        return (code == "75").then_some("Paris");
    }
    Some(rest)
}

/// A city as commonly named: without an arrondissement or district number ("Paris 15e
/// Arrondissement", "PARIS 07", "Lyon 3e" → Paris, Lyon), "Cedex" or a postcode; France
/// Travail's abbreviations spelled out ("ST JEAN DE LIVERSAY" → "Saint Jean De Liversay",
/// "STE MARIE" → "Sainte Marie"); an all-capitals name in title case. `None` when nothing is
/// left.
pub fn clean_city(city: &str) -> Option<String> {
    static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(\s+(\d{1,2}\s*(e|er|ère|eme|ème|è)?(\s+arrondissement)?|cedex(\s*\d+)?|\d{5}))+\s*$")
            .expect("valid regex")
    });
    let city = city.trim();
    let city = NUMBER.replace(city, "");
    let city = city.trim().trim_end_matches([',', '-']).trim();
    if city.is_empty() || city.bytes().all(|b| b.is_ascii_digit() || b == b' ') {
        return None;
    }
    let upper = city.chars().any(char::is_alphabetic) && !city.chars().any(char::is_lowercase);
    let words: Vec<String> = city
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| match w.to_uppercase().as_str() {
            "ST" => "Saint".to_string(),
            "STE" => "Sainte".to_string(),
            _ if upper => {
                let mut c = w.chars();
                c.next().map_or(String::new(), |f| {
                    f.to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect()
                })
            }
            _ => w.to_string(),
        })
        .collect();
    Some(words.join(" "))
}

/// Département code of a French postal code (`"75011"` → `"75"`, `"97110"` → `"971"`,
/// `"20000"` → `"2A"`, `"20200"` → `"2B"`).
pub fn department_code_from_postal_code(cp: &str) -> Option<String> {
    let cp = cp.trim();
    if cp.len() != 5 || !cp.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let code = match &cp[..2] {
        "97" | "98" => cp[..3].to_string(),
        // Corse-du-Sud uses 200xx-201xx, Haute-Corse 202xx-206xx.
        "20" => if cp.as_bytes()[2] <= b'1' { "2A" } else { "2B" }.to_string(),
        two => two.to_string(),
    };
    is_department_code(&code).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_scope_names_a_country() {
        let c = Countries::builtin().expect("countries");
        // findwork locations.
        assert_eq!(c.resolve_location("Remote (US)"), Some("US"));
        assert_eq!(c.resolve_location("Charlotte, NYC, Remote USA"), Some("US"));
        // A state code after a city is still no country.
        assert_eq!(c.resolve_location("Boston, MA"), None);
        assert_eq!(c.resolve_location("Remote, CA"), None);
    }

    #[test]
    fn a_remote_posting_states_where_its_worker_must_be() {
        let c = Countries::builtin().expect("countries");
        // Shapes of real findwork and Remote OK texts.
        for (text, want) in [
            (
                "work that can be done remotely anywhere in the United States.",
                Some("US"),
            ),
            (
                "Who You Are Based in India, with at least 5 years",
                Some("IN"),
            ),
            ("You must reside in the UK to apply", Some("GB")),
            (
                "Partners, working from anywhere in the USA within your market",
                Some("US"),
            ),
            // Clients, not the worker; and two countries name none.
            ("We serve customers in Germany and France", None),
            ("Based in Berlin or based in London", None),
            (
                "a global footprint with our headquarters located in Denmark (Hørsholm)",
                None,
            ),
            ("half of which work in Denmark", None),
            ("based in Canada or living in the United States", None),
        ] {
            assert_eq!(c.required_by_text(text), want, "{text}");
        }
    }

    #[test]
    fn a_remote_posting_names_the_city_its_worker_is_in() {
        let c = Countries::builtin().unwrap();
        let city = |t: &str, cc: &str| c.city_in_text(t, cc);
        assert_eq!(
            city(
                "This is a remote role for candidates located in   São Paulo, Brazil.",
                "BR"
            )
            .as_deref(),
            Some("São Paulo")
        );
        assert_eq!(
            city("You are based in Mexico City, Mexico", "MX").as_deref(),
            Some("Mexico City")
        );
        assert_eq!(
            city(
                "Teams based in Lyon, France or located in Paris, France",
                "FR"
            ),
            None
        );
        // Another country than the posting's, a remote scope, a country before the comma.
        assert_eq!(
            city("candidates located in Montevideo, Uruguay", "BR"),
            None
        );
        assert_eq!(city("You must be located in Remote, Brazil", "BR"), None);
        assert_eq!(city("Located in Brazil, Latin America", "BR"), None);
        assert_eq!(city("We love Campinas, Brazil", "BR"), None);
    }

    #[test]
    fn cities_without_arrondissements_and_abbreviations() {
        assert_eq!(
            clean_city("Paris 15e Arrondissement").as_deref(),
            Some("Paris")
        );
        assert_eq!(clean_city("PARIS 07").as_deref(), Some("Paris"));
        assert_eq!(clean_city("Lyon 3e").as_deref(), Some("Lyon"));
        assert_eq!(
            clean_city("ST JEAN DE LIVERSAY").as_deref(),
            Some("Saint Jean De Liversay")
        );
        assert_eq!(clean_city("STE MARIE").as_deref(), Some("Sainte Marie"));
        assert_eq!(
            clean_city("Marseille Cedex 08").as_deref(),
            Some("Marseille")
        );
        assert_eq!(clean_city("New York").as_deref(), Some("New York"));
        assert_eq!(clean_city("  "), None);
        assert_eq!(city_from_ft_label("75 - Paris (Dept.)"), Some("Paris"));
        assert_eq!(city_from_ft_label("69 - Rhône (Dept.)"), None);
    }

    #[test]
    fn a_departement_from_a_label_a_postal_code_or_a_name() {
        let d = Departments::builtin().expect("embedded table");
        assert_eq!(
            d.find(["75 - Paris 11e Arrondissement"]).as_deref(),
            Some("75")
        );
        assert_eq!(d.find(["", "Cedex 31700 Blagnac"]).as_deref(), Some("31"));
        assert_eq!(d.find(["Niort", "Deux-Sèvres"]).as_deref(), Some("79"));
        assert_eq!(d.find(["Paris"]).as_deref(), Some("75"));
        assert_eq!(d.find(["France", "Ile-de-France"]), None);
    }

    #[test]
    fn countries() {
        let c = match Countries::builtin() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("gb", Some("GB")),
            ("UK", Some("GB")),
            ("France", Some("FR")),
            ("FRANCE", Some("FR")),
            ("fr", Some("FR")),
            ("Deutschland", Some("DE")),
            ("Germany", Some("DE")),
            ("Allemagne", Some("DE")),
            ("United States", Some("US")),
            ("USA", Some("US")),
            ("U.S.", Some("US")),
            ("États-Unis", Some("US")),
            ("Etats Unis", Some("US")),
            ("Canada", Some("CA")),
            ("Côte d'Ivoire", Some("CI")),
            ("Schweiz", Some("CH")),
            ("Royaume-Uni", Some("GB")),
            ("Sri Lanka", Some("LK")),
            ("Madagascar", Some("MG")),
            ("Atlantis", None),
            ("", None),
            ("Worldwide", None),
        ];
        for (s, want) in cases {
            assert_eq!(c.resolve(s), want, "{s}");
        }
        assert_eq!(c.resolve_location("Munich, Bavaria, Germany"), Some("DE"));
        assert_eq!(c.resolve_location("Saint Louis, MO, USA"), Some("US"));
        assert_eq!(c.resolve_location("Boston, MA"), None);
        assert_eq!(c.resolve_location("Los Angeles, United States"), Some("US"));
        assert_eq!(c.resolve_location("Onsite (Antwerp, Belgium)"), Some("BE"));
        assert_eq!(c.resolve_location("DE"), Some("DE"));
        assert_eq!(c.resolve_location("Remote (EU)"), None);
        assert_eq!(c.name_of("de"), Some("Germany"));
        let dup = "iso2,name,aliases\nFR,France,\nBE,Belgium,France\n";
        let e = Countries::from_csv(dup)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn french_departments() {
        let d = match Departments::builtin() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.by_code.len(), 101);
        assert_eq!(d.region_of("75"), Some("Île-de-France"));
        assert_eq!(d.region_of("01"), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(d.region_of("1"), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(d.region_of("2A"), Some("Corse"));
        assert_eq!(d.region_of("2b"), Some("Corse"));
        assert_eq!(d.region_of("20"), Some("Corse"));
        assert_eq!(d.region_of("971"), Some("Guadeloupe"));
        assert_eq!(d.region_of("976"), Some("Mayotte"));
        assert_eq!(d.region_of("975"), None);
        assert_eq!(d.region_of("96"), None);
        assert_eq!(d.region_of(""), None);
        assert_eq!(d.region_of("53"), Some("Pays de la Loire"));
        assert_eq!(d.region_of("90"), Some("Bourgogne-Franche-Comté"));
        assert_eq!(d.name_of("69"), Some("Rhône"));
        // Every metropolitan code 01..95 is present.
        for n in 1..=95 {
            if n == 20 {
                continue;
            }
            assert!(d.region_of(&format!("{n:02}")).is_some(), "{n}");
        }
    }

    #[test]
    fn france_travail_labels() {
        assert_eq!(
            department_code_from_label("75 - Paris 11e Arrondissement"),
            Some("75")
        );
        assert_eq!(
            city_from_ft_label("75 - Paris 11e Arrondissement"),
            Some("Paris 11e Arrondissement")
        );
        assert_eq!(department_code_from_label("2B - AREGNO"), Some("2B"));
        assert_eq!(city_from_ft_label("2B - AREGNO"), Some("AREGNO"));
        assert_eq!(city_from_ft_label("75 - PARIS "), Some("PARIS"));
        assert_eq!(
            department_code_from_label("971 - Pointe-à-Pitre"),
            Some("971")
        );
        assert_eq!(
            city_from_ft_label("971 - Pointe-à-Pitre"),
            Some("Pointe-à-Pitre")
        );
        assert_eq!(
            department_code_from_label("08 - Bogny-sur-Meuse"),
            Some("08")
        );
        // Paris is a département and a commune: its département-wide label is the city.
        assert_eq!(city_from_ft_label("75 - Paris (Dept.)"), Some("Paris"));
        assert_eq!(department_code_from_label("75 - Paris (Dept.)"), Some("75"));
        assert_eq!(department_code_from_label("France"), None);
        assert_eq!(department_code_from_label("Ile-de-France"), None);
        // 99 is France Travail's "abroad", not a département.
        assert_eq!(department_code_from_label("99 - Étranger"), None);
        assert_eq!(department_code_from_label("75"), Some("75"));
        assert_eq!(city_from_ft_label("75"), None);
        assert_eq!(department_code_from_label(""), None);
        assert_eq!(
            department_code_from_postal_code("75011").as_deref(),
            Some("75")
        );
        assert_eq!(
            department_code_from_postal_code("97110").as_deref(),
            Some("971")
        );
        assert_eq!(
            department_code_from_postal_code("20000").as_deref(),
            Some("2A")
        );
        assert_eq!(
            department_code_from_postal_code("20200").as_deref(),
            Some("2B")
        );
        assert_eq!(department_code_from_postal_code("1234"), None);
    }
}
