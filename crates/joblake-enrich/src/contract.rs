//! Contract types (`contract_types.csv`: permanent, fixed term, internship...) and working time
//! (full or part time) from the raw values sources publish.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::keys::normalize_key;
use crate::reference::{CONTRACT_TYPES_CSV, EnrichError, field, read_table};

/// Contract types that `contract_types.csv` may map to.
pub const CONTRACT_TYPE_VALUES: [&str; 7] = [
    "permanent",
    "fixed_term",
    "temporary",
    "freelance",
    "internship",
    "apprenticeship",
    "working_student",
];

/// Contract-type mapping from `contract_types.csv` (columns `raw,contract_type`; `raw` is
/// compared after [`normalize_key`]).
///
/// `classify` accepts one raw value or several joined by `,` `;` `|` (Arbeitnow `job_types`,
/// Fantastic.jobs arrays). Each part is looked up whole, then by its longest known phrases
/// (word n-grams up to the longest `raw` entry, left to right), so `"CDD - 6 Mois"` finds `cdd`
/// and `"Full-time permanent"` finds `permanent`. When several contract types are found the most
/// specific wins: working_student > apprenticeship > internship > freelance > temporary >
/// fixed_term > permanent. Working-time words (`FULL_TIME`) map to nothing: see
/// [`working_time`]. Rows whose contract_type is `none` are phrases that contain a contract word
/// without naming a contract (`contract manager`, `sales rep`, `early stage`): they win as
/// longer phrases and yield nothing, which matters when titles are classified.
#[derive(Debug, Clone)]
pub struct ContractTypes {
    /// normalised raw phrase → contract type (`None` for the `none` phrases).
    map: HashMap<String, Option<&'static str>>,
    max_words: usize,
}

/// `contract_type` value of phrases that contain a contract word but name no contract
/// (`contract manager`, `sales rep`, `early stage`): they consume their words and yield nothing.
pub const CONTRACT_TYPE_NONE: &str = "none";

fn contract_rank(t: &str) -> usize {
    match t {
        "working_student" => 7,
        "apprenticeship" => 6,
        "internship" => 5,
        "freelance" => 4,
        "temporary" => 3,
        "fixed_term" => 2,
        _ => 1,
    }
}

impl ContractTypes {
    /// Loads the mapping; an unknown contract type or a raw value mapped twice names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "contract_types.csv";
        let (idx, rows) = read_table(text, FILE, &["raw", "contract_type"])?;
        let mut map = HashMap::with_capacity(rows.len());
        let mut max_words = 1;
        for (line, rec) in &rows {
            let line = *line;
            let raw = normalize_key(field(rec, idx[0]));
            let ct = field(rec, idx[1]);
            let ct = if ct == CONTRACT_TYPE_NONE {
                None
            } else {
                let Some(ct) = CONTRACT_TYPE_VALUES.iter().copied().find(|v| *v == ct) else {
                    return Err(EnrichError::Invalid {
                        file: FILE,
                        line,
                        message: format!(
                            "contract_type `{ct}` is not one of {} (or `none`)",
                            CONTRACT_TYPE_VALUES.join(", ")
                        ),
                    });
                };
                Some(ct)
            };
            if raw.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty raw value".into(),
                });
            }
            max_words = max_words.max(raw.split(' ').count());
            if let Some(prev) = map.insert(raw.clone(), ct)
                && prev != ct
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!(
                        "raw `{raw}` is mapped to both `{}` and `{}`",
                        prev.unwrap_or(CONTRACT_TYPE_NONE),
                        ct.unwrap_or(CONTRACT_TYPE_NONE)
                    ),
                });
            }
        }
        Ok(Self { map, max_words })
    }

    /// Loads the embedded default mapping ([`CONTRACT_TYPES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(CONTRACT_TYPES_CSV)
    }

    /// Contract type of a raw value or comma-joined list of raw values.
    pub fn classify(&self, raw: &str) -> Option<&'static str> {
        let mut best: Option<&'static str> = None;
        let mut consider = |t: &'static str| {
            if best.is_none_or(|b| contract_rank(t) > contract_rank(b)) {
                best = Some(t);
            }
        };
        for part in raw.split([',', ';', '|']) {
            let key = normalize_key(part);
            if key.is_empty() {
                continue;
            }
            if let Some(t) = self.map.get(&key) {
                if let Some(t) = t {
                    consider(t);
                }
                continue;
            }
            // Byte ranges of the words of `key`.
            let mut words: Vec<(usize, usize)> = Vec::new();
            let mut start = 0;
            for w in key.split(' ') {
                words.push((start, start + w.len()));
                start += w.len() + 1;
            }
            let mut i = 0;
            while i < words.len() {
                let mut step = 1;
                for n in (1..=self.max_words.min(words.len() - i)).rev() {
                    let phrase = &key[words[i].0..words[i + n - 1].1];
                    if let Some(t) = self.map.get(phrase) {
                        if let Some(t) = t {
                            consider(t);
                        }
                        step = n;
                        break;
                    }
                }
                i += step;
            }
        }
        best
    }
}

