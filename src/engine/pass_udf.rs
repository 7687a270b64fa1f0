//! `joblake_pass(value)`: whether a row belongs to the pass a model's step runs now. A step
//! that calls it runs once per pass, each time over the rows whose value hashes to that pass,
//! so that a model over ten million postings holds a tenth of them at a time
//! (`crate::transform::steps`). Outside such a step there is one pass and it is always true.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use deltalake::arrow::array::{Array, AsArray, BooleanArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};

/// Name of the function in SQL.
pub const NAME: &str = crate::project::model::PASS_FUNCTION;

/// The pass a value falls in, of `passes`: the same value always gives the same pass, in this
/// binary (the hasher's keys are fixed). NULL falls in the first.
pub fn pass_of(value: Option<&str>, passes: u64) -> u64 {
    match value {
        Some(v) if passes > 1 => {
            let mut h = DefaultHasher::new();
            v.hash(&mut h);
            h.finish() % passes
        }
        _ => 0,
    }
}

/// `joblake_pass(value)` for pass `pass` (from 0) of `passes`; its argument is read as text.
pub fn udf(pass: u64, passes: u64) -> ScalarUDF {
    if passes <= 1 {
        return predicate(None);
    }
    predicate(Some(Arc::new(move |v: Option<&str>| {
        pass_of(v, passes) == pass
    })))
}

/// `joblake_pass(value)` true for the values in `keys` alone (read as text): a model whose
/// rows are replaced by key computes those keys only (`transform::merge`).
pub fn only(keys: Arc<std::collections::HashSet<String>>) -> ScalarUDF {
    predicate(Some(Arc::new(move |v: Option<&str>| {
        v.is_some_and(|v| keys.contains(v))
    })))
}

/// Which values a pass keeps (None: all).
type Keep = Arc<dyn Fn(Option<&str>) -> bool + Send + Sync>;

/// The function under its SQL name, true where `keep` is (everywhere without one).
fn predicate(keep: Option<Keep>) -> ScalarUDF {
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let Some(values) = arrays.first() else {
            return Err(deltalake::datafusion::error::DataFusionError::Execution(
                format!("{NAME} takes one argument"),
            ));
        };
        let out: BooleanArray = match &keep {
            None => std::iter::repeat_n(Some(true), values.len()).collect(),
            Some(keep) => {
                let text = cast(values, &DataType::Utf8)?;
                let text = text.as_string::<i32>();
                (0..text.len())
                    .map(|i| Some(keep((!text.is_null(i)).then(|| text.value(i)))))
                    .collect()
            }
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        NAME,
        Signature::any(1, Volatility::Immutable),
        DataType::Boolean,
        Arc::new(fun),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_falls_in_exactly_one_pass() {
        let values: Vec<String> = (0..1000).map(|i| format!("title|{i}|paris")).collect();
        let mut sizes = [0usize; 4];
        for v in &values {
            let p = pass_of(Some(v), 4);
            assert_eq!(p, pass_of(Some(v), 4), "the same value, the same pass");
            sizes[usize::try_from(p).expect("small")] += 1;
        }
        // About a quarter each: a pass that took everything would bound nothing.
        assert!(sizes.iter().all(|&n| (150..350).contains(&n)), "{sizes:?}");
        assert_eq!(pass_of(None, 4), 0);
        assert_eq!(pass_of(Some("x"), 1), 0);
    }
}
