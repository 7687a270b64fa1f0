//! `cluster_listings`: the UDF that groups the listings sharing a title and a place into
//! openings ([`joblake_enrich::cluster`]), for `silver.int_listing_openings`.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, ListArray, ListBuilder, StringArray, StringBuilder,
    StructBuilder,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Field, Fields, Float64Type};
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};

/// The arguments, in order: nine lists over one title and place's listings, oldest first.
const ARGS: [(&str, DataType); 9] = [
    ("listing", DataType::Utf8),
    ("key", DataType::Utf8),
    ("company", DataType::Utf8),
    ("text", DataType::Utf8),
    ("contract", DataType::Utf8),
    ("pay_min", DataType::Float64),
    ("pay_max", DataType::Float64),
    ("pay_period", DataType::Utf8),
    ("full_text", DataType::Boolean),
];

/// `cluster_listings(listings, keys, companies, texts, contracts, pay_mins, pay_maxs,
/// pay_periods, full_texts)`: nine lists over the listings of one title and place, oldest first
/// (an id, its matching key, company key, description, contract type, annual pay range in EUR
/// and the period it was stated in, and whether the description is the whole ad). Returns one struct per listing:
/// `listing`; `leader`, the listing that founded its opening; `opening_key`, the leader's
/// matching key, with `#n` when `n` earlier openings have that key, so that a key's first
/// opening keeps the key itself; `rule` ([`joblake_enrich::MatchRule`]); `overlap`, the share
/// of words lined up with the leader's text; `kept_apart`, for a founder, the conflict with an
/// earlier opening it could have joined.
pub fn cluster_listings(workplaces: Arc<joblake_enrich::Workplaces>) -> ScalarUDF {
    let utf8 = || DataType::Utf8;
    let fields = Fields::from(vec![
        Field::new("listing", utf8(), true),
        Field::new("leader", utf8(), true),
        Field::new("opening_key", utf8(), true),
        Field::new("rule", utf8(), true),
        Field::new("overlap", DataType::Float64, true),
        Field::new("kept_apart", utf8(), true),
    ]);
    let item = Arc::new(Field::new("item", DataType::Struct(fields.clone()), true));
    let ret = DataType::List(item.clone());
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let lists: Vec<ArrayRef> = arrays
            .iter()
            .zip(ARGS)
            .map(|(a, (_, t))| cast(a, &DataType::List(Arc::new(Field::new_list_field(t, true)))))
            .collect::<DfResult<_, _>>()?;
        let lists: Vec<&ListArray> = lists.iter().map(|a| a.as_list::<i32>()).collect();
        let mut out = ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0))
            .with_field(item.clone());
        for row in 0..lists[0].len() {
            if lists[0].is_null(row) {
                out.append(false);
                continue;
            }
            let values: Vec<ArrayRef> = lists.iter().map(|l| l.value(row)).collect();
            let n = values[0].len();
            if let Some(((name, _), _)) = ARGS.iter().zip(&values).find(|(_, v)| v.len() != n) {
                return Err(DataFusionError::Execution(format!(
                    "cluster_listings: the {name} list differs in length from the listings"
                )));
            }
            let [listings, keys, companies, texts, contracts] =
                [0, 1, 2, 3, 4].map(|i| values[i].as_string::<i32>());
            let [pay_mins, pay_maxs] = [5, 6].map(|i| values[i].as_primitive::<Float64Type>());
            let pay_periods = values[7].as_string::<i32>();
            let full_texts = values[8].as_boolean();
            let facts: Vec<joblake_enrich::ListingFacts<'_>> = (0..n)
                .map(|i| joblake_enrich::ListingFacts {
                    text: get(texts, i).unwrap_or(""),
                    contract: get(contracts, i),
                    pay: (pay_mins.is_valid(i) && pay_maxs.is_valid(i)).then(|| {
                        joblake_enrich::PayRange {
                            min: pay_mins.value(i),
                            max: pay_maxs.value(i),
                            period: get(pay_periods, i),
                        }
                    }),
                    company: get(companies, i).unwrap_or(""),
                    full_text: full_texts.is_valid(i) && full_texts.value(i),
                })
                .collect();
            let assignments = joblake_enrich::cluster(&facts, &workplaces);
            let opening_keys = opening_keys(&assignments, |i| get(keys, i).unwrap_or(""));
            let structs = out.values();
            for (i, a) in assignments.into_iter().enumerate() {
                let mut text = |f: usize, v: Option<&str>| {
                    structs
                        .field_builder::<StringBuilder>(f)
                        .expect("a string field")
                        .append_option(v)
                };
                text(0, get(listings, i));
                text(1, get(listings, a.leader));
                text(2, Some(&opening_keys[i]));
                text(3, Some(a.rule.as_str()));
                text(5, a.kept_apart.map(|c| c.to_string()).as_deref());
                structs
                    .field_builder::<Float64Builder>(4)
                    .expect("overlap field")
                    .append_value(a.overlap);
                structs.append(true);
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "cluster_listings",
        Signature::any(ARGS.len(), Volatility::Immutable),
        ret,
        Arc::new(fun),
    ))
}

/// Each listing's opening key: its leader's matching key, `#n` added for the `n`-th later
/// opening founded under the same key.
fn opening_keys<'a>(
    assignments: &[joblake_enrich::Assignment],
    key: impl Fn(usize) -> &'a str,
) -> Vec<String> {
    let mut founded: HashMap<&str, usize> = HashMap::new();
    let mut of_leader: HashMap<usize, String> = HashMap::new();
    assignments
        .iter()
        .map(|a| {
            of_leader
                .entry(a.leader)
                .or_insert_with(|| {
                    let k = key(a.leader);
                    let n = founded.entry(k).or_insert(0);
                    let opening = if *n == 0 {
                        k.to_string()
                    } else {
                        format!("{k}#{n}")
                    };
                    *n += 1;
                    opening
                })
                .clone()
        })
        .collect()
}

/// A string array's value, NULL as `None`.
fn get(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}
