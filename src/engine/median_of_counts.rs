//! `median_of_counts(value, count)`: the median of a multiset given as (value, how many times)
//! pairs, exactly as `median(value)` over the expanded rows would return it (DataFusion's rule:
//! the middle value, or the mean of the two middle values `(a + b) / 2`). A rollup keeps a
//! value once per group with its count, and a query's `median` over the rows it stands for is
//! this over the rollup (`engine::rollups`).

use std::fmt::Debug;
use std::mem::size_of;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, ArrowNativeTypeOp, ArrowNumericType, AsArray, BooleanArray, Int64Array,
    ListArray, PrimitiveArray,
};
use deltalake::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use deltalake::arrow::datatypes::{
    ArrowNativeType, DataType, Field, FieldRef, Float64Type, Int64Type,
};
use deltalake::datafusion::common::{
    DataFusionError, Result as DfResult, ScalarValue, exec_err, plan_err,
};
use deltalake::datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use deltalake::datafusion::logical_expr::utils::format_state_name;
use deltalake::datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature,
    TypeSignature, Volatility,
};

/// The function's SQL name.
pub const NAME: &str = "median_of_counts";

/// The value types it takes (those a rollup's grain holds numbers in).
pub fn takes(value: &DataType) -> bool {
    matches!(value, DataType::Float64 | DataType::Int64)
}

