//! `predict_posting(title, description, skills, job_family, country, region, contract_type,
//! working_time)`: the trained models of the lake ([`crate::lake::models`]) applied to a
//! posting, as a struct of the family model's answer and the salary estimate with its
//! interval (`skills` joined with `|`). Fields are NULL for a model that was never trained.
//!
//! `trained_models()`: how many of those models were trained (0, 1 or 2). A query guarded by
//! `WHERE trained_models() > 0` reads nothing when there is none: the function is stable, so
//! the optimizer evaluates it once while planning and drops the scan under a false filter.
//!
//! The newest version of each model is loaded on the first call of either function in a
//! session (and its hash checked), so sessions that never predict never read the models.

use std::sync::{Arc, OnceLock};

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, Int64Builder, StringBuilder, StructArray,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Field, Fields};
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};
use joblake_model::{FamilyModel, ModelKind, Posting, SalaryModel, Stored};

use crate::error::{Error, Result};
use crate::lake::{Lake, models};

/// Name of the function in SQL.
pub const NAME: &str = "predict_posting";

/// The models a session predicts with.
#[derive(Default)]
pub struct Loaded {
    family: Option<(u64, FamilyModel)>,
    salary: Option<(u64, SalaryModel)>,
}

impl Loaded {
    /// The newest version of each model in `lake` (none when never trained).
    pub async fn newest(lake: &Lake) -> Result<Loaded> {
        let mut loaded = Loaded::default();
        for kind in ModelKind::ALL {
            let Some(stored) = models::latest(lake, kind).await? else {
                continue;
            };
            let path = format!(
                "{}/{kind}/{}/{}",
                models::DIR,
                stored.meta.version,
                stored.meta.weights_file
            );
            let model = joblake_model::artefact::from_bytes(&stored.weights).map_err(|e| {
                Error::TrainedModel {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?;
            match (kind, model) {
                (ModelKind::JobFamily, Stored::JobFamily(m)) => {
                    loaded.family = Some((stored.meta.version, m))
                }
                (ModelKind::Salary, Stored::Salary(m)) => {
                    loaded.salary = Some((stored.meta.version, m))
                }
                _ => {
                    return Err(Error::TrainedModel {
                        path,
                        message: format!("holds another kind of model than {kind}"),
                    });
                }
            }
        }
        Ok(loaded)
    }

    /// True when no model was trained.
    pub fn is_empty(&self) -> bool {
        self.family.is_none() && self.salary.is_none()
    }

    /// How many of the models were trained.
    pub fn count(&self) -> i64 {
        i64::from(self.family.is_some()) + i64::from(self.salary.is_some())
    }
}

/// Name of the count function in SQL.
pub const COUNT_NAME: &str = "trained_models";

/// The models of a session, loaded once on first use by either function.
type ModelCell = Arc<OnceLock<std::result::Result<Arc<Loaded>, String>>>;

fn loaded(cell: &ModelCell, lake: &Lake, name: &str) -> DfResult<Arc<Loaded>> {
    cell.get_or_init(|| load_blocking(lake.clone()).map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))
}

/// `predict_posting` and `trained_models`, reading their models from `lake` on first use
/// (once for both).
pub fn udfs(lake: Lake) -> [ScalarUDF; 2] {
    let cell: ModelCell = Arc::new(OnceLock::new());
    let count = {
        let (cell, lake) = (cell.clone(), lake.clone());
        move |_: &[ColumnarValue]| -> DfResult<ColumnarValue> {
            let n = loaded(&cell, &lake, COUNT_NAME)?.count();
            Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(n))))
        }
    };
    let count = ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        COUNT_NAME,
        Signature::nullary(Volatility::Stable),
        DataType::Int64,
        Arc::new(count),
    ));
    [predict(lake, cell), count]
}

