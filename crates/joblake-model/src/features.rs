//! What the models see of a posting: hashed words and categories.
//!
//! Every feature is a string in a namespace (`t` title word, `b` title word pair, `d`
//! description word, `s` skill, `c` country, ...) hashed with FNV-1a into `2^bits` buckets:
//! no vocabulary to store or keep in sync, unseen words cost nothing, and the same string
//! always lands in the same bucket on every machine. Text blocks are weighted TF-IDF
//! (sublinear term frequency times the inverse document frequency of the bucket in the
//! training postings) and scaled to unit length block by block, so a long description cannot
//! drown the title.

use serde::{Deserialize, Serialize};

/// One sparse feature vector: (bucket, value). A bucket may appear more than once (the
/// blocks of a row are weighted apart); its values add up.
pub type SparseRow = Vec<(u32, f32)>;

/// What the models read of one posting (the columns of `silver.job_postings`; empty strings
/// for what is unknown).
#[derive(Debug, Clone, Copy, Default)]
pub struct Posting<'a> {
    /// The cleaned title.
    pub title: &'a str,
    /// `joblake_enrich::normalize_key(title)` when the caller has it already (both models
    /// read it; computing it once halves their cost); `None`: computed from `title`.
    pub title_key: Option<&'a str>,
    /// The plain-text description (only its opening is read: [`Featurizer::description_chars`]).
    pub description: &'a str,
    /// Canonical skill names.
    pub skills: &'a [&'a str],
    /// The rule-based family (`other` when no rule matched).
    pub job_family: &'a str,
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'a str,
    /// Region within the country.
    pub region: &'a str,
    /// Contract type (permanent, fixed_term, ...).
    pub contract_type: &'a str,
    /// full_time or part_time.
    pub working_time: &'a str,
}

impl Posting<'_> {
    /// The title folded by `joblake_enrich::normalize_key`: [`Posting::title_key`] when given.
    pub fn folded_title(&self) -> std::borrow::Cow<'_, str> {
        match self.title_key {
            Some(k) => std::borrow::Cow::Borrowed(k),
            None => std::borrow::Cow::Owned(joblake_enrich::normalize_key(self.title)),
        }
    }
}

/// Seniority read from the title's words (English, French, German).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    /// Internships, apprenticeships, working students, trainees.
    Intern,
    /// Junior, graduate, entry level, débutant.
    Junior,
    /// No marker in the title.
    Mid,
    /// Senior, confirmé, expérimenté, expert.
    Senior,
    /// Lead, principal, staff, head, director, chef.
    Lead,
}

impl Seniority {
    /// The seniority a title states, [`Seniority::Mid`] when it states none. The first match
    /// in the order intern, lead, senior, junior wins ("Senior Lead" is lead).
    pub fn of_title(title: &str) -> Seniority {
        Seniority::of_key(&joblake_enrich::normalize_key(title))
    }

    /// [`Seniority::of_title`] of a title already folded by `joblake_enrich::normalize_key`.
    pub fn of_key(key: &str) -> Seniority {
        let words: Vec<&str> = key.split(' ').collect();
        let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
        if has(&[
            "intern",
            "internship",
            "stage",
            "stagiaire",
            "alternance",
            "alternant",
            "apprenti",
            "apprentice",
            "apprenticeship",
            "praktikum",
            "praktikant",
            "werkstudent",
            "trainee",
            "ausbildung",
        ]) {
            Seniority::Intern
        } else if has(&[
            "lead",
            "principal",
            "staff",
            "head",
            "director",
            "directeur",
            "directrice",
            "chief",
            "vp",
            "chef",
            "leiter",
            "leiterin",
        ]) {
            Seniority::Lead
        } else if has(&[
            "senior",
            "sr",
            "confirme",
            "experimente",
            "expert",
            "experte",
        ]) {
            Seniority::Senior
        } else if has(&["junior", "jr", "debutant", "graduate", "entry"]) {
            Seniority::Junior
        } else {
            Seniority::Mid
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Seniority::Intern => "intern",
            Seniority::Junior => "junior",
            Seniority::Mid => "mid",
            Seniority::Senior => "senior",
            Seniority::Lead => "lead",
        }
    }
}