/// The aggregate function.
pub fn udaf() -> Arc<AggregateUDF> {
    let with_counts = |value: DataType| TypeSignature::Exact(vec![value, DataType::Int64]);
    Arc::new(AggregateUDF::from(MedianOfCounts {
        signature: Signature::one_of(
            vec![with_counts(DataType::Float64), with_counts(DataType::Int64)],
            Volatility::Immutable,
        ),
    }))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MedianOfCounts {
    signature: Signature,
}

impl AggregateUDFImpl for MedianOfCounts {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        match arg_types.first() {
            Some(t) if takes(t) => Ok(t.clone()),
            other => plan_err!("{NAME}: the value is Float64 or Int64, not {other:?}"),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let value = args.input_fields[0].data_type().clone();
        Ok(vec![
            Arc::new(Field::new_list(
                format_state_name(args.name, "values"),
                Field::new_list_field(value, true),
                true,
            )),
            Arc::new(Field::new_list(
                format_state_name(args.name, "counts"),
                Field::new_list_field(DataType::Int64, true),
                true,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        match args.return_field.data_type() {
            DataType::Float64 => Ok(Box::new(Counted::<Float64Type>::default())),
            DataType::Int64 => Ok(Box::new(Counted::<Int64Type>::default())),
            other => exec_err!("{NAME}: no accumulator for {other}"),
        }
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        match args.return_field.data_type() {
            DataType::Float64 => Ok(Box::new(CountedGroups::<Float64Type>::default())),
            DataType::Int64 => Ok(Box::new(CountedGroups::<Int64Type>::default())),
            other => exec_err!("{NAME}: no accumulator for {other}"),
        }
    }
}

/// (value, count) pairs; a value may come several times, its counts then add up.
type Pairs<T> = Vec<(
    <T as deltalake::arrow::datatypes::ArrowPrimitiveType>::Native,
    i64,
)>;

/// The value at 0-based `rank` in the expanded multiset; `pairs` sorted by value.
fn at<T: ArrowNumericType>(pairs: &[(T::Native, i64)], rank: i64) -> T::Native {
    let mut seen = 0;
    for (v, n) in pairs {
        seen += n;
        if rank < seen {
            return *v;
        }
    }
    // Unreachable for rank < the total; the last value otherwise.
    pairs.last().map_or_else(T::Native::default, |(v, _)| *v)
}

/// The median of the multiset `pairs` (counts above zero), as DataFusion's `median` computes
/// it over the expanded values: the middle one, or the mean of the two middle ones.
fn median<T: ArrowNumericType>(pairs: &mut [(T::Native, i64)]) -> Option<T::Native> {
    pairs.sort_unstable_by(|a, b| a.0.compare(b.0));
    let total: i64 = pairs.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    if total % 2 == 1 {
        return Some(at::<T>(pairs, total / 2));
    }
    let low = at::<T>(pairs, total / 2 - 1);
    let high = at::<T>(pairs, total / 2);
    let two = T::Native::usize_as(2);
    // DataFusion's median: the mean of the two, without overflowing an integer sum.
    Some(match low.add_checked(high) {
        Ok(sum) => sum.div_wrapping(two),
        Err(_) => {
            let correction = low
                .mod_wrapping(two)
                .add_wrapping(high.mod_wrapping(two))
                .div_wrapping(two);
            low.div_wrapping(two)
                .add_wrapping(high.div_wrapping(two))
                .add_wrapping(correction)
        }
    })
}

/// The rows of `values` and `counts` that stand for rows of the rollup's input, with their
/// index: both set, the count above zero, the row not filtered out.
fn rows<'a, T: ArrowNumericType>(
    values: &'a PrimitiveArray<T>,
    counts: &'a Int64Array,
    filter: Option<&'a BooleanArray>,
) -> impl Iterator<Item = (usize, (T::Native, i64))> + 'a {
    values
        .iter()
        .zip(counts.iter())
        .enumerate()
        .filter(move |(i, _)| filter.is_none_or(|f| f.is_valid(*i) && f.value(*i)))
        .filter_map(|(i, (v, n))| Some((i, (v?, n?))))
        .filter(|(_, (_, n))| *n > 0)
}

/// Two arguments, or two state columns.
fn two<'a>(arrays: &'a [ArrayRef], what: &str) -> DfResult<(&'a ArrayRef, &'a ArrayRef)> {
    match arrays {
        [a, b] => Ok((a, b)),
        _ => exec_err!("{NAME}: two {what} expected, got {}", arrays.len()),
    }
}

/// The state of `groups`: a list of values and a list of counts per group.
fn state_lists<T: ArrowNumericType>(groups: &[Pairs<T>]) -> DfResult<Vec<ArrayRef>> {
    let mut offsets = Vec::with_capacity(groups.len() + 1);
    offsets.push(0_i32);
    let mut end = 0_i32;
    for g in groups {
        end = i32::try_from(g.len())
            .ok()
            .and_then(|len| end.checked_add(len))
            .ok_or_else(|| {
                DataFusionError::Execution(format!("{NAME}: a state of over 2^31 values"))
            })?;
        offsets.push(end);
    }
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    let values: Vec<T::Native> = groups.iter().flatten().map(|(v, _)| *v).collect();
    let counts: Vec<i64> = groups.iter().flatten().map(|(_, n)| *n).collect();
    let values: ArrayRef = Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(values), None));
    let counts: ArrayRef = Arc::new(Int64Array::new(ScalarBuffer::from(counts), None));
    let list = |array: ArrayRef| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(array.data_type().clone(), true)),
            offsets.clone(),
            array,
            None,
        ))
    };
    Ok(vec![list(values), list(counts)])
}

/// The pairs seen so far, for an aggregate without groups.
#[derive(Debug)]
struct Counted<T: ArrowNumericType> {
    pairs: Pairs<T>,
}

impl<T: ArrowNumericType> Default for Counted<T> {
    fn default() -> Self {
        Counted { pairs: Vec::new() }
    }
}

