//! `median_of_counts(value, count)`: the median of a multiset given as (value, how many times)
//! pairs, exactly as `median(value)` over the expanded rows would return it (DataFusion's rule:
//! the middle value, or the mean of the two middle values `(a + b) / 2`). A rollup keeps a
//! value once per group with its count, and a query's `median` over the rows it stands for is
//! this over the rollup (`engine::rollups`).

use std::fmt::Debug;
use std::mem::size_of;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, ArrowNativeTypeOp, ArrowNumericType, AsArray, Int64Array, ListArray,
    PrimitiveArray,
};
use deltalake::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use deltalake::arrow::datatypes::{
    ArrowNativeType, DataType, Field, FieldRef, Float64Type, Int64Type,
};
use deltalake::datafusion::common::{Result as DfResult, ScalarValue, exec_err, plan_err};
use deltalake::datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use deltalake::datafusion::logical_expr::utils::format_state_name;
use deltalake::datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

/// The function's SQL name.
pub const NAME: &str = "median_of_counts";

/// The value types it takes (those a rollup's grain holds numbers in).
pub fn takes(value: &DataType) -> bool {
    matches!(value, DataType::Float64 | DataType::Int64)
}

/// The aggregate function.
pub fn udaf() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::from(MedianOfCounts {
        signature: Signature::one_of(
            vec![
                deltalake::datafusion::logical_expr::TypeSignature::Exact(vec![
                    DataType::Float64,
                    DataType::Int64,
                ]),
                deltalake::datafusion::logical_expr::TypeSignature::Exact(vec![
                    DataType::Int64,
                    DataType::Int64,
                ]),
            ],
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
}

/// The pairs seen so far (a value may come several times: counts add up).
#[derive(Debug)]
struct Counted<T: ArrowNumericType> {
    pairs: Vec<(T::Native, i64)>,
}

impl<T: ArrowNumericType> Default for Counted<T> {
    fn default() -> Self {
        Counted { pairs: Vec::new() }
    }
}

impl<T: ArrowNumericType> Counted<T> {
    fn add(&mut self, values: &PrimitiveArray<T>, counts: &Int64Array) {
        self.pairs.extend(
            values
                .iter()
                .zip(counts.iter())
                .filter_map(|(v, n)| Some((v?, n?)))
                .filter(|(_, n)| *n > 0),
        );
    }

    /// The value at 0-based `rank` in the expanded multiset; `pairs` sorted by value.
    fn at(pairs: &[(T::Native, i64)], rank: i64) -> T::Native {
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
}

impl<T: ArrowNumericType + Debug> Accumulator for Counted<T> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let [v, n] = values else {
            return exec_err!("{NAME} takes two arguments");
        };
        self.add(v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let [values, counts] = states else {
            return exec_err!("{NAME}: two state columns expected");
        };
        let (values, counts) = (values.as_list::<i32>(), counts.as_list::<i32>());
        for (v, n) in values.iter().zip(counts.iter()) {
            if let (Some(v), Some(n)) = (v, n) {
                self.add(v.as_primitive::<T>(), n.as_primitive::<Int64Type>());
            }
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let pairs = std::mem::take(&mut self.pairs);
        let offsets = OffsetBuffer::new(ScalarBuffer::from(vec![0, pairs.len() as i32]));
        let values: PrimitiveArray<T> = pairs.iter().map(|(v, _)| Some(*v)).collect();
        let counts: Int64Array = pairs.iter().map(|(_, n)| Some(*n)).collect();
        let list = |array: ArrayRef| {
            ScalarValue::List(Arc::new(ListArray::new(
                Arc::new(Field::new_list_field(array.data_type().clone(), true)),
                offsets.clone(),
                array,
                None,
            )))
        };
        Ok(vec![list(Arc::new(values)), list(Arc::new(counts))])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        self.pairs.sort_unstable_by(|a, b| a.0.compare(b.0));
        let total: i64 = self.pairs.iter().map(|(_, n)| n).sum();
        let median = if total == 0 {
            None
        } else if total % 2 == 1 {
            Some(Self::at(&self.pairs, total / 2))
        } else {
            let low = Self::at(&self.pairs, total / 2 - 1);
            let high = Self::at(&self.pairs, total / 2);
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
        };
        ScalarValue::new_primitive::<T>(median, &T::DATA_TYPE)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.pairs.capacity() * size_of::<(T::Native, i64)>()
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
}