/// Raw counts of a posting's text features, before IDF weighting: one list per block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextCounts {
    blocks: [Vec<(u32, f32)>; 3],
}

/// Turns postings into sparse rows. Its IDF table is learned from the training postings
/// ([`Featurizer::fit_idf`]) and stored with the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Featurizer {
    /// log2 of the number of buckets.
    pub bits: u8,
    /// How much of the description is read, in characters: the opening says what the job is;
    /// the rest (benefits, company boilerplate) adds cost, not signal.
    pub description_chars: usize,
    /// Inverse document frequency per bucket, 0 for buckets never seen in training (never
    /// weighted: their model weights are zero anyway). Dense: a lookup per word.
    #[serde(skip)]
    idf: Vec<f32>,
}

/// The text blocks of the classifier's features.
const TITLE: usize = 0;
const DESCRIPTION: usize = 1;
const SKILLS: usize = 2;

impl Featurizer {
    /// A featurizer with `2^bits` buckets reading `description_chars` of the description.
    pub fn new(bits: u8, description_chars: usize) -> Featurizer {
        Featurizer {
            bits: bits.clamp(8, 24),
            description_chars,
            idf: Vec::new(),
        }
    }

    /// Number of buckets.
    pub fn dim(&self) -> usize {
        1usize << self.bits
    }

    fn bucket(&self, namespace: u8, text: &str) -> u32 {
        bucket(self.bits, namespace, text.as_bytes(), &[])
    }

    fn bucket2(&self, namespace: u8, a: &str, b: &str) -> u32 {
        bucket(self.bits, namespace, a.as_bytes(), b.as_bytes())
    }

    /// The counts of the classifier's text features: title words and word pairs, the
    /// description's words, the skills.
    pub fn text_counts(&self, p: &Posting<'_>) -> TextCounts {
        let mut buckets: [Vec<u32>; 3] = Default::default();
        let title = p.folded_title();
        let title = title.as_ref();
        let words: Vec<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
        for w in &words {
            buckets[TITLE].push(self.bucket(b't', w));
        }
        for pair in words.windows(2) {
            buckets[TITLE].push(self.bucket2(b'b', pair[0], pair[1]));
        }
        for_each_word(
            p.description,
            self.description_chars,
            self.bits,
            b'd',
            |b| buckets[DESCRIPTION].push(b),
        );
        for s in p.skills {
            buckets[SKILLS].push(self.bucket(b's', s));
        }
        TextCounts {
            blocks: buckets.map(counted),
        }
    }

