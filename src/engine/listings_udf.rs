//! `cluster_listings`: the UDF that groups the listings sharing a title and a place into
//! openings ([`joblake_enrich::cluster`]), for `silver.int_listing_openings`.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Builder, Int64Array, Int64Builder, ListArray,
    ListBuilder, StringBuilder, StringViewArray, StructArray, StructBuilder,
};
use deltalake::arrow::array::{ByteView, make_view};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type};
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, Volatility,
};

/// The fields of each listing's struct, with the type each is read as. Strings as views: a
/// cast from `Utf8View` (what the scans give) is then free, and one from `Utf8` (the short
/// strings the increment casts for `array_agg`) builds views over the same buffers, where a
/// cast to `Utf8` copied every listing's text (a tenth of the clustering step at 1M postings).
const FIELDS: [(&str, DataType); 11] = [
    ("listing", DataType::Utf8View),
    ("first_seen", DataType::Int64),
    ("posted", DataType::Int64),
    ("key", DataType::Utf8View),
    ("company", DataType::Utf8View),
    ("text", DataType::Utf8View),
    ("contract", DataType::Utf8View),
    ("pay_min", DataType::Float64),
    ("pay_max", DataType::Float64),
    ("pay_period", DataType::Utf8View),
    ("full_text", DataType::Boolean),
];

/// `cluster_listings(listings)`: the listings of one title and place, as a list of structs in
/// any order with the fields of [`FIELDS`] (an id, when first seen, the day it was published,
/// its matching key, company key, description, contract type, annual pay range in EUR and the
/// period it was stated in, and whether the description is the whole ad). Clusters them oldest
/// first (by `first_seen`, then `posted`, then whole ads before snippets, then `listing`).
/// Returns one struct per listing: `listing`; `leader`, the listing that founded its opening;
/// `opening_key`, the leader's matching key, with `#n` when `n` earlier openings have that
/// key, so that a key's first opening keeps the key itself; `rule`
/// ([`joblake_enrich::MatchRule`]); `overlap`, the share of words lined up with the leader's
/// text; `kept_apart`, for a founder, the conflict with an earlier opening it could have
/// joined; `text_start`, the digest of its text's first words ([`joblake_enrich::text_start`]).
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
        Field::new("text_start", DataType::Int64, true),
    ]);
    let item = Arc::new(Field::new("item", DataType::Struct(fields.clone()), true));
    let ret = DataType::List(item.clone());
    let fun = move |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let list = one_list(args, "cluster_listings")?;
        let columns = Columns::read(list.values().as_struct())?;
        let mut out = ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0))
            .with_field(item.clone());
        for (row, rows) in list.offsets().windows(2).enumerate() {
            if list.is_null(row) {
                out.append(false);
                continue;
            }
            let block = Block::of(&columns, rows[0] as usize..rows[1] as usize)?;
            let placed_now = joblake_enrich::cluster_again(
                &block.facts,
                block.settled,
                &block.earlier,
                &workplaces,
            );
            let (kept, listings) = (&block.kept, block.listings);
            let opening_keys =
                opening_keys(&placed_now, |k| get(block.keys, kept[k]).unwrap_or(""));
            let structs = out.values();
            for (k, p) in placed_now.into_iter().enumerate().skip(block.settled) {
                let Some(joblake_enrich::Placed {
                    assignment: a,
                    kept_apart_as_before,
                    text_start,
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
                    text(5, block.kept_apart_then.and_then(|c| get(c, kept[k])));
                } else {
                    text(5, a.kept_apart.map(|c| c.to_string()).as_deref());
                }
                structs
                    .field_builder::<Float64Builder>(4)
                    .expect("overlap field")
                    .append_value(a.overlap);
                structs
                    .field_builder::<Int64Builder>(6)
                    .expect("text_start field")
                    .append_option(text_start.map(|d| d as i64));
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

/// `text_start(text)`: the digest of a text's first words ([`joblake_enrich::text_start`]),
/// NULL for a shorter text: how the increment of `int_listing_openings` finds the stored
/// openings whose text a new listing's starts as.
pub fn text_start() -> ScalarUDF {
    let fun = |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let [text] = arrays.as_slice() else {
            return Err(DataFusionError::Execution(
                "text_start takes one text".into(),
            ));
        };
        let text = cast(text, &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let out: Int64Array = (0..text.len())
            .map(|i| {
                let t = if text.is_null(i) { "" } else { text.value(i) };
                joblake_enrich::text_start(t).map(|d| d as i64)
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "text_start",
        Signature::any(1, Volatility::Immutable),
        DataType::Int64,
        Arc::new(fun),
    ))
}

/// `text_head(text, n)`: the first `n` characters of `text`, as `substr(text, 1, n)` gives
/// them: the start of each listing's text the openings compare. DataFusion's `substr` (and
/// `left`) count the characters of every text that is not all ASCII, up to its end when it is
/// shorter; nearly every description is under 1,500 characters but not all ASCII, so that
/// count was 5% of the openings' model at 1M postings. Here a text no longer in bytes than `n`
/// is kept whole, and a cut text's view points into the same buffers.
pub fn text_head() -> ScalarUDF {
    let fun = |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let usage = || DataFusionError::Execution("text_head takes a text and a count".into());
        let [text, ColumnarValue::Scalar(ScalarValue::Int64(Some(n)))] = args else {
            return Err(usage());
        };
        let n = usize::try_from(*n).map_err(|_| usage())?;
        let scalar = matches!(text, ColumnarValue::Scalar(_));
        let text = cast(&text.to_array(1)?, &DataType::Utf8View)?;
        let text = text.as_string_view();
        let views: Vec<u128> = (0..text.len())
            .map(|i| {
                let view = text.views()[i];
                if text.is_null(i) {
                    return view;
                }
                let value = text.value(i);
                let cut = head_bytes(value, n);
                if cut == value.len() {
                    return view;
                }
                let at = ByteView::from(view);
                make_view(&value.as_bytes()[..cut], at.buffer_index, at.offset)
            })
            .collect();
        let out = StringViewArray::try_new(
            views.into(),
            text.data_buffers().to_vec(),
            text.nulls().cloned(),
        )?;
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(Arc::new(out))
        })
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "text_head",
        Signature::any(2, Volatility::Immutable),
        DataType::Utf8View,
        Arc::new(fun),
    ))
}

