//! Rust functions registered in the DataFusion session for what SQL does badly: HTML to text,
//! matching keys, free-text salaries, lenient dates, skills, job families, contract types,
//! countries and regions. The logic lives in [`joblake_enrich`] (pure Rust, tested on its own);
//! this module only adapts it to Arrow arrays. Reference data comes from the SQL project's
//! `reference/` CSVs, so a user's own project can change it without rebuilding.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, Int64Array, ListBuilder, StringBuilder,
    StringViewArray, StructArray, TimestampMicrosecondBuilder,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};
use deltalake::datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};

use super::Project;
use crate::error::{Error, Result};

/// Registers every joblake function in `ctx`.
pub fn register(ctx: &SessionContext, project: &Project) -> Result<()> {
    let load = |file: &str| -> Result<String> {
        Ok(project.require(&format!("reference/{file}"))?.to_string())
    };
    let bad = |file: &str, e: joblake_enrich::EnrichError| {
        Error::Config(format!("reference/{file}: {e}"))
    };
    let skills = Arc::new(
        joblake_enrich::SkillMatcher::from_csv(&load("skills.csv")?)
            .map_err(|e| bad("skills.csv", e))?,
    );
    let families = Arc::new(
        joblake_enrich::JobFamilyRules::from_csv(&load("job_families.csv")?)
            .map_err(|e| bad("job_families.csv", e))?,
    );
    let contracts = Arc::new(
        joblake_enrich::ContractTypes::from_csv(&load("contract_types.csv")?)
            .map_err(|e| bad("contract_types.csv", e))?,
    );
    let countries = Arc::new(
        joblake_enrich::Countries::from_csv(&load("countries.csv")?)
            .map_err(|e| bad("countries.csv", e))?,
    );
    let departments = Arc::new(
        joblake_enrich::Departments::from_csv(&load("fr_departments.csv")?)
            .map_err(|e| bad("fr_departments.csv", e))?,
    );

    let utf8 = DataType::Utf8;
    ctx.register_udf(string_fn("html_to_text", |s, out| {
        out.append_value(joblake_enrich::html_to_text(s))
    }));
    // Personal data stays in bronze: e-mails, phones and contact names out of silver's texts.
    ctx.register_udf(string_fn("redact_personal", |s, out| {
        out.append_value(joblake_enrich::redact_personal(s))
    }));
    ctx.register_udf(string_fn("normalize_key", |s, out| {
        out.append_value(joblake_enrich::normalize_key(s))
    }));
    ctx.register_udf(string_fn("normalize_company", |s, out| {
        out.append_value(joblake_enrich::normalize_company(s))
    }));
    ctx.register_udf(string_fn("contract_from_text", |s, out| {
        out.append_option(joblake_enrich::contract_from_text(s))
    }));
    ctx.register_udf(string_fn("working_time", |s, out| {
        out.append_option(joblake_enrich::working_time(s))
    }));
    {
        let f = families.clone();
        ctx.register_udf(string_fn("job_family", move |s, out| {
            out.append_value(f.classify(s))
        }));
    }
    {
        let c = contracts.clone();
        ctx.register_udf(string_fn("contract_type", move |s, out| {
            out.append_option(c.classify(s))
        }));
    }
    {
        let c = countries.clone();
        // Whole values first ("Germany", "DE"), then place lists ("Munich, Bavaria, Germany").
        ctx.register_udf(string_fn("country_code", move |s, out| {
            out.append_option(c.resolve(s).or_else(|| c.resolve_location(s)))
        }));
    }
    {
        let c = countries.clone();
        // "Based in India", "remotely anywhere in the United States": for postings with no place.
        ctx.register_udf(string_fn("country_in_text", move |s, out| {
            out.append_option(c.required_by_text(s))
        }));
    }
    {
        let c = countries.clone();
        // "candidates located in Campinas, Brazil": for postings whose fields name no city.
        ctx.register_udf(string2_fn("city_in_text", move |text, country, out| {
            out.append_option(c.city_in_text(text, country))
        }));
    }
    {
        let d = departments.clone();
        ctx.register_udf(string_fn("fr_region", move |s, out| {
            out.append_option(d.region_of(s))
        }));
    }
    {
        let d = departments.clone();
        ctx.register_udf(ScalarUDF::from(SimpleScalarUDF::new_with_signature(
            "fr_departement",
            Signature::variadic_any(Volatility::Immutable),
            DataType::Utf8,
            Arc::new(move |args: &[ColumnarValue]| {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                let parts: Vec<ArrayRef> = arrays
                    .iter()
                    .map(|a| cast(a, &DataType::Utf8))
                    .collect::<DfResult<_, _>>()?;
                let parts: Vec<_> = parts.iter().map(|a| a.as_string::<i32>()).collect();
                let n = arrays.first().map_or(0, |a| a.len());
                let mut b = StringBuilder::with_capacity(n, n * 3);
                for i in 0..n {
                    let found = d.find(parts.iter().filter(|p| !p.is_null(i)).map(|p| p.value(i)));
                    b.append_option(found);
                }
                Ok(ColumnarValue::Array(Arc::new(b.finish())))
            }),
        )));
    }
    ctx.register_udf(string_fn("fr_department", |s, out| {
        out.append_option(joblake_enrich::department_code_from_label(s))
    }));
    ctx.register_udf(string_fn("clean_city", |s, out| {
        out.append_option(joblake_enrich::clean_city(s))
    }));
    ctx.register_udf(string_fn("fr_city", |s, out| {
        out.append_option(joblake_enrich::city_from_ft_label(s))
    }));

    ctx.register_udf(unary(
        "parse_timestamp",
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        |arr| {
            let mut b = TimestampMicrosecondBuilder::with_capacity(arr.len()).with_timezone("UTC");
            for v in arr.iter() {
                b.append_option(
                    v.and_then(joblake_enrich::parse_timestamp)
                        .map(|t| t.timestamp_micros()),
                );
            }
            Arc::new(b.finish())
        },
    ));

    ctx.register_udf(ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "guess_salary_period",
        Signature::exact(vec![DataType::Float64], Volatility::Immutable),
        utf8.clone(),
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let amounts = arrays[0].as_primitive::<deltalake::arrow::datatypes::Float64Type>();
            let mut b = StringBuilder::with_capacity(amounts.len(), amounts.len() * 5);
            for v in amounts.iter() {
                b.append_option(v.and_then(joblake_enrich::guess_salary_period));
            }
            Ok(ColumnarValue::Array(Arc::new(b.finish())))
        }),
    )));

    let salary_fields = Fields::from(vec![
        Field::new("min", DataType::Float64, true),
        Field::new("max", DataType::Float64, true),
        Field::new("currency", utf8.clone(), true),
        Field::new("period", utf8.clone(), true),
    ]);
    {
        let fields = salary_fields.clone();
        ctx.register_udf(unary(
            "parse_salary",
            DataType::Struct(salary_fields),
            move |arr| {
                let n = arr.len();
                let (mut min, mut max) = (
                    Float64Builder::with_capacity(n),
                    Float64Builder::with_capacity(n),
                );
                let (mut cur, mut per) = (StringBuilder::new(), StringBuilder::new());
                for v in arr.iter() {
                    let s = v.and_then(joblake_enrich::parse_salary_text);
                    min.append_option(s.as_ref().map(|s| s.min));
                    max.append_option(s.as_ref().map(|s| s.max));
                    cur.append_option(s.as_ref().and_then(|s| s.currency));
                    per.append_option(s.as_ref().and_then(|s| s.period));
                }
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(min.finish()),
                    Arc::new(max.finish()),
                    Arc::new(cur.finish()),
                    Arc::new(per.finish()),
                ];
                Arc::new(StructArray::new(fields.clone(), columns, None))
            },
        ));
    }

    {
        let rules = Arc::new(joblake_enrich::PayRules::new(
            joblake_enrich::CurrencyRates::from_csv(&load("currency_rates.csv")?)
                .map_err(|e| bad("currency_rates.csv", e))?,
        ));
        ctx.register_udf(normalize_pay(rules));
    }

    {
        let s = skills.clone();
        let item = Arc::new(Field::new("item", utf8.clone(), true));
        ctx.register_udf(unary(
            "extract_skills",
            DataType::List(item.clone()),
            move |arr| {
                let mut b = ListBuilder::new(StringBuilder::new()).with_field(item.clone());
                for v in arr.iter() {
                    match v {
                        Some(text) => {
                            for skill in s.find(text) {
                                b.values().append_value(skill);
                            }
                            b.append(true);
                        }
                        None => b.append(false),
                    }
                }
                Arc::new(b.finish())
            },
        ));
    }

    ctx.register_udf(super::listings_udf::cluster_listings(Arc::new(
        joblake_enrich::Workplaces::from_csv(&load("workplaces.csv")?)
            .map_err(|e| bad("workplaces.csv", e))?,
    )));
    ctx.register_udf(super::listings_udf::text_start());
    ctx.register_udf(super::listings_udf::text_head());
    ctx.register_udf(super::listings_udf::company_candidate());
    {
        let s = skills.clone();
        let item = Arc::new(Field::new("item", utf8.clone(), true));
        let ret = DataType::List(item.clone());
        let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let text = cast(&arrays[0], &DataType::Utf8)?;
            let employer = cast(&arrays[1], &DataType::Utf8)?;
            let (text, employer) = (text.as_string::<i32>(), employer.as_string::<i32>());
            let mut b = ListBuilder::new(StringBuilder::new()).with_field(item.clone());
            for i in 0..text.len() {
                if text.is_null(i) {
                    b.append(false);
                    continue;
                }
                let who = if employer.is_null(i) {
                    ""
                } else {
                    employer.value(i)
                };
                for skill in s.find_for_employer(text.value(i), who) {
                    b.values().append_value(skill);
                }
                b.append(true);
            }
            Ok(ColumnarValue::Array(Arc::new(b.finish())))
        };
        // extract_skills(text, employer): without the employer's own products (AWS at Amazon).
        ctx.register_udf(ScalarUDF::from(SimpleScalarUDF::new_with_signature(
            "extract_skills_for",
            Signature::any(2, Volatility::Immutable),
            ret,
            Arc::new(fun),
        )));
    }

    ctx.register_udf(ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "stable_key",
        Signature::variadic_any(Volatility::Immutable),
        DataType::Int64,
        Arc::new(stable_key),
    )));
    Ok(())
}

