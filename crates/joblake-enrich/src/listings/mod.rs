//! Telling apart openings that share a title and a place.
//!
//! Listings with the same title in the same place are candidates for one opening: re-posts,
//! copies by agencies and boards, the same employer under another spelling. But an agency or a
//! chain often publishes many openings under one title in one area: the same template with
//! another store, another client site, other shift dates, another contract. [`cluster`] takes
//! the listings of one title and place, oldest first (so that a listing never changes opening
//! when newer ones arrive), and puts each with the first earlier opening that
//! - comes from a compatible company ([`MatchRule`]): the same one, a variant of its name
//!   (`JD Sports` / `chez JD Sports France`), unknown on either side, or any company when the
//!   two texts start with the same [`SAME_TEXT_WORDS`] words (a republished ad); and
//! - states no conflicting fact ([`Conflict`]);
//!
//! else the listing founds a new opening.
//!
//! What counts as a conflict, and why (measured on `tests/eval/duplicate_pairs.csv`, see
//! `docs/data_quality.md`):
//! - **contract**: both state a contract type and they differ (a temporary mission and a
//!   permanent post of one title are two jobs); fixed-term and agency missions count as one
//!   kind, as do internships, apprenticeships and working-student posts;
//! - **pay**: both state an annual salary and the midpoints differ by more than 5%;
//! - **dates**: both name calendar days (`21 juin`, `13/04`) and neither set contains the
//!   other (two shift or mission schedules);
//! - **detail**: the texts are one template (at least a fifth of the shorter one's words line
//!   up) and a short span of it is filled differently on each side with a name or a number
//!   (`du magasin de Nice` / `du magasin d'Ivry`, `située à TOURCOING` / `située à LENS`).
//!   Rewording (a different sentence opener) is not a conflict: only spans holding a proper
//!   name, an all-capitals word or a digit are. The words are lined up by a longest common
//!   subsequence (bit-parallel, `words.rs`); the spans are the gaps between them.

use aho_corasick::AhoCorasick;

use crate::keys::normalize_key;

mod place;
mod words;

pub use place::{Earlier, Placed};

use crate::reference::{EnrichError, WORKPLACES_CSV, field, read_table};
use words::{Gap, Lcs, Words, shared_count};

/// Kinds of workplace a text names (`workplaces.csv`: `kind,term`): a care home, a hospital,
/// a clinic... Terms are matched on whole words of the folded text.
#[derive(Debug, Clone)]
pub struct Workplaces {
    kinds: Vec<String>,
    /// Kind index of each term, in the automaton's pattern order.
    term_kind: Vec<usize>,
    terms: AhoCorasick,
}

impl Workplaces {
    /// Loads the table from CSV text.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "workplaces.csv";
        let (idx, rows) = read_table(text, FILE, &["kind", "term"])?;
        let mut kinds: Vec<String> = Vec::new();
        let mut term_kind = Vec::new();
        let mut patterns = Vec::new();
        for (line, rec) in &rows {
            let kind = field(rec, idx[0]);
            let term = normalize_key(field(rec, idx[1]));
            if kind.is_empty() || term.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line: *line,
                    message: "kind and term must not be empty".into(),
                });
            }
            let k = match kinds.iter().position(|x| x == kind) {
                Some(k) => k,
                None => {
                    kinds.push(kind.to_string());
                    kinds.len() - 1
                }
            };
            if k >= 64 {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line: *line,
                    message: "at most 64 kinds".into(),
                });
            }
            term_kind.push(k);
            // Padded with spaces: whole words of the padded folded text.
            patterns.push(format!(" {term} "));
        }
        let terms = AhoCorasick::new(&patterns).map_err(|e| EnrichError::Invalid {
            file: FILE,
            line: 0,
            message: e.to_string(),
        })?;
        Ok(Workplaces {
            kinds,
            term_kind,
            terms,
        })
    }

    /// The table built into the binary.
    pub fn embedded() -> Result<Self, EnrichError> {
        Self::from_csv(WORKPLACES_CSV)
    }

    /// The kinds a text names, as a bit set over the table's kinds.
    pub fn kinds_in(&self, text: &str) -> u64 {
        let padded = format!(" {} ", normalize_key(text));
        self.terms.find_overlapping_iter(&padded).fold(0, |set, m| {
            set | 1 << self.term_kind[m.pattern().as_usize()]
        })
    }

    /// The names of the kinds in a bit set, joined with `+`.
    pub fn names(&self, set: u64) -> String {
        (0..self.kinds.len())
            .filter(|k| set & (1 << k) != 0)
            .map(|k| self.kinds[k].as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// What one listing states that can tell two openings apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListingFacts<'a> {
    /// The description (plain text); only its first [`TEXT_WORDS`] words are compared.
    pub text: &'a str,
    /// The normalised contract type, when known.
    pub contract: Option<&'a str>,
    /// The annual salary range in one currency (EUR), when stated (not predicted).
    pub pay: Option<PayRange<'a>>,
    /// The company's matching key ([`crate::normalize_company`]); empty when unknown.
    pub company: &'a str,
    /// The text is the whole ad as the employer wrote it, not a board's snippet or rewrite
    /// (`ref.sources.description`): two such texts that differ are two ads.
    pub full_text: bool,
}

impl ListingFacts<'_> {
    /// Its text's start ([`text_start`]): how republished copies of an ad find each other.
    pub fn text_start(&self) -> Option<u64> {
        text_start(self.text)
    }
}