impl<T: ArrowNumericType + Debug> Accumulator for Counted<T> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let (v, n) = two(values, "arguments")?;
        let (v, n) = (v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
        self.pairs.extend(rows(v, n, None).map(|(_, p)| p));
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let (values, counts) = two(states, "state columns")?;
        let (values, counts) = (values.as_list::<i32>(), counts.as_list::<i32>());
        for (v, n) in values.iter().zip(counts.iter()) {
            if let (Some(v), Some(n)) = (v, n) {
                let (v, n) = (v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
                self.pairs.extend(rows(v, n, None).map(|(_, p)| p));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let lists = state_lists::<T>(&[std::mem::take(&mut self.pairs)])?;
        lists
            .iter()
            .map(|l| ScalarValue::try_from_array(l, 0))
            .collect()
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        ScalarValue::new_primitive::<T>(median::<T>(&mut self.pairs), &T::DATA_TYPE)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.pairs.capacity() * size_of::<(T::Native, i64)>()
    }
}

/// The pairs of every group, for grouped aggregates: one accumulator for all the groups
/// (DataFusion otherwise keeps one [`Counted`] per group and slices each batch per group).
#[derive(Debug)]
struct CountedGroups<T: ArrowNumericType> {
    groups: Vec<Pairs<T>>,
}

impl<T: ArrowNumericType> Default for CountedGroups<T> {
    fn default() -> Self {
        CountedGroups { groups: Vec::new() }
    }
}

impl<T: ArrowNumericType + Send + Debug> GroupsAccumulator for CountedGroups<T> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.groups.resize(total_num_groups, Vec::new());
        let (v, n) = two(values, "arguments")?;
        let (v, n) = (v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
        for (i, pair) in rows(v, n, opt_filter) {
            self.groups[group_indices[i]].push(pair);
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.groups.resize(total_num_groups, Vec::new());
        let (values, counts) = two(values, "state columns")?;
        let (values, counts) = (values.as_list::<i32>(), counts.as_list::<i32>());
        for (i, (v, n)) in values.iter().zip(counts.iter()).enumerate() {
            if let (Some(v), Some(n)) = (v, n) {
                let (v, n) = (v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
                self.groups[group_indices[i]].extend(rows(v, n, None).map(|(_, p)| p));
            }
        }
        Ok(())
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        state_lists::<T>(&emit_to.take_needed(&mut self.groups))
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> DfResult<Vec<ArrayRef>> {
        // Each row its own group: a list of its pair, or an empty one.
        let (v, n) = two(values, "arguments")?;
        let (v, n) = (v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
        let mut groups: Vec<Pairs<T>> = vec![Vec::new(); v.len()];
        for (i, pair) in rows(v, n, opt_filter) {
            groups[i].push(pair);
        }
        state_lists::<T>(&groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let medians: PrimitiveArray<T> = emit_to
            .take_needed(&mut self.groups)
            .iter_mut()
            .map(|pairs| median::<T>(pairs))
            .collect();
        Ok(Arc::new(medians))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
            + self.groups.capacity() * size_of::<Pairs<T>>()
            + self
                .groups
                .iter()
                .map(|g| g.capacity() * size_of::<(T::Native, i64)>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn median_of(pairs: &[(f64, i64)]) -> Option<f64> {
        let mut acc = Counted::<Float64Type>::default();
        let values: PrimitiveArray<Float64Type> = pairs.iter().map(|(v, _)| Some(*v)).collect();
        let counts: Int64Array = pairs.iter().map(|(_, n)| Some(*n)).collect();
        acc.update_batch(&[Arc::new(values), Arc::new(counts)])
            .expect("update");
        match acc.evaluate().expect("evaluate") {
            ScalarValue::Float64(v) => v,
            other => panic!("{other:?}"),
        }
    }

    /// The median of the expanded values, as DataFusion computes it.
    fn expanded(pairs: &[(f64, i64)]) -> Option<f64> {
        let mut all: Vec<f64> = pairs
            .iter()
            .flat_map(|(v, n)| std::iter::repeat_n(*v, usize::try_from(*n).unwrap_or(0)))
            .collect();
        all.sort_by(f64::total_cmp);
        let len = all.len();
        match len {
            0 => None,
            _ if len % 2 == 1 => Some(all[len / 2]),
            _ => Some((all[len / 2 - 1] + all[len / 2]) / 2.0),
        }
    }

    #[test]
    fn equals_the_median_of_the_expanded_rows() {
        let cases: Vec<Vec<(f64, i64)>> = vec![
            vec![],
            vec![(3.0, 1)],
            vec![(3.0, 2)],
            vec![(1.0, 1), (2.0, 1)],
            vec![(5.0, 3), (1.0, 1), (9.0, 2)],
            vec![(40_000.5, 2), (38_000.0, 2), (1e9, 1), (-3.0, 1)],
            vec![(7.0, 4), (2.0, 4)],
            // Zero and negative counts stand for no rows.
            vec![(7.0, 0), (2.0, 1), (100.0, -2)],
        ];
        for pairs in cases {
            assert_eq!(median_of(&pairs), expanded(&pairs), "{pairs:?}");
        }
    }

    #[test]
    fn merged_states_give_the_same_median() {
        let mut a = Counted::<Int64Type>::default();
        let mut b = Counted::<Int64Type>::default();
        let add = |acc: &mut Counted<Int64Type>, v: Vec<i64>, n: Vec<i64>| {
            acc.update_batch(&[
                Arc::new(Int64Array::from(v)) as ArrayRef,
                Arc::new(Int64Array::from(n)),
            ])
            .expect("update");
        };
        add(&mut a, vec![1, 10], vec![2, 1]);
        add(&mut b, vec![4, i64::MAX], vec![1, 2]);
        let state: Vec<ArrayRef> = b
            .state()
            .expect("state")
            .iter()
            .map(|s| s.to_array().expect("array"))
            .collect();
        a.merge_batch(&state).expect("merge");
        // 1, 1, 4, 10, MAX, MAX: (4 + 10) / 2 in integers.
        assert_eq!(a.evaluate().expect("median"), ScalarValue::Int64(Some(7)));
    }

    #[test]
    fn groups_keep_their_pairs_through_states_and_filters() {
        use deltalake::arrow::array::Float64Array;
        let values: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(5.0),
            None,
            Some(3.0),
            Some(2.0),
            Some(8.0),
        ]));
        let counts: ArrayRef = Arc::new(Int64Array::from(vec![2, 1, 4, 0, 3, 1]));
        let args = [values, counts];
        let medians = |acc: &mut CountedGroups<Float64Type>| {
            let out = acc.evaluate(EmitTo::All).expect("evaluate");
            let out = out.as_primitive::<Float64Type>();
            (0..out.len())
                .map(|i| out.is_valid(i).then(|| out.value(i)))
                .collect::<Vec<_>>()
        };
        // Group 0: 1, 1, 5 (the NULL value counts for nothing); group 1: 2, 2, 2, 8 (a count of
        // 0 is no row).
        let mut acc = CountedGroups::<Float64Type>::default();
        acc.update_batch(&args, &[0, 0, 0, 1, 1, 1], None, 2)
            .expect("update");
        let state = acc.state(EmitTo::All).expect("state");
        let mut merged = CountedGroups::<Float64Type>::default();
        merged.merge_batch(&state, &[1, 0], 3).expect("merge");
        assert_eq!(medians(&mut merged), vec![Some(2.0), Some(1.0), None]);

        // A FILTER leaves out the 8: 2, 2, 2.
        let keep = BooleanArray::from(vec![true, true, true, true, true, false]);
        let mut acc = CountedGroups::<Float64Type>::default();
        acc.update_batch(&args, &[0, 0, 0, 1, 1, 1], Some(&keep), 2)
            .expect("update");
        assert_eq!(medians(&mut acc), vec![Some(1.0), Some(2.0)]);

        // Rows turned into states one by one, merged into one group: 1, 1, 2, 2, 2, 5, 8.
        let rows = acc.convert_to_state(&args, None).expect("convert");
        let mut one = CountedGroups::<Float64Type>::default();
        one.merge_batch(&rows, &[0; 6], 1).expect("merge");
        assert_eq!(medians(&mut one), vec![Some(2.0)]);
    }
}
