//! A listing's text as the clustering of [`super::cluster`] reads it: its first
//! [`TEXT_WORDS`] words folded and hashed, their three-word runs, the calendar days and
//! workplaces it names, and the words two texts line up (bit-parallel: how many, and the gaps
//! between them).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxBuildHasher;

use super::{TEXT_WORDS, Workplaces};

/// 64-bit blocks of a text's word positions: [`TEXT_WORDS`] words fit.
pub(super) const BLOCKS: usize = TEXT_WORDS.div_ceil(64);

/// A longest common subsequence of two texts' words (Hyyrö's bit-parallel algorithm: one bit
/// per word of `a`, one pass over `b`), with the bit vector after each word of `b` kept (a few
/// kilobytes): its length needs the last one, and the gaps between the words it lines up,
/// which a pair needs after its length, trace back through all of them without stepping the
/// vectors again. The vectors are pushed as they are made: a fixed array on the stack was
/// zeroed first and copied out when returned, two passes over 3.9 KB per alignment.
pub(super) struct Lcs {
    rows: Vec<[u64; BLOCKS]>,
    m: usize,
    n: usize,
}

impl Lcs {
    /// The alignment of `a` against `b`.
    pub(super) fn of(a: &Words<'_>, b: &Words<'_>) -> Lcs {
        let (m, n) = (a.folded.len(), b.folded.len());
        let mut rows = Vec::with_capacity(n + 1);
        let mut v = lcs_start(m);
        rows.push(v);
        // Each word of `b` looked up in `a`'s positions ([`WordMap`]).
        let positions = a.positions();
        for word in &b.folded {
            if let Some(mask) = positions.get(word) {
                lcs_step(&mut v, mask);
            }
            rows.push(v);
        }
        Lcs { rows, m, n }
    }

    /// Words lined up: equals the words Myers' diff lines up, since an optimal diff keeps a
    /// longest common subsequence.
    pub(super) fn len(&self) -> usize {
        self.m - ones_below(&self.rows[self.n], self.m)
    }

    /// The gaps between the words lined up, in text order: traced back from the end in
    /// O(m + n), where Myers' diff costs O((m + n) d) and two texts of one template with many
    /// edits made it most of the clustering's time. Where several alignments are optimal, the
    /// later occurrence of a word is lined up.
    pub(super) fn gaps(&self, a: &Words<'_>, b: &Words<'_>) -> Vec<Gap> {
        let rows = &self.rows;
        // The LCS of a[..i] and b[..j] is the zeros among the first i bits of the vector
        // after b[..j], so dropping a[i - 1] keeps it exactly when bit i - 1 of that vector is
        // set: one bit test, not two counts.
        let drop_a_keeps_lcs =
            |i: usize, j: usize| rows[j][(i - 1) / 64] >> ((i - 1) % 64) & 1 == 1;
        let mut gaps = Vec::new();
        // Where the gap being walked (backwards) ends, once one is open.
        let mut open: Option<(usize, usize)> = None;
        let (mut i, mut j) = (self.m, self.n);
        let close = |open: &mut Option<(usize, usize)>, gaps: &mut Vec<Gap>, i: usize, j: usize| {
            if let Some((end_i, end_j)) = open.take() {
                gaps.push(Gap {
                    old_index: i,
                    old_len: end_i - i,
                    new_index: j,
                    new_len: end_j - j,
                });
            }
        };
        while i > 0 || j > 0 {
            if i > 0 && j > 0 && a.folded[i - 1] == b.folded[j - 1] {
                close(&mut open, &mut gaps, i, j);
                i -= 1;
                j -= 1;
                continue;
            }
            open.get_or_insert((i, j));
            if i > 0 && (j == 0 || drop_a_keeps_lcs(i, j)) {
                i -= 1;
            } else {
                j -= 1;
            }
        }
        close(&mut open, &mut gaps, 0, 0);
        gaps.reverse();
        gaps
    }
}

/// A stretch of two texts between words a longest common subsequence lines up: `old_len`
/// words of `a` from `old_index` against `new_len` words of `b` from `new_index` (either may be
/// empty, not both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gap {
    pub(super) old_index: usize,
    pub(super) old_len: usize,
    pub(super) new_index: usize,
    pub(super) new_len: usize,
}