    /// Learns the inverse document frequency of every bucket from the training postings'
    /// counts: `ln((1 + n) / (1 + df)) + 1`, as scikit-learn's smoothed IDF.
    pub fn fit_idf<'a>(&mut self, docs: impl IntoIterator<Item = &'a TextCounts>) {
        let mut df = vec![0u32; self.dim()];
        let mut n = 0u32;
        for doc in docs {
            n += 1;
            for block in &doc.blocks {
                for &(b, _) in block {
                    if let Some(d) = df.get_mut(b as usize) {
                        *d += 1;
                    }
                }
            }
        }
        self.idf = df
            .into_iter()
            .map(|d| {
                if d == 0 {
                    0.0
                } else {
                    ((1.0 + n as f32) / (1.0 + d as f32)).ln() + 1.0
                }
            })
            .collect();
    }

    /// The IDF table, for the artefact: (bucket, idf), buckets ascending.
    pub fn idf_table(&self) -> Vec<(u32, f32)> {
        (0u32..)
            .zip(&self.idf)
            .filter(|(_, v)| **v > 0.0)
            .map(|(b, v)| (b, *v))
            .collect()
    }

    /// Restores the IDF table read from an artefact.
    pub fn set_idf(&mut self, table: Vec<(u32, f32)>) {
        self.idf = vec![0.0; self.dim()];
        for (b, v) in table {
            if let Some(slot) = self.idf.get_mut(b as usize) {
                *slot = v;
            }
        }
    }

    /// The weighted row of text counts: sublinear TF × IDF, unit length per block. Buckets
    /// never seen in training are dropped. Buckets ascend within each block; a bucket two
    /// blocks share appears twice, which a linear model sums like one merged entry.
    pub fn weigh(&self, counts: &TextCounts) -> SparseRow {
        let mut row = SparseRow::new();
        for block in &counts.blocks {
            let start = row.len();
            for &(b, c) in block {
                if let Some(&idf) = self.idf.get(b as usize)
                    && idf > 0.0
                {
                    row.push((b, (1.0 + c.ln()) * idf));
                }
            }
            let norm = row[start..].iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, v) in &mut row[start..] {
                    *v /= norm;
                }
            }
        }
        row
    }

    /// The classifier's row of a posting (counts, then weights).
    pub fn family_row(&self, p: &Posting<'_>) -> SparseRow {
        self.weigh(&self.text_counts(p))
    }

    /// The salary estimator's row: one-hot family, country, region, contract, working time,
    /// seniority and their telling pairs (family × country, family × seniority, country ×
    /// seniority), skills and title words scaled to unit length per block.
    pub fn salary_row(&self, p: &Posting<'_>) -> SparseRow {
        let title = p.folded_title();
        let title = title.as_ref();
        let seniority = Seniority::of_key(title).as_str();
        fn u(s: &str) -> &str {
            if s.is_empty() { "?" } else { s }
        }
        let mut row: SparseRow = vec![
            (self.bucket(b'f', u(p.job_family)), 1.0),
            (self.bucket(b'c', u(p.country)), 1.0),
            (self.bucket2(b'r', u(p.country), u(p.region)), 1.0),
            (self.bucket(b'k', u(p.contract_type)), 1.0),
            (self.bucket(b'w', u(p.working_time)), 1.0),
            (self.bucket(b'n', seniority), 1.0),
            (self.bucket2(b'x', u(p.job_family), u(p.country)), 1.0),
            (self.bucket2(b'y', u(p.job_family), seniority), 1.0),
            (self.bucket2(b'z', u(p.country), seniority), 1.0),
        ];
        let mut skills: Vec<(u32, f32)> = p
            .skills
            .iter()
            .map(|s| (self.bucket(b's', s), 1.0))
            .collect();
        merge(&mut skills);
        scale_to_unit(&mut skills);
        row.extend(skills);
        let mut words: Vec<(u32, f32)> = title
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| (self.bucket(b't', w), 1.0))
            .collect();
        merge(&mut words);
        for (_, v) in &mut words {
            *v = 1.0;
        }
        scale_to_unit(&mut words);
        row.extend(words);
        merge(&mut row);
        row
    }

    /// The names of the feature groups, for the artefact's record of what a model reads.
    pub fn family_feature_names(&self) -> Vec<String> {
        vec![
            "title words and word pairs (TF-IDF)".into(),
            format!(
                "description words, first {} characters (TF-IDF)",
                self.description_chars
            ),
            "skills (TF-IDF)".into(),
        ]
    }

    /// The names of the salary estimator's feature groups.
    pub fn salary_feature_names(&self) -> Vec<String> {
        [
            "job_family",
            "country",
            "country x region",
            "contract_type",
            "working_time",
            "seniority (from the title)",
            "job_family x country",
            "job_family x seniority",
            "country x seniority",
            "skills",
            "title words",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

/// FNV-1a 64 of namespace, `:`, `a`, and when `b` is not empty a separator and `b`, folded to
/// `bits` bits.
fn bucket(bits: u8, namespace: u8, a: &[u8], b: &[u8]) -> u32 {
    let mut h = Fnv::new().eat(namespace).eat(b':');
    for &x in a {
        h = h.eat(x);
    }
    if !b.is_empty() {
        h = h.eat(0x1f);
        for &x in b {
            h = h.eat(x);
        }
    }
    h.fold(bits)
}

/// Sorted buckets with how often each occurs.
fn counted(mut buckets: Vec<u32>) -> Vec<(u32, f32)> {
    buckets.sort_unstable();
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match out.last_mut() {
            Some((last, n)) if *last == b => *n += 1.0,
            _ => out.push((b, 1.0)),
        }
    }
    out
}

/// Sorts by bucket and sums the values of equal buckets.
fn merge(row: &mut Vec<(u32, f32)>) {
    row.sort_unstable_by_key(|&(b, _)| b);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(row.len());
    for &(b, v) in row.iter() {
        match out.last_mut() {
            Some((last, acc)) if *last == b => *acc += v,
            _ => out.push((b, v)),
        }
    }
    *row = out;
}

fn scale_to_unit(row: &mut [(u32, f32)]) {
    let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in row.iter_mut() {
            *v /= norm;
        }
    }
}