/// The contract a description announces in its first 400 characters, where a posting says
/// what it is (a footer about the company's apprentices is not read):
/// - `apprenticeship`: "contrat d'apprentissage", "programme d'apprentissage", "en
///   alternance", "contrat de professionnalisation", "apprenticeship", "Ausbildung zum/zur" (an
///   apprenticeship is signed as a CDD; Adzuna lists OpenClassrooms' programmes as "contract");
///   "apprentissage automatique" (machine learning) is not one;
/// - `working_student`: "Werkstudent";
/// - `temporary`: agency work ("mission d'intérim", "intérimaire", "agence d'emploi",
///   "Zeitarbeit", "temporary assignment");
/// - `freelance`: "freelance", "independent contractor", "commission only", "self-employed",
///   "portage salarial".
pub fn contract_from_text(description: &str) -> Option<&'static str> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"\b(?:(contrat d apprentissage|programme d apprentissage|en apprentissage|contrat de professionnalisation|en alternance|alternant|alternante|apprenticeship|ausbildung zum|ausbildung zur)",
            r"|(werkstudent|werkstudentin)",
            r"|(mission d interim|missions d interim|mission interim|en interim|interimaire|interimaires|agence d emploi|agence d interim|agence de travail temporaire|zeitarbeit|arbeitnehmeruberlassung|temporary assignment|temp assignment)",
            r"|(freelance|freelancer|free lance|independent contractor|as a contractor|contractor role|contractor position|commission only|self employed|auto entrepreneur|portage salarial))\b"
        ))
        .expect("valid regex")
    });
    let mut end = description.len().min(400);
    while !description.is_char_boundary(end) {
        end -= 1;
    }
    let key = normalize_key(&description[..end]);
    RE.captures_iter(&key).find_map(|c| {
        let whole = c.get(0)?;
        let next = key[whole.end()..].trim_start();
        if next.starts_with("automatique") || next.starts_with("profond") {
            return None;
        }
        Some(if c.get(1).is_some() {
            "apprenticeship"
        } else if c.get(2).is_some() {
            "working_student"
        } else if c.get(3).is_some() {
            "temporary"
        } else {
            "freelance"
        })
    })
}