/// The bit vector before any word of `b`: ones on the `m` bits of `a`.
fn lcs_start(m: usize) -> [u64; BLOCKS] {
    let tail = m % 64;
    let mut v = [0u64; BLOCKS];
    for (k, w) in v.iter_mut().enumerate().take(m.div_ceil(64)) {
        *w = if k == m / 64 && tail > 0 {
            (1u64 << tail) - 1
        } else {
            u64::MAX
        };
    }
    v
}

/// One word of `b`, whose positions in `a` are `mask`: each zero left in the vector is a word
/// of `a` lined up so far. Carries may set bits past `a`'s end; they only move upwards, so
/// the bits below it (all that is ever counted) are not affected.
fn lcs_step(v: &mut [u64; BLOCKS], mask: &[u64; BLOCKS]) {
    // V' = (V + (V & M)) | (V & !M), with the carry across blocks.
    let mut carry = 0u64;
    for k in 0..BLOCKS {
        let u = v[k] & mask[k];
        let (sum, c1) = v[k].overflowing_add(u);
        let (sum, c2) = sum.overflowing_add(carry);
        carry = u64::from(c1 || c2);
        v[k] = sum | (v[k] & !mask[k]);
    }
}

/// Ones among the first `i` bits.
fn ones_below(v: &[u64; BLOCKS], i: usize) -> usize {
    let full = i / 64;
    let mut n: usize = v[..full].iter().map(|w| w.count_ones() as usize).sum();
    if !i.is_multiple_of(64) {
        n += (v[full] & ((1u64 << (i % 64)) - 1)).count_ones() as usize;
    }
    n
}

/// Size of the multiset intersection of two sorted lists, counted up to `enough`: a caller
/// that only asks whether two texts share that many runs stops there. Most pairs compared are
/// texts of one template, sharing most runs, and they reach it within a few steps of the
/// merge. Branch-free: which side moves depends on hashes, so a branch would be mispredicted
/// half the time. (Looking each run up in a table of the other's, as [`Lcs::of`] looks up
/// words, measured slower: whether a run is there is a branch too, and each text has one more
/// table to build.)
pub(super) fn shared_count(a: &[u64], b: &[u64], enough: usize) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() && n < enough {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// The first words of a text: folded (lowercase, accents off) and hashed for comparison, with
/// where each is in the text and whether it opens a sentence. What only some comparisons
/// read (the calendar days and workplaces the text names, whether a word names something) is
/// found on first use: most texts are compared with few others, and most comparisons stop
/// before needing it.
pub(super) struct Words<'t> {
    pub(super) text: &'t str,
    pub(super) folded: Vec<u64>,
    /// Hashes of every run of three words, sorted: for counting shared runs.
    pub(super) runs: Vec<u64>,
    /// Each distinct word with the bit mask of its positions: for [`Lcs`], which reads it on
    /// the older text's side only, so a listing that joins an opening never needs it.
    positions: OnceCell<WordMap>,
    spans: Vec<(usize, usize)>,
    /// Bit `i` set: word `i` opens a sentence.
    sentence_starts: [u64; BLOCKS],
    /// The text up to the end of its last word read.
    head: &'t str,
    table: &'t Workplaces,
    dates: OnceCell<Vec<(u32, u32)>>,
    workplaces: OnceCell<u64>,
}