fn fields() -> Fields {
    Fields::from(vec![
        Field::new("family_model_version", DataType::Int64, true),
        Field::new("predicted_family", DataType::Utf8, true),
        Field::new("family_probability", DataType::Float64, true),
        Field::new("salary_model_version", DataType::Int64, true),
        Field::new("predicted_salary_eur", DataType::Float64, true),
        Field::new("salary_low_eur", DataType::Float64, true),
        Field::new("salary_high_eur", DataType::Float64, true),
        Field::new("interval_level", DataType::Float64, true),
    ])
}

/// `predict_posting`, with the models of `cell`.
fn predict(lake: Lake, cell: ModelCell) -> ScalarUDF {
    let fields = fields();
    let ret = DataType::Struct(fields.clone());
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let loaded = loaded(&cell, &lake, NAME)?;
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let strings: Vec<ArrayRef> = arrays
            .iter()
            .map(|a| cast(a, &DataType::Utf8))
            .collect::<std::result::Result<_, _>>()?;
        let col = |i: usize| strings[i].as_string::<i32>();
        let n = arrays.first().map_or(0, |a| a.len());
        let mut family_version = Int64Builder::with_capacity(n);
        let mut family = StringBuilder::with_capacity(n, n * 12);
        let mut family_p = Float64Builder::with_capacity(n);
        let mut salary_version = Int64Builder::with_capacity(n);
        let mut salary = Float64Builder::with_capacity(n);
        let mut low = Float64Builder::with_capacity(n);
        let mut high = Float64Builder::with_capacity(n);
        let mut level = Float64Builder::with_capacity(n);
        let text = |i: usize, row: usize| {
            let c = col(i);
            if c.is_null(row) { "" } else { c.value(row) }
        };
        for row in 0..n {
            let skills: Vec<&str> = text(2, row).split('|').filter(|s| !s.is_empty()).collect();
            let title_key = joblake_enrich::normalize_key(text(0, row));
            let posting = Posting {
                title: text(0, row),
                title_key: Some(&title_key),
                description: text(1, row),
                skills: &skills,
                job_family: text(3, row),
                country: text(4, row),
                region: text(5, row),
                contract_type: text(6, row),
                working_time: text(7, row),
            };
            match &loaded.family {
                Some((version, m)) => {
                    let rules = if posting.job_family.is_empty() {
                        joblake_model::OTHER
                    } else {
                        posting.job_family
                    };
                    let p = m.predict(&m.featurizer.text_counts(&posting), rules);
                    family_version.append_value(*version as i64);
                    family.append_value(&p.family);
                    family_p.append_value(f64::from(p.probability));
                }
                None => {
                    family_version.append_null();
                    family.append_null();
                    family_p.append_null();
                }
            }
            match &loaded.salary {
                Some((version, m)) => {
                    let p = m.predict(&m.featurizer.salary_row(&posting));
                    salary_version.append_value(*version as i64);
                    salary.append_value(p.salary);
                    low.append_value(p.low);
                    high.append_value(p.high);
                    level.append_value(m.level);
                }
                None => {
                    salary_version.append_null();
                    salary.append_null();
                    low.append_null();
                    high.append_null();
                    level.append_null();
                }
            }
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(family_version.finish()),
            Arc::new(family.finish()),
            Arc::new(family_p.finish()),
            Arc::new(salary_version.finish()),
            Arc::new(salary.finish()),
            Arc::new(low.finish()),
            Arc::new(high.finish()),
            Arc::new(level.finish()),
        ];
        Ok(ColumnarValue::Array(Arc::new(StructArray::new(
            fields.clone(),
            columns,
            None,
        ))))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        NAME,
        Signature::any(8, Volatility::Stable),
        ret,
        Arc::new(fun),
    ))
}

/// Loads the models on a thread of its own: functions are called synchronously, possibly on
/// a runtime's worker thread, where blocking on the store would stall the runtime.
fn load_blocking(lake: Lake) -> Result<Arc<Loaded>> {
    std::thread::spawn(move || -> Result<Arc<Loaded>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start a runtime to load models: {e}")))?;
        Ok(Arc::new(rt.block_on(Loaded::newest(&lake))?))
    })
    .join()
    .map_err(|_| Error::Internal("the thread loading the models panicked".into()))?
}