/// The length in bytes of the first `n` characters of `text`.
fn head_bytes(text: &str, n: usize) -> usize {
    // A character is at least one byte: a text of at most `n` bytes has at most `n` of them.
    if text.len() <= n {
        text.len()
    } else if text.as_bytes()[..n].is_ascii() {
        n
    } else {
        text.char_indices().nth(n).map_or(text.len(), |(at, _)| at)
    }
}

/// `company_candidate(founder_company, listing_company)`: whether an opening founded by the
/// first company is a candidate of a later listing of the second by company
/// ([`joblake_enrich::company_candidate`]).
pub fn company_candidate() -> ScalarUDF {
    let fun = |args: &[ColumnarValue]| -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let [founder, listing] = arrays.as_slice() else {
            return Err(DataFusionError::Execution(
                "company_candidate takes two company keys".into(),
            ));
        };
        let (founder, listing) = (
            cast(founder, &DataType::Utf8View)?,
            cast(listing, &DataType::Utf8View)?,
        );
        let (founder, listing) = (founder.as_string_view(), listing.as_string_view());
        let out: BooleanArray = (0..founder.len())
            .map(|i| {
                Some(joblake_enrich::company_candidate(
                    get(founder, i).unwrap_or(""),
                    get(listing, i).unwrap_or(""),
                ))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "company_candidate",
        Signature::any(2, Volatility::Immutable),
        DataType::Boolean,
        Arc::new(fun),
    ))
}

/// The one argument of the listings UDFs: a list of listing structs per row.
fn one_list(args: &[ColumnarValue], name: &str) -> DfResult<ListArray> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let [list] = arrays.as_slice() else {
        return Err(DataFusionError::Execution(format!(
            "{name} takes one list of listing structs"
        )));
    };
    Ok(list.as_list::<i32>().clone())
}

