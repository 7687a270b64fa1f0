//! Placing the listings of one key in order, with what an earlier clustering decided.
//!
//! [`place`] is the clustering loop behind [`super::cluster`], [`super::cluster_after`] and
//! [`super::cluster_again`]. A refresh that places listings again (a founder moved away, an
//! older listing arrived late) gives each listing placed before what was decided for it then.
//! Comparing two listings is a pure function of their facts, so the openings a listing was
//! compared with and kept apart from then are still apart, and the one it joined still
//! accepts it: only the openings it meets now and did not meet then are compared. That is what
//! makes placing a large block again cheap when little in it changed.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::words::{Words, folded_start, start_digest};
use super::{
    Assignment, Conflict, ListingFacts, MAX_LEADERS, MatchRule, SAME_TEXT_WORDS, Workplaces,
    company_variant, company_words, compare_texts, fact_conflict,
};

/// What an earlier clustering of the key decided for a listing ([`super::cluster_again`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Earlier {
    /// Not placed at this place in the order before: a new listing, or one placed again.
    New,
    /// It founded an opening, and is still here.
    Founded,
    /// It joined the opening founded by the listing at index `leader` (an earlier
    /// [`Earlier::Founded`] or [`Earlier::Left`] one), with this overlap.
    Joined {
        /// Index of the founder it joined.
        leader: usize,
        /// The overlap found then.
        overlap: f64,
    },
    /// It founded an opening but is no longer here (moved to another key, or to another place
    /// in the order): it counts for what was decided before, and takes no part now.
    Left,
}

/// Where a listing goes now ([`super::cluster_again`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The assignment, as [`super::cluster`] over the listings present would give it.
    pub assignment: Assignment,
    /// A founder now and before whose first candidate is the same: its `kept_apart` is the
    /// earlier one, not computed again (`assignment.kept_apart` is `None`).
    pub kept_apart_as_before: bool,
    /// The digest of its text's first words ([`super::text_start`]), as the placing used it:
    /// stored, so that a later refresh finds its copies without reading its text.
    pub text_start: Option<u64>,
}

/// The openings founded so far in one key, indexed the ways a listing finds its candidates.
#[derive(Default)]
struct Openings<'a> {
    leaders: Vec<usize>,
    by_company: HashMap<&'a str, Vec<usize>>,
    /// Each company with openings, in order of its first, with its naming words.
    companies: Vec<(&'a str, Vec<&'a str>)>,
    /// The companies (indexes in `companies`) by the set of their naming words, sorted and
    /// joined by spaces: the names whose words are all in a listing's company name.
    by_words: HashMap<String, Vec<usize>>,
    /// The companies (indexes in `companies`) whose name holds each word: a name that holds
    /// every word of a listing's company name is under each of them.
    by_word: HashMap<&'a str, Vec<usize>>,
    by_text: HashMap<u64, Vec<usize>>,
}

/// Names of more words than this find the shorter names they hold by scanning the companies
/// that share a word with them, not by looking up each subset of their words.
const MAX_SUBSET_WORDS: usize = 10;

/// A name's naming words as a set: sorted, without repeats.
fn word_set<'w>(words: &[&'w str]) -> Vec<&'w str> {
    let mut set = words.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

