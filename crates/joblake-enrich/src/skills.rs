//! Skills found in description text: the `skills.csv` dictionary compiled into Aho-Corasick
//! automata, with word-boundary rules and stop phrases.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::keys::normalize_key;
use crate::reference::{EnrichError, SKILLS_CSV, field, read_table_with};

/// Family of stop phrases in `skills.csv`: matched like skills so that they consume their text
/// (`Series C`, `Go to market`, `tableau de bord`), never reported.
pub const IGNORE_FAMILY: &str = "ignore";

#[derive(Debug, Clone)]
struct SkillPattern {
    skill: usize,
    /// Exact bytes to compare for case-sensitive patterns.
    text: String,
    /// Short patterns (≤ 2 chars: `R`, `C`, `Go`) get stricter boundaries.
    strict: bool,
}

/// Skills dictionary loaded from `skills.csv` (columns `skill,family,aliases,case_sensitive`,
/// aliases separated by `|`).
///
/// Matching: the skill name and its aliases are searched with Aho-Corasick (ASCII
/// case-insensitive for rows with `case_sensitive=false`, exact otherwise); overlapping hits are
/// reduced leftmost-longest (`C++` beats `C`, `Power BI` beats `BI`, `JavaScript` beats `Java`)
/// after a boundary check:
/// - a pattern that starts (ends) with a letter or digit must not be preceded (followed) by a
///   letter, digit or `_` (`R` is not found in `Rust`, `Go` not in `Google`);
/// - a pattern starting with a letter or digit preceded by `.` glued to a word is rejected
///   (`js` in `next.js` is not JavaScript);
/// - short patterns (1-2 characters) are rejected when glued to `&`, `'` or to `-`, `.`, `+`, `/`
///   followed by a word character (`R&D`, `C-level`, `Go-live`, `R.I.P.`); `R/Python` and
///   `C/C++` still match.
///
/// An alias prefixed with `cs:` or `ci:` overrides the row's case sensitivity (`Machine
/// Learning` is case-insensitive but its alias `cs:ML` is not). Rows of family `ignore` are stop
/// phrases: they win leftmost-longest like skills (`Series C` hides `C`, `Go to market` hides
/// `Go`, `tableau de bord` hides `Tableau`) and are never reported. Remaining known limit: `Go`
/// also matches the verb at the start of a sentence.
#[derive(Debug, Clone)]
pub struct SkillMatcher {
    ci: Option<AhoCorasick>,
    ci_pats: Vec<SkillPattern>,
    cs: Option<AhoCorasick>,
    cs_pats: Vec<SkillPattern>,
    /// (skill, family), sorted by skill name (byte order).
    skills: Vec<(String, String)>,
    /// Per skill, the brand words of its name and aliases (`amazon` for `Amazon S3` and for
    /// `AWS` through `Amazon Web Services`): an employer of that name does not ask for it.
    brands: Vec<Vec<String>>,
    /// Per skill, the `context` column: lowercase word stems one of which must start a word of
    /// the hit or the word right next to it (empty: no condition).
    context: Vec<Vec<String>>,
}

