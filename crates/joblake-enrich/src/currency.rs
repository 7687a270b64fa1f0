//! Reference exchange rates (`currency_rates.csv`) to compare salaries in EUR.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::reference::{CURRENCY_RATES_CSV, EnrichError, field, read_table};

/// Reference exchange rates from `currency_rates.csv` (columns `currency,eur_per_unit,as_of`).
/// Approximate reference rates for comparing salaries, not live rates.
#[derive(Debug, Clone)]
pub struct CurrencyRates {
    rates: HashMap<String, (f64, String)>,
}

impl CurrencyRates {
    /// Loads the table; a bad code or rate names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "currency_rates.csv";
        let (idx, rows) = read_table(text, FILE, &["currency", "eur_per_unit", "as_of"])?;
        let mut rates = HashMap::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let cur = field(rec, idx[0]);
            if cur.len() != 3 || !cur.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad currency `{cur}`"),
                });
            }
            let rate: f64 = field(rec, idx[1])
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite() && *r > 0.0)
                .ok_or_else(|| EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad rate `{}`", field(rec, idx[1])),
                })?;
            let as_of = field(rec, idx[2]);
            if NaiveDate::parse_from_str(as_of, "%Y-%m-%d").is_err() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad as_of date `{as_of}`"),
                });
            }
            if rates
                .insert(cur.to_string(), (rate, as_of.to_string()))
                .is_some()
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("currency `{cur}` listed twice"),
                });
            }
        }
        Ok(Self { rates })
    }

    /// Loads the embedded default table ([`CURRENCY_RATES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(CURRENCY_RATES_CSV)
    }

    /// EUR value of one unit of `currency` (ISO 4217, case-insensitive).
    pub fn eur_per_unit(&self, currency: &str) -> Option<f64> {
        self.rates
            .get(currency.trim().to_ascii_uppercase().as_str())
            .map(|(r, _)| *r)
    }

    /// `amount` in `currency` converted to EUR.
    pub fn to_eur(&self, amount: f64, currency: &str) -> Option<f64> {
        self.eur_per_unit(currency).map(|r| amount * r)
    }

    /// Date of the reference rate of `currency`.
    pub fn as_of(&self, currency: &str) -> Option<&str> {
        self.rates
            .get(currency.trim().to_ascii_uppercase().as_str())
            .map(|(_, d)| d.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salary::parse_salary_text;

    #[test]
    fn currency_rates() {
        let r = match CurrencyRates::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        for c in [
            "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "INR", "SGD", "ZAR", "PLN", "SEK", "NOK",
            "DKK", "JPY", "CNY", "LKR", "JOD", "MGA",
        ] {
            assert!(r.eur_per_unit(c).is_some(), "{c}");
        }
        assert_eq!(r.to_eur(100.0, "eur"), Some(100.0));
        assert!(
            r.to_eur(100.0, "USD")
                .is_some_and(|v| v > 70.0 && v < 100.0)
        );
        assert_eq!(r.eur_per_unit("XXX"), None);
        assert!(r.as_of("USD").is_some());
        // Every currency the salary parser can return has a rate.
        for s in [
            "€1", "$1", "£1", "¥1", "₹1", "CHF 1", "1 CAD", "1 AUD", "1 NZD", "1 SGD", "1 HKD",
            "1 ZAR", "1 zł", "1 SEK", "1 NOK", "1 DKK", "1 CNY", "1 LKR", "1 JOD", "1 MGA",
            "1 BRL", "1 MXN",
        ] {
            let cur = parse_salary_text(s).and_then(|x| x.currency);
            assert!(
                cur.is_some_and(|c| r.eur_per_unit(c).is_some()),
                "{s}: {cur:?}"
            );
        }
        let bad = "currency,eur_per_unit,as_of\nUSD,-1,2025-01-01\n";
        let e = CurrencyRates::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
    }
}
