//! The stored form of a model: `model.json` (what it is, what it was trained on, how it
//! scored: readable by people and notebooks) beside its weights file (its parameters, named
//! after their SHA-256 so that a version's description and weights cannot be mixed up).
//!
//! The weights file is little-endian: the magic `JLMODEL1`, a JSON header (its length as u32,
//! then the text: the featurizer, classes, policy or interval), the IDF table (count, then
//! (bucket u32, idf f32) pairs), the biases (count, f32 each), then the non-zero weight rows
//! (count, then bucket u32 and `width` f32 each). Only buckets a training posting touched are
//! stored, so a model with 2^18 buckets takes a few MB.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::family::{FamilyModel, FamilyPolicy};
use crate::features::Featurizer;
use crate::salary::SalaryModel;

const MAGIC: &[u8; 8] = b"JLMODEL1";

/// The models joblake trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// The job-family classifier.
    JobFamily,
    /// The salary estimator.
    Salary,
}

impl ModelKind {
    /// Every kind, in training order.
    pub const ALL: [ModelKind; 2] = [ModelKind::JobFamily, ModelKind::Salary];

    /// The name: the directory under `_meta/models/`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::JobFamily => "job_family",
            ModelKind::Salary => "salary",
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can go wrong reading an artefact.
#[derive(Debug, thiserror::Error)]
pub enum ArtefactError {
    /// Not a joblake model, or a newer format.
    #[error("not a joblake model file (bad magic bytes)")]
    Magic,
    /// The file ends early or a count is out of range.
    #[error("the model file is truncated or corrupt: {0}")]
    Corrupt(String),
    /// The header is not what this kind of model needs.
    #[error("the model header is invalid: {0}")]
    Header(#[from] serde_json::Error),
}

/// `model.json`: a model's identity, provenance and figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Which model.
    pub name: ModelKind,
    /// 1, 2, ...: the directory under `_meta/models/<name>/`.
    pub version: u64,
    /// When it was trained (RFC 3339).
    pub created_at: String,
    /// Seed of the split and the training order.
    pub seed: u64,
    /// Share of postings held out for testing.
    pub test_share: f64,
    /// Delta version of every table the training data came from.
    pub trained_on: BTreeMap<String, u64>,
    /// The feature groups it reads.
    pub features: Vec<String>,
    /// Training settings.
    pub params: serde_json::Value,
    /// Postings used to fit, to calibrate, to test.
    pub train_rows: u64,
    /// Postings that calibrated the model: those of the salary interval, or the hand labels
    /// that chose the classifier's threshold (cross-fitted, also among `train_rows`).
    pub calibration_rows: u64,
    /// Postings of the test part.
    pub test_rows: u64,
    /// The evaluation on the test part, with the baselines.
    pub metrics: serde_json::Value,
    /// Seconds spent training (reading the lake included).
    pub train_seconds: f64,
    /// The weights file beside `model.json`: `weights-<first 16 hex of its SHA-256>.bin`.
    pub weights_file: String,
    /// SHA-256 of the weights file, hex: checked when the model is loaded.
    pub weights_sha256: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Header {
    JobFamily {
        featurizer: Featurizer,
        classes: Vec<String>,
        policy: FamilyPolicy,
    },
    Salary {
        featurizer: Featurizer,
        intercept: f64,
        residual_low: f64,
        residual_high: f64,
        level: f64,
    },
}

/// A model read back from its weights.
#[derive(Debug, Clone)]
pub enum Stored {
    /// The job-family classifier.
    JobFamily(FamilyModel),
    /// The salary estimator.
    Salary(SalaryModel),
}

/// The bytes of `weights.bin` for a family model.
pub fn family_to_bytes(model: &mut FamilyModel) -> Vec<u8> {
    let (bias, rows) = model.parts();
    let header = Header::JobFamily {
        featurizer: model.featurizer.clone(),
        classes: model.classes.clone(),
        policy: model.policy,
    };
    encode(&header, &model.featurizer.idf_table(), &bias, &rows)
}

/// The bytes of `weights.bin` for a salary model.
pub fn salary_to_bytes(model: &mut SalaryModel) -> Vec<u8> {
    let (bias, rows) = model.parts();
    let header = Header::Salary {
        featurizer: model.featurizer.clone(),
        intercept: model.intercept,
        residual_low: model.residual_low,
        residual_high: model.residual_high,
        level: model.level,
    };
    encode(&header, &model.featurizer.idf_table(), &bias, &rows)
}

fn encode(header: &Header, idf: &[(u32, f32)], bias: &[f32], rows: &[(u32, Vec<f32>)]) -> Vec<u8> {
    let json = serde_json::to_vec(header).unwrap_or_default();
    let width = bias.len();
    let mut out =
        Vec::with_capacity(64 + json.len() + idf.len() * 8 + rows.len() * (4 + 4 * width));
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, json.len());
    out.extend_from_slice(&json);
    put_u32(&mut out, idf.len());
    for &(b, v) in idf {
        out.extend_from_slice(&b.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    put_u32(&mut out, width);
    bias.iter()
        .for_each(|b| out.extend_from_slice(&b.to_le_bytes()));
    put_u32(&mut out, rows.len());
    for (j, ws) in rows {
        out.extend_from_slice(&j.to_le_bytes());
        ws.iter()
            .for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    }
    out
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], ArtefactError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| ArtefactError::Corrupt(format!("ends inside {what}")))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32, ArtefactError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self, what: &str) -> Result<f32, ArtefactError> {
        Ok(f32::from_bits(self.u32(what)?))
    }
    /// A count of items of `size` bytes each, checked against what is left.
    fn count(&mut self, size: usize, what: &str) -> Result<usize, ArtefactError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(size) > self.bytes.len() - self.at {
            return Err(ArtefactError::Corrupt(format!(
                "{what}: {n} items do not fit"
            )));
        }
        Ok(n)
    }
}

