//! `joblake train`: the job-family classifier and the salary estimator of
//! [`joblake_model`], trained from `silver.job_postings`, evaluated on a held-out part against
//! their baselines, and stored as new versions in `_meta/models/` ([`crate::lake::models`]).
//! The next refresh predicts with them (`gold.fact_posting_prediction`).
//!
//! The split is by posting (`joblake_model::Split`), so duplicates of one job never straddle
//! it. The classifier learns the rules' families (weak labels) and, when `--labels` names a
//! file of hand labels, those (weighted up); the hand labels of the calibration part choose
//! when it may overrule the rules' `other` (without them it never does); it is judged on hand
//! labels when the test part holds some, else on the rules' labels. The salary estimator learns from postings that state
//! a salary (not a source's estimate).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use deltalake::arrow::array::{Array, AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Float64Type};
use futures::TryStreamExt;
use joblake_model::{
    CROSS_FIT_FOLDS, FamilyExample, FamilyModel, FamilyTraining, Featurizer, MedianBaseline,
    ModelKind, ModelMeta, OTHER, Part, Posting, SalaryExample, SalaryModel, SalaryTraining, Split,
    TextCounts, choose_threshold, classification, regression,
};
use serde::Serialize;
use serde_json::json;

use crate::bronze::FileSelection;
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::audit::{self, AuditEvent};
use crate::lake::{Lake, models};
use crate::project::Project;

/// Salaries outside this range (EUR a year) are not learned from: silver keeps what a source
/// stated, and a few statements are not annual pay of one person.
const SALARY_RANGE: std::ops::RangeInclusive<f64> = 5_000.0..=1_000_000.0;

/// Fewer training postings than this and a model is not trained (its figures would mean
/// nothing).
pub const MIN_TRAINING_POSTINGS: usize = 30;

/// What to train and how.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// The split (seed, test share, calibration share).
    pub split: Split,
    /// The classifier's settings.
    pub family: FamilyTraining,
    /// The estimator's settings.
    pub salary: SalaryTraining,
    /// log2 of the hashed feature space.
    pub bits: u8,
    /// Characters of the description the classifier reads.
    pub description_chars: usize,
    /// At most this many postings train the classifier (a deterministic sample): its text
    /// features take ~1.5 KB per posting in memory. The test part is never sampled.
    pub max_family_postings: usize,
    /// CSVs of hand labels with columns `source`, `source_id`, `job_family` (such as
    /// `tests/eval/postings.csv`); none: the rules' labels only.
    pub labels: Vec<PathBuf>,
}

impl Default for TrainSettings {
    fn default() -> TrainSettings {
        TrainSettings {
            split: Split::default(),
            family: FamilyTraining::default(),
            salary: SalaryTraining::default(),
            bits: 18,
            description_chars: 1000,
            max_family_postings: 250_000,
            labels: Vec::new(),
        }
    }
}

/// What a training run did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// The versions stored, with their figures.
    pub models: Vec<ModelMeta>,
    /// Models not trained, with the reason.
    pub skipped: Vec<(ModelKind, String)>,
    /// Postings read from silver.
    pub postings: u64,
    /// Hand labels matched to postings.
    pub hand_labels: u64,
    /// Seconds reading and featurising.
    pub read_seconds: f64,
    /// Seconds in all.
    pub seconds: f64,
}

/// A test posting of the classifier.
struct FamilyTest {
    counts: TextCounts,
    rules: String,
    hand: Option<String>,
}

/// A posting that states its salary.
struct SalaryRow {
    example: SalaryExample,
    family: String,
    country: String,
}

/// What training gathered, each item with its posting id: the engine streams rows in no fixed
/// order (partitions run in parallel), so the lists are sorted by posting id before training,
/// which makes the visiting order, and so the model, the same on every run.
#[derive(Default)]
struct Collected {
    postings: u64,
    /// With the rules' family of a hand-labelled example (which cross-fitting needs).
    family_train: Vec<(String, (FamilyExample, Option<String>))>,
    family_test: Vec<(String, FamilyTest)>,
    salary: [Vec<(String, SalaryRow)>; 3],
    hand_labels: u64,
}