/// Working time from raw values: `full_time` or `part_time`, `None` otherwise.
///
/// Recognises `full_time`/`FULL_TIME`/`full time`/`Full-time`/`fulltime`/`Temps plein`/
/// `temps complet`/`Vollzeit` and `part_time`/`Teilzeit`/`Temps partiel`/`mi-temps`/`Minijob`,
/// anywhere in the value (`"Full-time permanent"`, `"temps partiel - 24H"`). When both appear,
/// the first mentioned wins.
pub fn working_time(raw: &str) -> Option<&'static str> {
    const FULL: [&str; 5] = [
        "full time",
        "fulltime",
        "temps plein",
        "temps complet",
        "vollzeit",
    ];
    const PART: [&str; 6] = [
        "part time",
        "parttime",
        "temps partiel",
        "teilzeit",
        "mi temps",
        "minijob",
    ];
    let key = normalize_key(raw);
    let first = |words: &[&str]| words.iter().filter_map(|w| key.find(w)).min();
    match (first(&FULL), first(&PART)) {
        (Some(f), Some(p)) => Some(if f <= p { "full_time" } else { "part_time" }),
        (Some(_), None) => Some("full_time"),
        (None, Some(_)) => Some("part_time"),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_training_contract_announced_at_the_top_of_the_description() {
        use super::contract_from_text as training_contract;
        let oc = "Description du poste Bienvenue ! Cette opportunité fait partie d’un programme d’apprentissage proposé par OpenClassrooms.";
        assert_eq!(training_contract(oc), Some("apprenticeship"));
        assert_eq!(
            training_contract("Poste en alternance (contrat de professionnalisation), 24 mois."),
            Some("apprenticeship")
        );
        assert_eq!(
            training_contract("Wir suchen eine:n Werkstudent:in Data Engineering"),
            Some("working_student")
        );
        assert_eq!(
            training_contract("Expertise en apprentissage automatique et deep learning."),
            None
        );
        assert_eq!(training_contract("CDI à Lyon, équipe data."), None);
        assert_eq!(
            training_contract(
                "Notre agence d'emploi recherche pour une mission d'intérim un cariste."
            ),
            Some("temporary")
        );
        assert_eq!(
            training_contract("This is an independent contractor role, paid per project."),
            Some("freelance")
        );
    }

    use super::*;

    #[test]
    fn contract_types() {
        let ct = match ContractTypes::builtin() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("full time, Praktikum", Some("internship")),
            ("CDI", Some("permanent")),
            ("MIS", Some("temporary")),
            ("SAI", Some("temporary")),
            ("LIB", Some("freelance")),
            ("CDD", Some("fixed_term")),
            ("FULL_TIME", None),
            ("CONTRACTOR", Some("freelance")),
            ("contract", Some("fixed_term")),
            ("permanent", Some("permanent")),
            ("Festanstellung", Some("permanent")),
            ("Werkstudent", Some("working_student")),
            ("Werkstudent:in", Some("working_student")),
            ("alternance", Some("apprenticeship")),
            ("apprentissage", Some("apprenticeship")),
            ("Ausbildung", Some("apprenticeship")),
            ("INTERN", Some("internship")),
            ("stage", Some("internship")),
            ("internship", Some("internship")),
            ("TEMPORARY", Some("temporary")),
            ("CDD - 6 Mois", Some("fixed_term")),
            ("Intérim - 3 Mois", Some("temporary")),
            ("Saisonnier - 5 Mois", Some("temporary")),
            ("Full-time permanent", Some("permanent")),
            ("Freelance, berufseinstieg", Some("freelance")),
            ("Contrat apprentissage", Some("apprenticeship")),
            ("Cont. professionnalisation", Some("apprenticeship")),
            ("CDI de chantier ou d'opération", Some("permanent")),
            ("Emploi non salarié", Some("freelance")),
            ("Franchise", Some("freelance")),
            ("Side", None),
            ("berufserfahren", None),
            ("Contrat travail", None),
            ("", None),
            ("PART_TIME|INTERN", Some("internship")),
            // Titles used as a fallback.
            ("Contract Manager", None),
            ("Senior Contract Manager, CDI", Some("permanent")),
            ("Sales Rep", None),
            ("Early Stage Startup Engineer", None),
            ("Stage Data Analyst", Some("internship")),
            ("Data Analyst (Apprentice), Paris", Some("apprenticeship")),
            ("Conseiller assurance vie", None),
        ];
        for (raw, want) in cases {
            assert_eq!(ct.classify(raw), want, "{raw}");
        }
        let bad = "raw,contract_type\ncdi,forever\n";
        let e = ContractTypes::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn working_time_values() {
        for full in [
            "full_time",
            "FULL_TIME",
            "full time",
            "Full-time",
            "Temps plein",
            "Vollzeit",
            "Full-time permanent",
            "fulltime",
        ] {
            assert_eq!(working_time(full), Some("full_time"), "{full}");
        }
        for part in [
            "part_time",
            "PART_TIME",
            "Part-time",
            "Temps partiel",
            "Teilzeit",
            "temps partiel - 1H Travail en journée",
            "mi-temps",
        ] {
            assert_eq!(working_time(part), Some("part_time"), "{part}");
        }
        assert_eq!(working_time("Vollzeit oder Teilzeit"), Some("full_time"));
        assert_eq!(working_time("Teilzeit / Vollzeit"), Some("part_time"));
        assert_eq!(working_time("CDI"), None);
        assert_eq!(working_time(""), None);
        assert_eq!(working_time("35H/semaine\nTravail en journée"), None);
    }
}