/// First words of skill names that are not brands: a company called "Data Corp" still asks for
/// Data Quality.
const NOT_BRANDS: &[&str] = &[
    "data",
    "cloud",
    "machine",
    "deep",
    "natural",
    "computer",
    "master",
    "apache",
    "open",
    "generative",
    "business",
    "project",
    "product",
    "software",
    "site",
    "test",
    "unit",
    "continuous",
    "infrastructure",
    "real",
    "time",
    "big",
    "event",
    "stream",
    "feature",
    "model",
    "large",
    "vector",
    "graph",
    "web",
    "mobile",
    "agile",
    "scrum",
    "power",
];

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" | "f" => Some(false),
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        _ => None,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl SkillMatcher {
    /// Loads the dictionary. Errors name the line: empty skill/family, a skill listed twice, an
    /// alias claimed by two skills, a bad `case_sensitive` value.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "skills.csv";
        let (idx, rows) = read_table_with(
            text,
            FILE,
            &["skill", "family", "aliases", "case_sensitive"],
            &["context"],
        )?;
        struct Row {
            line: u64,
            skill: String,
            family: String,
            /// (pattern, case_sensitive)
            patterns: Vec<(String, bool)>,
            context: Vec<String>,
        }
        let mut parsed = Vec::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let invalid = |message: String| EnrichError::Invalid {
                file: FILE,
                line,
                message,
            };
            let skill = field(rec, idx[0]).to_string();
            let family = field(rec, idx[1]).to_string();
            if skill.is_empty() {
                return Err(invalid("empty skill".into()));
            }
            if family.is_empty() || !family.bytes().all(|c| c.is_ascii_lowercase() || c == b'_') {
                return Err(invalid(format!(
                    "family `{family}` must be lowercase snake_case"
                )));
            }
            let cs = parse_bool(field(rec, idx[3])).ok_or_else(|| {
                invalid(format!(
                    "case_sensitive `{}` is not true/false",
                    field(rec, idx[3])
                ))
            })?;
            let mut patterns = vec![(skill.clone(), cs)];
            for alias in field(rec, idx[2])
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                // `cs:`/`ci:` override the row's case sensitivity for one alias.
                let (text, alias_cs) = match (alias.strip_prefix("cs:"), alias.strip_prefix("ci:"))
                {
                    (Some(t), _) => (t.trim(), true),
                    (_, Some(t)) => (t.trim(), false),
                    _ => (alias, cs),
                };
                if text.is_empty() {
                    return Err(invalid(format!("empty alias `{alias}`")));
                }
                patterns.push((text.to_string(), alias_cs));
            }
            let context = field(rec, idx[4])
                .split('|')
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            parsed.push(Row {
                line,
                skill,
                family,
                patterns,
                context,
            });
        }
        parsed.sort_by(|a, b| a.skill.cmp(&b.skill));
        let mut skills = Vec::with_capacity(parsed.len());
        // lowercase pattern → (skill, case_sensitive, exact pattern) of every user.
        let mut seen_pat: HashMap<String, Vec<(usize, bool, String)>> = HashMap::new();
        let (mut ci_pats, mut cs_pats) = (Vec::new(), Vec::new());
        for (si, row) in parsed.iter().enumerate() {
            if si > 0 && parsed[si - 1].skill == row.skill {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line: row.line,
                    message: format!("skill `{}` is listed twice", row.skill),
                });
            }
            skills.push((row.skill.clone(), row.family.clone()));
            for (p, pcs) in &row.patterns {
                let users = seen_pat.entry(p.to_ascii_lowercase()).or_default();
                // Two case-sensitive spellings that differ ("GO" vs "Go") do not clash.
                let clash = users.iter().find(|(other, other_cs, exact)| {
                    *other != si && !(*pcs && *other_cs && exact != p)
                });
                if let Some((other, _, _)) = clash {
                    return Err(EnrichError::Invalid {
                        file: FILE,
                        line: row.line,
                        message: format!(
                            "alias `{p}` is already used by skill `{}`",
                            parsed[*other].skill
                        ),
                    });
                }
                if users.iter().any(|(other, ocs, exact)| {
                    *other == si && *ocs == *pcs && (!*pcs || exact == p)
                }) {
                    continue;
                }
                users.push((si, *pcs, p.clone()));
                let pat = SkillPattern {
                    skill: si,
                    text: p.clone(),
                    strict: p.chars().count() <= 2,
                };
                if *pcs {
                    cs_pats.push(pat);
                } else {
                    ci_pats.push(pat);
                }
            }
        }
        let build = |pats: &[SkillPattern], ci: bool| -> Result<Option<AhoCorasick>, EnrichError> {
            if pats.is_empty() {
                return Ok(None);
            }
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(ci)
                // A few hundred short patterns: a full DFA stays small and is the fastest.
                .kind(Some(AhoCorasickKind::DFA))
                .build(pats.iter().map(|p| p.text.as_str()))
                .map(Some)
                .map_err(|e| EnrichError::Invalid {
                    file: FILE,
                    line: 0,
                    message: e.to_string(),
                })
        };
        let mut brands: Vec<Vec<String>> = vec![Vec::new(); skills.len()];
        for pat in ci_pats.iter().chain(&cs_pats) {
            let key = normalize_key(&pat.text);
            if let Some(first) = key.split(' ').next()
                && key.contains(' ')
                && first.len() >= 4
                && !NOT_BRANDS.contains(&first)
                && !brands[pat.skill].iter().any(|b| b == first)
            {
                brands[pat.skill].push(first.to_string());
            }
        }
        Ok(Self {
            brands,
            context: parsed.into_iter().map(|row| row.context).collect(),
            ci: build(&ci_pats, true)?,
            ci_pats,
            cs: build(&cs_pats, false)?,
            cs_pats,
            skills,
        })
    }

    /// Loads the embedded default dictionary ([`SKILLS_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(SKILLS_CSV)
    }

    fn boundary_ok(text: &str, start: usize, end: usize, pat: &SkillPattern) -> bool {
        let p0 = pat.text.chars().next().unwrap_or(' ');
        let pl = pat.text.chars().next_back().unwrap_or(' ');
        let mut before = text[..start].chars().rev();
        let b1 = before.next();
        let b2 = before.next();
        let b3 = before.next();
        let mut after = text[end..].chars();
        let a1 = after.next();
        let a2 = after.next();
        let a3 = after.next();
        if is_word_char(p0) {
            if b1.is_some_and(is_word_char) {
                return false;
            }
            if b1 == Some('.') && b2.is_some_and(is_word_char) {
                return false;
            }
        }
        if is_word_char(pl) && a1.is_some_and(is_word_char) {
            return false;
        }
        if pat.strict {
            if matches!(a1, Some('&' | '\'' | '’')) || matches!(b1, Some('&' | '\'' | '’')) {
                return false;
            }
            if matches!(a1, Some('-' | '.' | '+')) && a2.is_some_and(is_word_char) {
                return false;
            }
            if matches!(b1, Some('-' | '.')) && b2.is_some_and(is_word_char) {
                return false;
            }
            if pat.text.len() == 1 {
                // A lone letter among letters ("Q/C/D", "N/C", "A;B;C") or "C-level" with a
                // space ("C- and VP-level") is an abbreviation, not a language.
                let single = |x: Option<char>, y: Option<char>| {
                    x.is_some_and(char::is_alphanumeric)
                        && y.is_none_or(|y| {
                            y.is_whitespace()
                                || matches!(y, ',' | ';' | '/' | '(' | ')' | '.' | ':')
                        })
                };
                // "(C)", "(R)": a mark or a grade in parentheses, not a language.
                if (b1 == Some('/') && single(b2, b3))
                    || (a1 == Some('/') && single(a2, a3))
                    || a1 == Some('-')
                    || (b1 == Some('(') && a1 == Some(')'))
                {
                    return false;
                }
            }
        }
        true
    }

    /// Whether a hit of `skill` at `start..end` has the skill's context: a word of the hit, or
    /// the word right before or after it (across spaces, `/`, `(`, `)`, `-`, `&`, but not across
    /// `,`, `.` or a line break), starts with one of its stems. "Agile" the method ("agile
    /// methodologies", "cérémonies agiles", "Agile/Scrum") against "agile" the adjective ("bold,
    /// smart, agile, and fun", "stays agile when priorities shift").
    fn context_ok(&self, text: &str, start: usize, end: usize, skill: usize) -> bool {
        let stems = &self.context[skill];
        if stems.is_empty() {
            return true;
        }
        let joins = |c: char| c == ' ' || c == '\t' || matches!(c, '/' | '(' | ')' | '-' | '&');
        let before = text[..start].trim_end_matches(joins);
        let before = before.rsplit(|c: char| !c.is_alphanumeric()).next();
        let after = text[end..].trim_start_matches(joins);
        let after = after.split(|c: char| !c.is_alphanumeric()).next();
        text[start..end]
            .split(|c: char| !c.is_alphanumeric())
            .chain(before)
            .chain(after)
            .filter(|w| !w.is_empty())
            .any(|w| {
                let w = w.to_lowercase();
                stems.iter().any(|s| w.starts_with(s.as_str()))
            })
    }

    /// Canonical skill names found in `text`, sorted (byte order) and deduplicated.
    pub fn find(&self, text: &str) -> Vec<String> {
        self.names(self.find_indices(text))
    }

    /// The names of skill indices.
    fn names(&self, found: Vec<usize>) -> Vec<String> {
        found
            .into_iter()
            .map(|k| self.skills[k].0.clone())
            .collect()
    }

    /// [`Self::find`], as indices into `skills` (in name order).
    fn find_indices(&self, text: &str) -> Vec<usize> {
        // (start, end, skill)
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        if let Some(ac) = &self.ci {
            for m in ac.find_overlapping_iter(text) {
                let pat = &self.ci_pats[m.pattern().as_usize()];
                if Self::boundary_ok(text, m.start(), m.end(), pat)
                    && self.context_ok(text, m.start(), m.end(), pat.skill)
                {
                    hits.push((m.start(), m.end(), pat.skill));
                }
            }
        }
        if let Some(ac) = &self.cs {
            for m in ac.find_overlapping_iter(text) {
                let pat = &self.cs_pats[m.pattern().as_usize()];
                if Self::boundary_ok(text, m.start(), m.end(), pat)
                    && self.context_ok(text, m.start(), m.end(), pat.skill)
                {
                    hits.push((m.start(), m.end(), pat.skill));
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        let mut last_end = 0;
        for (s, e, k) in hits {
            if s >= last_end {
                // Stop phrases (family `ignore`) consume their text and yield nothing.
                if self.skills[k].1 != IGNORE_FAMILY {
                    kept.push((s, e, k));
                }
                last_end = e;
            }
        }
        let in_list = boilerplate_lists(text, &kept);
        let mut found: Vec<usize> = kept
            .iter()
            .zip(&in_list)
            .filter(|(_, listed)| !**listed)
            .map(|((_, _, k), _)| *k)
            .collect();
        // Skill indices follow name order, so sorting indices sorts names.
        found.sort_unstable();
        found.dedup();
        found
    }

    /// [`Self::find`], without the employer's own products: Amazon's postings mention AWS and
    /// S3 in the company's description, not as a requirement. A skill is the employer's when a
    /// brand word of its name or aliases (the first word of a multi-word spelling: `amazon` in
    /// `Amazon Web Services`) is a word of the company's name.
    pub fn find_for_employer(&self, text: &str, employer: &str) -> Vec<String> {
        let mut found = self.find_indices(text);
        // The employer's name is normalised only when a skill found has brand words: most
        // skills have none.
        if found.iter().any(|&k| !self.brands[k].is_empty()) {
            let company = crate::keys::normalize_company(employer);
            let words: Vec<&str> = company.split(' ').filter(|w| !w.is_empty()).collect();
            found.retain(|&k| !self.brands[k].iter().any(|b| words.contains(&b.as_str())));
        }
        self.names(found)
    }

    /// `(skill, family)` pairs sorted by skill name, for the gold skill dimension (stop
    /// phrases of family `ignore` excluded).
    pub fn skills(&self) -> impl Iterator<Item = (&str, &str)> {
        self.skills
            .iter()
            .filter(|(_, f)| f != IGNORE_FAMILY)
            .map(|(s, f)| (s.as_str(), f.as_str()))
    }

    /// Family of a canonical skill name.
    pub fn family_of(&self, skill: &str) -> Option<&str> {
        self.skills
            .binary_search_by(|(s, _)| s.as_str().cmp(skill))
            .ok()
            .map(|i| self.skills[i].1.as_str())
            .filter(|f| *f != IGNORE_FAMILY)
    }
}

/// A list of this many skills or more, one after the other with only separators between them,
/// is a board's or a company's list of every stack it hires for, not what one posting asks.
const BOILERPLATE_LIST: usize = 12;

/// For each hit (sorted by position), whether it belongs to a boilerplate list: a run of
/// [`BOILERPLATE_LIST`] or more distinct skills whose gaps are short and hold no sentence or
/// line break ("React & Python, React & Golang, Golang, React & Java, ..."). A bulleted
/// requirements list (one skill a line) or a sentence is never one.
fn boilerplate_lists(text: &str, hits: &[(usize, usize, usize)]) -> Vec<bool> {
    let mut out = vec![false; hits.len()];
    let joined = |a: &(usize, usize, usize), b: &(usize, usize, usize)| {
        let gap = text.get(a.1..b.0).unwrap_or("");
        gap.len() <= 80 && !gap.contains(['\n', ':', ';']) && !gap.contains(". ")
    };
    let mut start = 0;
    while start < hits.len() {
        let mut end = start + 1;
        while end < hits.len() && joined(&hits[end - 1], &hits[end]) {
            end += 1;
        }
        let distinct: std::collections::HashSet<usize> =
            hits[start..end].iter().map(|h| h.2).collect();
        if distinct.len() >= BOILERPLATE_LIST {
            out[start..end].iter_mut().for_each(|v| *v = true);
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_employers_own_products_are_not_what_it_asks() {
        let m = super::SkillMatcher::builtin().expect("embedded skills");
        // The shape of Amazon's postings on Adzuna: AWS in the company's blurb.
        let text = "Amazon Web Services (AWS) is the world's most comprehensive cloud, with S3 \
                    and more. You will model data in SQL and Python.";
        let all = m.find(text);
        assert!(all.contains(&"AWS".to_string()), "{all:?}");
        let asked = m.find_for_employer(text, "Amazon Digital France SAS");
        assert!(!asked.contains(&"AWS".to_string()), "{asked:?}");
        assert!(asked.contains(&"SQL".to_string()) && asked.contains(&"Python".to_string()));
        // Another employer asking for AWS asks for it; a generic word is no brand.
        assert_eq!(m.find_for_employer(text, "Data Corp"), all);
    }

    #[test]
    fn a_list_of_every_stack_a_board_hires_for_is_not_what_a_posting_asks() {
        let m = SkillMatcher::builtin().expect("embedded skills");
        let board = "We are hiring engineers for: React & Python, React & Golang, Golang, React & Java, \
                     React & Ruby, Ruby, PHP & Vue, Vue & Node.js, React & .NET, iOS & Swift, Angular & Node.js, \
                     Vue & .NET, Python & Vue, DevOps, MLOps, Angular & PHP, Symfony & TypeScript.\n\
                     This role: a backend developer with Python and PostgreSQL.";
        let found = m.find(board);
        assert!(found.contains(&"Python".to_string()), "{found:?}");
        assert!(found.contains(&"PostgreSQL".to_string()), "{found:?}");
        assert!(!found.contains(&"Swift".to_string()), "{found:?}");
        assert!(!found.contains(&"Angular".to_string()), "{found:?}");
        // A short stack line and a bulleted list are what the job asks.
        let job =
            "Stack: Python, Django, PostgreSQL, Redis, Docker, AWS.\n- Kafka\n- Spark\n- Airflow";
        assert_eq!(m.find(job).len(), 9, "{:?}", m.find(job));
    }

    use super::*;

    fn matcher() -> SkillMatcher {
        match SkillMatcher::builtin() {
            Ok(m) => m,
            Err(e) => panic!("builtin skills.csv: {e}"),
        }
    }

    #[test]
    fn skills_basic_and_aliases() {
        let m = matcher();
        assert_eq!(
            m.find("Python, SQL and Rust; some R and Go."),
            ["Go", "Python", "R", "Rust", "SQL"]
        );
        assert_eq!(
            m.find("C++, C#, .NET, ASP.NET, Node.js and CI/CD"),
            [".NET", "C#", "C++", "CI/CD", "Node.js"]
        );
        assert_eq!(
            m.find("scikit-learn or scikit learn or sklearn"),
            ["scikit-learn"]
        );
        assert_eq!(m.find("Postgres, PostgreSQL"), ["PostgreSQL"]);
        assert_eq!(m.find("k8s / Kubernetes"), ["Kubernetes"]);
        assert_eq!(m.find("PowerBI, Power BI, power bi"), ["Power BI"]);
        assert_eq!(m.find("Py-Spark and PySpark"), ["PySpark"]);
        assert_eq!(m.find("GCP or Google Cloud Platform"), ["GCP"]);
        assert_eq!(m.find("Golang developer"), ["Go"]);
        assert_eq!(m.find("JavaScript, Java"), ["Java", "JavaScript"]);
        assert_eq!(m.find("Apache Spark, Spark SQL"), ["Apache Spark"]);
        assert_eq!(
            m.find("ML engineer with machine learning"),
            ["Machine Learning"]
        );
        assert!(m.find("").is_empty());
    }

    #[test]
    fn skills_word_boundaries() {
        let m = matcher();
        // R: not inside words, not in R&D, not R.I.P.
        assert!(m.find("Rust").iter().all(|s| s != "R"));
        assert!(m.find("R&D team").is_empty());
        assert_eq!(m.find("R/Python"), ["Python", "R"]);
        assert_eq!(m.find("Tools: R."), ["R"]);
        // Go: only as a case-sensitive word.
        assert!(m.find("Google, go, going, Go-live, GOAL").is_empty());
        assert!(m.find("Go to market strategy").is_empty());
        // C: not C-level, Series C, USB-C.
        assert!(
            m.find("C-level exec after a Series C round, USB-C")
                .is_empty()
        );
        assert!(
            m.find("respect Q/C/D, N/C, C- and VP-level, Catégorie C, permis C")
                .is_empty()
        );
        assert!(m.find("Expert en C…").is_empty());
        assert_eq!(m.find("C/C++"), ["C", "C++"]);
        // js inside next.js is not JavaScript (Next.js is its own skill).
        assert_eq!(m.find("next.js"), ["Next.js"]);
        assert!(m.find("myapp.js").is_empty());
        // Case-sensitive rows.
        assert!(m.find("excel at communication").is_empty());
        assert_eq!(m.find("Excel"), ["Excel"]);
        assert!(m.find("tableau de bord mensuel").is_empty());
        assert_eq!(m.find("Tableau, Qlik"), ["Qlik", "Tableau"]);
        assert!(m.find("ACME SAS au capital de 1000 €").is_empty());
        // German compounds with a hyphen still count.
        assert_eq!(
            m.find("Python-Kenntnisse, Java-Entwickler"),
            ["Java", "Python"]
        );
        // Underscore joins words.
        assert!(m.find("my_python_var").is_empty());
        // Accented aliases.
        assert_eq!(
            m.find("Maîtrise de la modélisation des données et IA générative"),
            ["Data Modeling", "Generative AI"]
        );
    }

    #[test]
    fn agile_the_method_not_the_adjective() {
        let m = SkillMatcher::builtin().unwrap();
        for method in [
            "Experience with agile methodologies.",
            "You have worked in an Agile/Scrum team.",
            "Participer aux cérémonies agiles",
            "Mitarbeit in agilen Entwicklungsprojekten",
            "dans un cadre AGILE / SAFe",
            "Expérience en environnement Agile (Scrum/Kanban)",
            "Goût pour l'agilité",
        ] {
            assert!(m.find(method).contains(&"Agile".to_string()), "{method}");
        }
        for adjective in [
            "We are smart, agile and fun.",
            "Join a collaborative, agile, and innovative team.",
            "Our values: Agile, Capable, Committed.",
            "You stay agile when priorities shift.",
        ] {
            assert!(m.find(adjective).is_empty(), "{adjective}");
        }
    }

    #[test]
    fn marks_in_parentheses_and_profile_links_are_not_skills() {
        let m = SkillMatcher::builtin().unwrap();
        assert!(
            m.find("Online Data Analyst (French Language) (C)")
                .is_empty()
        );
        assert!(m.find("Send your resume and GitHub profile.").is_empty());
        assert!(
            m.find("Ship cloud functions and small backend jobs")
                .is_empty()
        );
        assert_eq!(
            m.find("Git and GitHub Actions, C (or C++)"),
            ["C", "C++", "Git", "GitHub Actions"]
        );
        assert_eq!(m.find("Deploy on Cloud Functions"), ["Cloud Run"]);
    }

    #[test]
    fn skills_dictionary_api() {
        let m = matcher();
        let all: Vec<(&str, &str)> = m.skills().collect();
        assert!(all.len() >= 150, "{}", all.len());
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(all.iter().all(|(_, f)| *f != IGNORE_FAMILY));
        assert!(all.contains(&("Python", "language")));
        assert_eq!(m.family_of("Kubernetes"), Some("devops"));
        assert_eq!(m.family_of("Series C"), None);
        assert_eq!(m.family_of("Nope"), None);
    }

    #[test]
    fn skills_csv_errors_name_the_line() {
        let dup =
            "skill,family,aliases,case_sensitive\nPython,language,,false\nPython,language,,false\n";
        let e = SkillMatcher::from_csv(dup)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3") && e.contains("listed twice"), "{e}");
        let clash = "skill,family,aliases,case_sensitive\nA,x,foo,false\nB,x,FOO,false\n";
        let e = SkillMatcher::from_csv(clash)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3") && e.contains("already used"), "{e}");
        let bad_bool = "skill,family,aliases,case_sensitive\nA,x,,maybe\n";
        let e = SkillMatcher::from_csv(bad_bool)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
        let bad_fields = "skill,family,aliases,case_sensitive\nA,x\n";
        let e = SkillMatcher::from_csv(bad_fields)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("skills.csv") && e.contains("line 2"), "{e}");
        let missing = "skill,family\nA,x\n";
        let e = SkillMatcher::from_csv(missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("missing column"), "{e}");
        // Distinct case-sensitive spellings may belong to different skills.
        let ok = "skill,family,aliases,case_sensitive\nGo,language,,true\nGO,other,,true\n";
        assert!(SkillMatcher::from_csv(ok).is_ok());
    }
}
