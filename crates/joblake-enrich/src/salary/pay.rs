//! From what a record says about pay to annual figures, with the reason for each decision.
//!
//! Sources give pay in three ways: numbers in fields, often without a period (Adzuna's `32`–`48`
//! are thousands a year, `2250` a month, `12`–`14` an hour, `450`–`800` a freelance day rate);
//! a salary text (France Travail's `salaire.libelle`, Jooble's `salary`); or only a sentence of
//! the description ("Range zwischen 45-53k €", "$140,000 - $170,000 a year"). [`PayRules::normalize`]
//! reads them in that order, decides the period (stated, else from the magnitude in EUR, the
//! contract and the words around the amount), the payments a year ("sur 13 mois") and the
//! working hours, and refuses what cannot be pay. The conventions are in
//! `docs/data_quality.md`.

use std::sync::LazyLock;

use regex::Regex;

use super::parse_salary_text;
use crate::currency::CurrencyRates;

/// A pay period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week.
    Week,
    /// Per month.
    Month,
    /// Per year.
    Year,
}

impl Period {
    /// `hour`, `day`, `week`, `month`, `year`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
        }
    }

    /// Parses a period name (as [`Period::as_str`] writes it, or a source's spelling).
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hour" | "hourly" | "h" => Some(Period::Hour),
            "day" | "daily" => Some(Period::Day),
            "week" | "weekly" => Some(Period::Week),
            "month" | "monthly" => Some(Period::Month),
            "year" | "yearly" | "annual" | "annum" => Some(Period::Year),
            _ => None,
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a record says about pay, before normalisation.
#[derive(Debug, Clone, Copy, Default)]
pub struct PayInput<'a> {
    /// The source's minimum field.
    pub min: Option<f64>,
    /// The source's maximum field.
    pub max: Option<f64>,
    /// The source's currency field (ISO 4217).
    pub currency: Option<&'a str>,
    /// The period the source declares for its fields.
    pub period: Option<&'a str>,
    /// The source's salary text.
    pub text: Option<&'a str>,
    /// The description, as plain text.
    pub description: Option<&'a str>,
    /// ISO 3166-1 alpha-2 of the workplace.
    pub country: Option<&'a str>,
    /// The currency of that country, used when nothing names one.
    pub country_currency: Option<&'a str>,
    /// Normalised contract type (`permanent`, `freelance`, `apprenticeship`...).
    pub contract: Option<&'a str>,
    /// The source's working-time text, read for weekly hours (France Travail's
    /// `dureeTravailLibelle`: "35H Travail en journée", "temps partiel - 9H30").
    pub hours_text: Option<&'a str>,
}

/// Where the figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayOrigin {
    /// The source's fields.
    Field,
    /// The source's salary text.
    Text,
    /// A sentence of the description.
    Description,
}

impl PayOrigin {
    fn as_str(self) -> &'static str {
        match self {
            PayOrigin::Field => "field",
            PayOrigin::Text => "text",
            PayOrigin::Description => "description",
        }
    }
}

/// Pay, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Pay {
    /// Lower amount per `period`, as published (thousands expanded).
    pub min: f64,
    /// Upper amount per `period`.
    pub max: f64,
    /// ISO 4217 code, when known.
    pub currency: Option<String>,
    /// The period of `min` and `max`.
    pub period: Period,
    /// Gross annual minimum.
    pub annual_min: f64,
    /// Gross annual maximum.
    pub annual_max: f64,
    /// How the figures were read and annualised, e.g. `field; period from magnitude (thousands a
    /// year)` or `text; month x 13`.
    pub basis: String,
}

/// Hours of a full-time week by country: 35 in France, 40 elsewhere.
pub fn full_time_hours(country: Option<&str>) -> f64 {
    if country.is_some_and(|c| c.eq_ignore_ascii_case("FR")) {
        35.0
    } else {
        40.0
    }
}

/// Working days a year: 218 in France (forfait jours), 220 elsewhere.
pub fn working_days(country: Option<&str>) -> f64 {
    if country.is_some_and(|c| c.eq_ignore_ascii_case("FR")) {
        218.0
    } else {
        220.0
    }
}

static MONTHS_A_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)sur\s+(1[2-6])(?:[.,]0+)?\s*mois(?-u:\b)|(?-u:\b)(1[3-5])(?:e|è|ème|eme|th|\.)\s*(?:mois|month|monatsgehalt)")
        .expect("valid regex")
});

