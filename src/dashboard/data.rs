//! The dashboard's data (`web/CONTRACT.md`, version 1), read from the gold `dash_*` tables and
//! the queries of `sql/dashboard/`. Every figure the page shows is a sum over these cells, so
//! the page shows the lake's numbers; the size follows the number of distinct filter
//! combinations, not the number of postings.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use deltalake::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Float64Type, Int64Type};
use deltalake::datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::error::Result;
use crate::lake::Lake;
use crate::project::Project;

/// The data of one page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Data {
    /// Contract version.
    pub version: u32,
    /// What the page shows and when it was made.
    pub meta: Meta,
    /// The values of each filter dimension; cells refer to them by index.
    pub dims: Dims,
    /// Postings per combination of the filters.
    pub cells: Cells,
    /// Salary histograms per cell.
    pub salary: Salary,
    /// Postings per cell and skill.
    pub skills: Keyed,
    /// Postings per cell and company (the companies with the most postings).
    pub companies: Companies,
    /// French postings per cell and département.
    pub departements: Departements,
    /// Postings opened and closed per month and family.
    pub lifecycle: Lifecycle,
    /// The latest postings, for the search list.
    pub postings: Postings,
}

/// What the page shows and when it was made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    /// When the page was written (RFC 3339).
    pub generated_at: String,
    /// The lake's last refresh of the dashboard tables, when known.
    pub last_refresh: Option<String>,
    /// The joblake version that wrote the page.
    pub joblake_version: String,
    /// The lake as the user named it (object-store credentials are never part of it).
    pub lake: String,
    /// Postings in the cube.
    pub postings: u64,
    /// No postings: the page says so instead of drawing empty charts.
    pub empty: bool,
}

/// The values of each filter dimension.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dims {
    /// Months `YYYY-MM`, every month from the first to the last.
    pub month: Vec<String>,
    /// Job family codes, most postings first.
    pub family: Vec<String>,
    /// Display names of the families, in the same order.
    pub family_label: Vec<String>,
    /// Sources, most postings first.
    pub source: Vec<String>,
    /// ISO alpha-2 codes, most postings first; empty = unknown.
    pub country: Vec<String>,
    /// Country names, in the same order.
    pub country_name: Vec<String>,
    /// Regions, most postings first; empty = unknown.
    pub region: Vec<String>,
    /// Contract types, most postings first; `unknown` when none is stated.
    pub contract: Vec<String>,
    /// `on_site` (index 0) and `remote` (index 1).
    pub remote: Vec<String>,
}

/// One row per combination of the filter dimensions that has postings (columnar).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cells {
    /// Index into `dims.month`.
    pub month: Vec<u32>,
    /// Index into `dims.family`.
    pub family: Vec<u32>,
    /// Index into `dims.source`.
    pub source: Vec<u32>,
    /// Index into `dims.country`.
    pub country: Vec<u32>,
    /// Index into `dims.region`.
    pub region: Vec<u32>,
    /// Index into `dims.contract`.
    pub contract: Vec<u32>,
    /// Index into `dims.remote`.
    pub remote: Vec<u32>,
    /// Postings.
    pub postings: Vec<i64>,
    /// Of which with a comparable annual salary in EUR.
    pub salaried: Vec<i64>,
}

/// Sparse salary histograms: bin `i` holds `[i × bin_eur, (i + 1) × bin_eur)`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Salary {
    /// Width of a bin in EUR.
    pub bin_eur: u32,
    /// Cell index.
    pub cell: Vec<u32>,
    /// Bin index.
    pub bin: Vec<i64>,
    /// Postings in the bin.
    pub n: Vec<i64>,
}

/// Postings per cell and named item (skills).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Keyed {
    /// The items, most postings first.
    pub names: Vec<String>,
    /// Cell index.
    pub cell: Vec<u32>,
    /// Index into `names`.
    pub skill: Vec<u32>,
    /// Postings.
    pub n: Vec<i64>,
}