/// Calls `f` with the bucket (namespace `namespace`) of each lowercased word of the first
/// `max_chars` characters of `text`: runs of letters and digits (`+` and `#` kept inside, for
/// C++ and C#), 2 to 30 characters, not all digits. Words are hashed as they are read, with no
/// string built: the bucket is the one [`bucket`] gives the lowercased word.
fn for_each_word(text: &str, max_chars: usize, bits: u8, namespace: u8, mut f: impl FnMut(u32)) {
    let start = Fnv::new().eat(namespace).eat(b':');
    let mut h = start;
    let (mut len, mut digits) = (0usize, true);
    let mut flush = |h: Fnv, len: usize, digits: bool| {
        if (2..=30).contains(&len) && !digits {
            f(h.fold(bits));
        }
    };
    let mut utf8 = [0u8; 4];
    for c in text.chars().take(max_chars) {
        if c.is_ascii_alphanumeric() || ((c == '+' || c == '#') && len > 0) {
            h = h.eat(c.to_ascii_lowercase() as u8);
            len += 1;
            digits &= c.is_ascii_digit();
        } else if !c.is_ascii() && c.is_alphanumeric() {
            for l in c.to_lowercase() {
                for &byte in l.encode_utf8(&mut utf8).as_bytes() {
                    h = h.eat(byte);
                }
                len += 1;
            }
            digits = false;
        } else if len > 0 {
            flush(h, len, digits);
            (h, len, digits) = (start, 0, true);
        }
    }
    if len > 0 {
        flush(h, len, digits);
    }
}