/// A surrogate key derived from natural key parts: the first 63 bits of SHA-256 over the parts
/// (NULL parts count as empty). Stable across refreshes and machines, so BI tools' saved
/// questions and foreign keys survive a rebuild.
pub fn stable_key_of(parts: &[Option<&str>]) -> i64 {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(p.unwrap_or("").as_bytes());
    }
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(first) >> 1) as i64
}

fn stable_key(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    // As views: a cast from `Utf8View` is free and one from `Utf8` builds views over the same
    // buffers (a cast to `Utf8` copied every string of a view); other types are keyed by their
    // text.
    let texts: Vec<ArrayRef> = arrays
        .iter()
        .map(|a| cast(a, &DataType::Utf8View))
        .collect::<std::result::Result<_, _>>()?;
    let cols: Vec<&StringViewArray> = texts.iter().map(|a| a.as_string_view()).collect();
    let n = texts.first().map_or(1, |a| a.len());
    let out: ArrayRef = Arc::new(Int64Array::from(stable_keys(n, &cols)));
    Ok(
        if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
            ColumnarValue::Scalar(deltalake::datafusion::scalar::ScalarValue::try_from_array(
                &out, 0,
            )?)
        } else {
            ColumnarValue::Array(out)
        },
    )
}

/// Rows after which [`stable_keys`] judges its cache of part values: it keeps it only when
/// fewer than half of them were distinct.
const KEY_CACHE_PROBE: usize = 1024;