/// Postings per cell and company.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Companies {
    /// The companies listed, most postings first.
    pub names: Vec<String>,
    /// How many companies are listed (the top ones).
    pub top: usize,
    /// Distinct companies in the lake.
    pub total: i64,
    /// Cell index.
    pub cell: Vec<u32>,
    /// Index into `names`.
    pub company: Vec<u32>,
    /// Postings.
    pub n: Vec<i64>,
}

/// French postings per cell and département.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Departements {
    /// Codes ("75", "2A").
    pub codes: Vec<String>,
    /// Names, in the same order.
    pub names: Vec<String>,
    /// Cell index.
    pub cell: Vec<u32>,
    /// Index into `codes`.
    pub dep: Vec<u32>,
    /// Postings.
    pub n: Vec<i64>,
}

/// Postings opened and closed per month and family.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lifecycle {
    /// Index into `dims.month`.
    pub month: Vec<u32>,
    /// Index into `dims.family`.
    pub family: Vec<u32>,
    /// Postings posted in the month.
    pub opened: Vec<i64>,
    /// Postings closed in the month.
    pub closed: Vec<i64>,
}

/// The latest postings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Postings {
    /// The most the page lists.
    pub limit: usize,
    /// All postings (the list holds the latest `limit`).
    pub total: u64,
    /// Cell index of each posting.
    pub cell: Vec<u32>,
    /// Title.
    pub title: Vec<String>,
    /// Company.
    pub company: Vec<String>,
    /// Link to the ad.
    pub url: Vec<Option<String>>,
    /// Posting date, `YYYY-MM-DD`.
    pub date: Vec<Option<String>>,
    /// City.
    pub city: Vec<Option<String>>,
    /// Comparable annual salary in EUR.
    pub salary_eur: Vec<Option<f64>>,
    /// Where no salary is stated: the salary model's estimate (annual, EUR), to be shown as an
    /// estimate; null without a trained model.
    pub salary_estimate_eur: Vec<Option<f64>>,
    /// Its interval: low end.
    pub salary_estimate_low_eur: Vec<Option<f64>>,
    /// Its interval: high end.
    pub salary_estimate_high_eur: Vec<Option<f64>>,
    /// Nominal coverage of the interval (0.8: 80% of such estimates' true salaries inside).
    pub salary_estimate_level: Vec<Option<f64>>,
}

/// Width of a salary bin (`gold.dash_salary_bins` bins by 1,000 EUR).
const BIN_EUR: u32 = 1_000;

/// The seven filter columns, in the order every dash_* table and query gives them first.
const CELL_COLUMNS: usize = 7;

