//! The reference tables: the default CSVs embedded in the binary, the error raised while
//! loading one, and the CSV reader every `from_csv` constructor shares.
//!
//! The files live in `sql/reference/*.csv`; a SQL project can ship its own copies with the same
//! columns and load them through the `from_csv` constructors instead.

/// Default skills dictionary (`skill,family,aliases,case_sensitive`).
pub const SKILLS_CSV: &str = include_str!("../../../sql/reference/skills.csv");
/// Default job-family rules (`family,priority,pattern`).
pub const JOB_FAMILIES_CSV: &str = include_str!("../../../sql/reference/job_families.csv");
/// Default contract-type mapping (`raw,contract_type`).
pub const CONTRACT_TYPES_CSV: &str = include_str!("../../../sql/reference/contract_types.csv");
/// Default country table (`iso2,name,aliases`).
pub const COUNTRIES_CSV: &str = include_str!("../../../sql/reference/countries.csv");
/// Default French départements table (`code,name,region`).
pub const FR_DEPARTMENTS_CSV: &str = include_str!("../../../sql/reference/fr_departments.csv");
/// Default kinds of workplace (`kind,term`).
pub const WORKPLACES_CSV: &str = include_str!("../../../sql/reference/workplaces.csv");
/// Default reference exchange rates (`currency,eur_per_unit,as_of`).
pub const CURRENCY_RATES_CSV: &str = include_str!("../../../sql/reference/currency_rates.csv");

/// Errors raised while loading a reference table. Each names the file and the CSV line.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// The CSV itself could not be read (bad quoting, wrong number of fields...).
    #[error("{file}: line {line}: {source}")]
    Csv {
        /// Reference file name, e.g. `skills.csv`.
        file: &'static str,
        /// 1-based line of the offending record (0 when unknown).
        line: u64,
        /// Underlying CSV error.
        #[source]
        source: csv::Error,
    },
    /// A record is well-formed CSV but its content is invalid.
    #[error("{file}: line {line}: {message}")]
    Invalid {
        /// Reference file name.
        file: &'static str,
        /// 1-based line of the offending record.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A pattern of `job_families.csv` is not a valid regex.
    #[error("{file}: line {line}: invalid pattern: {source}")]
    Regex {
        /// Reference file name.
        file: &'static str,
        /// 1-based line of the offending record.
        line: u64,
        /// Underlying regex error.
        #[source]
        source: Box<regex::Error>,
    },
}

/// Records of a reference CSV with their 1-based line numbers.
pub(crate) type Rows = Vec<(u64, csv::StringRecord)>;

/// Reads a reference CSV: header row required, fields trimmed, lines starting with `#` ignored.
/// Returns each record with its line number and the column indices of `columns` (in order).
pub(crate) fn read_table(
    text: &str,
    file: &'static str,
    columns: &[&str],
) -> Result<(Vec<usize>, Rows), EnrichError> {
    read_table_with(text, file, columns, &[])
}

/// [`read_table`] with `optional` columns after the required ones: a file written before such a
/// column existed still loads, and [`field`] reads an absent column as empty.
pub(crate) fn read_table_with(
    text: &str,
    file: &'static str,
    columns: &[&str],
    optional: &[&str],
) -> Result<(Vec<usize>, Rows), EnrichError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|source| EnrichError::Csv {
            file,
            line: 1,
            source,
        })?
        .clone();
    let mut idx = Vec::with_capacity(columns.len());
    for col in columns {
        let pos = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(col))
            .ok_or_else(|| EnrichError::Invalid {
                file,
                line: 1,
                message: format!("missing column `{col}`"),
            })?;
        idx.push(pos);
    }
    for col in optional {
        let pos = headers.iter().position(|h| h.eq_ignore_ascii_case(col));
        idx.push(pos.unwrap_or(usize::MAX));
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| {
            let line = source.position().map_or(0, |p| p.line());
            EnrichError::Csv { file, line, source }
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    Ok((idx, rows))
}

/// Field `i` of a record (`""` when the record has no such field).
pub(crate) fn field(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ContractTypes, Countries, CurrencyRates, Departments, JobFamilyRules, SkillMatcher,
    };

    #[test]
    fn embedded_tables_load() {
        assert!(SkillMatcher::from_csv(SKILLS_CSV).is_ok());
        assert!(JobFamilyRules::from_csv(JOB_FAMILIES_CSV).is_ok());
        assert!(ContractTypes::from_csv(CONTRACT_TYPES_CSV).is_ok());
        assert!(Countries::from_csv(COUNTRIES_CSV).is_ok());
        assert!(Departments::from_csv(FR_DEPARTMENTS_CSV).is_ok());
        assert!(CurrencyRates::from_csv(CURRENCY_RATES_CSV).is_ok());
    }
}