/// [`stable_key_of`] for each of `n` rows of `cols`. Most calls key a column of few values
/// (a skill, a family, a source, a place: 2.27M skill rows of 178 skills at 1M postings), and
/// SHA-256 is the cost, so a batch remembers the keys of the part values it has met; a column
/// of distinct values (a posting's id) drops the cache after [`KEY_CACHE_PROBE`] rows.
fn stable_keys(n: usize, cols: &[&StringViewArray]) -> Vec<i64> {
    let mut keys = Vec::with_capacity(n);
    let mut parts: Vec<Option<&str>> = Vec::with_capacity(cols.len());
    let mut cache: Option<HashMap<Vec<Option<&str>>, i64>> = Some(HashMap::new());
    for row in 0..n {
        parts.clear();
        parts.extend(cols.iter().map(|c| c.is_valid(row).then(|| c.value(row))));
        let key = match cache.as_mut() {
            Some(cache) => match cache.get(&parts) {
                Some(key) => *key,
                None => {
                    let key = stable_key_of(&parts);
                    cache.insert(parts.clone(), key);
                    key
                }
            },
            None => stable_key_of(&parts),
        };
        keys.push(key);
        if row + 1 == KEY_CACHE_PROBE
            && cache
                .as_ref()
                .is_some_and(|c| c.len() > KEY_CACHE_PROBE / 2)
        {
            cache = None;
        }
    }
    keys
}