static WEEKLY_HOURS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:h|hrs?|hours?|heures?|std\.?|stunden)\s*(?:/|par|per|a|pro|in der)?\s*(?:semaine|week|woche|wk)(?-u:\b)|(?-u:\b)(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:h|heures?)\s*hebdo",
    )
    .expect("valid regex")
});

static HOUR_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(/\s?h(?-u:\b)|/\s?hr(?-u:\b)|/\s?hour|(?-u:\b)horaire|(?-u:\b)de l.heure|(?-u:\b)per hour|(?-u:\b)per hr(?-u:\b)|(?-u:\b)an hour|(?-u:\b)hourly|(?-u:\b)pro stunde|(?-u:\b)stundenlohn|(?-u:\b)€\s?/\s?h|€\s?brut\s?/\s?h)")
        .expect("valid regex")
});

static DAY_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?-u:\b)tjm(?-u:\b)|taux journalier|(?-u:\b)par jour(?-u:\b)|(?-u:\b)/\s?jour(?-u:\b)|(?-u:\b)per day(?-u:\b)|(?-u:\b)a day(?-u:\b)|(?-u:\b)daily rate|(?-u:\b)day rate|(?-u:\b)pro tag(?-u:\b)|(?-u:\b)tagessatz)")
        .expect("valid regex")
});

static WEEK_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?-u:\b)per week(?-u:\b)|(?-u:\b)a week(?-u:\b)|(?-u:\b)weekly(?-u:\b)|(?-u:\b)p/?w(?-u:\b)|(?-u:\b)par semaine(?-u:\b))")
        .expect("valid regex")
});

static PAY_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(salar|salaire|r[ée]mun[ée]ration|gehalt|verg[üu]tung|lohn(?-u:\b)|verdienst|(?-u:\b)pay(?-u:\b)|(?-u:\b)wage|compensation|(?-u:\b)brut(?-u:\b)|(?-u:\b)gross(?-u:\b)|(?-u:\b)base(?-u:\b)|(?-u:\b)tjm(?-u:\b)|taux journalier|(?-u:\b)ote(?-u:\b)|(?-u:\b)range(?-u:\b)|per hour|an hour|per year|a year|per annum|/\s?year|/\s?yr|/\s?h(?-u:\b)|/\s?hr(?-u:\b)|/\s?an(?-u:\b)|par an|par mois|(?-u:\b)annuel|(?-u:\b)mensuel|(?-u:\b)jahr|(?-u:\b)monat)",
    )
    .expect("valid regex")
});

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(€|\$|£|(?-u:\b)EUR(?-u:\b)|(?-u:\b)USD(?-u:\b)|(?-u:\b)GBP(?-u:\b)|(?-u:\b)CHF(?-u:\b)|(?-u:\b)CAD(?-u:\b)|(?-u:\b)AUD(?-u:\b)|(?-u:\b)PLN(?-u:\b)|(?-u:\b)euros?(?-u:\b)|(?-u:\b)dollars?(?-u:\b)|\d\s?k(?-u:\b))")
        .expect("valid regex")
});

/// A label that introduces pay ("Pay Range:", "Salaire :"), for amounts written without a
/// currency.
static PAY_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(salary|salaire|pay range|pay rate|pay|r[ée]mun[ée]ration|gehalt|verg[üu]tung|compensation|wage)[^.\n:]{0,25}:")
        .expect("valid regex")
});

/// Money that is not pay: a bonus, a perk, a sale, a fee, funding or revenue.
static NOT_PAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(bonus|prime|stipend|allowance|perk|referral|reimburs|droit d.entr[ée]e|franchise|each sale|per sale|commission|funding|raised|revenue|invest|budget|fee(?-u:\b)|valuation|turnover|chiffre d.affaires|capital)")
        .expect("valid regex")
});

/// Money named right after its amount as something else than pay: "€1,500 yearly learning
/// budget", "$5,000 signing bonus" (at most one word between the amount, its period and the
/// name; "€50,000 salary plus bonus" is pay).
static NOT_PAY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:€|\$|£)?\s?[\d\s.,]*k?\s*(?:€|\$|£|eur|euros?|usd|gbp|chf)?\s*(?:per year|a year|yearly|annual|annually|per month|a month|monthly|pro jahr|im jahr|jährlich|par an|annuel|annuelle|)\s*([\w-]+\s+)?(?:bonus|budget|allowance|stipend|perk|prime|zuschuss|reimburs)")
        .expect("valid regex")
});