/// The items of a list, ordered by posting id.
fn by_id<T>(mut items: Vec<(String, T)>) -> Vec<T> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items.into_iter().map(|(_, t)| t).collect()
}

/// Trains both models from the lake as it is and stores them.
pub async fn train(
    lake: &Lake,
    project: &Project,
    settings: &TrainSettings,
) -> Result<TrainReport> {
    let started = Instant::now();
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    let stamp = lake.stamp("silver", "job_postings").await?.ok_or_else(|| {
        Error::Config("silver.job_postings does not exist: run `joblake refresh` first".into())
    })?;
    let mut trained_on = BTreeMap::new();
    trained_on.insert("silver.job_postings".to_string(), stamp.version);

    let hand = if settings.labels.is_empty() {
        HashMap::new()
    } else {
        let rules = joblake_enrich::JobFamilyRules::from_csv(
            project.require("reference/job_families.csv")?,
        )
        .map_err(|e| Error::Config(format!("reference/job_families.csv: {e}")))?;
        let labels = read_labels(&settings.labels, &rules.families())?;
        let listings = ctx
            .sql(project.require("ml/posting_listings.sql")?)
            .await?
            .collect()
            .await?;
        if let Some(s) = lake.stamp("silver", "posting_sources").await? {
            trained_on.insert("silver.posting_sources".to_string(), s.version);
        }
        posting_labels(&listings, &labels)?
    };

    let total = ctx
        .sql("SELECT count(*) FROM silver.job_postings")
        .await?
        .collect()
        .await?;
    let total = total
        .first()
        .and_then(|b| cast(b.column(0), &DataType::Int64).ok())
        .map_or(0, |c| {
            c.as_primitive::<deltalake::arrow::datatypes::Int64Type>()
                .value(0)
        });
    let train_share = 1.0 - settings.split.test_share;
    let sample = if total <= 0 {
        1.0
    } else {
        (settings.max_family_postings as f64 / (total as f64 * train_share)).min(1.0)
    };

    let featurizer = Featurizer::new(settings.bits, settings.description_chars);
    let mut c = Collected::default();
    let mut stream = ctx
        .sql(project.require("ml/postings.sql")?)
        .await?
        .execute_stream()
        .await?;
    while let Some(batch) = stream.try_next().await? {
        collect(&batch, &featurizer, settings, sample, &hand, &mut c)?;
    }
    let read_seconds = started.elapsed().as_secs_f64();
    // A hand-labelled example's fold and rules' family, for cross-fitting.
    let (family_train, folds): (Vec<FamilyExample>, Vec<Option<(usize, String)>>) = by_id(
        std::mem::take(&mut c.family_train)
            .into_iter()
            .map(|(id, (example, rules))| {
                let fold = rules.map(|r| (settings.split.fold(&id, CROSS_FIT_FOLDS), r));
                (id, (example, fold))
            })
            .collect(),
    )
    .into_iter()
    .unzip();
    let family_test = by_id(std::mem::take(&mut c.family_test));
    let [fit, calibration, test] = std::mem::take(&mut c.salary).map(by_id);

    let mut report = TrainReport {
        models: Vec::new(),
        skipped: Vec::new(),
        postings: c.postings,
        hand_labels: c.hand_labels,
        read_seconds,
        seconds: 0.0,
    };
    let base = |name: ModelKind| ModelMeta {
        name,
        version: 0,
        created_at: chrono::Utc::now().to_rfc3339(),
        seed: settings.split.seed,
        test_share: settings.split.test_share,
        trained_on: trained_on.clone(),
        features: Vec::new(),
        params: serde_json::Value::Null,
        train_rows: 0,
        calibration_rows: 0,
        test_rows: 0,
        metrics: serde_json::Value::Null,
        train_seconds: 0.0,
        weights_file: String::new(),
        weights_sha256: String::new(),
    };

    // The classifier.
    if family_train.len() < MIN_TRAINING_POSTINGS {
        report.skipped.push((
            ModelKind::JobFamily,
            format!(
                "{} training postings, fewer than {MIN_TRAINING_POSTINGS}",
                family_train.len()
            ),
        ));
    } else {
        let t = Instant::now();
        let mut model = FamilyModel::train(featurizer.clone(), &family_train, &settings.family);
        // The threshold is chosen on every hand label of the training part, each judging a
        // model trained without its fold (CROSS_FIT_FOLDS more trainings, only when there are
        // hand labels).
        let held = FamilyModel::cross_fit(
            &featurizer,
            &family_train,
            &folds,
            CROSS_FIT_FOLDS,
            &settings.family,
        );
        let (threshold, thresholds) = choose_threshold(&held);
        model.policy.threshold = threshold;
        let mut meta = base(ModelKind::JobFamily);
        meta.features = model.featurizer.family_feature_names();
        meta.params = json!({
            "training": settings.family,
            "bits": settings.bits,
            "description_chars": settings.description_chars,
            "sampled_share": sample,
        });
        meta.train_rows = family_train.len() as u64;
        meta.calibration_rows = held.len() as u64;
        meta.test_rows = family_test.len() as u64;
        meta.metrics = family_metrics(&model, &family_train, &family_test);
        // What the threshold was chosen on: every hand label of the training part, judged by
        // a model that never saw it.
        meta.metrics["thresholds_tried"] = json!(thresholds);
        meta.metrics["cross_fitted"] = json!({
            "folds": CROSS_FIT_FOLDS,
            "hand_labels": held.len(),
            "rules_other": held.iter().filter(|h| h.rules == OTHER).count(),
            "rules_missed": held.iter().filter(|h| h.rules == OTHER && h.truth != OTHER).count(),
        });
        meta.train_seconds = t.elapsed().as_secs_f64() + read_seconds;
        let bytes = joblake_model::artefact::family_to_bytes(&mut model);
        models::save(lake, &mut meta, bytes).await?;
        report.models.push(meta);
    }

    // The salary estimator.
    let (fit, calibration, test) = (&fit, &calibration, &test);
    if fit.len() < MIN_TRAINING_POSTINGS {
        report.skipped.push((
            ModelKind::Salary,
            format!(
                "{} training postings state a salary, fewer than {MIN_TRAINING_POSTINGS}",
                fit.len()
            ),
        ));
    } else {
        let t = Instant::now();
        let examples = |rows: &[SalaryRow]| -> Vec<SalaryExample> {
            rows.iter().map(|r| r.example.clone()).collect()
        };
        let mut model = SalaryModel::train(
            featurizer.clone(),
            &examples(fit),
            &examples(calibration),
            &settings.salary,
        );
        let mut meta = base(ModelKind::Salary);
        meta.features = model.featurizer.salary_feature_names();
        meta.params = json!({ "training": settings.salary, "bits": settings.bits });
        meta.train_rows = fit.len() as u64;
        meta.calibration_rows = calibration.len() as u64;
        meta.test_rows = test.len() as u64;
        meta.metrics = salary_metrics(&model, fit, calibration, test);
        meta.train_seconds = t.elapsed().as_secs_f64() + read_seconds;
        let bytes = joblake_model::artefact::salary_to_bytes(&mut model);
        models::save(lake, &mut meta, bytes).await?;
        report.models.push(meta);
    }

    let events: Vec<AuditEvent> = report
        .models
        .iter()
        .map(|m| {
            let mut e = AuditEvent::new("train", format!("{}/{}", models::DIR, m.name));
            e.version = Some(m.version as i64);
            e.rows = Some(m.train_rows as i64);
            e.detail = Some(format!("trained on {:?}", m.trained_on));
            e
        })
        .collect();
    if !events.is_empty() {
        audit::record(lake, &events).await?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn collect(
    batch: &RecordBatch,
    featurizer: &Featurizer,
    settings: &TrainSettings,
    sample: f64,
    hand: &HashMap<String, String>,
    c: &mut Collected,
) -> Result<()> {
    let names = [
        "posting_id",
        "title",
        "description",
        "skills",
        "job_family",
        "country",
        "region",
        "contract_type",
        "working_time",
    ];
    let strings = names
        .iter()
        .map(|n| string_column(batch, n))
        .collect::<Result<Vec<_>>>()?;
    let salary = cast(column(batch, "salary_eur")?, &DataType::Float64)?;
    let salary = salary.as_primitive::<Float64Type>();
    let estimated = cast(column(batch, "salary_predicted")?, &DataType::Boolean)?;
    let estimated = estimated.as_boolean();
    for row in 0..batch.num_rows() {
        let s = |i: usize| {
            let a = strings[i].as_string::<i32>();
            if a.is_null(row) { "" } else { a.value(row) }
        };
        let id = s(0);
        if id.is_empty() {
            continue;
        }
        c.postings += 1;
        let skills: Vec<&str> = s(3).split('|').filter(|x| !x.is_empty()).collect();
        let title_key = joblake_enrich::normalize_key(s(1));
        let posting = Posting {
            title: s(1),
            title_key: Some(&title_key),
            description: s(2),
            skills: &skills,
            job_family: if s(4).is_empty() { OTHER } else { s(4) },
            country: s(5),
            region: s(6),
            contract_type: s(7),
            working_time: s(8),
        };
        let part = settings.split.part(id);
        let hand_label = hand.get(id);
        if hand_label.is_some() {
            c.hand_labels += 1;
        }
        match part {
            Part::Test => c.family_test.push((
                id.to_string(),
                FamilyTest {
                    counts: featurizer.text_counts(&posting),
                    rules: posting.job_family.to_string(),
                    hand: hand_label.cloned(),
                },
            )),
            // Hand-labelled postings are always kept: there are few, and they matter most
            // (they also choose the policy's threshold, by cross-fitting). Others teach the
            // rules' family only where the rules are confident: a posting they call `other`
            // that names technical skills may be a job whose title they cannot read, and
            // would teach that such text is `other`.
            Part::Train | Part::Calibration
                if hand_label.is_some()
                    || (settings.split.sampled(id, sample)
                        && (posting.job_family != OTHER || skills.is_empty())) =>
            {
                c.family_train.push((
                    id.to_string(),
                    (
                        FamilyExample {
                            counts: featurizer.text_counts(&posting),
                            label: hand_label
                                .cloned()
                                .unwrap_or_else(|| posting.job_family.to_string()),
                            hand_labelled: hand_label.is_some(),
                        },
                        hand_label.map(|_| posting.job_family.to_string()),
                    ),
                ));
            }
            _ => {}
        }
        let source_estimate = estimated.is_valid(row) && estimated.value(row);
        let stated =
            salary.is_valid(row) && !source_estimate && SALARY_RANGE.contains(&salary.value(row));
        if stated {
            let r = SalaryRow {
                example: SalaryExample {
                    row: featurizer.salary_row(&posting),
                    salary_eur: salary.value(row),
                },
                family: posting.job_family.to_string(),
                country: posting.country.to_string(),
            };
            let i = match part {
                Part::Train => 0,
                Part::Calibration => 1,
                Part::Test => 2,
            };
            c.salary[i].push((id.to_string(), r));
        }
    }
    Ok(())
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a deltalake::arrow::array::ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| Error::Model {
        model: "ml/postings.sql".into(),
        message: format!("returns no column `{name}`"),
    })
}

fn string_column(batch: &RecordBatch, name: &str) -> Result<deltalake::arrow::array::ArrayRef> {
    Ok(cast(column(batch, name)?, &DataType::Utf8)?)
}

/// The classifier's figures on the test part: the policy (what the refresh writes), the model
/// alone, the rules alone and the majority class, all against the hand labels when the test
/// part holds some (else against the rules' labels, where the rules are right by definition).
fn family_metrics(
    model: &FamilyModel,
    train: &[FamilyExample],
    test: &[FamilyTest],
) -> serde_json::Value {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in train {
        *counts.entry(e.label.as_str()).or_default() += 1;
    }
    let majority = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or(OTHER, |(k, _)| k)
        .to_string();
    let predictions: Vec<_> = test
        .iter()
        .map(|t| model.predict(&t.counts, &t.rules))
        .collect();
    let labelled: Vec<usize> = (0..test.len())
        .filter(|&i| test[i].hand.is_some())
        .collect();
    let (truth_name, rows): (&str, Vec<usize>) = if labelled.is_empty() {
        ("rule labels", (0..test.len()).collect())
    } else {
        ("hand labels", labelled)
    };
    let truth: Vec<&str> = rows
        .iter()
        .map(|&i| test[i].hand.as_deref().unwrap_or(test[i].rules.as_str()))
        .collect();
    let pick =
        |f: &dyn Fn(usize) -> String| -> Vec<String> { rows.iter().map(|&i| f(i)).collect() };
    let truth: Vec<String> = truth.iter().map(|s| s.to_string()).collect();
    let policy = classification(&truth, &pick(&|i| predictions[i].family.clone()));
    let alone = classification(&truth, &pick(&|i| predictions[i].model_family.clone()));
    let rules = classification(&truth, &pick(&|i| test[i].rules.clone()));
    let majority_c = classification(&truth, &pick(&|_| majority.clone()));
    let all_rules: Vec<String> = test.iter().map(|t| t.rules.clone()).collect();
    let all_model: Vec<String> = predictions.iter().map(|p| p.model_family.clone()).collect();
    let agreement = classification(&all_rules, &all_model);
    let overrides = test
        .iter()
        .zip(&predictions)
        .filter(|(t, p)| t.rules != p.family)
        .count();
    json!({
        "truth": truth_name,
        "n": policy.n,
        "accuracy": policy.accuracy,
        "macro_f1": policy.macro_f1,
        "per_class": policy.per_class,
        "model_alone": { "accuracy": alone.accuracy, "macro_f1": alone.macro_f1 },
        "rules": { "accuracy": rules.accuracy, "macro_f1": rules.macro_f1 },
        "baseline_majority": { "class": majority, "accuracy": majority_c.accuracy, "macro_f1": majority_c.macro_f1 },
        "model_agreement_with_rules": { "n": agreement.n, "accuracy": agreement.accuracy, "macro_f1": agreement.macro_f1 },
        "overrides_of_other": overrides,
        "threshold": model.policy.threshold,
    })
}

/// The estimator's figures on the test part, beside the median per family × country of the
/// training postings.
fn salary_metrics(
    model: &SalaryModel,
    fit: &[SalaryRow],
    calibration: &[SalaryRow],
    test: &[SalaryRow],
) -> serde_json::Value {
    let baseline = MedianBaseline::fit(
        fit.iter()
            .chain(calibration)
            .map(|r| (r.family.as_str(), r.country.as_str(), r.example.salary_eur)),
    );
    let truth: Vec<f64> = test.iter().map(|r| r.example.salary_eur).collect();
    let preds: Vec<_> = test.iter().map(|r| model.predict(&r.example.row)).collect();
    let est: Vec<f64> = preds.iter().map(|p| p.salary).collect();
    let low: Vec<f64> = preds.iter().map(|p| p.low).collect();
    let high: Vec<f64> = preds.iter().map(|p| p.high).collect();
    let m = regression(&truth, &est, Some((&low, &high)));
    let base: Vec<f64> = test
        .iter()
        .map(|r| baseline.predict(&r.family, &r.country))
        .collect();
    let b = regression(&truth, &base, None);
    json!({
        "n": m.n,
        "mae": m.mae,
        "mape": m.mape,
        "median_ae": m.median_ae,
        "coverage": m.coverage,
        "interval_level": model.level,
        "baseline_median_family_country": { "mae": b.mae, "mape": b.mape, "median_ae": b.median_ae },
    })
}

/// Hand labels of CSVs with `source`, `source_id`, `job_family` columns (others ignored). A
/// family that is not one of `families` (nor `other`) is refused, naming its file and line, as
/// is a listing two files label differently.
fn read_labels(paths: &[PathBuf], families: &[&str]) -> Result<HashMap<(String, String), String>> {
    let mut out: HashMap<(String, String), (String, String)> = HashMap::new();
    for path in paths {
        let bad = |m: String| Error::Config(format!("labels {}: {m}", path.display()));
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| bad(format!("no `{name}` column")))
        };
        let (source, id, family) = (find("source")?, find("source_id")?, find("job_family")?);
        for record in reader.records() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let get = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
            let label = get(family);
            if label.is_empty() {
                continue;
            }
            if label != OTHER && !families.contains(&label.as_str()) {
                return Err(bad(format!(
                    "line {line}: `{label}` is not a job family of ref.job_families (nor `{OTHER}`)"
                )));
            }
            let here = format!("{}:{line}", path.display());
            match out.entry((get(source), get(id))) {
                Entry::Occupied(e) if e.get().0 != label => {
                    return Err(bad(format!(
                        "line {line}: {}/{} is `{label}` here and `{}` at {}",
                        e.key().0,
                        e.key().1,
                        e.get().0,
                        e.get().1
                    )));
                }
                Entry::Occupied(_) => {}
                Entry::Vacant(e) => {
                    e.insert((label, here));
                }
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(k, (family, _))| (k, family))
        .collect())
}