/// `normalize_pay(min, max, currency, period, text, description, country, country_currency,
/// contract, hours_text)`: a record's pay, annualised, as a struct of `min`, `max`, `currency`, `period`,
/// `annual_min`, `annual_max` and `basis` (how it was read); NULL when it states no pay.
fn normalize_pay(rules: Arc<joblake_enrich::PayRules>) -> ScalarUDF {
    let utf8 = DataType::Utf8;
    let fields = Fields::from(vec![
        Field::new("min", DataType::Float64, true),
        Field::new("max", DataType::Float64, true),
        Field::new("currency", utf8.clone(), true),
        Field::new("period", utf8.clone(), true),
        Field::new("annual_min", DataType::Float64, true),
        Field::new("annual_max", DataType::Float64, true),
        Field::new("basis", utf8.clone(), true),
    ]);
    let ret = DataType::Struct(fields.clone());
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let num: Vec<ArrayRef> = arrays[..2]
            .iter()
            .map(|a| cast(a, &DataType::Float64))
            .collect::<DfResult<_, _>>()?;
        let text: Vec<ArrayRef> = arrays[2..]
            .iter()
            .map(|a| cast(a, &DataType::Utf8))
            .collect::<DfResult<_, _>>()?;
        let num: Vec<_> = num
            .iter()
            .map(|a| a.as_primitive::<deltalake::arrow::datatypes::Float64Type>())
            .collect();
        let text: Vec<_> = text.iter().map(|a| a.as_string::<i32>()).collect();
        let n = arrays[0].len();
        let (mut min, mut max, mut amin, mut amax) = (
            Float64Builder::with_capacity(n),
            Float64Builder::with_capacity(n),
            Float64Builder::with_capacity(n),
            Float64Builder::with_capacity(n),
        );
        let (mut cur, mut per, mut basis) = (
            StringBuilder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
        );
        let mut valid = Vec::with_capacity(n);
        for i in 0..n {
            let f = |j: usize| (!num[j].is_null(i)).then(|| num[j].value(i));
            let t = |j: usize| (!text[j].is_null(i)).then(|| text[j].value(i));
            let pay = rules.normalize(&joblake_enrich::PayInput {
                min: f(0),
                max: f(1),
                currency: t(0),
                period: t(1),
                text: t(2),
                description: t(3),
                country: t(4),
                country_currency: t(5),
                contract: t(6),
                hours_text: t(7),
            });
            valid.push(pay.is_some());
            min.append_option(pay.as_ref().map(|p| p.min));
            max.append_option(pay.as_ref().map(|p| p.max));
            cur.append_option(pay.as_ref().and_then(|p| p.currency.as_deref()));
            per.append_option(pay.as_ref().map(|p| p.period.as_str()));
            amin.append_option(pay.as_ref().map(|p| p.annual_min));
            amax.append_option(pay.as_ref().map(|p| p.annual_max));
            basis.append_option(pay.as_ref().map(|p| p.basis.as_str()));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(min.finish()),
            Arc::new(max.finish()),
            Arc::new(cur.finish()),
            Arc::new(per.finish()),
            Arc::new(amin.finish()),
            Arc::new(amax.finish()),
            Arc::new(basis.finish()),
        ];
        let out: ArrayRef = Arc::new(StructArray::new(
            fields.clone(),
            columns,
            Some(valid.into()),
        ));
        // Constant arguments (a literal call): a constant result.
        Ok(
            if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
                ColumnarValue::Scalar(deltalake::datafusion::scalar::ScalarValue::try_from_array(
                    &out, 0,
                )?)
            } else {
                ColumnarValue::Array(out)
            },
        )
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "normalize_pay",
        Signature::any(10, Volatility::Immutable),
        ret,
        Arc::new(fun),
    ))
}

/// A one-argument string function returning a string; NULL in, NULL out.
fn string_fn(
    name: &str,
    f: impl Fn(&str, &mut StringBuilder) + Send + Sync + 'static,
) -> ScalarUDF {
    unary(name, DataType::Utf8, move |arr| {
        let mut b = StringBuilder::with_capacity(arr.len(), arr.value_data().len());
        for v in arr.iter() {
            match v {
                Some(s) => f(s, &mut b),
                None => b.append_null(),
            }
        }
        Arc::new(b.finish())
    })
}

/// A two-argument string function returning a string; NULL in either, NULL out.
fn string2_fn(
    name: &str,
    f: impl Fn(&str, &str, &mut StringBuilder) + Send + Sync + 'static,
) -> ScalarUDF {
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let a = cast(&arrays[0], &DataType::Utf8)?;
        let b = cast(&arrays[1], &DataType::Utf8)?;
        let (a, b) = (a.as_string::<i32>(), b.as_string::<i32>());
        let mut out = StringBuilder::with_capacity(a.len(), 0);
        for i in 0..a.len() {
            if a.is_null(i) || b.is_null(i) {
                out.append_null();
            } else {
                f(a.value(i), b.value(i), &mut out);
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        name,
        Signature::string(2, Volatility::Immutable),
        DataType::Utf8,
        Arc::new(fun),
    ))
}

