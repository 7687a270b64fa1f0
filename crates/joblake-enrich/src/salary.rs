//! Salaries written as text by job boards: a tokenizer for amounts, currencies and periods,
//! [`parse_salary_text`] on top of it, and the period helpers [`guess_salary_period`] and
//! [`annual_factor`].

use crate::keys::fold_char;

/// A salary found in free text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SalaryText {
    /// Lower bound (equal to `max` when one amount is given).
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// ISO 4217 code when the text names a currency (`€`, `EUR`, `euros`, `$`, `US$`...).
    pub currency: Option<&'static str>,
    /// `"hour" | "day" | "week" | "month" | "year"` when the text says so.
    pub period: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
struct Num {
    value: f64,
    /// Alternative value when a single `.` before 3 digits could be a decimal point
    /// (`850.000` is 850 in a 3-decimal currency such as JOD).
    alt: Option<f64>,
    k: bool,
    /// Directly preceded by a letter, `+`, or `#` (`CCNT66`, `Bac+5`).
    after_letter: bool,
    /// Directly followed by a letter that is not a `k` suffix (`138M`, `14薪`, `35H`).
    glued_next: bool,
}

#[derive(Debug, Clone)]
enum Tok {
    Num(Num),
    Cur(&'static str),
    Word(String),
    Sym(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    space_before: bool,
}

fn currency_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "eur" | "euro" | "euros" => "EUR",
        "usd" | "dollar" | "dollars" => "USD",
        "gbp" | "pound" | "pounds" | "livres" | "sterling" => "GBP",
        "chf" => "CHF",
        "cad" => "CAD",
        "aud" => "AUD",
        "nzd" => "NZD",
        "inr" | "rupees" | "roupies" => "INR",
        "sgd" => "SGD",
        "zar" | "rand" => "ZAR",
        "pln" | "zl" | "zloty" | "zlotys" => "PLN",
        "sek" => "SEK",
        "nok" => "NOK",
        "dkk" => "DKK",
        "jpy" | "yen" => "JPY",
        "cny" | "rmb" | "yuan" => "CNY",
        "hkd" => "HKD",
        "lkr" => "LKR",
        "jod" => "JOD",
        "mga" | "ariary" => "MGA",
        "brl" => "BRL",
        "mxn" => "MXN",
        _ => return None,
    })
}

/// Currencies with three minor digits: `850.000` there is 850, not 850 000.
fn three_decimal_currency(c: &str) -> bool {
    matches!(c, "JOD" | "KWD" | "BHD" | "OMR" | "TND" | "LYD" | "IQD")
}

/// Words that alone state a pay period ("Annuel de ...", "hourly", "p.a.").
fn period_adjective(w: &str) -> Option<&'static str> {
    Some(match w {
        "hourly" | "horaire" | "horaires" | "stundenlohn" | "stundlich" | "stdl" => "hour",
        "daily" | "journalier" | "journaliere" | "tjm" | "tagessatz" | "taglich" => "day",
        "weekly" | "hebdomadaire" | "wochentlich" | "wochenlohn" => "week",
        "monthly" | "mensuel" | "mensuelle" | "mensuels" | "mensuelles" | "monatlich"
        | "monatsgehalt" | "mensualise" => "month",
        "yearly" | "annual" | "annually" | "annuel" | "annuelle" | "annuels" | "annuelles"
        | "jahrlich" | "jahresgehalt" | "pa" | "p.a" | "annum" | "anual" => "year",
        _ => return None,
    })
}

/// Period nouns. The bool is "strong": accepted without a `per`/`/` before it.
fn period_noun(w: &str) -> Option<(&'static str, bool)> {
    Some(match w {
        "hour" | "hours" | "heure" | "heures" | "stunde" | "stunden" | "hr" | "hrs" => {
            ("hour", true)
        }
        "h" | "std" => ("hour", false),
        "day" | "days" | "jour" | "jours" | "tag" | "tage" => ("day", true),
        "j" => ("day", false),
        "week" | "weeks" | "semaine" | "semaines" | "woche" | "wochen" | "wk" => ("week", true),
        "month" | "months" | "mois" | "monat" | "monate" | "mth" => ("month", true),
        "mo" => ("month", false),
        "year" | "years" | "annee" | "annees" | "jahr" | "jahre" | "yr" | "yrs" => ("year", true),
        "an" | "ans" => ("year", false),
        _ => return None,
    })
}