/// The digest of a text's first [`SAME_TEXT_WORDS`] words, folded (case and accents off), or
/// `None` for a shorter text: two listings of different companies whose texts share it are
/// candidates for one opening (a republished ad).
pub fn text_start(text: &str) -> Option<u64> {
    words::folded_start(text, SAME_TEXT_WORDS)
}

/// A listing's pay: its annual range in EUR, and the period it was stated in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PayRange<'a> {
    /// Lower end of the annual range (EUR).
    pub min: f64,
    /// Upper end of the annual range (EUR).
    pub max: f64,
    /// The period the posting stated (`year`, `month`, `hour`...), when known.
    pub period: Option<&'a str>,
}

impl PayRange<'_> {
    /// Whether the two ranges cannot be one job's pay: apart by more than [`PAY_SLACK`] when
    /// stated in the same period; by more than [`PAY_SLACK_CONVERTED`] when one was converted
    /// from another period, since boards annualise an hourly or daily rate with their own
    /// hours, days and months ("27 € de l'heure" at 39 hours against 35, ×13 or ×12).
    fn apart(&self, other: &PayRange<'_>) -> bool {
        let slack = if self.period.is_some() && self.period == other.period {
            PAY_SLACK
        } else {
            PAY_SLACK_CONVERTED
        };
        self.max * (1.0 + slack) < other.min || other.max * (1.0 + slack) < self.min
    }
}

/// Pay ranges of one opening stated in one period are at most this far apart (a rounding).
const PAY_SLACK: f64 = 0.05;
/// Pay ranges of one opening, one of them annualised from another period, are at most this far
/// apart.
const PAY_SLACK_CONVERTED: f64 = 0.5;

/// Why two listings are two openings.
#[derive(Debug, Clone, PartialEq)]
pub enum Conflict {
    /// Both state a contract type and they differ.
    Contract(String, String),
    /// Both state pay and the ranges are apart ([`PayRange`]): the two midpoints.
    Pay(f64, f64),
    /// Both name calendar days and neither set holds the other.
    Dates,
    /// Both name kinds of workplace, and no kind in common.
    Workplace(String, String),
    /// One template, a name or number filled in differently.
    Detail(String, String),
    /// Two whole ads of which less than [`DISTINCT_TEXT`] of the words line up: the share.
    Description(f64),
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::Contract(a, b) => write!(f, "contract: {a} / {b}"),
            Conflict::Pay(a, b) => write!(f, "pay: {a:.0} / {b:.0}"),
            Conflict::Dates => write!(f, "dates"),
            Conflict::Workplace(a, b) => write!(f, "workplace: {a} / {b}"),
            Conflict::Detail(a, b) => write!(f, "detail: {a} / {b}"),
            Conflict::Description(overlap) => write!(f, "description: {overlap:.2} in common"),
        }
    }
}

/// Words of each description compared: the facts that tell openings apart (site, client,
/// dates) come early, and Adzuna gives only a ~500-character snippet anyway.
pub const TEXT_WORDS: usize = 160;

/// Share of the shorter text's words that must line up for two texts to be one template.
const TEMPLATE_OVERLAP: f64 = 0.2;
/// Share of the shorter text's words that two whole ads of one opening have in common: the
/// same ad republished, or copied by a board with a preamble, lines up far above it; two ads of
/// one employer for one title, written from its usual blocks, stay below.
const DISTINCT_TEXT: f64 = 0.6;
/// Words a whole ad must have for [`DISTINCT_TEXT`] to apply (an empty or one-line text says
/// nothing).
const DISTINCT_TEXT_WORDS: usize = 40;
/// Share of three-word runs two texts must have in common to be aligned at all.
const MIN_SHARED_RUNS: f64 = 0.05;
/// Longest span (in words) read as one filled-in slot of a template.
const SLOT_WORDS: usize = 4;
/// A listing is compared with at most this many earlier openings of its key (the most recent
/// ones are not favoured: the oldest founded the posting ids), bounding a pathological key.
pub const MAX_LEADERS: usize = 64;