/// Reads the data from the lake.
pub async fn build(lake: &Lake, project: &Project) -> Result<Data> {
    let mut data = Data {
        version: 1,
        meta: Meta {
            generated_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            joblake_version: env!("CARGO_PKG_VERSION").to_string(),
            lake: lake.display().to_string(),
            empty: true,
            ..Meta::default()
        },
        dims: Dims {
            remote: vec!["on_site".into(), "remote".into()],
            ..Dims::default()
        },
        salary: Salary {
            bin_eur: BIN_EUR,
            ..Salary::default()
        },
        ..Data::default()
    };
    // Only the cube's stamp and the gold table names: reading every table's rows here cost
    // seconds on a large lake.
    let Some(cube) = lake.stamp("gold", "dash_cells").await? else {
        // Never refreshed (or models without the dashboard's): an empty page that says so.
        return Ok(data);
    };
    data.meta.last_refresh = cube
        .committed_at
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let gold = lake.list_tables("gold").await?;
    let has = |name: &str| gold.iter().any(|t| t == name);
    let ctx = crate::query::repl::sql_session(lake, project).await?;

    let cells = Columns::of(&ctx, "SELECT * FROM gold.dash_cells").await?;
    let lifecycle = if has("agg_postings_lifecycle_monthly") {
        Some(
            Columns::of(
                &ctx,
                "SELECT month, job_family, opened, closed FROM gold.agg_postings_lifecycle_monthly",
            )
            .await?,
        )
    } else {
        None
    };
    let labels = Columns::of(&ctx, project.require("dashboard/labels.sql")?).await?;
    let labels: HashMap<(&str, &str), &str> = (0..labels.len())
        .map(|i| ((labels.text(0, i), labels.text(1, i)), labels.text(2, i)))
        .collect();
    let label = |kind: &str, code: &str| labels.get(&(kind, code)).map(|l| l.to_string());

    // Dimensions: each ordered by postings, months as a continuous range.
    let mut dims = DimsBuilder::default();
    for i in 0..cells.len() {
        dims.add(&cells, i, cells.int(7, i));
    }
    let mut months: Vec<String> = dims.values[0].keys().cloned().collect();
    if let Some(l) = &lifecycle {
        months.extend((0..l.len()).map(|i| l.text(0, i).to_string()));
    }
    data.dims.month = month_range(&months);
    data.dims.family = dims.ordered(1);
    if let Some(l) = &lifecycle {
        for i in 0..l.len() {
            let f = l.text(1, i);
            if !data.dims.family.iter().any(|x| x == f) {
                data.dims.family.push(f.to_string());
            }
        }
    }
    data.dims.family_label = data.dims.family.iter().map(|f| family_label(f)).collect();
    data.dims.source = dims.ordered(2);
    data.dims.country = dims.ordered(3);
    data.dims.country_name = data
        .dims
        .country
        .iter()
        .map(|c| {
            if c.is_empty() {
                "Unknown".into()
            } else {
                label("country", c).unwrap_or_else(|| c.clone())
            }
        })
        .collect();
    data.dims.region = dims.ordered(4);
    data.dims.contract = dims.ordered(5);
    let index = Index::new(&data.dims);

    // Cells.
    let mut cell_of: HashMap<[u32; CELL_COLUMNS], u32> = HashMap::with_capacity(cells.len());
    for i in 0..cells.len() {
        let Some(key) = index.key(&cells, i) else {
            continue;
        };
        cell_of.insert(key, data.cells.postings.len() as u32);
        let c = &mut data.cells;
        c.month.push(key[0]);
        c.family.push(key[1]);
        c.source.push(key[2]);
        c.country.push(key[3]);
        c.region.push(key[4]);
        c.contract.push(key[5]);
        c.remote.push(key[6]);
        c.postings.push(cells.int(7, i));
        c.salaried.push(cells.int(8, i));
    }
    let total: i64 = data.cells.postings.iter().sum();
    data.meta.postings = total.max(0) as u64;
    data.meta.empty = total == 0;
    let cell = |t: &Columns, i: usize| index.key(t, i).and_then(|k| cell_of.get(&k).copied());

    // Salary histograms.
    let bins = Columns::of(&ctx, "SELECT * FROM gold.dash_salary_bins").await?;
    for i in 0..bins.len() {
        if let Some(c) = cell(&bins, i) {
            data.salary.cell.push(c);
            data.salary.bin.push(bins.int(7, i));
            data.salary.n.push(bins.int(8, i));
        }
    }

    // Skills and companies: items by postings, then their rows.
    let skills = Columns::of(&ctx, "SELECT * FROM gold.dash_skills").await?;
    let (names, rows) = keyed(&skills, |i| cell(&skills, i));
    data.skills = Keyed {
        names,
        cell: rows.0,
        skill: rows.1,
        n: rows.2,
    };
    let companies = Columns::of(&ctx, "SELECT * FROM gold.dash_companies").await?;
    let (names, rows) = keyed(&companies, |i| cell(&companies, i));
    let count = Columns::of(&ctx, project.require("dashboard/companies.sql")?).await?;
    data.companies = Companies {
        top: names.len(),
        names,
        total: if count.len() > 0 { count.int(0, 0) } else { 0 },
        cell: rows.0,
        company: rows.1,
        n: rows.2,
    };

    // Départements.
    let deps = Columns::of(&ctx, "SELECT * FROM gold.dash_departements").await?;
    let (codes, rows) = keyed(&deps, |i| cell(&deps, i));
    data.departements = Departements {
        names: codes
            .iter()
            .map(|c| label("departement", c).unwrap_or_else(|| c.clone()))
            .collect(),
        codes,
        cell: rows.0,
        dep: rows.1,
        n: rows.2,
    };

    // Opened and closed.
    if let Some(l) = &lifecycle {
        for i in 0..l.len() {
            let month = data.dims.month.iter().position(|m| m == l.text(0, i));
            let family = data.dims.family.iter().position(|f| f == l.text(1, i));
            if let (Some(m), Some(f)) = (month, family) {
                data.lifecycle.month.push(m as u32);
                data.lifecycle.family.push(f as u32);
                data.lifecycle.opened.push(l.int(2, i));
                data.lifecycle.closed.push(l.int(3, i));
            }
        }
    }

    // The latest postings.
    let latest = Columns::of(&ctx, project.require("dashboard/latest_postings.sql")?).await?;
    let p = &mut data.postings;
    p.total = data.meta.postings;
    for i in 0..latest.len() {
        let Some(c) = cell(&latest, i) else {
            continue;
        };
        p.cell.push(c);
        p.title.push(latest.text(7, i).to_string());
        p.company.push(latest.text(8, i).to_string());
        p.url.push(latest.opt_text(9, i));
        p.date.push(latest.opt_text(10, i));
        p.city.push(latest.opt_text(11, i));
        p.salary_eur.push(latest.opt_float(12, i).map(f64::round));
        // Rounded to hundreds: an estimate is not precise to the euro.
        let hundreds = |v: f64| (v / 100.0).round() * 100.0;
        p.salary_estimate_eur
            .push(latest.opt_float(13, i).map(hundreds));
        p.salary_estimate_low_eur
            .push(latest.opt_float(14, i).map(hundreds));
        p.salary_estimate_high_eur
            .push(latest.opt_float(15, i).map(hundreds));
        p.salary_estimate_level.push(latest.opt_float(16, i));
    }
    p.limit = latest.len().max(p.cell.len());
    Ok(data)
}