/// The label of each posting that has a hand-labelled listing (the alphabetically first when
/// two listings of one posting were labelled differently: rows arrive in no fixed order).
fn posting_labels(
    listings: &[RecordBatch],
    labels: &HashMap<(String, String), String>,
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for batch in listings {
        let (p, s, i) = (
            string_column(batch, "posting_id")?,
            string_column(batch, "source")?,
            string_column(batch, "source_id")?,
        );
        let (p, s, i) = (
            p.as_string::<i32>(),
            s.as_string::<i32>(),
            i.as_string::<i32>(),
        );
        for row in 0..batch.num_rows() {
            if p.is_null(row) || s.is_null(row) || i.is_null(row) {
                continue;
            }
            let key = (s.value(row).to_string(), i.value(row).to_string());
            if let Some(label) = labels.get(&key) {
                out.entry(p.value(row).to_string())
                    .and_modify(|l: &mut String| {
                        if label < l {
                            *l = label.clone();
                        }
                    })
                    .or_insert_with(|| label.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        path
    }

    #[test]
    fn label_files_are_merged_and_bad_rows_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let families = ["data_engineer", "software_engineer"];
        let a = file(
            &dir,
            "a.csv",
            "source,source_id,job_family\nreed,1,data_engineer\nreed,2,\n",
        );
        let b = file(
            &dir,
            "b.csv",
            "job_family,source_id,source,note\nother,3,reed,x\ndata_engineer,1,reed,again\n",
        );
        let labels = read_labels(&[a.clone(), b], &families).expect("labels read");
        assert_eq!(labels.len(), 2);
        assert_eq!(labels[&("reed".into(), "3".into())], "other");

        let typo = file(
            &dir,
            "typo.csv",
            "source,source_id,job_family\nreed,9,data_enginer\n",
        );
        let e = read_labels(&[typo], &families).expect_err("unknown family");
        assert!(
            e.to_string().contains("typo.csv") && e.to_string().contains("line 2"),
            "{e}"
        );

        let clash = file(
            &dir,
            "clash.csv",
            "source,source_id,job_family\nreed,1,software_engineer\n",
        );
        let e = read_labels(&[a, clash], &families).expect_err("two labels for one listing");
        assert!(e.to_string().contains("a.csv:2"), "{e}");
    }
}