/// The fields of a batch's listing structs (every block's), cast once to the types they are
/// read as: a block is a range of their rows.
struct Columns {
    required: Vec<ArrayRef>,
    /// Placed by an earlier refresh (and may keep its opening).
    placed: Option<ArrayRef>,
    /// It founded its opening.
    founder: Option<ArrayRef>,
    /// A founder no longer in the block, at its old place in the order.
    gone: Option<ArrayRef>,
    /// What was decided for a listing placed before: the listing it joined, the overlap, and
    /// a founder's conflict with its first candidate.
    leader: Option<ArrayRef>,
    overlap: Option<ArrayRef>,
    kept_apart: Option<ArrayRef>,
}

impl Columns {
    fn read(items: &StructArray) -> DfResult<Self> {
        let required = FIELDS
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
        let optional = |name: &str, t: &DataType| -> DfResult<Option<ArrayRef>> {
            items
                .column_by_name(name)
                .map(|c| cast(c, t))
                .transpose()
                .map_err(Into::into)
        };
        Ok(Columns {
            required,
            placed: optional("placed", &DataType::Boolean)?,
            founder: optional("founder", &DataType::Boolean)?,
            gone: optional("gone", &DataType::Boolean)?,
            leader: optional("leader", &DataType::Utf8View)?,
            overlap: optional("overlap", &DataType::Float64)?,
            kept_apart: optional("kept_apart", &DataType::Utf8View)?,
        })
    }
}

/// One block's listings, ordered and cut as [`cluster_listings`] describes: the settled
/// founders first, then the listings to place (`kept` maps them to rows of [`Columns`]).
struct Block<'a> {
    listings: &'a StringViewArray,
    keys: &'a StringViewArray,
    kept: Vec<usize>,
    settled: usize,
    earlier: Vec<joblake_enrich::Earlier>,
    facts: Vec<joblake_enrich::ListingFacts<'a>>,
    kept_apart_then: Option<&'a StringViewArray>,
}