/// A query's result as columns, each cast once to a type the readers ask for.
struct Columns {
    columns: Vec<ArrayRef>,
    len: usize,
}

impl Columns {
    async fn of(ctx: &SessionContext, sql: &str) -> Result<Columns> {
        let df = ctx.sql(sql).await?;
        let batches: Vec<RecordBatch> = df.collect().await?;
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => {
                return Ok(Columns {
                    columns: Vec::new(),
                    len: 0,
                });
            }
        };
        let batch = deltalake::arrow::compute::concat_batches(&schema, &batches)?;
        let columns = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64 => cast(c, &DataType::Int64),
                DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                    cast(c, &DataType::Float64)
                }
                _ => cast(c, &DataType::Utf8),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Columns {
            len: batch.num_rows(),
            columns,
        })
    }

    fn len(&self) -> usize {
        self.len
    }

    fn text(&self, col: usize, row: usize) -> &str {
        self.opt_str(col, row).unwrap_or("")
    }

    fn opt_str(&self, col: usize, row: usize) -> Option<&str> {
        let a = self.columns.get(col)?;
        let s = a.as_string_opt::<i32>()?;
        s.is_valid(row).then(|| s.value(row))
    }

    fn opt_text(&self, col: usize, row: usize) -> Option<String> {
        self.opt_str(col, row).map(str::to_string)
    }

    fn int(&self, col: usize, row: usize) -> i64 {
        self.columns
            .get(col)
            .and_then(|a| a.as_primitive_opt::<Int64Type>())
            .filter(|a| a.is_valid(row))
            .map_or(0, |a| a.value(row))
    }

    fn opt_float(&self, col: usize, row: usize) -> Option<f64> {
        self.columns
            .get(col)
            .and_then(|a| a.as_primitive_opt::<Float64Type>())
            .filter(|a| a.is_valid(row))
            .map(|a| a.value(row))
    }

    /// The cell's seven filter values of a row (the first seven columns), remote as text.
    fn cell_values(&self, row: usize) -> [&str; CELL_COLUMNS] {
        std::array::from_fn(|c| self.text(c, row))
    }
}

