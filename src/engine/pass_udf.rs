//! `joblake_pass(value)`: whether a row belongs to the pass a model's step runs now. A step
//! that calls it runs once per pass, each time over the rows whose value hashes to that pass,
//! so that a model over ten million postings holds a tenth of them at a time
//! (`crate::transform::steps`). Outside such a step there is one pass and it is always true,
//! except in a merge, where it is true for the keys the merge computes ([`only`]).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use deltalake::arrow::array::{Array, AsArray, BooleanArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};
use deltalake::datafusion::prelude::SessionContext;

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

/// The keys a merge computes (`transform::merge`), kept in the session: every pass of the
/// model's steps keeps only those, so that a merge runs in passes under a memory limit too.
#[derive(Debug, Default)]
pub struct OnlyKeys(pub Option<Arc<HashSet<String>>>);

/// Makes `joblake_pass(value)` true in `ctx` for the values in `keys` alone (read as text),
/// in every pass [`register`] sets up until it is called with `None`: a model whose rows are
/// replaced by key computes those keys only.
pub fn only(ctx: &SessionContext, keys: Option<Arc<HashSet<String>>>) {
    ctx.state_ref()
        .write()
        .config_mut()
        .set_extension(Arc::new(OnlyKeys(keys)));
    register(ctx, 0, 1);
}

/// Registers `joblake_pass` in `ctx` for pass `pass` (from 0) of `passes`, within the keys
/// [`only`] set, if any.
pub fn register(ctx: &SessionContext, pass: u64, passes: u64) {
    let keys = ctx
        .state_ref()
        .read()
        .config()
        .get_extension::<OnlyKeys>()
        .and_then(|only| only.0.clone());
    ctx.register_udf(within(pass, passes, keys));
}

/// `joblake_pass(value)` for pass `pass` of `passes`, true only for `keys` when given.
fn within(pass: u64, passes: u64, keys: Option<Arc<HashSet<String>>>) -> ScalarUDF {
    let Some(keys) = keys else {
        return udf(pass, passes);
    };
    predicate(Some(Arc::new(move |v: Option<&str>| {
        v.is_some_and(|v| keys.contains(v) && pass_of(Some(v), passes) == pass)
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

    #[test]
    fn the_passes_of_a_merge_split_its_keys_and_keep_no_other() {
        let values: Vec<String> = (0..200).map(|i| format!("posting-{i}")).collect();
        let keys: HashSet<String> = values.iter().step_by(3).cloned().collect();
        let kept = |pass: u64, passes: u64, keys: Option<Arc<HashSet<String>>>| {
            let udf = within(pass, passes, keys);
            let args = [ColumnarValue::Array(Arc::new(
                deltalake::arrow::array::StringArray::from(values.clone()),
            ))];
            let out = udf
                .inner()
                .invoke_with_args(deltalake::datafusion::logical_expr::ScalarFunctionArgs {
                    args: args.to_vec(),
                    arg_fields: vec![Arc::new(deltalake::arrow::datatypes::Field::new(
                        "v",
                        DataType::Utf8,
                        true,
                    ))],
                    number_rows: values.len(),
                    return_field: Arc::new(deltalake::arrow::datatypes::Field::new(
                        NAME,
                        DataType::Boolean,
                        true,
                    )),
                    config_options: Default::default(),
                })
                .expect("evaluates");
            let ColumnarValue::Array(out) = out else {
                panic!("an array")
            };
            let out = out.as_boolean().clone();
            values
                .iter()
                .enumerate()
                .filter(|&(i, _)| out.value(i))
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        let shared = Arc::new(keys.clone());
        let mut seen = Vec::new();
        for pass in 0..3 {
            let part = kept(pass, 3, Some(Arc::clone(&shared)));
            assert!(part.len() < keys.len(), "pass {pass} holds a part");
            seen.extend(part);
        }
        seen.sort();
        let mut want: Vec<String> = keys.into_iter().collect();
        want.sort();
        assert_eq!(
            seen, want,
            "the passes together: every key once, nothing else"
        );
        assert_eq!(kept(0, 1, Some(shared)).len(), want.len());
        assert_eq!(kept(0, 1, None).len(), values.len(), "no keys: every value");
    }
}