impl<'a> Openings<'a> {
    /// The openings a listing of `company` whose text starts with `start` is compared with:
    /// oldest first, each once under the first rule that found it, at most [`MAX_LEADERS`].
    fn candidates(&self, company: &str, start: Option<u64>) -> Vec<(usize, MatchRule)> {
        let mut candidates: Vec<(usize, MatchRule)> = Vec::new();
        if company.is_empty() {
            candidates.extend(oldest(&self.leaders).map(|l| (l, MatchRule::CompanyUnknown)));
        } else {
            if let Some(same) = self.by_company.get(company) {
                candidates.extend(oldest(same).map(|l| (l, MatchRule::SameCompany)));
            }
            for other in self.variants(company) {
                if let Some(theirs) = self.by_company.get(self.companies[other].0) {
                    candidates.extend(oldest(theirs).map(|l| (l, MatchRule::CompanyVariant)));
                }
            }
            if let Some(unknown) = self.by_company.get("") {
                candidates.extend(oldest(unknown).map(|l| (l, MatchRule::CompanyUnknown)));
            }
        }
        if let Some(copies) = start.and_then(|t| self.by_text.get(&t)) {
            candidates.extend(oldest(copies).map(|l| (l, MatchRule::SameText)));
        }
        candidates.sort_by_key(|&(l, _)| l);
        candidates.dedup_by_key(|&mut (l, _)| l);
        candidates.truncate(MAX_LEADERS);
        candidates
    }

    /// The companies with openings whose name is a variant of `company`'s (company_variant:
    /// one name holds every word of the other), in order of their first opening. Looked up
    /// by word, among every company of the key: the names `company` holds under each subset
    /// of its words, those that hold it under its rarest word. Of the latter, only the first
    /// [`MAX_LEADERS`] can have an opening among the oldest [`MAX_LEADERS`] candidates (each
    /// has one older than every opening of the companies after it), so a name every company
    /// of a large key holds costs no more than a rare one.
    fn variants(&self, company: &str) -> Vec<usize> {
        let mine = company_words(company);
        let set = word_set(&mine);
        let mut found: Vec<usize> = Vec::new();
        if set.is_empty() {
            return found;
        }
        if set.len() <= MAX_SUBSET_WORDS {
            for mask in 1u32..(1 << set.len()) {
                let subset: Vec<&str> = (0..set.len())
                    .filter(|b| mask >> b & 1 == 1)
                    .map(|b| set[b])
                    .collect();
                if let Some(held) = self.by_words.get(&subset.join(" ")) {
                    found.extend(held);
                }
            }
        } else {
            for w in &set {
                if let Some(sharing) = self.by_word.get(w) {
                    found.extend(sharing.iter().filter(|&&c| {
                        self.companies[c]
                            .1
                            .iter()
                            .all(|theirs| set.contains(theirs))
                    }));
                }
            }
        }
        let under: Option<&Vec<usize>> = set
            .iter()
            .map(|w| self.by_word.get(w))
            .collect::<Option<Vec<_>>>()
            .and_then(|lists| lists.into_iter().min_by_key(|l| l.len()));
        if let Some(under) = under {
            found.extend(
                under
                    .iter()
                    .copied()
                    .filter(|&c| {
                        let (other, theirs) = &self.companies[c];
                        *other != company && company_variant(&mine, theirs)
                    })
                    .take(MAX_LEADERS),
            );
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&c| {
            let (other, theirs) = &self.companies[c];
            *other != company && company_variant(&mine, theirs)
        });
        found
    }

    /// Listing `i` founds an opening.
    fn found(&mut self, i: usize, company: &'a str, start: Option<u64>) {
        self.leaders.push(i);
        let entry = self.by_company.entry(company).or_default();
        if entry.is_empty() && !company.is_empty() {
            let c = self.companies.len();
            let words = company_words(company);
            let set = word_set(&words);
            for w in &set {
                self.by_word.entry(w).or_default().push(c);
            }
            self.by_words.entry(set.join(" ")).or_default().push(c);
            self.companies.push((company, words));
        }
        entry.push(i);
        if let Some(t) = start {
            self.by_text.entry(t).or_default().push(i);
        }
    }
}

/// The oldest [`MAX_LEADERS`] openings of a list (kept in founding order): only those can be
/// among the oldest [`MAX_LEADERS`] candidates compared, so the rest need not be gathered.
/// Without this, a key with many openings gathered and sorted all of them for every listing
/// (quadratic: 294 s for one model of a 1M-posting refresh).
fn oldest(openings: &[usize]) -> impl Iterator<Item = usize> + '_ {
    openings.iter().take(MAX_LEADERS).copied()
}