impl<'t> Words<'t> {
    pub(super) fn of(text: &'t str, workplaces: &'t Workplaces) -> Words<'t> {
        // Room for every word the text can have (one letter and a separator each), at most
        // TEXT_WORDS: growing by doubling left up to half of each list unused, and a large
        // block holds tens of thousands of word indexes while it is clustered.
        let words = TEXT_WORDS.min(text.len() / 2 + 1);
        let mut folded = Vec::with_capacity(words);
        let mut spans = Vec::with_capacity(words);
        let mut sentence_starts = [0u64; BLOCKS];
        let mut end = 0;
        for (i, (from, to, sentence_start)) in word_spans(text).take(TEXT_WORDS).enumerate() {
            sentence_starts[i / 64] |= u64::from(sentence_start) << (i % 64);
            folded.push(fold_hash(&text[from..to]));
            spans.push((from, to));
            end = to;
        }
        let mut runs: Vec<u64> = folded
            .windows(3)
            .map(|w| w[0].rotate_left(21) ^ w[1].rotate_left(42) ^ w[2])
            .collect();
        runs.sort_unstable();
        Words {
            text,
            folded,
            runs,
            positions: OnceCell::new(),
            spans,
            sentence_starts,
            head: &text[..end],
            table: workplaces,
            dates: OnceCell::new(),
            workplaces: OnceCell::new(),
        }
    }

    /// Each distinct word with the bit mask of its positions, built on first use.
    fn positions(&self) -> &WordMap {
        self.positions.get_or_init(|| {
            let mut positions = WordMap::with_capacity_and_hasher(self.folded.len(), FxBuildHasher);
            for (i, &word) in self.folded.iter().enumerate() {
                positions.entry(word).or_default()[i / 64] |= 1 << (i % 64);
            }
            positions
        })
    }

    pub(super) fn span(&self, at: usize, len: usize) -> String {
        let (from, _) = self.spans[at];
        let (_, to) = self.spans[at + len - 1];
        self.text[from..to].to_string()
    }

    /// Whether word `i` names something ([`names_something`]).
    pub(super) fn names(&self, i: usize) -> bool {
        let (from, to) = self.spans[i];
        let sentence_start = self.sentence_starts[i / 64] >> (i % 64) & 1 == 1;
        names_something(&self.text[from..to], sentence_start)
    }

    /// The calendar days the words read name ([`calendar_days`]).
    pub(super) fn dates(&self) -> &[(u32, u32)] {
        self.dates.get_or_init(|| calendar_days(self.head))
    }

    /// The kinds of workplace the words read name, as a bit set ([`Workplaces::kinds_in`]).
    pub(super) fn workplaces(&self) -> u64 {
        *self
            .workplaces
            .get_or_init(|| self.table.kinds_in(self.head))
    }

    /// The names of [`Words::workplaces`], joined with `+`.
    pub(super) fn workplace_names(&self) -> String {
        self.table.names(self.workplaces())
    }
}

/// Each distinct word of a text with the bit mask of its positions. Looking up each word of
/// the other text in it, the lookups do not wait on each other; a merge of the two texts'
/// sorted word lists, which it replaces, took one step after the other (the clustering of
/// every block of a 1M lake on one core: 25.6 s with the merge, 20.4 s with this). The keys are
/// already hashes, so the map mixes them with rustc-hash's one multiply, not SipHash.
type WordMap = HashMap<u64, [u64; BLOCKS], FxBuildHasher>;

/// The words of a text in order: where each starts and ends, and whether it opens a sentence.
/// A word is a run of alphanumeric characters and hyphens that starts with an alphanumeric
/// one; `.`, `!`, `?`, `…`, `:`, `;`, `•` or `|` before it opens a sentence. Read byte by
/// byte, decoding a character only where a byte is not ASCII: most of a text is ASCII, and
/// decoding every character to ask whether it is alphanumeric was a tenth of the clustering.
fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let bytes = text.as_bytes();
    // The character at a byte offset (always one where a character starts), and its length.
    let char_at = |at: usize| {
        let c = text[at..].chars().next().unwrap_or(' ');
        (c, c.len_utf8())
    };
    let mut at = 0;
    let mut sentence_start = true;
    std::iter::from_fn(move || {
        let start = loop {
            let &b = bytes.get(at)?;
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() {
                    break at;
                }
                sentence_start |= matches!(b, b'.' | b'!' | b'?' | b':' | b';' | b'|');
                at += 1;
            } else {
                let (c, len) = char_at(at);
                if c.is_alphanumeric() {
                    break at;
                }
                sentence_start |= matches!(c, '…' | '•');
                at += len;
            }
        };
        while let Some(&b) = bytes.get(at) {
            if b.is_ascii() {
                if !(b.is_ascii_alphanumeric() || b == b'-') {
                    break;
                }
                at += 1;
            } else {
                let (c, len) = char_at(at);
                if !c.is_alphanumeric() {
                    break;
                }
                at += len;
            }
        }
        let span = (start, at, sentence_start);
        sentence_start = false;
        Some(span)
    })
}