/// Words after which a period noun names the pay period ("per hour", "par mois", "/an").
fn is_per_word(t: &Tok) -> bool {
    match t {
        Tok::Sym(c) => matches!(c, '/' | '\'' | '’'),
        Tok::Word(w) => matches!(
            w.as_str(),
            "per"
                | "par"
                | "pro"
                | "a"
                | "an"
                | "each"
                | "every"
                | "by"
                | "le"
                | "la"
                | "l"
                | "je"
                | "im"
        ),
        _ => false,
    }
}

/// Words that count things after a number ("3 years", "35 employees"), besides period nouns.
fn is_count_word(w: &str) -> bool {
    matches!(
        w,
        "employees"
            | "people"
            | "personnes"
            | "salaries"
            | "mitarbeiter"
            | "x"
            | "fois"
            | "times"
            | "semestres"
            | "positions"
            | "postes"
            | "weeks"
            | "e"
            | "eme"
            | "er"
            | "th"
            | "st"
            | "nd"
            | "rd"
    )
}

fn is_range_word(w: &str) -> bool {
    matches!(
        w,
        "to" | "a" | "bis" | "and" | "et" | "und" | "au" | "jusqu" | "through" | "til" | "till"
    )
}

fn is_filler_word(w: &str) -> bool {
    matches!(
        w,
        "brut"
            | "bruts"
            | "brute"
            | "brutto"
            | "net"
            | "nets"
            | "netto"
            | "gross"
            | "base"
            | "k"
            | "up"
            | "de"
    )
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Parses the number starting at byte `start` (an ASCII digit). Returns (value, alt, end), or
/// Err(end) for a run of digits too long to be an amount (more than 48 characters).
fn scan_number(s: &str, start: usize) -> Result<(f64, Option<f64>, usize), usize> {
    let b = s.as_bytes();
    // (start, end) of each digit group and the separator that precedes groups 1..
    let mut groups: Vec<(usize, usize)> = Vec::with_capacity(4);
    let mut seps: Vec<char> = Vec::with_capacity(3);
    let mut i = start;
    loop {
        let g0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((g0, i));
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let clen = c.len_utf8();
        let digits_after = b[i + clen..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        if digits_after == 0 {
            break;
        }
        let prev_len = i - g0;
        let all_spaces = seps.iter().all(|&s| s == ' ');
        let ok = match c {
            '.' | ',' => true,
            '\'' | '’' => digits_after == 3,
            c if is_space(c) && c != '\n' && c != '\r' && c != '\t' => {
                digits_after == 3 && prev_len <= 3 && all_spaces
            }
            _ => false,
        };
        if !ok {
            break;
        }
        seps.push(if is_space(c) { ' ' } else { c });
        i += clen;
    }
    let end = groups.last().map_or(start, |g| g.1);
    let ngroups = groups.len();
    // Index of the separator that is a decimal point, if any.
    let mut decimal: Option<usize> = None;
    let mut alt_decimal = false;
    if let Some(&last) = seps.last()
        && (last == '.' || last == ',')
    {
        let last_len = groups[ngroups - 1].1 - groups[ngroups - 1].0;
        let others_differ = seps[..seps.len() - 1].iter().any(|&s| s != last);
        let same_count = seps.iter().filter(|&&s| s == last).count();
        if others_differ {
            decimal = Some(seps.len() - 1);
        } else if same_count == 1 {
            let first_is_zero = &s[groups[0].0..groups[0].1] == "0";
            if last_len == 3 && !first_is_zero {
                alt_decimal = last == '.' && ngroups == 2;
            } else {
                decimal = Some(seps.len() - 1);
            }
        }
    }
    let build = |dec: Option<usize>| -> Option<f64> {
        let mut buf = [0u8; 48];
        let mut n = 0;
        for (gi, g) in groups.iter().enumerate() {
            if dec.is_some_and(|d| d + 1 == gi) {
                *buf.get_mut(n)? = b'.';
                n += 1;
            }
            for &d in &b[g.0..g.1] {
                *buf.get_mut(n)? = d;
                n += 1;
            }
        }
        std::str::from_utf8(&buf[..n]).ok()?.parse::<f64>().ok()
    };
    let Some(value) = build(decimal) else {
        return Err(end);
    };
    let alt = if alt_decimal { build(Some(0)) } else { None };
    Ok((value, alt, end))
}

fn fold_word(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if c == '.' {
            out.push('.');
            continue;
        }
        let mut sep = false;
        fold_char(c, &mut out, &mut sep);
    }
    out
}

fn tokenize_salary(s: &str) -> Vec<Token> {
    let mut toks: Vec<Token> = Vec::with_capacity(16);
    let b = s.as_bytes();
    let mut i = 0;
    let mut space_before = true;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if is_space(c) {
            space_before = true;
            i += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() {
            let (value, alt, mut end) = match scan_number(s, i) {
                Ok(number) => number,
                // Too long to be an amount: skip the whole run. (Scanning it again from its
                // next digit made a long run of digits quadratic.)
                Err(end) => {
                    i = end.max(i + 1);
                    continue;
                }
            };
            let prev_char = s[..i].chars().next_back();
            let after_letter = !space_before
                && (prev_char.is_some_and(|p| p == '+' || p == '#')
                    || matches!(
                        toks.last(),
                        Some(Token {
                            tok: Tok::Word(_),
                            ..
                        })
                    ));
            // k suffix: "40K", "45 k€", "31,2k"
            let mut j = end;
            while let Some(sc) = s[j..]
                .chars()
                .next()
                .filter(|&c| c == ' ' || c == '\u{a0}' || c == '\u{202f}')
            {
                j += sc.len_utf8();
            }
            let mut k = false;
            if matches!(b.get(j), Some(b'k' | b'K'))
                && !s[j + 1..].chars().next().is_some_and(char::is_alphabetic)
            {
                k = true;
                end = j + 1;
            }
            let glued_next = s[end..].chars().next().is_some_and(|n| {
                n.is_alphabetic() && !matches!(n, '€' | '£' | '$' | '¥' | '₹' | '元')
            });
            toks.push(Token {
                tok: Tok::Num(Num {
                    value,
                    alt,
                    k,
                    after_letter,
                    glued_next,
                }),
                space_before,
            });
            space_before = false;
            i = end;
            continue;
        }
        let sym_cur = match c {
            '€' => Some("EUR"),
            '£' => Some("GBP"),
            '¥' | '￥' => Some("JPY"),
            '₹' => Some("INR"),
            '元' => Some("CNY"),
            '$' => {
                // "US$", "CA$", "A$", "S$", "R$"...: a glued prefix word names the dollar.
                let prefixed = match toks.last() {
                    Some(Token {
                        tok: Tok::Word(w), ..
                    }) if !space_before => match w.as_str() {
                        "us" | "u.s" => Some("USD"),
                        "ca" | "c" | "can" | "cad" => Some("CAD"),
                        "a" | "au" | "aud" => Some("AUD"),
                        "s" | "sg" | "sgd" => Some("SGD"),
                        "nz" => Some("NZD"),
                        "hk" => Some("HKD"),
                        "r" => Some("BRL"),
                        "mx" => Some("MXN"),
                        _ => None,
                    },
                    _ => None,
                };
                if prefixed.is_some() {
                    toks.pop();
                }
                Some(prefixed.unwrap_or("USD"))
            }
            _ => None,
        };
        if let Some(cur) = sym_cur {
            toks.push(Token {
                tok: Tok::Cur(cur),
                space_before,
            });
            space_before = false;
            i += c.len_utf8();
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            let mut j = i;
            while let Some(wc) = s[j..].chars().next() {
                if wc.is_alphabetic() && !matches!(wc, '元') {
                    j += wc.len_utf8();
                } else if wc == '.' && s[j + 1..].chars().next().is_some_and(char::is_alphabetic) {
                    j += 1;
                } else {
                    break;
                }
            }
            let w = fold_word(&s[start..j]);
            let tok = match currency_word(&w) {
                Some(cur) => Tok::Cur(cur),
                None => Tok::Word(w),
            };
            toks.push(Token { tok, space_before });
            space_before = false;
            i = j;
            continue;
        }
        toks.push(Token {
            tok: Tok::Sym(c),
            space_before,
        });
        space_before = false;
        i += c.len_utf8();
    }
    toks
}

/// Parses a salary written as text by a job board.
///
/// Examples: `"Mensuel de 2500.00 Euros à 3000.00 Euros sur 12 mois"`, `"$120k - $150k"`,
/// `"€60,000 - €75,000 per year"`, `"$50 - $70/hour"`, `"40-50K"`, `"70 000 € brut annuel"`,
/// `"$148,200 and $239,800"`. Returns `None` when no amount is found (`"Competitive"`,
/// `"Selon profil"`, `""`).
///
/// Rules: thousands separators `,` `.` space/nbsp/narrow nbsp/`'`; a single `,` or `.` is a
/// decimal point unless exactly 3 digits follow (`45.000` = 45000, `31,2` = 31.2); `k` multiplies
/// by 1000 and, in a range, carries over to a bare lower bound (`40-50K`). Numbers that count
/// something (`sur 12 mois`, `151.67 heures`, `3 years`), percentages, numbers glued to letters
/// (`CCNT66`, `138M`, `Bac+5`), times and dates are not amounts. Amounts with a currency or a `k`
/// are preferred; a text with no currency, no period and no `k` must give at least 1000, and a
/// lone bare year (1900..=2100) is rejected. The period is only what the text says: `"$120k"`
/// has `period: None` (see [`guess_salary_period`]).
pub fn parse_salary_text(s: &str) -> Option<SalaryText> {
    if !s.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let toks = tokenize_salary(s);
    let word = |i: usize| match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };

    // Pay period.
    let mut period = None;
    for (i, t) in toks.iter().enumerate() {
        let Tok::Word(w) = &t.tok else { continue };
        if let Some(p) = period_adjective(w) {
            period = Some(p);
            break;
        }
        if let Some((p, strong)) = period_noun(w) {
            let prev = i.checked_sub(1).map(|j| &toks[j].tok);
            let after_count = matches!(prev, Some(Tok::Num(_)))
                || matches!(prev, Some(Tok::Word(pw)) if matches!(pw.as_str(), "e" | "eme" | "er" | "th" | "st" | "nd" | "rd"));
            if after_count {
                continue;
            }
            // "/h" only after an amount ("12€/h", "brut/h"), not in "F/H" or "m/w/d".
            let slash_ok = match prev {
                Some(Tok::Sym('/')) => {
                    matches!(
                        i.checked_sub(2).map(|j| &toks[j].tok),
                        Some(Tok::Num(_) | Tok::Cur(_))
                    ) || matches!(i.checked_sub(2).map(|j| &toks[j].tok), Some(Tok::Word(pw)) if is_filler_word(pw))
                }
                _ => true,
            };
            if slash_ok && (prev.is_some_and(is_per_word) || strong) {
                period = Some(p);
                break;
            }
        }
    }

    // Amount candidates.
    let currency_attached = |i: usize| {
        matches!(i.checked_sub(1).map(|j| &toks[j].tok), Some(Tok::Cur(_)))
            || matches!(toks.get(i + 1).map(|t| &t.tok), Some(Tok::Cur(_)))
    };
    let is_candidate = |i: usize| -> bool {
        let Some(Tok::Num(n)) = toks.get(i).map(|t| &t.tok) else {
            return false;
        };
        if n.after_letter || n.value <= 0.0 {
            return false;
        }
        // Percentages, times (6:00PM) and dates (01/07/2025) are not amounts.
        let glued_sym = |j: Option<usize>, syms: &[char]| {
            j.and_then(|j| toks.get(j))
                .is_some_and(|t| matches!(t.tok, Tok::Sym(c) if syms.contains(&c)))
        };
        let glued_num = |j: Option<usize>| {
            j.and_then(|j| toks.get(j))
                .is_some_and(|t| matches!(t.tok, Tok::Num(_)))
        };
        let next_glued = toks.get(i + 1).is_some_and(|t| !t.space_before);
        // "10%" and the French "10 %".
        if glued_sym(Some(i + 1), &['%']) {
            return false;
        }
        if next_glued
            && glued_sym(Some(i + 1), &[':', '/'])
            && glued_num(Some(i + 2))
            && toks.get(i + 2).is_some_and(|t| !t.space_before)
        {
            return false;
        }
        if !toks[i].space_before
            && glued_sym(i.checked_sub(1), &[':', '/'])
            && glued_num(i.checked_sub(2))
            && i.checked_sub(1)
                .and_then(|j| toks.get(j))
                .is_some_and(|t| !t.space_before)
        {
            return false;
        }
        if currency_attached(i) {
            return true;
        }
        if let Some(w) = word(i + 1) {
            if period_noun(w).is_some() || is_count_word(w) {
                return false;
            }
            if n.glued_next {
                return false;
            }
        }
        true
    };
    let cands: Vec<usize> = (0..toks.len()).filter(|&i| is_candidate(i)).collect();
    if cands.is_empty() {
        return None;
    }
    let num = |i: usize| match &toks[i].tok {
        Tok::Num(n) => Some(*n),
        _ => None,
    };
    let money_like = |i: usize| currency_attached(i) || num(i).is_some_and(|n| n.k);
    // End of a range that starts with candidate `i`, if any.
    let range_end = |i: usize| -> Option<usize> {
        let mut j = i + 1;
        let skip = |j: &mut usize| {
            while let Some(t) = toks.get(*j) {
                match &t.tok {
                    Tok::Cur(_) => *j += 1,
                    Tok::Word(w) if is_filler_word(w) => *j += 1,
                    Tok::Sym(')') | Tok::Sym('(') | Tok::Sym('*') => *j += 1,
                    _ => break,
                }
            }
        };
        skip(&mut j);
        let is_sep = match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Sym(c)) => matches!(c, '-' | '–' | '—' | '~' | '‐' | '−' | '‑'),
            Some(Tok::Word(w)) => is_range_word(w),
            _ => false,
        };
        if !is_sep {
            return None;
        }
        j += 1;
        skip(&mut j);
        (toks.get(j).is_some_and(|t| matches!(t.tok, Tok::Num(_))) && cands.contains(&j))
            .then_some(j)
    };

    let mut chosen: Option<(usize, Option<usize>)> = None;
    let mut first_any: Option<(usize, Option<usize>)> = None;
    for &i in &cands {
        let end = range_end(i);
        let money = money_like(i) || end.is_some_and(money_like);
        if money {
            chosen = Some((i, end));
            break;
        }
        if first_any.is_none() {
            first_any = Some((i, end));
        }
    }
    let has_currency = toks.iter().any(|t| matches!(t.tok, Tok::Cur(_)));
    let has_k = toks
        .iter()
        .any(|t| matches!(t.tok, Tok::Num(Num { k: true, .. })));
    let (lo_i, hi_i) = match chosen {
        Some(c) => c,
        None => {
            let (i, end) = first_any?;
            let n = num(i)?;
            let is_year = n.value.fract() == 0.0 && (1900.0..=2100.0).contains(&n.value);
            if end.is_none() && is_year {
                return None;
            }
            let top = end.and_then(num).map_or(n.value, |m| m.value.max(n.value));
            if !has_currency && period.is_none() && !has_k && top < 1000.0 {
                return None;
            }
            (i, end)
        }
    };

    let lo = num(lo_i)?;
    let hi = hi_i.and_then(num).unwrap_or(lo);
    let currency = [Some(lo_i), hi_i]
        .into_iter()
        .flatten()
        .flat_map(|i| [i.checked_sub(1), Some(i + 1)])
        .flatten()
        .find_map(|j| match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Cur(c)) => Some(*c),
            _ => None,
        })
        .or_else(|| {
            toks.iter().find_map(|t| match t.tok {
                Tok::Cur(c) => Some(c),
                _ => None,
            })
        });
    let value = |n: Num| {
        let v = match (currency, n.alt) {
            (Some(c), Some(alt)) if three_decimal_currency(c) => alt,
            _ => n.value,
        };
        if n.k { v * 1000.0 } else { v }
    };
    let mut min = value(lo);
    let mut max = value(hi);
    if hi_i.is_some() {
        // "40-50K": the k of one bound carries over to a bare other bound.
        if hi.k && !lo.k && min < 1000.0 {
            min *= 1000.0;
        } else if lo.k && !hi.k && max < 1000.0 {
            max *= 1000.0;
        }
    }
    if min > max {
        std::mem::swap(&mut min, &mut max);
    }
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return None;
    }
    Some(SalaryText {
        min,
        max,
        currency,
        period,
    })
}

