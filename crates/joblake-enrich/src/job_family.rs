//! Job families of titles: the regex rules of `job_families.csv`, compiled once into a
//! `RegexSet` and matched against the [`normalize_key`] of a title.

use regex::RegexSet;

use crate::keys::normalize_key;
use crate::reference::{EnrichError, JOB_FAMILIES_CSV, field, read_table};

/// Job-family rules from `job_families.csv` (columns `family,priority,pattern`).
///
/// Each pattern is a regex matched against [`normalize_key`] of the title (lowercase ASCII
/// words, single spaces, gender markers removed). All patterns are compiled once into a
/// `RegexSet`; among matching rows the lowest `priority` wins (ties: first row); no match gives
/// `"other"`.
#[derive(Debug, Clone)]
pub struct JobFamilyRules {
    set: RegexSet,
    /// (family, priority) per pattern, in CSV order.
    rules: Vec<(String, i64)>,
}

impl JobFamilyRules {
    /// Loads and compiles the rules; a bad regex or priority names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "job_families.csv";
        let (idx, rows) = read_table(text, FILE, &["family", "priority", "pattern"])?;
        let mut patterns = Vec::with_capacity(rows.len());
        let mut rules = Vec::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let family = field(rec, idx[0]);
            if family.is_empty() || !family.bytes().all(|c| c.is_ascii_lowercase() || c == b'_') {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("family `{family}` must be lowercase snake_case"),
                });
            }
            let priority: i64 = field(rec, idx[1])
                .parse()
                .map_err(|_| EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("priority `{}` is not an integer", field(rec, idx[1])),
                })?;
            let pattern = field(rec, idx[2]);
            if pattern.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty pattern".into(),
                });
            }
            regex::Regex::new(pattern).map_err(|e| EnrichError::Regex {
                file: FILE,
                line,
                source: Box::new(e),
            })?;
            patterns.push(pattern.to_string());
            rules.push((family.to_string(), priority));
        }
        let set = RegexSet::new(&patterns).map_err(|e| EnrichError::Regex {
            file: FILE,
            line: 0,
            source: Box::new(e),
        })?;
        Ok(Self { set, rules })
    }

    /// Loads the embedded default rules ([`JOB_FAMILIES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(JOB_FAMILIES_CSV)
    }

    /// Family of a raw job title (normalised here).
    pub fn classify(&self, title: &str) -> &str {
        self.classify_key(&normalize_key(title))
    }

    /// Family of a title already passed through [`normalize_key`].
    pub fn classify_key(&self, key: &str) -> &str {
        self.set
            .matches(key)
            .iter()
            .min_by_key(|&i| (self.rules[i].1, i))
            .map_or("other", |i| self.rules[i].0.as_str())
    }

    /// Distinct family names in CSV order (plus `"other"` last), for the gold dimension.
    pub fn families(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (f, _) in &self.rules {
            if f != "other" && !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out.push("other");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_families() {
        let rules = match JobFamilyRules::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("Data Scientist (H/F)", "data_scientist"),
            ("Senior Data Scientist", "data_scientist"),
            ("Datenwissenschaftler (m/w/d)", "data_scientist"),
            ("Data Engineer", "data_engineer"),
            ("Ingénieur Données", "data_engineer"),
            ("Ingénieur Data / Big Data H/F", "data_engineer"),
            ("Big Data Engineer", "data_engineer"),
            ("Data Analyst", "data_analyst"),
            ("Senior Data Analyst", "data_analyst"),
            ("Datenanalyst (w/m/d)", "data_analyst"),
            ("Analyste de données", "data_analyst"),
            ("Machine Learning Engineer", "ml_engineer"),
            (
                "Senior Full Stack Developer (TypeScript) / Senior Machine Learning Engineer – Generative AI",
                "ml_engineer",
            ),
            ("Ingénieur IA", "ml_engineer"),
            ("MLOps Engineer", "mlops"),
            ("Analytics Engineer", "analytics_engineer"),
            ("Développeur BI / Power BI", "bi_developer"),
            ("Consultant décisionnel", "bi_developer"),
            ("Data Architect", "data_architect"),
            ("Architecte Data", "data_architect"),
            ("Research Scientist, LLM", "ai_researcher"),
            ("Statisticien(ne)", "statistician"),
            ("Biostatistician", "statistician"),
            (
                "Software Development Engineer II, EC2 Nitro",
                "software_engineer",
            ),
            (
                "Développeur Python/Développeuse Python",
                "software_engineer",
            ),
            (
                "Fullstack-Entwickler (m/w/d) mit KI-Affinität in Vollzeit",
                "software_engineer",
            ),
            (
                "Tech Lead, Android Core Product - Munich, Germany",
                "software_engineer",
            ),
            ("Ingénieur DevOps/Ingénieure DevOps", "devops_cloud"),
            ("Site Reliability Engineer", "devops_cloud"),
            ("Cloud Engineer AWS", "devops_cloud"),
            ("Product Analyst", "product_analyst"),
            ("Data Steward", "data_governance"),
            ("Chief Data Officer", "data_governance"),
            ("Business Developer", "other"),
            ("Senior Sales Engineer Data & AI Security", "other"),
            ("INFIRMIER DE (F/H)", "other"),
            ("Barista", "other"),
            ("", "other"),
        ];
        for (title, want) in cases {
            assert_eq!(rules.classify(title), want, "{title}");
        }
        assert_eq!(rules.classify_key("data engineer"), "data_engineer");
        let fams = rules.families();
        assert!(fams.contains(&"data_engineer") && fams.last() == Some(&"other"));
    }

    #[test]
    fn job_family_csv_errors() {
        let bad = "family,priority,pattern\ndata,1,(unclosed\n";
        let e = JobFamilyRules::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("job_families.csv: line 2"), "{e}");
        let bad_prio = "family,priority,pattern\ndata,high,x\n";
        assert!(JobFamilyRules::from_csv(bad_prio).is_err());
    }
}