/// Postings per value of each filter dimension, to order them.
#[derive(Default)]
struct DimsBuilder {
    values: [HashMap<String, i64>; CELL_COLUMNS],
}

impl DimsBuilder {
    fn add(&mut self, t: &Columns, row: usize, postings: i64) {
        for (d, v) in t.cell_values(row).iter().enumerate() {
            *self.values[d].entry((*v).to_string()).or_default() += postings;
        }
    }

    /// The values of dimension `d`, most postings first (ties by name).
    fn ordered(&self, d: usize) -> Vec<String> {
        let mut v: Vec<(&String, &i64)> = self.values[d].iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter().map(|(k, _)| k.clone()).collect()
    }
}

/// Value → index for each dimension.
struct Index {
    maps: Vec<HashMap<String, u32>>,
}

impl Index {
    fn new(d: &Dims) -> Index {
        let map = |v: &[String]| {
            v.iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect()
        };
        let remote: HashMap<String, u32> =
            [("false".to_string(), 0), ("true".to_string(), 1)].into();
        Index {
            maps: vec![
                map(&d.month),
                map(&d.family),
                map(&d.source),
                map(&d.country),
                map(&d.region),
                map(&d.contract),
                remote,
            ],
        }
    }

    /// The cell key of a row (its first seven columns), when every value is known.
    fn key(&self, t: &Columns, row: usize) -> Option<[u32; CELL_COLUMNS]> {
        let values = t.cell_values(row);
        let mut key = [0; CELL_COLUMNS];
        for (d, v) in values.iter().enumerate() {
            key[d] = *self.maps[d].get(*v)?;
        }
        Some(key)
    }
}

/// Rows as three columns: cell index, item index, postings.
type ItemRows = (Vec<u32>, Vec<u32>, Vec<i64>);

/// Rows of a `dash_*` table keyed by an item (column 7) with a count (column 8): the items
/// ordered by postings, and (cell, item, postings) per row.
fn keyed(t: &Columns, cell: impl Fn(usize) -> Option<u32>) -> (Vec<String>, ItemRows) {
    let mut totals: HashMap<&str, i64> = HashMap::new();
    for i in 0..t.len() {
        *totals.entry(t.text(7, i)).or_default() += t.int(8, i);
    }
    let mut names: Vec<(&str, i64)> = totals.into_iter().collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let at: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (*n, i as u32))
        .collect();
    let mut rows = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..t.len() {
        if let (Some(c), Some(&k)) = (cell(i), at.get(t.text(7, i))) {
            rows.0.push(c);
            rows.1.push(k);
            rows.2.push(t.int(8, i));
        }
    }
    (
        names.into_iter().map(|(n, _)| n.to_string()).collect(),
        rows,
    )
}

/// Every month from the first to the last of `months` (`YYYY-MM`), so that time axes have no
/// holes.
fn month_range(months: &[String]) -> Vec<String> {
    let parse = |m: &str| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
    let dates: Vec<NaiveDate> = months.iter().filter_map(|m| parse(m)).collect();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut d = *first;
    while d <= *last {
        out.push(format!("{:04}-{:02}", d.year(), d.month()));
        d = d
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(*last + chrono::Days::new(1));
    }
    out
}

/// "data_engineering" → "Data Engineering" (as `gold.dim_job_family` names it).
fn family_label(code: &str) -> String {
    code.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_have_no_holes_and_families_read_well() {
        let m = |v: &[&str]| month_range(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            m(&["2026-11", "2026-09", "2027-01"]),
            ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
        );
        assert!(m(&[]).is_empty());
        assert_eq!(family_label("data_engineering"), "Data Engineering");
    }
}