/// Why a listing joined an earlier opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRule {
    /// It founded its opening.
    Founder,
    /// The same company (matching key).
    SameCompany,
    /// One company name holds the other's words (`JD Sports` / `chez JD Sports France`).
    CompanyVariant,
    /// One of the two names no company.
    CompanyUnknown,
    /// Another company (an agency or a board republishing it) with the same text.
    SameText,
}

impl MatchRule {
    /// The name written in `silver.posting_matches.rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::Founder => "first_listing",
            MatchRule::SameCompany => "same_company",
            MatchRule::CompanyVariant => "company_variant",
            MatchRule::CompanyUnknown => "company_unknown",
            MatchRule::SameText => "same_text",
        }
    }
}

/// Where one listing of a key goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Index (in the input) of the listing that founded its opening; itself when it founds one.
    pub leader: usize,
    /// Which opening of the key, in order of founding: 0 for the first listing's.
    pub opening: usize,
    /// Why it joined its leader ([`MatchRule::Founder`] for a leader).
    pub rule: MatchRule,
    /// Share of the shorter text's words that line up with the leader's (1 for a founder).
    pub overlap: f64,
    /// For a founder other than the first listing: why it is not an earlier opening.
    pub kept_apart: Option<Conflict>,
}

/// Words two texts must share from their start for another company's listing to be a copy.
const SAME_TEXT_WORDS: usize = 30;