/// FNV-1a 64, byte by byte.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn eat(self, byte: u8) -> Fnv {
        Fnv((self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
    }

    /// `bits` bits: FNV's low bits mix poorly, so the high half is folded in.
    fn fold(self, bits: u8) -> u32 {
        let h = self.0;
        ((h ^ (h >> 29) ^ (h >> 47)) & ((1u64 << bits) - 1)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting<'a>(title: &'a str, description: &'a str, skills: &'a [&'a str]) -> Posting<'a> {
        Posting {
            title,
            title_key: None,
            description,
            skills,
            job_family: "data_engineer",
            country: "FR",
            region: "Île-de-France",
            contract_type: "permanent",
            working_time: "full_time",
        }
    }

    #[test]
    fn seniority_reads_three_languages() {
        assert_eq!(
            Seniority::of_title("Senior Data Engineer"),
            Seniority::Senior
        );
        assert_eq!(
            Seniority::of_title("Data Engineer confirmé (H/F)"),
            Seniority::Senior
        );
        assert_eq!(
            Seniority::of_title("Stagiaire Data Analyst"),
            Seniority::Intern
        );
        assert_eq!(
            Seniority::of_title("Werkstudent Data Science"),
            Seniority::Intern
        );
        assert_eq!(Seniority::of_title("Lead Dev Senior"), Seniority::Lead);
        assert_eq!(
            Seniority::of_title("Junior Backend Developer"),
            Seniority::Junior
        );
        assert_eq!(Seniority::of_title("Data Engineer"), Seniority::Mid);
    }

    #[test]
    fn buckets_are_stable_and_namespaced() {
        // A changed hash would silently invalidate every stored model: pin one value.
        assert_eq!(
            bucket(18, b't', b"data", b""),
            bucket(18, b't', b"data", b"")
        );
        assert_ne!(
            bucket(18, b't', b"data", b""),
            bucket(18, b'd', b"data", b"")
        );
        assert!(bucket(18, b't', b"data", b"engineer") < (1 << 18));
        assert_eq!(
            bucket(18, b't', b"data", b""),
            0x2_fc20,
            "FNV-1a of `t:data`, folded (Python)"
        );
    }

    #[test]
    fn words_keep_cpp_and_csharp_and_drop_numbers() {
        let words = |text: &str, max: usize| {
            let mut out = Vec::new();
            for_each_word(text, max, 18, b'd', |b| out.push(b));
            out
        };
        let expect = |ws: &[&str]| -> Vec<u32> {
            ws.iter()
                .map(|w| bucket(18, b'd', w.as_bytes(), &[]))
                .collect()
        };
        assert_eq!(
            words("Do C++ & C# in 2026, with Python3!", 1000),
            expect(&["do", "c++", "c#", "in", "with", "python3"])
        );
        assert_eq!(words("abcdef ghij", 4), expect(&["abcd"]));
        assert_eq!(
            words("Équipe DONNÉES, Straße x", 1000),
            expect(&["équipe", "données", "straße"])
        );
    }

    #[test]
    fn weighted_blocks_have_unit_length() {
        let skills = ["Python", "SQL"];
        let p = posting(
            "Data Engineer",
            "Build pipelines in Python and SQL.",
            &skills,
        );
        let mut f = Featurizer::new(16, 500);
        let counts = f.text_counts(&p);
        f.fit_idf([&counts]);
        let row = f.weigh(&counts);
        assert!(!row.is_empty());
        // Three blocks of unit length (collisions aside): total squared norm 3.
        let sq: f32 = row.iter().map(|(_, v)| v * v).sum();
        assert!((sq - 3.0).abs() < 0.2, "{sq}");
    }

    #[test]
    fn a_given_title_key_gives_the_same_rows() {
        let skills = ["Python"];
        let p = posting("Senior Data Engineer (H/F)", "Spark et Airflow.", &skills);
        let key = joblake_enrich::normalize_key(p.title);
        let q = Posting {
            title_key: Some(&key),
            ..p
        };
        let f = Featurizer::new(16, 500);
        assert_eq!(f.text_counts(&p), f.text_counts(&q));
        assert_eq!(f.salary_row(&p), f.salary_row(&q));
    }

    #[test]
    fn unseen_buckets_are_dropped() {
        let p = posting("Data Engineer", "", &[]);
        let q = posting("Boulanger", "", &[]);
        let mut f = Featurizer::new(16, 500);
        let counts = f.text_counts(&p);
        f.fit_idf([&counts]);
        assert!(f.family_row(&q).is_empty());
    }

    #[test]
    fn salary_rows_carry_categories() {
        let skills = ["Python"];
        let p = posting("Senior Data Engineer", "", &skills);
        let f = Featurizer::new(16, 500);
        let row = f.salary_row(&p);
        assert!(row.len() >= 9 + 1 + 3 - 2, "{row:?}");
        assert!(row.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