/// Guesses the pay period of an amount when the text does not state one, from its size:
/// ≥ 10 000 → year, ≥ 1 000 → month, ≥ 150 → day, > 0 → hour. A heuristic for EUR/USD/GBP-like
/// currencies only (not for JPY, INR, MGA...): the SQL layer should apply it only to those.
pub fn guess_salary_period(amount: f64) -> Option<&'static str> {
    if !amount.is_finite() || amount <= 0.0 {
        None
    } else if amount >= 10_000.0 {
        Some("year")
    } else if amount >= 1_000.0 {
        Some("month")
    } else if amount >= 150.0 {
        Some("day")
    } else {
        Some("hour")
    }
}

/// Multiplier turning an amount per `period` into a yearly amount: hour 1 820 (35 h × 52
/// weeks), day 218 (French forfait-jours), week 52, month 12, year 1. Conventions, not facts:
/// documented so every table annualises the same way.
pub fn annual_factor(period: &str) -> Option<f64> {
    match period {
        "hour" => Some(1820.0),
        "day" => Some(218.0),
        "week" => Some(52.0),
        "month" => Some(12.0),
        "year" => Some(1.0),
        _ => None,
    }
}

mod pay;
pub use pay::{Pay, PayInput, PayOrigin, PayRules, Period, full_time_hours, working_days};

#[cfg(test)]
mod tests;