/// Assigns each listing of one key (oldest first) to an opening: the first earlier opening of
/// a compatible company (the same, a variant of its name, or unknown on either side), or of
/// any company whose text it repeats, that states no conflicting fact; else a new opening.
pub fn cluster(listings: &[ListingFacts<'_>], workplaces: &Workplaces) -> Vec<Assignment> {
    cluster_after(listings, 0, workplaces)
}

/// [`cluster`] after a settled start: the first `settled` listings are the founders of the
/// openings already made, in founding order, and are taken as founders without comparing
/// them again. A listing's opening depends only on the openings founded before it, so the
/// listings after them go exactly where [`cluster`] over every earlier listing of the key
/// would put them: this is how a refresh places new listings without re-clustering old ones.
/// A settled founder's text is only read if a newer listing is compared with it.
pub fn cluster_after(
    listings: &[ListingFacts<'_>],
    settled: usize,
    workplaces: &Workplaces,
) -> Vec<Assignment> {
    place::place(listings, settled, &[], workplaces)
        .into_iter()
        .flatten()
        .map(|p| p.assignment)
        .collect()
}

/// [`cluster_after`] for listings placed before: `earlier[i]` is what the earlier clustering
/// of the key decided for listing `i` ([`Earlier`]), given in the order of that clustering
/// (a listing no longer here stays at its place as [`Earlier::Left`]). The result is what
/// [`cluster`] over the listings present would give (`None` for those that left); only the
/// openings a listing meets now and did not meet then are compared with it.
pub fn cluster_again(
    listings: &[ListingFacts<'_>],
    settled: usize,
    earlier: &[Earlier],
    workplaces: &Workplaces,
) -> Vec<Option<Placed>> {
    place::place(listings, settled, earlier, workplaces)
}

/// Whether an opening founded by a listing of company `founder` is among the candidates of a
/// later listing of company `listing` by company ([`MatchRule`]): the same company, the
/// founder's unknown, or a variant of the other's name. A listing of unknown company meets the
/// oldest openings of its key instead, and any listing meets the openings whose text starts as
/// its own does ([`text_start`]). A refresh reads only the openings a new listing may meet.
pub fn company_candidate(founder: &str, listing: &str) -> bool {
    let (founder, listing) = (founder.trim(), listing.trim());
    !listing.is_empty()
        && (founder == listing
            || founder.is_empty()
            || company_variant(&company_words(listing), &company_words(founder)))
}

/// Words of a company key that name it: legal forms, articles, "groupe", "chez" and country
/// names are dropped (`chez JD Sports France` is `jd sports`).
fn company_words(key: &str) -> Vec<&str> {
    const NOISE: &[&str] = &[
        "chez",
        "groupe",
        "group",
        "france",
        "sas",
        "sa",
        "sarl",
        "sasu",
        "eurl",
        "the",
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "et",
        "and",
        "deutschland",
        "uk",
    ];
    key.split(' ')
        .filter(|w| !w.is_empty() && !NOISE.contains(w))
        .collect()
}

/// One name holds every word of the other (`amazon` / `amazon digital`, `fed` / `fed
/// finance`); a name left with fewer than three letters matches nothing.
fn company_variant(a: &[&str], b: &[&str]) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().map(|w| w.len()).sum::<usize>() >= 3 && small.iter().all(|w| large.contains(w))
}

/// The conflict between two listings, if any.
pub fn conflict(
    a: &ListingFacts<'_>,
    b: &ListingFacts<'_>,
    workplaces: &Workplaces,
) -> Option<Conflict> {
    compare(
        a,
        &Words::of(a.text, workplaces),
        b,
        &Words::of(b.text, workplaces),
    )
    .err()
}

/// `Ok(overlap)` when `a` and `b` can be one opening, else the first conflict found.
fn compare(
    a: &ListingFacts<'_>,
    wa: &Words,
    b: &ListingFacts<'_>,
    wb: &Words,
) -> Result<f64, Conflict> {
    match fact_conflict(a, b) {
        Some(c) => Err(c),
        None => compare_texts(a, wa, b, wb),
    }
}

/// The conflict between the facts two listings state (contract, pay), the first ones
/// [`compare`] checks: they need no word index of the texts.
fn fact_conflict(a: &ListingFacts<'_>, b: &ListingFacts<'_>) -> Option<Conflict> {
    if let (Some(x), Some(y)) = (a.contract, b.contract)
        && contract_class(x) != contract_class(y)
    {
        return Some(Conflict::Contract(x.to_string(), y.to_string()));
    }
    if let (Some(x), Some(y)) = (a.pay, b.pay)
        && x.apart(&y)
    {
        return Some(Conflict::Pay((x.min + x.max) / 2.0, (y.min + y.max) / 2.0));
    }
    None
}

/// The rest of [`compare`], once the facts agree: dates, workplaces, template and text.
fn compare_texts(
    a: &ListingFacts<'_>,
    wa: &Words,
    b: &ListingFacts<'_>,
    wb: &Words,
) -> Result<f64, Conflict> {
    // Each side's days and workplaces are found only when the other side's could conflict.
    if !wa.dates().is_empty() && !wb.dates().is_empty() {
        let (da, db) = (wa.dates(), wb.dates());
        if !da.iter().all(|d| db.contains(d)) && !db.iter().all(|d| da.contains(d)) {
            return Err(Conflict::Dates);
        }
    }
    if wa.workplaces() != 0 && wb.workplaces() != 0 && wa.workplaces() & wb.workplaces() == 0 {
        return Err(Conflict::Workplace(
            wa.workplace_names(),
            wb.workplace_names(),
        ));
    }
    let overlap = template_compare(wa, wb)?;
    if a.full_text
        && b.full_text
        && wa.folded.len().min(wb.folded.len()) >= DISTINCT_TEXT_WORDS
        && overlap < DISTINCT_TEXT
    {
        return Err(Conflict::Description(overlap));
    }
    Ok(overlap)
}

/// Contract types that one opening may be described with: a fixed-term contract, an agency
/// mission and a freelance engagement are all time-limited, and sources and texts disagree on
/// which word to use (Adzuna's one "contract" covers all three).
fn contract_class(contract: &str) -> &str {
    match contract {
        "fixed_term" | "temporary" | "freelance" => "time_limited",
        "internship" | "apprenticeship" | "working_student" => "training",
        other => other,
    }
}

/// Lines the two texts up word by word; a differently filled slot of one template conflicts.
fn template_compare(a: &Words<'_>, b: &Words<'_>) -> Result<f64, Conflict> {
    let shorter = a.folded.len().min(b.folded.len());
    if shorter == 0 {
        return Ok(0.0);
    }
    // One template shares runs of words; unrelated texts share common words but few runs of
    // three. Aligning them is most of the cost of clustering, so texts sharing few three-word
    // runs are not aligned: their overlap is the share of runs in common.
    let runs = a.runs.len().min(b.runs.len());
    if runs == 0 {
        return Ok(0.0);
    }
    // The fewest shared runs that are enough: past it the count is not needed (the overlap is
    // the alignment's), so the merge stops there.
    let enough = (0..=runs)
        .find(|&k| k as f64 / runs as f64 >= MIN_SHARED_RUNS)
        .unwrap_or(runs + 1);
    let shared_runs = shared_count(&a.runs, &b.runs, enough);
    if shared_runs < enough {
        return Ok(shared_runs as f64 / runs as f64);
    }
    // The words lined up are a longest common subsequence: its length, bit-parallel, costs a
    // few hundred word operations. Only texts that line up enough to be one template need the
    // gaps between those words (the same bit vectors, traced back).
    let lcs = Lcs::of(a, b);
    let overlap = lcs.len() as f64 / shorter as f64;
    if overlap < TEMPLATE_OVERLAP {
        return Ok(overlap);
    }
    let (m, n) = (a.folded.len(), b.folded.len());
    for gap in lcs.gaps(a, b) {
        let Gap {
            old_index,
            old_len,
            new_index,
            new_len,
        } = gap;
        // A gap that ends both texts may be where one snippet was cut off: not a fact.
        let last = old_index + old_len == m && new_index + new_len == n;
        if !last
            && (1..=SLOT_WORDS).contains(&old_len)
            && (1..=SLOT_WORDS).contains(&new_len)
            && (old_index..old_index + old_len).any(|i| a.names(i))
            && (new_index..new_index + new_len).any(|j| b.names(j))
        {
            return Err(Conflict::Detail(
                a.span(old_index, old_len),
                b.span(new_index, new_len),
            ));
        }
    }
    Ok(overlap)
}

#[cfg(test)]
mod tests {
    use super::words::calendar_days;
    use super::*;
    use similar::{Algorithm, DiffOp, capture_diff_slices};

    fn wp() -> Workplaces {
        Workplaces::embedded().expect("the embedded workplaces table loads")
    }

    fn conflict(a: &ListingFacts<'_>, b: &ListingFacts<'_>) -> Option<Conflict> {
        super::conflict(a, b, &wp())
    }

    fn cluster(listings: &[ListingFacts<'_>]) -> Vec<Assignment> {
        super::cluster(listings, &wp())
    }

    #[test]
    fn a_care_home_and_a_hospital_are_two_workplaces_but_a_hospital_clinic_is_not() {
        // Shapes of real agency missions of one title (Adzuna France), shortened.
        let home = "Comment vos compétences d'Infirmier(e) enrichiront-elles notre \
                    établissement pour personnes âgées ? Dans un EHPAD";
        let hospital = "Comment apporter votre expertise d'Infirmier(e) à un établissement \
                        hospitalier ? Au sein du service";
        let c = conflict(&text(home), &text(hospital)).expect("conflict");
        assert_eq!(
            c,
            Conflict::Workplace("care_home".into(), "hospital".into())
        );
        let both = "Infirmier(e) en clinique ou à l'hôpital, selon vos souhaits";
        assert_eq!(conflict(&text(hospital), &text(both)), None);
        assert_eq!(conflict(&text(home), &text("Infirmier(e) de nuit")), None);
        assert_eq!(wp().kinds_in("Pharmacist for a nursing home"), 1);
        assert_eq!(wp().kinds_in("Mas de Provence"), wp().kinds_in("MAS"));
    }

    fn at<'a>(company: &'a str, t: &'a str) -> ListingFacts<'a> {
        ListingFacts { company, ..text(t) }
    }

    #[test]
    fn company_variants_unknown_companies_and_republished_text_join_other_companies() {
        let ad = "Nous recherchons pour notre client basé à Lyon un gestionnaire comptable \
                  expérimenté pour rejoindre son service financier et assurer la tenue des \
                  comptes fournisseurs et clients, les rapprochements bancaires, la préparation \
                  des déclarations de TVA et des clôtures mensuelles";
        let other = "Rejoignez une équipe dynamique au sein de notre cabinet";
        let listings = [
            at("jd sports", other),
            at("chez jd sports france", "Un stage en graphisme au siège"),
            at("", other),
            at("capgemini", ad),
            at("forums talents handicap", ad),
            at("proxiad", other),
        ];
        let got = cluster(&listings);
        let rules: Vec<MatchRule> = got.iter().map(|a| a.rule).collect();
        assert_eq!(
            rules,
            vec![
                MatchRule::Founder,
                MatchRule::CompanyVariant,
                MatchRule::CompanyUnknown,
                MatchRule::Founder,
                MatchRule::SameText,
                MatchRule::Founder,
            ]
        );
        assert_eq!(
            got.iter().map(|a| a.leader).collect::<Vec<_>>(),
            vec![0, 0, 0, 3, 3, 5]
        );
        assert!(company_variant(
            &company_words("amazon"),
            &company_words("amazon digital france sas")
        ));
        assert!(!company_variant(
            &company_words("sa"),
            &company_words("sa fed")
        ));
        assert!(!company_variant(
            &company_words("agence appel medical cannes"),
            &company_words("agence appel medical valence")
        ));
    }

    #[test]
    fn a_text_start_ignores_case_accents_and_what_follows_and_needs_thirty_words() {
        let words: Vec<String> = (0..30).map(|i| format!("mot{i}")).collect();
        let start = words.join(" ");
        let a = text_start(&format!("Équipe {start} et la suite"));
        assert!(a.is_some());
        assert_eq!(a, text_start(&format!("EQUIPE {start} autre chose")));
        assert_ne!(a, text_start(&format!("Équipes {start}")));
        assert_eq!(text_start(&words[..29].join(" ")), None);
        assert_eq!(text_start(""), None);
    }

    fn text(t: &str) -> ListingFacts<'_> {
        ListingFacts {
            text: t,
            ..Default::default()
        }
    }

    // Shapes of real Adzuna France snippets (tests/eval/duplicate_pairs.csv), shortened.
    const STORE_A: &str = "L'équipe de La Plateforme du Bâtiment du magasin de Nice l'Ariane, \
        recrute un Logisticien H/F en CDI. Créez le projet professionnel qui vous ressemble ! \
        Rattaché(e) à Nicolas notre Chef de groupe, vous êtes garant de l'accueil de nos clients";
    const STORE_B: &str = "L'équipe de La Plateforme du Bâtiment du magasin d'Ivry, recrute \
        un Logisticien H/F en CDI. Créez le projet professionnel qui vous ressemble ! \
        Rattaché(e) à Nicolas notre Chef de groupe, vous êtes garant de l'accueil de nos clients";

    #[test]
    fn one_template_with_another_store_is_another_opening() {
        let c = conflict(&text(STORE_A), &text(STORE_B)).expect("conflict");
        assert!(matches!(c, Conflict::Detail(..)), "{c}");
        assert!(c.to_string().contains("Ivry"), "{c}");
    }

    #[test]
    fn the_same_text_cut_elsewhere_or_with_another_apostrophe_is_one_opening() {
        let a = "Aujourd'hui, notre client recherche un Graphiste pour son agence de Lyon. \
                 Vous créez les supports";
        let b = "Aujourd’hui, notre client recherche un Graphiste pour son agence de Lyon. \
                 Vous créez les supports de communication du groupe et";
        assert_eq!(conflict(&text(a), &text(b)), None);
        // Reworded sentence openers are not facts.
        let c = "Quelles contributions apporterez-vous en tant que Pharmacien dans notre \
                 établissement de santé ? Rejoignez une équipe";
        let d = "Comment souhaitez-vous intégrer l'équipe en tant que Pharmacien dans notre \
                 établissement de santé ? Rejoignez une équipe";
        assert_eq!(conflict(&text(c), &text(d)), None);
    }

    #[test]
    fn other_shift_dates_contract_or_pay_keep_openings_apart() {
        let a = "Médecin urgentiste pour les gardes du 11 juin et du 13 juin au CH";
        let b = "Médecin urgentiste pour les gardes du 10 avril et du 11 avril au CH";
        assert_eq!(conflict(&text(a), &text(b)), Some(Conflict::Dates));
        // A snippet naming fewer of the same days is not a conflict.
        let c = "Médecin urgentiste pour les gardes du 11 juin";
        assert_eq!(conflict(&text(a), &text(c)), None);
        assert_eq!(
            calendar_days("missions le 3rd March, 13/04/2026 et 1er août"),
            vec![(1, 8), (3, 3), (13, 4)]
        );

        let temp = ListingFacts {
            contract: Some("temporary"),
            ..text("Infirmier")
        };
        let perm = ListingFacts {
            contract: Some("permanent"),
            ..text("Infirmier")
        };
        assert!(matches!(
            conflict(&temp, &perm),
            Some(Conflict::Contract(..))
        ));
        let fixed = ListingFacts {
            contract: Some("fixed_term"),
            ..text("Infirmier")
        };
        assert_eq!(conflict(&temp, &fixed), None);
        let unknown = text("Infirmier");
        assert_eq!(conflict(&temp, &unknown), None);

        let pay = |min: f64, max: f64, period: &'static str| ListingFacts {
            pay: Some(PayRange {
                min,
                max,
                period: Some(period),
            }),
            ..text("Logisticien")
        };
        let low = pay(24_000.0, 24_000.0, "year");
        let high = pay(26_000.0, 26_000.0, "year");
        assert!(matches!(conflict(&low, &high), Some(Conflict::Pay(..))));
        // Overlapping ranges are one pay: a day rate of 350 and a range of 350-490.
        assert_eq!(
            conflict(
                &pay(76_300.0, 76_300.0, "day"),
                &pay(76_300.0, 106_820.0, "day")
            ),
            None
        );
        // An hourly rate annualised at 24 hours a week against the yearly figure of another board.
        assert_eq!(
            conflict(
                &pay(36_504.0, 36_504.0, "hour"),
                &pay(51_188.0, 51_188.0, "year")
            ),
            None
        );
        assert!(matches!(
            conflict(
                &pay(30_000.0, 30_000.0, "hour"),
                &pay(60_000.0, 60_000.0, "year")
            ),
            Some(Conflict::Pay(..))
        ));
    }

    #[test]
    fn two_whole_ads_that_differ_are_two_openings_but_snippets_may_differ() {
        const DUTIES: &str = "Vous rejoignez l'équipe data de la direction produit pour piloter \
            les indicateurs du paiement fractionné, surveiller les taux d'acceptation, les \
            volumes et les erreurs techniques, vérifier la cohérence des résultats avec les \
            attendus budgétaires et présenter chaque semaine une synthèse aux équipes";
        const PRODUCT: &str = "Tu intègres l'équipe Data qui accompagne les équipes Produit: \
            construire et maintenir les tableaux de bord des KPIs, analyser les parcours des \
            utilisateurs pour trouver les points de friction, mesurer l'effet des nouvelles \
            fonctionnalités par des tests et partager tes recommandations avec les designers";
        let whole = |t| ListingFacts {
            full_text: true,
            ..text(t)
        };
        assert!(matches!(
            conflict(&whole(DUTIES), &whole(PRODUCT)),
            Some(Conflict::Description(_))
        ));
        // The same ad again, and a board's snippet of another rendering, are not a conflict.
        assert_eq!(conflict(&whole(DUTIES), &whole(DUTIES)), None);
        assert_eq!(conflict(&whole(DUTIES), &text(PRODUCT)), None);
        // A one-line text says nothing.
        assert_eq!(
            conflict(&whole("Data analyst"), &whole("Analyste de données")),
            None
        );
    }

    #[test]
    fn the_bit_parallel_lcs_equals_the_words_myers_lines_up() {
        let w = wp();
        let texts = [
            STORE_A,
            STORE_B,
            "",
            "one",
            "a b c a b c a b c",
            "c b a c b a",
            "Nous recrutons un vendeur pour notre magasin de Lyon, CDI temps plein, 35 heures.",
            "Nous recrutons une vendeuse pour le magasin de Lille en CDD, temps partiel 24 heures.",
        ];
        // Long texts (past 64 and 128 words) exercise the carry between blocks.
        let long_a = (0..150)
            .map(|i| format!("w{} ", i % 37))
            .collect::<String>();
        let long_b = (0..140)
            .map(|i| format!("w{} ", (i * 7) % 41))
            .collect::<String>();
        let mut all: Vec<&str> = texts.to_vec();
        all.push(&long_a);
        all.push(&long_b);
        for x in &all {
            for y in &all {
                let (a, b) = (Words::of(x, &w), Words::of(y, &w));
                let myers = myers_equal(&a, &b);
                assert_eq!(Lcs::of(&a, &b).len(), myers, "{x:?} / {y:?}");
                assert_eq!(aligned(&a, &b), myers, "{x:?} / {y:?}");
            }
        }
    }

    /// The words Myers' diff lines up.
    fn myers_equal(a: &Words<'_>, b: &Words<'_>) -> usize {
        capture_diff_slices(Algorithm::Myers, &a.folded, &b.folded)
            .iter()
            .map(|op| match op {
                DiffOp::Equal { len, .. } => *len,
                _ => 0,
            })
            .sum()
    }

    /// The words the gaps of [`Lcs::gaps`] leave lined up, checking that they are an alignment:
    /// the gaps are in order, and the words between them are the same on both sides.
    fn aligned(a: &Words<'_>, b: &Words<'_>) -> usize {
        let (mut i, mut j, mut equal) = (0, 0, 0);
        let gaps = Lcs::of(a, b).gaps(a, b);
        for g in &gaps {
            assert!(g.old_len + g.new_len > 0, "an empty gap: {g:?}");
            assert!(g.old_index >= i && g.new_index >= j, "gaps out of order");
            assert_eq!(a.folded[i..g.old_index], b.folded[j..g.new_index]);
            equal += g.old_index - i;
            i = g.old_index + g.old_len;
            j = g.new_index + g.new_len;
        }
        assert_eq!(a.folded[i..], b.folded[j..]);
        equal + a.folded.len() - i
    }

    proptest::proptest! {
        /// On texts of few distinct words (many ways to line them up), the gaps leave as many
        /// words lined up as Myers' diff: a longest common subsequence.
        #[test]
        fn the_gaps_line_up_a_longest_common_subsequence(
            x in proptest::collection::vec(0u8..5, 0..200),
            y in proptest::collection::vec(0u8..5, 0..200),
        ) {
            let w = wp();
            let words = |v: &[u8]| v.iter().map(|c| format!("w{c} ")).collect::<String>();
            let (tx, ty) = (words(&x), words(&y));
            let (a, b) = (Words::of(&tx, &w), Words::of(&ty, &w));
            let myers = myers_equal(&a, &b);
            proptest::prop_assert_eq!(aligned(&a, &b), myers);
            proptest::prop_assert_eq!(Lcs::of(&a, &b).len(), myers);
        }
    }

    #[test]
    fn clustering_keeps_founders_and_joins_reposts_to_their_own_opening() {
        let listings = [
            text(STORE_A),
            text(STORE_B),
            text(STORE_A), // a re-post of the first
            text(STORE_B), // a re-post of the second
        ];
        let got = cluster(&listings);
        assert_eq!(
            got.iter().map(|a| a.leader).collect::<Vec<_>>(),
            vec![0, 1, 0, 1]
        );
        assert_eq!(
            got.iter().map(|a| a.opening).collect::<Vec<_>>(),
            vec![0, 1, 0, 1]
        );
        assert!(got[0].kept_apart.is_none());
        assert!(matches!(got[1].kept_apart, Some(Conflict::Detail(..))));
        assert!((got[2].overlap - 1.0).abs() < 1e-9);
        // Adding a listing never moves the earlier ones.
        let fewer = cluster(&listings[..2]);
        assert_eq!(fewer[..], got[..2]);
    }

    #[test]
    fn settled_founders_place_newer_listings_as_the_whole_key_would() {
        // Stores, shifts, companies with and without names, pay and contracts, in an order
        // where founders, re-posts and copies alternate.
        let shift_a = "Médecin urgentiste pour les gardes du 11 juin et du 13 juin au CH";
        let shift_b = "Médecin urgentiste pour les gardes du 10 avril et du 11 avril au CH";
        let listings = [
            at("la plateforme du batiment", STORE_A),
            at("", shift_a),
            at("la plateforme du batiment", STORE_B),
            at("chez la plateforme du batiment france", STORE_A),
            at("agence interim", STORE_B),
            at("", shift_b),
            ListingFacts {
                contract: Some("permanent"),
                ..at("la plateforme du batiment", STORE_A)
            },
            at("hopital nord", shift_a),
            ListingFacts {
                pay: Some(PayRange {
                    min: 30000.0,
                    max: 32000.0,
                    period: Some("year"),
                }),
                ..at("la plateforme du batiment", STORE_B)
            },
            at("", STORE_A),
        ];
        let whole = cluster(&listings);
        for cut in 0..=listings.len() {
            // The founders among the first `cut` listings, in founding order, then the rest.
            let founders: Vec<usize> = (0..cut).filter(|&i| whole[i].leader == i).collect();
            let mut input: Vec<ListingFacts<'_>> = founders.iter().map(|&i| listings[i]).collect();
            input.extend_from_slice(&listings[cut..]);
            let after = cluster_after(&input, founders.len(), &wp());
            // Back to indexes of the whole input.
            let index = |k: usize| {
                founders
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| k - founders.len() + cut)
            };
            for (k, a) in after.iter().enumerate().skip(founders.len()) {
                let expected = &whole[index(k)];
                assert_eq!(
                    index(a.leader),
                    expected.leader,
                    "listing {}, cut {cut}",
                    index(k)
                );
                assert_eq!(
                    a.opening,
                    expected.opening,
                    "listing {}, cut {cut}",
                    index(k)
                );
                assert_eq!(a.rule, expected.rule);
                assert_eq!(a.kept_apart, expected.kept_apart);
                assert!((a.overlap - expected.overlap).abs() < 1e-12);
            }
        }
        // Several openings and several rules, or the test says little.
        assert!(
            whole
                .iter()
                .filter(|a| a.rule == MatchRule::Founder)
                .count()
                >= 3
        );
        assert!(whole.iter().any(|a| a.rule == MatchRule::CompanyVariant));
    }
}