/// The listings' word indexes, built on first use. Only openings are compared with later
/// listings, so a listing's index is dropped once it has joined one: the largest block of a
/// 10M lake has 77,533 listings, 29,000 of which join an opening.
struct Texts<'l, 't> {
    listings: &'l [ListingFacts<'t>],
    words: Vec<OnceCell<Words<'t>>>,
    workplaces: &'t Workplaces,
}

impl<'t> Texts<'_, 't> {
    /// Listing `i`'s word index, built on first use.
    fn words(&self, i: usize) -> &Words<'t> {
        self.words[i].get_or_init(|| Words::of(self.listings[i].text, self.workplaces))
    }

    /// A text's start ([`super::text_start`]): from its word index when built (the same
    /// words), else from the text without building the index.
    fn start(&self, i: usize) -> Option<u64> {
        match self.words[i].get() {
            Some(w) => w
                .folded
                .get(..SAME_TEXT_WORDS)
                .map(|s| start_digest(s.iter().copied())),
            None => folded_start(self.listings[i].text, SAME_TEXT_WORDS),
        }
    }

    /// Opening `l` against listing `i`. The facts first: a contract or pay conflict needs
    /// neither text's word index, which is most of the cost of a comparison (and of a
    /// refresh's clustering).
    fn compare(&self, l: usize, i: usize) -> Result<f64, Conflict> {
        let (a, b) = (&self.listings[l], &self.listings[i]);
        match fact_conflict(a, b) {
            Some(c) => Err(c),
            None => compare_texts(a, self.words(l), b, self.words(i)),
        }
    }

    /// Listing `i` will not be compared again.
    fn forget(&mut self, i: usize) {
        self.words[i].take();
    }
}