/// [`NOT_PAY_AFTER`], unless the word between is a conjunction: "45-53k € plus Bonus" is pay
/// and a bonus.
fn not_pay_after(text: &str) -> bool {
    NOT_PAY_AFTER.captures(text).is_some_and(|c| {
        let between = c.get(1).map_or("", |m| m.as_str().trim());
        ![
            "plus", "and", "und", "et", "with", "mit", "or", "oder", "ou", "+",
        ]
        .iter()
        .any(|w| between.eq_ignore_ascii_case(w))
    })
}

/// Amounts of millions or billions ("$11M", "$1B+", "2 Mio"): company figures, not pay.
static BIG_MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[$€£]?\s?\d[\d.,]*\s?(m|b|bn|mm|million|billion|mio|mrd|milliard)(?-u:\b)")
        .expect("valid regex")
});

/// Money per piece of work ("$10,000 - $15,000 per campaign"): a fee, not pay for a job.
static PER_PIECE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(per|a|each|par|pro)\s+(campaign|project|sale|unit|article|video|post|deal|mission)(?-u:\b)")
        .expect("valid regex")
});

/// The US retirement plan "401(k)", whose "401" and "k" are not an amount.
static RETIREMENT_PLAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)401\s?\(?k\)?").expect("valid regex"));

/// Weekly hours in a working-time field: "35H", "temps partiel - 9H30" (a week by definition).
static FIELD_HOURS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(\d{1,2})\s?h(\d{2})?(?-u:\b)").expect("valid regex")
});

fn number(s: &str) -> Option<f64> {
    s.replace(',', ".").parse().ok()
}

/// The payments a year a text states ("sur 13 mois", "13th month"), 12 otherwise.
fn payments_a_year(texts: &[&str]) -> (f64, bool) {
    for t in texts {
        if let Some(c) = MONTHS_A_YEAR.captures(t)
            && let Some(n) = c
                .get(1)
                .or_else(|| c.get(2))
                .and_then(|m| number(m.as_str()))
        {
            return (n, n != 12.0);
        }
    }
    (12.0, false)
}

/// The weekly hours a text states ("35h/semaine", "20 hours per week").
fn weekly_hours(texts: &[&str]) -> Option<f64> {
    texts.iter().find_map(|t| {
        WEEKLY_HOURS.captures(t).and_then(|c| {
            c.get(1)
                .or_else(|| c.get(2))
                .and_then(|m| number(m.as_str()))
                .filter(|h| (1.0..=60.0).contains(h))
        })
    })
}

/// The weekly hours of a working-time field ("40H Travail en journée" → 40, "9H30" → 9.5).
fn field_hours(text: &str) -> Option<f64> {
    let c = FIELD_HOURS.captures(text)?;
    let h: f64 = c.get(1)?.as_str().parse().ok()?;
    let m: f64 = c
        .get(2)
        .and_then(|m| m.as_str().parse().ok())
        .unwrap_or(0.0);
    Some(h + m / 60.0).filter(|h| (1.0..=60.0).contains(h))
}

/// A window of `text` around `[start, end)`, on char boundaries.
fn window(text: &str, start: usize, end: usize, before: usize, after: usize) -> &str {
    let mut a = start.saturating_sub(before);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (end + after).min(text.len());
    while !text.is_char_boundary(b) {
        b += 1;
    }
    &text[a..b]
}