/// The first `n` words of a text folded as [`Words::of`] folds them, when it has that many:
/// the start of a text without the rest of its index, as one digest ([`start_digest`]).
pub(super) fn folded_start(text: &str, n: usize) -> Option<u64> {
    let mut words = 0;
    let digest = start_digest(
        word_spans(text)
            .take(n)
            .map(|(from, to, _)| fold_hash(&text[from..to]))
            .inspect(|_| words += 1),
    );
    (words == n).then_some(digest)
}

/// One digest (FNV-1a over their bytes) of a text's first folded words: stable across
/// processes and versions, since a refresh stores it (`int_listing_openings.text_start`) and
/// a later one looks stored texts up by it.
pub(super) fn start_digest(words: impl Iterator<Item = u64>) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    words.fold(0xcbf2_9ce4_8422_2325, |h, w| {
        w.to_le_bytes()
            .iter()
            .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
    })
}

/// A word, lowercased and without accents, hashed (FNV-1a): `Équipe`, `équipe` and `EQUIPE`
/// are one word.
fn fold_hash(word: &str) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let eat = |h: &mut u64, c: char| {
        for l in c.to_lowercase() {
            let mut buf = [0u8; 4];
            for b in l.encode_utf8(&mut buf).bytes() {
                *h ^= u64::from(b);
                *h = h.wrapping_mul(PRIME);
            }
        }
    };
    if word.is_ascii() {
        // Most words: their bytes, lowercased, without decoding characters.
        for &b in word.as_bytes() {
            h ^= u64::from(b.to_ascii_lowercase());
            h = h.wrapping_mul(PRIME);
        }
        return h;
    }
    for c in word.chars() {
        if c.is_ascii() {
            // The byte `to_lowercase` gives, without its iterator: most words are ASCII, and
            // every listing's first words are hashed.
            h ^= u64::from(c.to_ascii_lowercase() as u8);
            h = h.wrapping_mul(PRIME);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !crate::keys::is_combining_mark(d) {
                    eat(&mut h, d)
                }
            });
        }
    }
    h
}

/// A digit, an all-capitals word of three letters or more, a capital inside a word, or a
/// capitalised word that does not start a sentence.
/// One pass over the word's characters: the gaps of every alignment ask it of their words.
fn names_something(word: &str, sentence_start: bool) -> bool {
    let (mut letters, mut lower, mut digit) = (0, false, false);
    let (mut first_upper, mut upper_inside) = (false, false);
    for (k, c) in word.chars().enumerate() {
        digit |= c.is_ascii_digit();
        letters += usize::from(c.is_alphabetic());
        lower |= c.is_lowercase();
        if k == 0 {
            first_upper = c.is_uppercase();
        } else {
            upper_inside |= c.is_uppercase();
        }
    }
    digit || (letters >= 3 && !lower) || upper_inside || (first_upper && !sentence_start)
}

/// Calendar days named in a text, as (day, month): `21 juin`, `3rd March`, `13/04/2026`.
pub(super) fn calendar_days(text: &str) -> Vec<(u32, u32)> {
    static NAMED: LazyLock<Regex> = LazyLock::new(|| {
        let months = MONTHS
            .iter()
            .flat_map(|(_, names)| names.iter())
            .copied()
            .collect::<Vec<_>>()
            .join("|");
        Regex::new(&format!(
            r"(?i)(?-u:\b)([0-3]?[0-9])(?:er|st|nd|rd|th|\.)?\s+({months})(?-u:\b)"
        ))
        .expect("month regex")
    });
    static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-u:\b)([0-3]?[0-9])/([01]?[0-9])(?:/[0-9]{2,4})?(?-u:\b)").expect("regex")
    });
    let mut days = Vec::new();
    for c in NAMED.captures_iter(text) {
        let day: u32 = c[1].parse().unwrap_or(0);
        let name = c[2].to_lowercase();
        if let Some((month, _)) = MONTHS
            .iter()
            .find(|(_, names)| names.contains(&name.as_str()))
            && (1..=31).contains(&day)
        {
            days.push((day, *month));
        }
    }
    for c in NUMERIC.captures_iter(text) {
        let day: u32 = c[1].parse().unwrap_or(0);
        let month: u32 = c[2].parse().unwrap_or(0);
        if (1..=31).contains(&day) && (1..=12).contains(&month) {
            days.push((day, month));
        }
    }
    days.sort_unstable();
    days.dedup();
    days
}

