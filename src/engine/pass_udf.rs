//! `joblake_pass(value)`: whether a row belongs to the pass a model's step runs now. A step
//! that calls it runs once per pass, each time over the rows whose value hashes to that pass,
//! so that a model over ten million postings holds a tenth of them at a time
//! (`crate::transform::steps`). Outside such a step there is one pass and it is always true,
//! except in a merge, where it is true for the keys the merge computes ([`only`]).

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::Arc;

use deltalake::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArrayType};
use deltalake::arrow::buffer::BooleanBuffer;
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
/// binary (the hasher's seed is fixed). NULL falls in the first. Every pass of a step hashes
/// every row it reads (ten million records, 23 passes, several steps at 10M postings): the
/// hash is foldhash's, several times faster than the standard library's SipHash on keys this
/// short, and as even across passes for this use.
pub fn pass_of(value: Option<&str>, passes: u64) -> u64 {
    match value {
        Some(v) if passes > 1 => foldhash::fast::FixedState::with_seed(0).hash_one(v) % passes,
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
pub struct OnlyKeys(pub Option<Arc<Keys>>);

/// A merge's keys, looked up once per row of every pass: with the hash of [`pass_of`].
pub type Keys = HashSet<String, foldhash::fast::FixedState>;

/// Makes `joblake_pass(value)` true in `ctx` for the values in `keys` alone (read as text),
/// in every pass [`register`] sets up until it is called with `None`: a model whose rows are
/// replaced by key computes those keys only.
pub fn only(ctx: &SessionContext, keys: Option<Arc<HashSet<String>>>) {
    ctx.state_ref()
        .write()
        .config_mut()
        .set_extension(Arc::new(OnlyKeys(
            keys.map(|keys| Arc::new(keys.iter().cloned().collect())),
        )));
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
fn within(pass: u64, passes: u64, keys: Option<Arc<Keys>>) -> ScalarUDF {
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
        let out = match &keep {
            None => BooleanArray::from(BooleanBuffer::new_set(values.len())),
            Some(keep) => kept(values, keep)?,
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

/// `keep` of each value of `values`, read as text. Text columns are read where they are (a
/// cast to text copied every string of every pass); other types are cast.
fn kept(values: &ArrayRef, keep: &Keep) -> DfResult<BooleanArray> {
    fn each<'a>(text: impl StringArrayType<'a>, keep: &Keep) -> BooleanArray {
        BooleanArray::from(BooleanBuffer::collect_bool(text.len(), |i| {
            keep(text.is_valid(i).then(|| text.value(i)))
        }))
    }
    Ok(match values.data_type() {
        DataType::Utf8View => each(values.as_string_view(), keep),
        DataType::Utf8 => each(values.as_string::<i32>(), keep),
        DataType::LargeUtf8 => each(values.as_string::<i64>(), keep),
        _ => each(cast(values, &DataType::Utf8)?.as_string::<i32>(), keep),
    })
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
    fn text_of_every_kind_is_read_alike() {
        let values: Vec<Option<String>> = (0..300)
            .map(|i| (i % 7 != 0).then(|| format!("{i}")))
            .collect();
        let keep: Keep = Arc::new(|v: Option<&str>| pass_of(v, 3) == 1);
        let want: Vec<bool> = values.iter().map(|v| keep(v.as_deref())).collect();
        assert!(want.iter().any(|&k| k) && !want.iter().all(|&k| k));
        let numbers: deltalake::arrow::array::Int64Array = values
            .iter()
            .map(|v| v.as_deref().map(|v| v.parse::<i64>().expect("a number")))
            .collect();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(
                values
                    .iter()
                    .map(Option::as_deref)
                    .collect::<deltalake::arrow::array::StringViewArray>(),
            ),
            Arc::new(
                values
                    .iter()
                    .map(Option::as_deref)
                    .collect::<deltalake::arrow::array::StringArray>(),
            ),
            Arc::new(
                values
                    .iter()
                    .map(Option::as_deref)
                    .collect::<deltalake::arrow::array::LargeStringArray>(),
            ),
            Arc::new(numbers),
        ];
        for array in arrays {
            let got = kept(&array, &keep).expect("evaluates");
            assert_eq!(got.null_count(), 0, "{}", array.data_type());
            let got: Vec<bool> = got.values().iter().collect();
            assert_eq!(got, want, "{}", array.data_type());
        }
    }

    #[test]
    fn the_passes_of_a_merge_split_its_keys_and_keep_no_other() {
        let values: Vec<String> = (0..200).map(|i| format!("posting-{i}")).collect();
        let keys: HashSet<String> = values.iter().step_by(3).cloned().collect();
        let kept = |pass: u64, passes: u64, keys: Option<Arc<Keys>>| {
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
        let shared = Arc::new(keys.iter().cloned().collect::<Keys>());
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