/// The pay a description states: an amount with a currency (or after a label such as "Pay
/// Range:") near a word about pay ("salary", "Gehalt", "brut", "a year"...). Bonuses, perks,
/// sales, fees, funding and revenue are not pay. Several bands of one table ("I4 $130,600-$192,000
/// I5 ... I6 ...-$285,000") give their whole span.
fn pay_in_description(description: &str) -> Option<(super::SalaryText, &str)> {
    let starts = MONEY
        .find_iter(description)
        .map(|m| (m.start(), m.end(), false))
        .chain(
            PAY_LABEL
                .find_iter(description)
                .map(|m| (m.end(), m.end(), true)),
        );
    let mut starts: Vec<(usize, usize, bool)> = starts.collect();
    starts.sort_unstable();
    let mut found: Option<(super::SalaryText, &str, usize)> = None;
    for (start, end, labelled) in starts {
        if let Some((_, _, until)) = &found
            && start > *until
        {
            break;
        }
        let near = window(description, start, end, 40, 40);
        if !near.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        // The words since the last figure: "Bonus: $750 Compensation: $26" is a bonus, then pay.
        // A currency written after its amount ("1.500 €") belongs to that amount: the words
        // before the amount count ("Weiterbildungsbudget von 1.500 €").
        let before = window(description, start, start, 40, 0).trim_end_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, ' ' | '.' | ',' | '\u{a0}' | '\u{202f}')
        });
        let before = before
            .rfind(|c: char| c.is_ascii_digit())
            .map_or(before, |i| &before[i + 1..]);
        let after = window(description, start, start, 0, 24);
        let amount_first = if labelled {
            after
        } else {
            window(description, start, start, 2, 24)
        };
        // A "401(k)" is a retirement plan, not 401,000; "per campaign" is a fee.
        let retirement = RETIREMENT_PLAN.is_match(window(description, start, end, 8, 8));
        let per_piece = PER_PIECE.is_match(window(description, start, start, 0, 50));
        if retirement
            || per_piece
            || NOT_PAY.is_match(before)
            || not_pay_after(window(description, start, start, 0, 60))
            || BIG_MONEY.is_match(amount_first)
            || BIG_MONEY.is_match(after)
        {
            continue;
        }
        let context = window(description, start, end, 120, 80);
        if !labelled && !PAY_CUE.is_match(context) {
            continue;
        }
        // The clause holding the amount, so that a neighbouring figure (a date, a headcount)
        // does not join the range.
        let clause = if labelled {
            window(description, start, end, 0, 60)
        } else {
            window(description, start, end, 60, 60)
        };
        // A later band of a table is read from its own start.
        let clause = if found.is_some() {
            window(description, start, end, 0, 40)
        } else {
            clause
        };
        let Some(p) = parse_salary_text(clause) else {
            continue;
        };
        if p.currency.is_none() && p.period.is_none() && !labelled && p.max < 1000.0 {
            continue;
        }
        match &mut found {
            None => found = Some((p, context, start + 400)),
            Some((first, _, _)) => {
                // Another band of the same table: same currency and period.
                // Bands ascend; an amount read again from inside the first range does not.
                if first.currency == p.currency && first.period == p.period && p.min > first.min {
                    first.min = first.min.min(p.min);
                    first.max = first.max.max(p.max);
                }
            }
        }
    }
    found.map(|(p, context, _)| (p, context))
}

/// Annual factor of a period at full time (the payments and hours a posting states aside).
fn period_factor(p: Period, country: Option<&str>) -> f64 {
    match p {
        Period::Year => 1.0,
        Period::Month => 12.0,
        Period::Week => 52.0,
        Period::Day => working_days(country),
        Period::Hour => full_time_hours(country) * 52.0,
    }
}

/// Reference data for [`PayRules::normalize`].
#[derive(Debug, Clone)]
pub struct PayRules {
    rates: CurrencyRates,
}

impl PayRules {
    /// Rules over these exchange rates (used to judge magnitudes in EUR).
    pub fn new(rates: CurrencyRates) -> Self {
        PayRules { rates }
    }