/// Places the listings of one key, oldest first. The first `settled` are founders taken as
/// they are; `earlier[i]` (missing: [`Earlier::New`]) is what an earlier clustering decided
/// for listing `i`. `None` for a listing that [`Earlier::Left`].
pub(super) fn place(
    listings: &[ListingFacts<'_>],
    settled: usize,
    earlier: &[Earlier],
    workplaces: &Workplaces,
) -> Vec<Option<Placed>> {
    let mut texts = Texts {
        listings,
        words: listings.iter().map(|_| OnceCell::new()).collect(),
        workplaces,
    };
    let earlier_of = |i: usize| earlier.get(i).copied().unwrap_or(Earlier::New);
    // The openings now, and the ones the earlier clustering had at the same point.
    let mut now = Openings::default();
    let mut before = Openings::default();
    let mut opening_of: Vec<usize> = vec![0; listings.len()];
    let mut openings = 0;
    let mut out: Vec<Option<Placed>> = Vec::with_capacity(listings.len());
    for (i, listing) in listings.iter().enumerate() {
        let company = listing.company.trim();
        let was = earlier_of(i);
        let founded_before = matches!(was, Earlier::Founded | Earlier::Left) || i < settled;
        if was == Earlier::Left {
            before.found(i, company, texts.start(i));
            out.push(None);
            continue;
        }
        let mut joined = None;
        let mut first_conflict = None;
        let mut kept_apart_as_before = false;
        let start = texts.start(i);
        if i >= settled {
            let candidates = now.candidates(company, start);
            // What was decided before: the openings it was kept apart from (every candidate
            // before the one it joined), and the one it joined.
            let (then, leader_then, overlap_then) = match was {
                Earlier::Founded => (before.candidates(company, start), None, 0.0),
                Earlier::Joined { leader, overlap } => {
                    (before.candidates(company, start), Some(leader), overlap)
                }
                Earlier::New | Earlier::Left => (Vec::new(), None, 0.0),
            };
            // The one it joined must be among the candidates then, or what was decided is
            // not known and every candidate is compared.
            let leader_then = leader_then.filter(|&l| then.iter().any(|&(c, _)| c == l));
            let apart: &[(usize, MatchRule)] = match leader_then {
                Some(l) => &then[..then.iter().position(|&(c, _)| c == l).unwrap_or(0)],
                None if was == Earlier::Founded => &then,
                None => &[],
            };
            // The first candidate, when it was kept apart before (its conflict not at hand).
            let mut first_apart = None;
            for (at, &(l, rule)) in candidates.iter().enumerate() {
                if Some(l) == leader_then {
                    joined = Some((l, rule, overlap_then));
                    break;
                }
                if apart.iter().any(|&(c, _)| c == l) {
                    if at == 0 {
                        first_apart = Some(l);
                    }
                    continue;
                }
                match texts.compare(l, i) {
                    Ok(overlap) => {
                        joined = Some((l, rule, overlap));
                        break;
                    }
                    Err(c) => {
                        if first_apart.is_none() {
                            first_conflict.get_or_insert(c);
                        }
                    }
                }
            }
            if joined.is_none()
                && let Some(l) = first_apart
            {
                if was == Earlier::Founded && then.first().is_some_and(|&(c, _)| c == l) {
                    kept_apart_as_before = true;
                } else {
                    first_conflict = texts.compare(l, i).err();
                }
            }
        }
        let assignment = match joined {
            Some((leader, rule, overlap)) => Assignment {
                leader,
                opening: opening_of[leader],
                rule,
                overlap,
                kept_apart: None,
            },
            None => {
                opening_of[i] = openings;
                openings += 1;
                now.found(i, company, start);
                Assignment {
                    leader: i,
                    opening: opening_of[i],
                    rule: MatchRule::Founder,
                    overlap: 1.0,
                    kept_apart: first_conflict,
                }
            }
        };
        if founded_before {
            before.found(i, company, start);
        }
        if !matches!(assignment.rule, MatchRule::Founder) {
            texts.forget(i);
        }
        out.push(Some(Placed {
            assignment,
            kept_apart_as_before,
            text_start: start,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listings::{MAX_LEADERS, PayRange, cluster, cluster_again, company_candidate};

    /// A deterministic stream of small numbers.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    const COMPANIES: [&str; 6] = ["acme", "acme france", "", "globex", "initech", "umbrella"];
    const CONTRACTS: [Option<&str>; 3] = [None, Some("permanent"), Some("temporary")];
    const PAY: [Option<f64>; 4] = [None, Some(30_000.0), Some(45_000.0), Some(60_000.0)];

    /// Texts of one template with another store (a detail conflict early, or after the first
    /// 30 words so that copies by other companies meet by their start), and unrelated ones.
    fn texts() -> Vec<String> {
        let mut t = Vec::new();
        for store in ["Nice", "Ivry", "LENS", "Tourcoing"] {
            t.push(format!(
                "L'équipe du magasin de {store} recrute un logisticien en CDI. Créez le projet \
                 professionnel qui vous ressemble ! Rattaché à notre chef de groupe, vous êtes \
                 garant de l'accueil de nos clients et de la bonne tenue du stock au quotidien."
            ));
            t.push(format!(
                "Nous recherchons pour notre client un gestionnaire comptable expérimenté pour \
                 rejoindre son service financier et assurer la tenue des comptes fournisseurs \
                 et clients, les rapprochements bancaires et la préparation des déclarations, \
                 au sein du site de {store} avec une équipe de huit personnes."
            ));
        }
        t.push("Rejoignez une équipe dynamique au sein de notre cabinet".into());
        t.push("Un stage en graphisme au siège, six mois à partir de septembre".into());
        t
    }

    fn facts<'a>(r: &mut Lcg, texts: &'a [String]) -> ListingFacts<'a> {
        let pay = PAY[r.below(PAY.len())].map(|p| PayRange {
            min: p,
            max: p * 1.02,
            period: Some("year"),
        });
        ListingFacts {
            text: &texts[r.below(texts.len())],
            contract: CONTRACTS[r.below(CONTRACTS.len())],
            pay,
            company: COMPANIES[r.below(COMPANIES.len())],
            full_text: r.below(2) == 0,
        }
    }

    /// The candidates of [`Openings::candidates`] for a company's listing, found by comparing
    /// its name with every company's of the key, without an index.
    fn variant_candidates_by_scan(openings: &Openings<'_>, company: &str) -> Vec<usize> {
        let mine = company_words(company);
        let mut found: Vec<usize> = openings
            .companies
            .iter()
            .filter(|(other, theirs)| *other != company && company_variant(&mine, theirs))
            .flat_map(|(other, _)| oldest(&openings.by_company[other]))
            .collect();
        found.sort_unstable();
        found.truncate(MAX_LEADERS);
        found
    }

    #[test]
    fn variants_are_looked_up_among_every_company_of_a_key() {
        // Names of one to four words from a small vocabulary (noise words among them), so that
        // names hold one another often; far more companies than a scan would bound (it looked
        // at the first 256 only), and names every company holds.
        const WORDS: [&str; 9] = [
            "acme", "nova", "data", "sa", "le", "x", "conseil", "it", "bio",
        ];
        let mut r = Lcg(7);
        let names: Vec<String> = (0..3_000)
            .map(|_| {
                let n = 1 + r.below(4);
                let words: Vec<&str> = (0..n).map(|_| WORDS[r.below(WORDS.len())]).collect();
                words.join(" ")
            })
            .collect();
        let mut openings = Openings::default();
        for (i, name) in names.iter().enumerate() {
            openings.found(i, name, None);
        }
        for name in names.iter().take(400) {
            let by_index: Vec<usize> = openings
                .candidates(name, None)
                .into_iter()
                .filter(|&(_, rule)| rule == MatchRule::CompanyVariant)
                .map(|(l, _)| l)
                .collect();
            let by_scan = variant_candidates_by_scan(&openings, name);
            // Same-company openings come first in `candidates` and may take some of its
            // MAX_LEADERS places: the index's variants are the scan's oldest ones.
            assert_eq!(by_index, by_scan[..by_index.len()], "{name}");
        }
        // A variant founded after the 256th company of its key is found.
        let mut late = Openings::default();
        let others: Vec<String> = (0..300).map(|i| format!("company{i}")).collect();
        for (i, other) in others.iter().enumerate() {
            late.found(i, other, None);
        }
        late.found(300, "amazon", None);
        let got = late.candidates("amazon digital", None);
        assert_eq!(got, vec![(300, MatchRule::CompanyVariant)]);
    }

    #[test]
    fn placing_again_with_what_was_decided_gives_what_clustering_anew_gives() {
        let wp = Workplaces::embedded().expect("the embedded workplaces table loads");
        let texts = texts();
        let mut r = Lcg(7);
        let mut reused = 0;
        for trial in 0..40 {
            // The earlier clustering of a key: over a hundred listings, most of them openings
            // of their own (so that a company has more than MAX_LEADERS of them).
            let n = 90 + r.below(60);
            let then: Vec<ListingFacts<'_>> = (0..n).map(|_| facts(&mut r, &texts)).collect();
            let decided = cluster(&then, &wp);
            // Now: some listings gone (founders stay where they were, as Left), some new ones
            // placed among them, one moved earlier in the order.
            let gone: Vec<usize> = (0..1 + r.below(3)).map(|_| r.below(n)).collect();
            let moved = r.below(n);
            let moved_to = r.below(moved + 1);
            let mut arrivals: Vec<(usize, ListingFacts<'_>)> = (0..r.below(4))
                .map(|_| (r.below(n + 1), facts(&mut r, &texts)))
                .collect();
            arrivals.push((moved_to, then[moved]));
            arrivals.sort_by_key(|&(at, _)| at);
            // Each entry: its facts, what was decided, and its index among the listings
            // present (None: it left).
            let mut entries: Vec<(ListingFacts<'_>, Earlier, Option<usize>)> = Vec::new();
            let mut index_now: Vec<usize> = vec![usize::MAX; n];
            let mut present = 0;
            let mut arriving = arrivals.iter().peekable();
            for i in 0..=n {
                while let Some((_, f)) = arriving.next_if(|&&(at, _)| at == i) {
                    entries.push((*f, Earlier::New, Some(present)));
                    present += 1;
                }
                if i == n {
                    break;
                }
                let founder = decided[i].leader == i;
                let left = gone.contains(&i) || i == moved;
                if left && !founder {
                    continue;
                }
                index_now[i] = entries.len();
                let was = match (left, founder) {
                    (true, _) => Earlier::Left,
                    (false, true) => Earlier::Founded,
                    (false, false) => Earlier::Joined {
                        leader: index_now[decided[i].leader],
                        overlap: decided[i].overlap,
                    },
                };
                let at = (!left).then(|| {
                    present += 1;
                    present - 1
                });
                entries.push((then[i], was, at));
            }
            // What clustering the listings present anew gives...
            let now: Vec<ListingFacts<'_>> = entries
                .iter()
                .filter(|e| e.2.is_some())
                .map(|e| e.0)
                .collect();
            let truth = cluster(&now, &wp);
            // ...and placing them again, as the refresh passes them: the founders before the
            // first change settled, the listings placed before that that joined left out.
            let change = entries
                .iter()
                .position(|e| matches!(e.1, Earlier::New | Earlier::Left))
                .unwrap_or(entries.len());
            let mut given: Vec<usize> = (0..change)
                .filter(|&k| entries[k].1 == Earlier::Founded)
                .collect();
            let settled = given.len();
            given.extend(change..entries.len());
            let position: HashMap<usize, usize> =
                given.iter().enumerate().map(|(g, &k)| (k, g)).collect();
            let earlier: Vec<Earlier> = given
                .iter()
                .map(|&k| match entries[k].1 {
                    Earlier::Joined { leader, overlap } => Earlier::Joined {
                        leader: position[&leader],
                        overlap,
                    },
                    was => was,
                })
                .collect();
            let input: Vec<ListingFacts<'_>> = given.iter().map(|&k| entries[k].0).collect();
            let again = cluster_again(&input, settled, &earlier, &wp);
            for (g, placed) in again.iter().enumerate().skip(settled) {
                let k = given[g];
                let Some(at) = entries[k].2 else {
                    assert!(
                        placed.is_none(),
                        "trial {trial}: a listing that left is placed"
                    );
                    continue;
                };
                let placed = placed.as_ref().expect("a listing present is placed");
                let (got, want) = (&placed.assignment, &truth[at]);
                let context = format!("trial {trial}, listing {at}");
                assert_eq!(entries[given[got.leader]].2, Some(want.leader), "{context}");
                assert_eq!(got.rule, want.rule, "{context}");
                assert_eq!(got.opening, want.opening, "{context}");
                assert!((got.overlap - want.overlap).abs() < 1e-12, "{context}");
                if placed.kept_apart_as_before {
                    reused += 1;
                    let before = (0..n)
                        .find(|&i| index_now[i] == k)
                        .expect("a listing placed before");
                    assert_eq!(decided[before].kept_apart, want.kept_apart, "{context}");
                } else {
                    assert_eq!(got.kept_apart, want.kept_apart, "{context}");
                }
            }
        }
        assert!(
            reused > 100,
            "the earlier conflicts were reused {reused} times"
        );
    }

    #[test]
    fn settled_founders_no_new_listing_may_meet_can_be_left_out() {
        let wp = Workplaces::embedded().expect("the embedded workplaces table loads");
        let texts = texts();
        // Some names, and 400 more in pairs (`firm7`, `firm7 digital`: variants of each
        // other): a key of more than 256 companies, whose variants are looked up by word.
        let mut named: Vec<String> = [
            "acme",
            "acme france",
            "",
            "globex",
            "initech",
            "umbrella",
            "hooli",
            "stark",
            "wayne",
            "wonka",
            "tyrell",
            "cyberdyne",
            "soylent",
            "oscorp",
            "gringotts",
            "monarch",
        ]
        .map(String::from)
        .to_vec();
        for i in 0..200 {
            named.push(format!("firm{i}"));
            named.push(format!("firm{i} digital"));
        }
        let mut r = Lcg(11);
        let mut left_out = 0;
        for trial in 0..60 {
            // The openings of a key with many companies (most founded by named ones), then a
            // few new listings.
            // Pay from a wide range: most pairs of listings conflict, so most found openings.
            let listing = |r: &mut Lcg| {
                let pay = 20_000.0 + 1_000.0 * r.below(200) as f64;
                // One in eight of unknown company: it meets the oldest openings.
                let company = if r.below(8) == 0 {
                    ""
                } else {
                    named[r.below(named.len())].as_str()
                };
                ListingFacts {
                    company,
                    pay: Some(PayRange {
                        min: pay,
                        max: pay,
                        period: Some("year"),
                    }),
                    ..facts(r, &texts)
                }
            };
            let then: Vec<ListingFacts<'_>> =
                (0..200 + r.below(600)).map(|_| listing(&mut r)).collect();
            let decided = cluster(&then, &wp);
            let founders: Vec<ListingFacts<'_>> = (0..then.len())
                .filter(|&i| decided[i].leader == i)
                .map(|i| then[i])
                .collect();
            let new: Vec<ListingFacts<'_>> = (0..1 + r.below(3)).map(|_| listing(&mut r)).collect();
            // What a refresh keeps (sql/silver/increments/int_listing_openings.sql): the oldest
            // MAX_LEADERS founders when a new listing's company is unknown, and those a new
            // listing may meet by company or text start.
            let unknown = new.iter().any(|l| l.company.trim().is_empty());
            let met: Vec<usize> = (0..founders.len())
                .filter(|&f| {
                    (f < MAX_LEADERS && unknown)
                        || new.iter().any(|l| {
                            company_candidate(founders[f].company, l.company)
                                || (l.text_start().is_some()
                                    && founders[f].text_start() == l.text_start())
                        })
                })
                .collect();
            // And every founder of a kept founder's key (here its company: one title and
            // place): an opening's key is numbered after the openings of its key before it.
            let kept: Vec<usize> = (0..founders.len())
                .filter(|&f| {
                    met.iter()
                        .any(|&m| founders[m].company == founders[f].company)
                })
                .collect();
            left_out += founders.len() - kept.len();
            let all: Vec<ListingFacts<'_>> = founders.iter().chain(&new).copied().collect();
            let some: Vec<ListingFacts<'_>> = kept
                .iter()
                .map(|&f| founders[f])
                .chain(new.iter().copied())
                .collect();
            // With the leader's number among the openings of its key before it: the `#n` of
            // its opening key (the SQL's cluster_listings).
            let placed =
                |input: &[ListingFacts<'_>], settled: usize, id: &dyn Fn(usize) -> usize| {
                    cluster_again(input, settled, &[], &wp)
                        .into_iter()
                        .skip(settled)
                        .map(|p| {
                            let a = p.expect("placed").assignment;
                            let company = input[a.leader].company;
                            let n = input[..a.leader.min(settled)]
                                .iter()
                                .filter(|f| f.company == company)
                                .count();
                            (id(a.leader), n, a.rule, a.overlap.to_bits(), a.kept_apart)
                        })
                        .collect::<Vec<_>>()
                };
            // Leaders named by their index among the founders, or past them for new listings.
            let (n, k) = (founders.len(), kept.len());
            let whole = placed(&all, n, &|i| i);
            let part = placed(&some, k, &|i| if i < k { kept[i] } else { n + i - k });
            assert_eq!(part, whole, "trial {trial}");
        }
        assert!(left_out > 100, "only {left_out} founders were left out");
    }
}
