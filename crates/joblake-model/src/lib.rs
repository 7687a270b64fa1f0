//! joblake's models of the job market, in pure Rust (no engine, no lake): what a posting's
//! features are, how postings are split for evaluation, the two learners and their metrics,
//! and the artefact format the lake stores.
//!
//! - [`JobFamilyModel`]: a multinomial logistic regression on hashed TF-IDF features of the
//!   title and the description's opening, trained on the rule-based families (weak labels)
//!   plus hand labels; at prediction it keeps the rules' family where a rule matched and
//!   speaks only where the rules say `other` and it is confident ([`FamilyPolicy`]), with a
//!   threshold chosen on held-out hand labels (none: it never overrules the rules).
//! - [`SalaryModel`]: a ridge regression of the log annual salary in EUR on the family,
//!   skills, place, contract, seniority and title words, with a split-conformal interval.
//!
//! Why not linfa or smartcore: both need dense feature matrices, and hashed text features are
//! sparse (2^18 columns, ~150 non-zero per posting: 1M postings would be 2 TB dense). The
//! learners here are plain stochastic gradient descent on sparse rows, seeded and ordered
//! deterministically, so the same data and seed give the same model bit for bit.

pub mod artefact;
pub mod family;
pub mod features;
mod linear;
pub mod metrics;
pub mod salary;
pub mod split;

pub use artefact::{ArtefactError, ModelKind, ModelMeta, Stored};
pub use family::{
    CROSS_FIT_FOLDS, FamilyExample, FamilyModel, FamilyPolicy, FamilyPrediction, FamilyTraining,
    HeldOut, NEVER, OTHER, THRESHOLDS, Tried, choose_threshold,
};
pub use features::{Featurizer, Posting, Seniority, SparseRow, TextCounts};
pub use metrics::{ClassReport, Classification, Regression, classification, regression};
pub use salary::{MedianBaseline, SalaryExample, SalaryModel, SalaryPrediction, SalaryTraining};
pub use split::{Part, Split};