/// Reads `weights.bin`.
pub fn from_bytes(bytes: &[u8]) -> Result<Stored, ArtefactError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(8, "the magic")? != MAGIC {
        return Err(ArtefactError::Magic);
    }
    let len = r.count(1, "the header")?;
    let header: Header = serde_json::from_slice(r.take(len, "the header")?)?;
    let n_idf = r.count(8, "the IDF table")?;
    let mut idf = Vec::with_capacity(n_idf);
    for _ in 0..n_idf {
        idf.push((r.u32("the IDF table")?, r.f32("the IDF table")?));
    }
    let width = r.count(4, "the biases")?;
    let bias = (0..width)
        .map(|_| r.f32("the biases"))
        .collect::<Result<Vec<_>, _>>()?;
    let n_rows = r.count(4 + 4 * width, "the weights")?;
    let mut rows = Vec::with_capacity(n_rows);
    for _ in 0..n_rows {
        let j = r.u32("the weights")?;
        let ws = (0..width)
            .map(|_| r.f32("the weights"))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push((j, ws));
    }
    let check = |f: &Featurizer| -> Result<(), ArtefactError> {
        let dim = f.dim() as u32;
        if rows.iter().any(|(j, _)| *j >= dim) || idf.iter().any(|(j, _)| *j >= dim) {
            return Err(ArtefactError::Corrupt(format!(
                "a bucket is past 2^{}",
                f.bits
            )));
        }
        Ok(())
    };
    match header {
        Header::JobFamily {
            mut featurizer,
            classes,
            policy,
        } => {
            check(&featurizer)?;
            if classes.len() != width {
                return Err(ArtefactError::Corrupt(format!(
                    "{} classes but {width} outputs",
                    classes.len()
                )));
            }
            featurizer.set_idf(idf);
            Ok(Stored::JobFamily(FamilyModel::from_parts(
                featurizer, classes, policy, bias, &rows,
            )))
        }
        Header::Salary {
            featurizer,
            intercept,
            residual_low,
            residual_high,
            level,
        } => {
            check(&featurizer)?;
            if width != 1 {
                return Err(ArtefactError::Corrupt(format!(
                    "{width} outputs for a salary"
                )));
            }
            Ok(Stored::Salary(SalaryModel::from_parts(
                featurizer,
                [intercept, residual_low, residual_high, level],
                bias,
                &rows,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::{FamilyExample, FamilyTraining};
    use crate::features::Posting;

    fn model() -> FamilyModel {
        let f = Featurizer::new(12, 100);
        let ex: Vec<FamilyExample> = ["Data Engineer", "Boulanger", "Data Analyst"]
            .iter()
            .zip(["data_engineer", "other", "data_analyst"])
            .map(|(t, l)| FamilyExample {
                counts: f.text_counts(&Posting {
                    title: t,
                    ..Posting::default()
                }),
                label: l.into(),
                hand_labelled: false,
            })
            .collect();
        FamilyModel::train(f, &ex, &FamilyTraining::default())
    }

    #[test]
    fn a_family_model_round_trips() {
        let mut m = model();
        let bytes = family_to_bytes(&mut m);
        let Ok(Stored::JobFamily(back)) = from_bytes(&bytes) else {
            panic!("not read back");
        };
        let p = Posting {
            title: "Senior Data Engineer",
            ..Posting::default()
        };
        let a = m.predict(&m.featurizer.text_counts(&p), "other");
        let b = back.predict(&back.featurizer.text_counts(&p), "other");
        assert_eq!(a, b);
    }

    #[test]
    fn truncated_and_foreign_files_are_refused() {
        let mut m = model();
        let bytes = family_to_bytes(&mut m);
        for cut in [0, 7, 12, bytes.len() / 2, bytes.len() - 1] {
            assert!(from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            from_bytes(b"PK\x03\x04 not a model"),
            Err(ArtefactError::Magic)
        ));
    }
}