/// A one-argument function over strings (any string type, cast to Utf8 first).
fn unary(
    name: &str,
    ret: DataType,
    f: impl Fn(&deltalake::arrow::array::StringArray) -> ArrayRef + Send + Sync + 'static,
) -> ScalarUDF {
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let scalar = matches!(args.first(), Some(ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let input = cast(&arrays[0], &DataType::Utf8)?;
        let out = f(input.as_string::<i32>());
        Ok(if scalar {
            ColumnarValue::Scalar(deltalake::datafusion::scalar::ScalarValue::try_from_array(
                &out, 0,
            )?)
        } else {
            ColumnarValue::Array(out)
        })
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        name,
        Signature::string(1, Volatility::Immutable),
        ret,
        Arc::new(fun),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keys_are_stable_and_positive() {
        let a = stable_key_of(&[Some("acme"), Some("paris")]);
        assert_eq!(a, stable_key_of(&[Some("acme"), Some("paris")]));
        assert!(a >= 0);
        // Part boundaries matter: ("ab","c") is not ("a","bc").
        assert_ne!(
            stable_key_of(&[Some("ab"), Some("c")]),
            stable_key_of(&[Some("a"), Some("bc")])
        );
    }

    /// The SQL function over arrays, as `stable_key_of` row by row: views and plain strings,
    /// nulls, a non-text part, few values (the cache kept) and distinct ones (dropped).
    #[test]
    fn stable_key_over_arrays_is_stable_key_of_each_row() {
        use deltalake::arrow::array::{Int32Array, StringArray};
        let rows = 3 * KEY_CACHE_PROBE;
        let few: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 7 != 0).then(|| format!("skill {}", i % 5)))
            .collect();
        let distinct: Vec<Option<String>> =
            (0..rows).map(|i| Some(format!("posting {i}"))).collect();
        let numbers: Vec<Option<i32>> = (0..rows)
            .map(|i| (i % 3 != 0).then_some(i as i32 % 4))
            .collect();
        let as_view = |v: &[Option<String>]| -> ColumnarValue {
            ColumnarValue::Array(Arc::new(StringViewArray::from_iter(
                v.iter().map(|s| s.as_deref()),
            )))
        };
        let as_utf8 = |v: &[Option<String>]| -> ColumnarValue {
            ColumnarValue::Array(Arc::new(StringArray::from_iter(
                v.iter().map(|s| s.as_deref()),
            )))
        };
        let numbers_array = ColumnarValue::Array(Arc::new(Int32Array::from(numbers.clone())));
        let number_text = |i: usize| numbers[i].map(|n| n.to_string());
        // Each case: the arguments, and each row's key computed part by part.
        let by_row = |key: &dyn Fn(usize) -> i64| (0..rows).map(key).collect::<Vec<i64>>();
        let cases = vec![
            (
                vec![as_view(&few)],
                by_row(&|i| stable_key_of(&[few[i].as_deref()])),
            ),
            (
                vec![as_utf8(&distinct)],
                by_row(&|i| stable_key_of(&[distinct[i].as_deref()])),
            ),
            (
                vec![as_utf8(&few), as_view(&distinct), numbers_array],
                by_row(&|i| {
                    let n = number_text(i);
                    stable_key_of(&[few[i].as_deref(), distinct[i].as_deref(), n.as_deref()])
                }),
            ),
        ];
        for (case, (args, expected)) in cases.into_iter().enumerate() {
            let ColumnarValue::Array(out) = stable_key(&args).expect("keys") else {
                panic!("case {case}: an array expected");
            };
            let out = out.as_primitive::<deltalake::arrow::datatypes::Int64Type>();
            assert_eq!(out.values().to_vec(), expected, "case {case}");
        }
        // All scalars: one scalar.
        let scalar = ColumnarValue::Scalar(deltalake::datafusion::scalar::ScalarValue::Utf8(Some(
            "acme".into(),
        )));
        let ColumnarValue::Scalar(key) = stable_key(&[scalar]).expect("key") else {
            panic!("a scalar expected");
        };
        assert_eq!(
            key,
            deltalake::datafusion::scalar::ScalarValue::Int64(Some(stable_key_of(&[Some("acme")])))
        );
    }
}