    /// Normalises a record's pay; `None` when it states none that can be pay.
    pub fn normalize(&self, input: &PayInput) -> Option<Pay> {
        let texts: Vec<&str> = [input.text, input.description]
            .into_iter()
            .flatten()
            .collect();
        // Where the fields' figures appear in the description, the words around them say
        // what the fields do not ("23.58 per hour").
        let around_by = |v: f64, before: usize, after: usize| -> Option<&str> {
            let d = input.description?;
            let spelled = if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            };
            let i = d
                .find(&spelled)
                .or_else(|| d.find(&spelled.replace('.', ",")))?;
            Some(window(d, i, i + spelled.len(), before, after))
        };
        let around = |v: f64| around_by(v, 60, 60);
        let positive = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0);
        let from_fields = match (positive(input.min), positive(input.max)) {
            (Some(a), Some(b)) => Some((a.min(b), a.max(b))),
            (Some(a), None) | (None, Some(a)) => Some((a, a)),
            (None, None) => None,
        };
        let (min, max, mut currency, mut period, origin, cue_text) = match from_fields {
            Some((lo, hi)) => {
                // The text may say what the fields do not: their period or currency.
                let parsed = input.text.and_then(parse_salary_text);
                let cur = input
                    .currency
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| c.len() == 3)
                    .or_else(|| parsed.as_ref().and_then(|p| p.currency).map(String::from));
                let cue = input.text.or_else(|| around(hi)).or_else(|| around(lo));
                // The period the words around the figures state, when they are these figures
                // ("Salary: 100.00 to 120.00 per day").
                let stated = around_by(lo, 0, 40)
                    .or_else(|| around_by(hi, 40, 30))
                    .and_then(parse_salary_text)
                    .filter(|p| (p.max - hi).abs() <= 0.01 * hi || (p.min - lo).abs() <= 0.01 * lo);
                let per = input
                    .period
                    .and_then(Period::parse)
                    .or_else(|| parsed.and_then(|p| p.period).and_then(Period::parse))
                    .or_else(|| stated.and_then(|p| p.period).and_then(Period::parse));
                (lo, hi, cur, per, PayOrigin::Field, cue)
            }
            None => match input.text.and_then(parse_salary_text) {
                Some(p) => (
                    p.min,
                    p.max,
                    p.currency.map(String::from),
                    p.period.and_then(Period::parse),
                    PayOrigin::Text,
                    input.text,
                ),
                None => {
                    let (p, context) = input.description.and_then(pay_in_description)?;
                    (
                        p.min,
                        p.max,
                        p.currency.map(String::from),
                        p.period.and_then(Period::parse),
                        PayOrigin::Description,
                        Some(context),
                    )
                }
            },
        };
        // "1–1000", "5–5", "0–0": not pay.
        if max <= 5.0 || max > 20.0 * min {
            return None;
        }
        if currency.is_none() {
            currency = input
                .country_currency
                .map(|c| c.trim().to_ascii_uppercase());
        }
        let eur = currency
            .as_deref()
            .and_then(|c| self.rates.eur_per_unit(c))
            .unwrap_or(1.0);
        let hi_eur = max * eur;
        let mut basis = vec![origin.as_str().to_string()];
        let (mut min, mut max) = (min, max);

        // Declared periods that the amount contradicts (France Travail's "Mensuel de 60000
        // Euros" is a yearly figure, "Annuel de 2 000 Euros" a monthly one).
        period = match period {
            Some(Period::Month) if hi_eur >= 15_000.0 => {
                basis.push("monthly label on a yearly amount: year".into());
                Some(Period::Year)
            }
            Some(Period::Year) if (500.0..6_000.0).contains(&hi_eur) => {
                basis.push("yearly label on a monthly amount: month".into());
                Some(Period::Month)
            }
            // A declared period that makes no year's pay (RemoteOK's "yearly" 80–140): decided
            // again from the magnitude.
            Some(p) if hi_eur * period_factor(p, input.country) < 1_000.0 => {
                basis.push(format!("{p} label on too small an amount: ignored"));
                None
            }
            p => p,
        };
        let cue = |re: &Regex| cue_text.is_some_and(|t| re.is_match(t));
        let cents = min.fract() != 0.0 || max.fract() != 0.0;
        let contract = input.contract.unwrap_or("");
        let period = match period {
            Some(p) => p,
            None => {
                let (p, why) = if hi_eur < 20.0 {
                    (Period::Hour, "magnitude: hourly")
                } else if hi_eur < 100.0 {
                    if cue(&HOUR_CUE) || contract == "temporary" || cents {
                        (Period::Hour, "hourly (words, cents or agency contract)")
                    } else {
                        min *= 1000.0;
                        max *= 1000.0;
                        (Period::Year, "magnitude: thousands a year")
                    }
                } else if hi_eur < 1_000.0 {
                    if cue(&WEEK_CUE) {
                        (Period::Week, "weekly (words)")
                    } else if cue(&HOUR_CUE) {
                        (Period::Hour, "hourly (words)")
                    } else {
                        (Period::Day, "magnitude: day rate")
                    }
                } else if hi_eur < 10_000.0 {
                    if cue(&DAY_CUE) {
                        (Period::Day, "daily (words)")
                    } else {
                        (Period::Month, "magnitude: monthly")
                    }
                } else {
                    (Period::Year, "magnitude: yearly")
                };
                basis.push(format!("period from {why}"));
                p
            }
        };
        let factor = match period {
            Period::Year => 1.0,
            Period::Month => {
                let (n, stated) = payments_a_year(&texts);
                if stated {
                    basis.push(format!("month x {n}"));
                }
                n
            }
            Period::Week => 52.0,
            Period::Day => {
                let d = working_days(input.country);
                basis.push(format!("day x {d}"));
                d
            }
            Period::Hour => {
                let (h, why) = match input
                    .hours_text
                    .and_then(field_hours)
                    .or_else(|| weekly_hours(&texts))
                {
                    Some(h) => (h, "stated"),
                    None => (full_time_hours(input.country), "full time"),
                };
                basis.push(format!("hour x {h} h ({why}) x 52"));
                h * 52.0
            }
        };
        let (annual_min, annual_max) = (min * factor, max * factor);
        let annual_hi_eur = annual_max * eur;
        // Figures no job pays in a year, and an apprentice's or intern's "salary" above what
        // any pays (a boilerplate range), are not pay.
        if !(1_000.0..=3_000_000.0).contains(&annual_hi_eur) {
            return None;
        }
        if matches!(contract, "apprenticeship" | "internship") && annual_min * eur > 60_000.0 {
            return None;
        }
        Some(Pay {
            min,
            max,
            currency,
            period,
            annual_min,
            annual_max,
            basis: basis.join("; "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PayRules {
        PayRules::new(CurrencyRates::builtin().expect("embedded rates"))
    }

    fn fields(min: f64, max: f64, country: &'static str) -> PayInput<'static> {
        PayInput {
            min: Some(min),
            max: Some(max),
            country: Some(country),
            country_currency: Some(if country == "FR" { "EUR" } else { "USD" }),
            ..PayInput::default()
        }
    }

    fn annual(p: &Option<Pay>) -> (f64, f64, Period) {
        let p = p.as_ref().expect("pay");
        (p.annual_min.round(), p.annual_max.round(), p.period)
    }

    #[test]
    fn adzuna_numbers_without_a_period_take_it_from_their_magnitude() {
        let r = rules();
        // Thousands a year, a month, an hour, a freelance day rate.
        assert_eq!(
            annual(&r.normalize(&fields(32.0, 48.0, "FR"))),
            (32000.0, 48000.0, Period::Year)
        );
        assert_eq!(
            annual(&r.normalize(&fields(2250.0, 2250.0, "FR"))),
            (27000.0, 27000.0, Period::Month)
        );
        assert_eq!(
            annual(&r.normalize(&fields(12.0, 14.0, "FR"))),
            (21840.0, 25480.0, Period::Hour)
        );
        let tjm = PayInput {
            contract: Some("freelance"),
            ..fields(450.0, 800.0, "FR")
        };
        assert_eq!(annual(&r.normalize(&tjm)), (98100.0, 174400.0, Period::Day));
        assert_eq!(
            annual(&r.normalize(&fields(55000.0, 65000.0, "US"))),
            (55000.0, 65000.0, Period::Year)
        );
    }

    #[test]
    fn an_agency_contract_makes_a_small_amount_hourly() {
        let interim = PayInput {
            contract: Some("temporary"),
            ..fields(25.0, 30.0, "FR")
        };
        assert_eq!(
            annual(&rules().normalize(&interim)),
            (45500.0, 54600.0, Period::Hour)
        );
    }

    #[test]
    fn absurd_ranges_are_not_pay() {
        let r = rules();
        assert!(r.normalize(&fields(1.0, 1000.0, "FR")).is_none());
        assert!(r.normalize(&fields(5.0, 5.0, "FR")).is_none());
        let apprentice = PayInput {
            contract: Some("apprenticeship"),
            ..fields(108000.0, 192000.0, "FR")
        };
        assert!(r.normalize(&apprentice).is_none());
    }

    #[test]
    fn france_travail_labels_with_thirteen_months_and_mislabels() {
        let r = rules();
        let ft = |text: &'static str| PayInput {
            text: Some(text),
            country: Some("FR"),
            country_currency: Some("EUR"),
            ..PayInput::default()
        };
        let p = r.normalize(&ft("Mensuel de 2500.00 Euros à 3000.00 Euros sur 13 mois"));
        assert_eq!(annual(&p), (32500.0, 39000.0, Period::Month));
        assert!(p.expect("pay").basis.contains("month x 13"));
        let p = r.normalize(&ft("Mensuel de 60000.0 Euros sur 12.0 mois"));
        assert_eq!(annual(&p), (60000.0, 60000.0, Period::Year));
        let p = r.normalize(&ft("Horaire de 11.88 Euros sur 12 mois"));
        assert_eq!(annual(&p), (21622.0, 21622.0, Period::Hour));
    }

    #[test]
    fn hourly_pay_uses_the_hours_the_posting_states() {
        let input = PayInput {
            text: Some("$18 - $22 per hour"),
            description: Some("Part-time role, 20 hours per week, evenings."),
            country: Some("US"),
            ..PayInput::default()
        };
        assert_eq!(
            annual(&rules().normalize(&input)),
            (18720.0, 22880.0, Period::Hour)
        );
    }

    #[test]
    fn salaries_in_descriptions_are_read_when_a_pay_word_is_near() {
        let r = rules();
        let d = |text: &'static str, country: &'static str| PayInput {
            description: Some(text),
            country: Some(country),
            ..PayInput::default()
        };
        let p = r.normalize(&d(
            "Wir bieten: ein attraktives Gehalt, Range zwischen 45-53k € plus Bonus.",
            "DE",
        ));
        assert_eq!(annual(&p), (45000.0, 53000.0, Period::Year));
        assert_eq!(p.as_ref().and_then(|p| p.currency.as_deref()), Some("EUR"));
        let p = r.normalize(&d(
            "The base salary range for this role is $140,000 - $170,000 a year.",
            "US",
        ));
        assert_eq!(annual(&p), (140000.0, 170000.0, Period::Year));
        let p = r.normalize(&d("Vergütung von 90.000 € bis 130.000 € / Jahr", "DE"));
        assert_eq!(annual(&p), (90000.0, 130000.0, Period::Year));
        let p = r.normalize(&d(
            "Rémunération : 2 350 € brut mensuel, tickets restaurant.",
            "FR",
        ));
        assert_eq!(annual(&p), (28200.0, 28200.0, Period::Month));
        let p = r.normalize(&d(
            "Mission freelance, TJM 60€/jour pour l'animation.",
            "FR",
        ));
        assert_eq!(annual(&p), (13080.0, 13080.0, Period::Day));
        // Money that is not pay.
        assert!(
            r.normalize(&d(
                "We raised $120 million from top investors in 2023.",
                "US"
            ))
            .is_none()
        );
        assert!(
            r.normalize(&d("Our customers save $2,000 on average.", "US"))
                .is_none()
        );
    }

    #[test]
    fn bonuses_perks_sales_and_company_figures_are_not_pay() {
        let r = rules();
        let d = |text: &'static str, country: &'static str| PayInput {
            description: Some(text),
            country: Some(country),
            country_currency: Some(if country == "FR" { "EUR" } else { "USD" }),
            ..PayInput::default()
        };
        let p = r.normalize(&d(
            "Sign-On Bonus:   $750   Compensation: $26 - $32 Per Hour - Full time",
            "US",
        ));
        assert_eq!(annual(&p), (54080.0, 66560.0, Period::Hour));
        assert!(r.normalize(&d("The rate depends on your skills. We've already paid out over $11M to our engineers.", "US")).is_none());
        assert!(
            r.normalize(&d(
                "Tell us how much you want to earn. Each sale is between $250 and $2,500.",
                "US"
            ))
            .is_none()
        );
        assert!(
            r.normalize(&d(
                "Contrat de franchise (droit d'entrée et formation 25 K€), formation complète.",
                "FR"
            ))
            .is_none()
        );
        assert!(
            r.normalize(&d(
                "Access to a $200K+ perk marketplace with discounts.",
                "US"
            ))
            .is_none()
        );
        for not_pay in [
            "- Weiterbildungsbudget von 1.500 € pro Jahr\n- Deutschlandticket",
            "- A modern office\n- €1,500 yearly learning budget and conference tickets",
            "We offer a $5,000 signing bonus and free lunch.",
            "Benefits: medical, dental, 401(k) with company match, paid time off.",
            "Compensation: $10,000 - $15,000 per campaign, paid on delivery.",
        ] {
            assert!(r.normalize(&d(not_pay, "US")).is_none(), "{not_pay}");
        }
    }

    #[test]
    fn amounts_with_cents_a_label_or_a_k_and_several_bands() {
        let r = rules();
        let d = |text: &'static str, country: &'static str| PayInput {
            description: Some(text),
            country: Some(country),
            country_currency: Some(if country == "FR" { "EUR" } else { "USD" }),
            ..PayInput::default()
        };
        // Cents make an hourly rate, not thousands a year.
        let p = r.normalize(&d(
            "Starting salary/wage for this opportunity: $24.36 to $32.48 depending on experience",
            "US",
        ));
        assert_eq!(annual(&p), (50669.0, 67558.0, Period::Hour));
        let p = r.normalize(&d(
            "Pay Range:\n50,000 - 70,000\nNow don't fall asleep",
            "US",
        ));
        assert_eq!(annual(&p), (50000.0, 70000.0, Period::Year));
        let p = r.normalize(&d("Poste basé à Bois-Colombes. Rémunération proposée : entre 32k et 36k Statut : Agent de maîtrise", "FR"));
        assert_eq!(annual(&p), (32000.0, 36000.0, Period::Year));
        let p = r.normalize(&d("base pay ranges for this position: I4 $130,600-$192,000 USD I5 $159,800-$235,000 USD I6 $193,800-$285,000 USD About us", "US"));
        assert_eq!(annual(&p), (130600.0, 285000.0, Period::Year));
    }

    #[test]
    fn weekly_hours_come_from_the_working_time_field() {
        let input = PayInput {
            text: Some("Horaire de 24.0 Euros à 37.0 Euros sur 0.0 mois"),
            hours_text: Some("temps partiel - 3H Travail en journée"),
            country: Some("FR"),
            country_currency: Some("EUR"),
            ..PayInput::default()
        };
        assert_eq!(
            annual(&rules().normalize(&input)),
            (3744.0, 5772.0, Period::Hour)
        );
        assert_eq!(
            field_hours("Temps plein 40H Travail en journée"),
            Some(40.0)
        );
        assert_eq!(field_hours("temps partiel - 9H30"), Some(9.5));
    }

    #[test]
    fn a_field_amount_takes_its_period_from_the_words_around_it() {
        // Reed: "Pay Rate : 23.58 per hour (PAYE) Hours: Full-time, 37 hours per week".
        let input = PayInput {
            min: Some(23.58),
            max: Some(23.58),
            currency: Some("GBP"),
            description: Some(
                "Contract: Temporary. Pay Rate : 23.58 per hour (PAYE) Hours: Full-time, 37 hours per week",
            ),
            country: Some("GB"),
            ..PayInput::default()
        };
        assert_eq!(
            annual(&rules().normalize(&input)),
            (45368.0, 45368.0, Period::Hour)
        );
        // RemoteOK's "yearly" 80–140 is no year's pay: decided again (a day rate here).
        let input = PayInput {
            period: Some("year"),
            currency: Some("USD"),
            ..fields(80.0, 140.0, "US")
        };
        assert_eq!(
            rules().normalize(&input).map(|p| p.period),
            Some(Period::Day)
        );
    }

    #[test]
    fn the_period_stated_next_to_the_field_figures_wins() {
        // Reed: fields 100–120, "Salary: 100.00 to 120.00 per day (PAYE, Pension, Weekly Pay)".
        let input = PayInput {
            min: Some(100.0),
            max: Some(120.0),
            currency: Some("GBP"),
            description: Some(
                "Location: Canterbury Start Date: September 2025 Salary: 100.00 to 120.00 per day (PAYE, Pension, Weekly Pay, CPD) School Cover",
            ),
            country: Some("GB"),
            ..PayInput::default()
        };
        assert_eq!(
            annual(&rules().normalize(&input)),
            (22000.0, 26400.0, Period::Day)
        );
        // Arbeitnow: "Stundenlohn zwischen 16 € und 20 € (je nach Erfahrung)".
        let input = PayInput {
            description: Some(
                "Benefits \n \n Stundenlohn zwischen 16 € und 20 € (je nach Erfahrung) \n Zusätzlicher Bonus",
            ),
            country: Some("DE"),
            country_currency: Some("EUR"),
            ..PayInput::default()
        };
        assert_eq!(
            annual(&rules().normalize(&input)),
            (33280.0, 41600.0, Period::Hour)
        );
    }
}