impl<'a> Block<'a> {
    fn of(c: &'a Columns, rows: std::ops::Range<usize>) -> DfResult<Self> {
        let columns = &c.required;
        let [listings, keys, companies, texts, contracts] =
            [0, 3, 4, 5, 6].map(|i| columns[i].as_string_view_opt());
        let (Some(listings), Some(keys), Some(companies), Some(texts), Some(contracts)) =
            (listings, keys, companies, texts, contracts)
        else {
            return Err(DataFusionError::Internal(
                "cluster_listings: a cast to Utf8View did not give strings".into(),
            ));
        };
        let [first_seen, posted] = [1, 2].map(|i| columns[i].as_primitive::<Int64Type>());
        let [pay_mins, pay_maxs] = [7, 8].map(|i| columns[i].as_primitive::<Float64Type>());
        let pay_periods = columns[9].as_string_view();
        let full_texts = columns[10].as_boolean();
        let leaders_then = c.leader.as_ref().and_then(|c| c.as_string_view_opt());
        let overlaps_then = c.overlap.as_ref().map(|c| c.as_primitive::<Float64Type>());
        let is = |flags: &Option<ArrayRef>, i: usize| {
            flags.as_ref().is_some_and(|c| {
                let b = c.as_boolean();
                b.is_valid(i) && b.value(i)
            })
        };
        let (placed, founder, gone) = (&c.placed, &c.founder, &c.gone);
        // Oldest first: a listing never changes opening when newer ones arrive. Within one
        // run (one `first_seen`), by the day the employer published it (an original before its
        // re-posts; unknown last), then whole ads first (a founder that states its facts
        // lets a conflict with a later listing be seen, where a snippet would accept
        // anything), then by name.
        let mut order: Vec<usize> = rows.collect();
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
            .position(|&i| !is(placed, i) || is(gone, i))
            .unwrap_or(order.len());
        let mut kept: Vec<usize> = order[..cut]
            .iter()
            .copied()
            .filter(|&i| is(founder, i))
            .collect();
        let settled = kept.len();
        kept.extend_from_slice(&order[cut..]);
        let founders_then: HashMap<&str, usize> = kept
            .iter()
            .enumerate()
            .filter(|&(_, &i)| is(founder, i) && (is(placed, i) || is(gone, i)))
            .filter_map(|(k, &i)| Some((get(listings, i)?, k)))
            .collect();
        let earlier = kept
            .iter()
            .map(|&i| {
                use joblake_enrich::Earlier;
                if is(gone, i) {
                    Earlier::Left
                } else if !is(placed, i) {
                    Earlier::New
                } else if is(founder, i) {
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
        let facts = kept
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
        Ok(Block {
            listings,
            keys,
            kept,
            settled,
            earlier,
            facts,
            kept_apart_then: c.kept_apart.as_ref().and_then(|c| c.as_string_view_opt()),
        })
    }
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
fn get(a: &StringViewArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

#[cfg(test)]
mod tests {
    /// The increment of `int_listing_openings` leaves out the founders no new listing may
    /// meet with the clustering's own bound: the oldest `MAX_LEADERS` openings. Written as a
    /// number in its SQL, it must be the crate's.
    #[test]
    fn the_openings_increment_uses_the_clusterings_bounds() {
        let project = crate::project::Project::embedded();
        let sql = project
            .file("silver/increments/int_listing_openings.sql")
            .expect("the increment");
        let leaders = format!("a.age <= {}", joblake_enrich::MAX_LEADERS);
        assert!(sql.contains(&leaders), "{leaders}");
    }

    /// `text_head(t, n)` is `substr(t, 1, n)`: texts shorter and longer than `n` in bytes and in
    /// characters, cut inside and outside a view's inline length, multi-byte characters around
    /// the cut, NULL; from views and from plain strings, and for a literal.
    #[tokio::test]
    async fn text_head_is_substr_from_the_first_character() {
        use std::sync::Arc;

        use deltalake::arrow::array::{AsArray, RecordBatch, StringArray};
        use deltalake::arrow::datatypes::{DataType, Field, Int64Type, Schema};
        use deltalake::datafusion::prelude::SessionContext;

        let texts = [
            Some(""),
            Some("short"),
            Some("exactly twelve"),
            Some("an ASCII text well past the cut"),
            Some("économie, société — déjà vu à côté"),
            Some("ééééééééééé"),
            Some("aé"),
            Some("€€€€€ and then some ASCII"),
            Some("👩‍💻 data engineer 👩‍💻👩‍💻"),
            None,
        ];
        let ctx = SessionContext::new();
        ctx.register_udf(super::text_head());
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)])),
            vec![Arc::new(StringArray::from(texts.to_vec()))],
        )
        .expect("batch");
        ctx.register_batch("texts", batch).expect("table");
        for n in [0, 1, 2, 3, 5, 11, 12, 13, 20, 100] {
            for column in ["t", "arrow_cast(t, 'Utf8View')"] {
                let sql = format!(
                    "SELECT count(*) FROM texts WHERE (text_head({column}, {n}) IS DISTINCT FROM \
                     substr(t, 1, {n})) OR arrow_typeof(text_head({column}, {n})) <> 'Utf8View'"
                );
                let differ = first_value(&ctx, &sql).await;
                let differ = differ.as_primitive::<Int64Type>().value(0);
                assert_eq!(differ, 0, "n = {n}, {column}");
            }
            let literal = format!("SELECT text_head('économie', {n}) = substr('économie', 1, {n})");
            let same = first_value(&ctx, &literal).await;
            assert!(same.as_boolean().value(0), "literal, n = {n}");
        }
    }

    /// The first column of the first batch `sql` gives.
    async fn first_value(
        ctx: &deltalake::datafusion::prelude::SessionContext,
        sql: &str,
    ) -> deltalake::arrow::array::ArrayRef {
        let batches = ctx
            .sql(sql)
            .await
            .expect("plans")
            .collect()
            .await
            .expect("runs");
        batches[0].column(0).clone()
    }
}