/// Month names (French, English, German) and their number; longest spellings first so that
/// the regex prefers them.
const MONTHS: &[(u32, &[&str])] = &[
    (1, &["janvier", "january", "januar", "jan"]),
    (
        2,
        &["février", "fevrier", "february", "februar", "feb", "févr"],
    ),
    (3, &["mars", "march", "märz", "marz", "mar"]),
    (4, &["avril", "april", "avr", "apr"]),
    (5, &["mai", "may"]),
    (6, &["juin", "june", "juni", "jun"]),
    (7, &["juillet", "july", "juli", "juil", "jul"]),
    (8, &["août", "aout", "august", "aug"]),
    (9, &["septembre", "september", "sept", "sep"]),
    (10, &["octobre", "october", "oktober", "oct", "okt"]),
    (11, &["novembre", "november", "nov"]),
    (
        12,
        &[
            "décembre",
            "decembre",
            "december",
            "dezember",
            "dec",
            "dez",
            "déc",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// [`word_spans`] as it was written first, character by character: the reference.
    fn word_spans_by_char(text: &str) -> Vec<(usize, usize, bool)> {
        let mut spans = Vec::new();
        let (mut end, mut sentence_start) = (0, true);
        loop {
            let rest = &text[end..];
            let Some(start) = rest.find(|c: char| c.is_alphanumeric()) else {
                return spans;
            };
            if rest[..start].contains(['.', '!', '?', '…', ':', ';', '•', '|']) {
                sentence_start = true;
            }
            let len = rest[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '-'))
                .unwrap_or(rest.len() - start);
            spans.push((end + start, end + start + len, sentence_start));
            sentence_start = false;
            end += start + len;
        }
    }

    #[test]
    fn a_word_names_something_by_its_digits_and_capitals() {
        let names = |w: &str, start: bool| names_something(w, start);
        // A digit, an acronym, a capital inside, a capital not opening a sentence.
        assert!(names("35k", true) && names("CDI", true) && names("McDonald", true));
        assert!(names("Nice", false) && names("Écully", false));
        // Lower case, a capital that opens a sentence, a short word opening one, nothing.
        assert!(!names("magasin", false) && !names("Nice", true) && !names("De", true));
        assert!(!names("", false) && !names("été-là", false));
        assert!(names("ÉTÉ", true) && !names("Été", true) && names("été-LÀ", true));
    }

    #[test]
    fn words_read_byte_by_byte_are_the_words_read_by_character() {
        let texts = [
            "",
            "   ",
            "L'équipe du magasin de Nice recrute un(e) logisticien·ne en CDI… Créez-vous!",
            "Équipe: 3 postes • Paris | Lyon; début 21 juin.Salaire 35-40k€ ?Oui",
            "-début -- fin- a-b-c ÉTÉ-2026 ２０２６ 東京 Ωmega ß straße",
            "émoji 🚀 après… • puce\tTab\nligne ¿qué? ¡sí! «guillemets» — tiret",
            "x",
            "fin sur un mot accentué: café",
            "fin sur une ponctuation multi-octet…",
        ];
        for text in texts {
            assert_eq!(
                word_spans(text).collect::<Vec<_>>(),
                word_spans_by_char(text),
                "{text:?}"
            );
        }
        // Every character class against every other, as neighbours.
        let pieces = [
            "a", "Z", "9", "-", " ", ".", "…", "•", "é", "É", "🚀", "|", "’", "٣",
        ];
        for x in pieces {
            for y in pieces {
                for z in pieces {
                    let text = format!("{x}{y}{z}{x}");
                    assert_eq!(
                        word_spans(&text).collect::<Vec<_>>(),
                        word_spans_by_char(&text),
                        "{text:?}"
                    );
                }
            }
        }
    }
}
