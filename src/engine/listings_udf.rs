//! `cluster_listings`: the UDF that groups the listings sharing a title and a place into
//! openings ([`joblake_enrich::cluster`]), for `silver.int_listing_openings`.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, ListBuilder, StringArray, StringBuilder,
    StructBuilder,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type};
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};

/// The fields of each listing's struct, with the type each is read as.
const FIELDS: [(&str, DataType); 11] = [
    ("listing", DataType::Utf8),
    ("first_seen", DataType::Int64),
    ("posted", DataType::Int64),
    ("key", DataType::Utf8),
    ("company", DataType::Utf8),
    ("text", DataType::Utf8),
    ("contract", DataType::Utf8),
    ("pay_min", DataType::Float64),
    ("pay_max", DataType::Float64),
    ("pay_period", DataType::Utf8),
    ("full_text", DataType::Boolean),
];

/// `cluster_listings(listings)`: the listings of one title and place, as a list of structs in
/// any order with the fields of [`FIELDS`] (an id, when first seen, the day it was published,
/// its matching key, company
/// key, description, contract type, annual pay range in EUR and the period it was stated in,
/// and whether the description is the whole ad). Clusters them oldest first (by `first_seen`,
/// then `posted`, then whole ads before snippets, then `listing`). Returns one struct per listing: `listing`; `leader`, the listing that
/// founded its opening; `opening_key`, the leader's matching key, with `#n` when `n` earlier
/// openings have that key, so that a key's first opening keeps the key itself; `rule`
/// ([`joblake_enrich::MatchRule`]); `overlap`, the share of words lined up with the leader's
/// text; `kept_apart`, for a founder, the conflict with an earlier opening it could have joined.
///
/// Optional fields let a refresh place new listings among those it placed before
/// (`sql/silver/increments/int_listing_openings.sql`): `placed` (placed before, and may keep
/// its opening), `founder` (it founded its opening) and `gone` (a founder that left the block,
/// at its old place in the order: it takes no part and is not returned); for a listing placed
/// before, `leader` (the listing it joined), `overlap` and `kept_apart` as stored. The placed
/// listings that come before every other (and before any `gone`) keep their openings and are
/// not returned; their founders take part as settled openings. The listings after are placed
/// again with what was decided for them ([`joblake_enrich::cluster_again`]): each is compared
/// only with the openings it did not meet then.
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
        let [list] = arrays.as_slice() else {
            return Err(DataFusionError::Execution(
                "cluster_listings takes one list of listing structs".into(),
            ));
        };
        let list = list.as_list::<i32>();
        let mut out = ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0))
            .with_field(item.clone());
        for row in 0..list.len() {
            if list.is_null(row) {
                out.append(false);
                continue;
            }
            let value = list.value(row);
            let items = value.as_struct();
            let columns: Vec<ArrayRef> = FIELDS
                .iter()
                .map(|(name, t)| {
                    let c = items.column_by_name(name).ok_or_else(|| {
                        DataFusionError::Execution(format!(
                            "cluster_listings: the listing structs have no `{name}` field"
                        ))
                    })?;
                    Ok(cast(c, t)?)
                })
                .collect::<DfResult<_>>()?;
            let [listings, keys, companies, texts, contracts] =
                [0, 3, 4, 5, 6].map(|i| columns[i].as_string_opt::<i32>());
            let (Some(listings), Some(keys), Some(companies), Some(texts), Some(contracts)) =
                (listings, keys, companies, texts, contracts)
            else {
                return Err(DataFusionError::Internal(
                    "cluster_listings: a cast to Utf8 did not give strings".into(),
                ));
            };
            let [first_seen, posted] = [1, 2].map(|i| columns[i].as_primitive::<Int64Type>());
            let [pay_mins, pay_maxs] = [7, 8].map(|i| columns[i].as_primitive::<Float64Type>());
            let pay_periods = columns[9].as_string::<i32>();
            let full_texts = columns[10].as_boolean();
            // Optional fields, for a refresh that places new listings among stored ones:
            // `placed`, placed by an earlier refresh and may keep its opening; `founder`, it
            // founded its opening; `gone`, a founder no longer in the block, where it was.
            let flag = |name: &str| -> DfResult<Option<ArrayRef>> {
                items
                    .column_by_name(name)
                    .map(|c| cast(c, &DataType::Boolean))
                    .transpose()
                    .map_err(Into::into)
            };
            let (placed, founder, gone) = (flag("placed")?, flag("founder")?, flag("gone")?);
            // What was decided for a listing placed before: the listing it joined, the
            // overlap, and a founder's conflict with its first candidate.
            let optional = |name: &str, t: &DataType| -> DfResult<Option<ArrayRef>> {
                items
                    .column_by_name(name)
                    .map(|c| cast(c, t))
                    .transpose()
                    .map_err(Into::into)
            };
            let leaders_then = optional("leader", &DataType::Utf8)?;
            let leaders_then = leaders_then.as_ref().and_then(|c| c.as_string_opt::<i32>());
            let overlaps_then = optional("overlap", &DataType::Float64)?;
            let overlaps_then = overlaps_then
                .as_ref()
                .map(|c| c.as_primitive::<Float64Type>());
            let kept_apart_then = optional("kept_apart", &DataType::Utf8)?;
            let kept_apart_then = kept_apart_then
                .as_ref()
                .and_then(|c| c.as_string_opt::<i32>());
            let is = |flags: &Option<ArrayRef>, i: usize| {
                flags.as_ref().is_some_and(|c| {
                    let b = c.as_boolean();
                    b.is_valid(i) && b.value(i)
                })
            };
            // Oldest first: a listing never changes opening when newer ones arrive. Within one
            // run (one `first_seen`), by the day the employer published it (an original before its
            // re-posts; unknown last), then whole ads first (a founder that states its facts
            // lets a conflict with a later listing be seen, where a snippet would accept
            // anything), then by name.
            let mut order: Vec<usize> = (0..items.len()).collect();
            let whole = |i: usize| full_texts.is_valid(i) && full_texts.value(i);
            let at = |a: &deltalake::arrow::array::Int64Array, i: usize| {
                if a.is_valid(i) { a.value(i) } else { i64::MAX }
            };
            order.sort_by(|&x, &y| {
                at(first_seen, x)
                    .cmp(&at(first_seen, y))
                    .then_with(|| at(posted, x).cmp(&at(posted, y)))
                    .then_with(|| whole(y).cmp(&whole(x)))
                    .then_with(|| get(listings, x).cmp(&get(listings, y)))
            });
            // The listings placed before that come before every other (and before any founder
            // that left) keep their openings: their founders are settled
            // (joblake_enrich::cluster_again: not compared again), the others do not take
            // part. Only the listings from the first other one on are placed, and returned;
            // a founder that left stays at its place, for what was decided after it.
            let cut = order
                .iter()
                .position(|&i| !is(&placed, i) || is(&gone, i))
                .unwrap_or(order.len());
            let mut kept: Vec<usize> = order[..cut]
                .iter()
                .copied()
                .filter(|&i| is(&founder, i))
                .collect();
            let settled = kept.len();
            kept.extend_from_slice(&order[cut..]);
            let founders_then: HashMap<&str, usize> = kept
                .iter()
                .enumerate()
                .filter(|&(_, &i)| is(&founder, i) && (is(&placed, i) || is(&gone, i)))
                .filter_map(|(k, &i)| Some((get(listings, i)?, k)))
                .collect();
            let earlier: Vec<joblake_enrich::Earlier> = kept
                .iter()
                .map(|&i| {
                    use joblake_enrich::Earlier;
                    if is(&gone, i) {
                        Earlier::Left
                    } else if !is(&placed, i) {
                        Earlier::New
                    } else if is(&founder, i) {
                        Earlier::Founded
                    } else {
                        let leader = leaders_then.and_then(|c| get(c, i));
                        let overlap = overlaps_then.filter(|c| c.is_valid(i)).map(|c| c.value(i));
                        match (leader.and_then(|l| founders_then.get(l)), overlap) {
                            (Some(&leader), Some(overlap)) => Earlier::Joined { leader, overlap },
                            _ => Earlier::New,
                        }
                    }
                })
                .collect();
            let facts: Vec<joblake_enrich::ListingFacts<'_>> = kept
                .iter()
                .map(|&i| joblake_enrich::ListingFacts {
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
                    full_text: whole(i),
                })
                .collect();
            let placed_now = joblake_enrich::cluster_again(&facts, settled, &earlier, &workplaces);
            let opening_keys = opening_keys(&placed_now, |k| get(keys, kept[k]).unwrap_or(""));
            let structs = out.values();
            for (k, p) in placed_now.into_iter().enumerate().skip(settled) {
                let Some(joblake_enrich::Placed {
                    assignment: a,
                    kept_apart_as_before,
                }) = p
                else {
                    continue;
                };
                let mut text = |f: usize, v: Option<&str>| {
                    structs
                        .field_builder::<StringBuilder>(f)
                        .expect("a string field")
                        .append_option(v)
                };
                text(0, get(listings, kept[k]));
                text(1, get(listings, kept[a.leader]));
                text(2, opening_keys[k].as_deref());
                text(3, Some(a.rule.as_str()));
                if kept_apart_as_before {
                    text(5, kept_apart_then.and_then(|c| get(c, kept[k])));
                } else {
                    text(5, a.kept_apart.map(|c| c.to_string()).as_deref());
                }
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
        Signature::any(1, Volatility::Immutable),
        ret,
        Arc::new(fun),
    ))
}

/// Each listing's opening key: its leader's matching key, `#n` added for the `n`-th later
/// opening founded under the same key. `None` for a listing that left.
fn opening_keys<'a>(
    placed: &[Option<joblake_enrich::Placed>],
    key: impl Fn(usize) -> &'a str,
) -> Vec<Option<String>> {
    let mut founded: HashMap<&str, usize> = HashMap::new();
    let mut of_leader: HashMap<usize, String> = HashMap::new();
    placed
        .iter()
        .map(|p| {
            let leader = p.as_ref()?.assignment.leader;
            let opening = of_leader.entry(leader).or_insert_with(|| {
                let k = key(leader);
                let n = founded.entry(k).or_insert(0);
                let opening = if *n == 0 {
                    k.to_string()
                } else {
                    format!("{k}#{n}")
                };
                *n += 1;
                opening
            });
            Some(opening.clone())
        })
        .collect()
}

/// A string array's value, NULL as `None`.
fn get(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}
