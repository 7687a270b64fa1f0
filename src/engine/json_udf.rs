//! `json_get_str`, `json_get_float`, `json_get_bool` and `json_length` that parse each payload
//! once per batch instead of once per call.
//!
//! The staging views read 10–25 fields of every bronze payload, each with its own
//! `json_get_*(payload, 'key', ...)`. datafusion-functions-json answers each call by parsing the
//! payload from its start up to the key, so every record's JSON (and its long description) was
//! scanned 10–25 times: jiter was 17% of `silver.posting_records` (docs/performance.md). These
//! functions take their place under the same names and with the same results: the first call
//! on a batch's payload column records where each top-level field's value starts, row by row,
//! and every call on that column resumes parsing from there. Anything else (a path starting
//! with an index, a column that is not plain text, paths that are not literals) goes to the
//! library's own function.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::{Arc, Weak};

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, StringArray, StringBuilder, UInt64Array,
};
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::logical_expr::{
    ColumnarValue, ExpressionPlacement, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};
use deltalake::datafusion::prelude::SessionContext;
use jiter::{Jiter, NumberAny, Peek};

/// Replaces the library's four getters in `ctx` by the indexed ones (after
/// `datafusion_functions_json::register_all`).
pub fn register(ctx: &SessionContext) {
    for (inner, kind) in [
        (
            datafusion_functions_json::udfs::json_get_str_udf(),
            Kind::Str,
        ),
        (
            datafusion_functions_json::udfs::json_get_float_udf(),
            Kind::Float,
        ),
        (
            datafusion_functions_json::udfs::json_get_bool_udf(),
            Kind::Bool,
        ),
        (
            datafusion_functions_json::udfs::json_length_udf(),
            Kind::Length,
        ),
    ] {
        ctx.register_udf(ScalarUDF::new_from_impl(IndexedJsonGet { inner, kind }));
    }
}

/// What a getter returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// A string value (`json_get_str`).
    Str,
    /// A number, or a string that parses as one (`json_get_float`).
    Float,
    /// A boolean, or a string `true`/`false` (`json_get_bool`).
    Bool,
    /// The length of an array or object (`json_length`).
    Length,
}

impl Kind {
    /// The Arrow type the library returns for a plain text column.
    fn data_type(self) -> DataType {
        match self {
            Kind::Str => DataType::Utf8,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Length => DataType::UInt64,
        }
    }
}

/// One getter: the library's function, used for the calls the index does not serve.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IndexedJsonGet {
    inner: Arc<ScalarUDF>,
    kind: Kind,
}

impl ScalarUDFImpl for IndexedJsonGet {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        self.inner.return_type(arg_types)
    }

    fn placement(&self, args: &[ExpressionPlacement]) -> ExpressionPlacement {
        self.inner.inner().placement(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let served = match (args.args.first(), path_of(&args.args[1..])) {
            (Some(ColumnarValue::Array(json)), Some(path))
                if json.data_type() == &DataType::Utf8
                    && args.return_field.data_type() == &self.kind.data_type() =>
            {
                Some((json.clone(), path))
            }
            _ => None,
        };
        let Some((json, path)) = served else {
            return self.inner.invoke_with_args(args);
        };
        let index = batch_index(&json);
        let texts = json.as_string::<i32>();
        Ok(ColumnarValue::Array(extract(
            texts, &index, &path, self.kind,
        )))
    }
}

/// One element of a path given as literals.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
}

/// The path when every element is a literal key or index and the first is a key (the indexed
/// case); `None` sends the call to the library.
fn path_of(args: &[ColumnarValue]) -> Option<Vec<Step>> {
    let mut path = Vec::with_capacity(args.len());
    for arg in args {
        let ColumnarValue::Scalar(value) = arg else {
            return None;
        };
        path.push(match value {
            ScalarValue::Utf8(Some(k))
            | ScalarValue::Utf8View(Some(k))
            | ScalarValue::LargeUtf8(Some(k)) => Step::Key(k.clone()),
            ScalarValue::Int64(Some(i)) => Step::Index(*i),
            ScalarValue::Int32(Some(i)) => Step::Index(i64::from(*i)),
            ScalarValue::UInt64(Some(i)) => Step::Index(i64::try_from(*i).ok()?),
            _ => return None,
        });
    }
    matches!(path.first(), Some(Step::Key(_))).then_some(path)
}

/// Where the top-level fields of each row's object start.
#[derive(Debug, Default)]
struct Index {
    /// Per row, the range of its fields in `fields`; `None` when the row is null or not an
    /// object (its calls parse it from the start, as the library does).
    rows: Vec<Option<Range<usize>>>,
    /// (key's range in `keys`, offset of the value in the row's text), in document order; a
    /// key appears as many times as the object holds it, and the first one is used, as the
    /// library does.
    fields: Vec<(Range<usize>, usize)>,
    /// The decoded keys of every row, end to end: one buffer, not an allocation per field.
    keys: String,
}

/// A column, by a weak reference, and its index.
type Indexed = (Weak<dyn Array>, Arc<Index>);

thread_local! {
    /// The last column indexed on this thread. One projection evaluates all its getters on one
    /// batch in a row, on one thread. A weak reference: it does not keep the batch's payloads
    /// alive, but it keeps the array's allocation from being reused by another array while it
    /// is the key, so a pointer match is the same column.
    static LAST: RefCell<Option<Indexed>> = const { RefCell::new(None) };
}

/// The index of a column, built on its first call.
fn batch_index(json: &ArrayRef) -> Arc<Index> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((array, index)) = last.as_ref()
            && Weak::ptr_eq(array, &Arc::downgrade(json))
        {
            return index.clone();
        }
        let index = Arc::new(build_index(json.as_string::<i32>()));
        *last = Some((Arc::downgrade(json), index.clone()));
        index
    })
}

fn build_index(texts: &StringArray) -> Index {
    let mut index = Index {
        rows: Vec::with_capacity(texts.len()),
        fields: Vec::with_capacity(texts.len() * 16),
        keys: String::new(),
    };
    for row in 0..texts.len() {
        if texts.is_null(row) {
            index.rows.push(None);
            continue;
        }
        let text = texts.value(row);
        let mut jiter = Jiter::new(text.as_bytes());
        if !matches!(jiter.peek(), Ok(Peek::Object)) {
            index.rows.push(None);
            continue;
        }
        let start = index.fields.len();
        let mut key = jiter.known_object();
        // A malformed document stops the index where the library's scan would stop: the
        // fields before it are found, the ones after it are not.
        while let Ok(Some(k)) = key {
            let from = index.keys.len();
            index.keys.push_str(k);
            index
                .fields
                .push((from..index.keys.len(), jiter.current_index()));
            if jiter.next_skip().is_err() {
                break;
            }
            key = jiter.next_key();
        }
        index.rows.push(Some(start..index.fields.len()));
    }
    index
}

/// Each row's value at `path`, as `kind`.
fn extract(texts: &StringArray, index: &Index, path: &[Step], kind: Kind) -> ArrayRef {
    let Some(Step::Key(first)) = path.first() else {
        unreachable!("path_of only admits paths that start with a key")
    };
    // The value's parser positioned on it, found from the index or from the start.
    let locate = |row: usize| -> Option<(Jiter<'_>, Peek)> {
        if texts.is_null(row) {
            return None;
        }
        let text = texts.value(row);
        match &index.rows[row] {
            Some(fields) => {
                let at = index.fields[fields.clone()]
                    .iter()
                    .find(|(k, _)| index.keys[k.clone()] == **first)?
                    .1;
                let mut jiter = Jiter::new(text.as_bytes().get(at..)?);
                let peek = jiter.peek().ok()?;
                find(jiter, peek, &path[1..])
            }
            None => {
                let mut jiter = Jiter::new(text.as_bytes());
                let peek = jiter.peek().ok()?;
                find(jiter, peek, path)
            }
        }
    };
    let rows = 0..texts.len();
    match kind {
        Kind::Str => {
            // Each value straight from the parser into the array: collecting `Option<String>`
            // allocated, copied and freed every value of every field once more.
            let mut values = StringBuilder::with_capacity(texts.len(), 0);
            for row in rows {
                match locate(row) {
                    Some((mut j, Peek::String)) => values.append_option(j.known_str().ok()),
                    _ => values.append_null(),
                }
            }
            Arc::new(values.finish())
        }
        Kind::Float => Arc::new(
            rows.map(|row| locate(row).and_then(|(mut j, p)| float_value(&mut j, p)))
                .collect::<Float64Array>(),
        ),
        Kind::Bool => Arc::new(
            rows.map(|row| {
                let (mut j, p) = locate(row)?;
                match p {
                    Peek::True | Peek::False => j.known_bool(p).ok(),
                    Peek::String => j.known_str().ok()?.parse::<bool>().ok(),
                    _ => None,
                }
            })
            .collect::<BooleanArray>(),
        ),
        Kind::Length => Arc::new(
            rows.map(|row| locate(row).and_then(|(mut j, p)| length(&mut j, p)))
                .collect::<UInt64Array>(),
        ),
    }
}

/// Walks `path` from the value `jiter` is on, as datafusion-functions-json does: a key into an
/// object, an index into an array (negative from its end), a key that spells a number into an
/// array.
fn find<'j>(mut jiter: Jiter<'j>, mut peek: Peek, path: &[Step]) -> Option<(Jiter<'j>, Peek)> {
    for step in path {
        match (step, peek) {
            (Step::Key(key), Peek::Object) => {
                let mut next = jiter.known_object().ok()??;
                while next != key.as_str() {
                    jiter.next_skip().ok()?;
                    next = jiter.next_key().ok()??;
                }
                peek = jiter.peek().ok()?;
            }
            (Step::Index(i), Peek::Array) => peek = array_step(&mut jiter, *i)?,
            (Step::Key(key), Peek::Array) => peek = array_step(&mut jiter, key.parse().ok()?)?,
            _ => return None,
        }
    }
    Some((jiter, peek))
}

/// Moves into the array `jiter` is on, to element `index` (negative: from the end).
fn array_step(jiter: &mut Jiter<'_>, index: i64) -> Option<Peek> {
    let index = match usize::try_from(index) {
        Ok(i) => i,
        Err(_) => {
            let len = array_len(&mut jiter.clone())?;
            len.checked_add_signed(isize::try_from(index).ok()?)?
        }
    };
    let mut item = jiter.known_array().ok()??;
    for _ in 0..index {
        jiter.known_skip(item).ok()?;
        item = jiter.array_step().ok()??;
    }
    Some(item)
}

fn array_len(jiter: &mut Jiter<'_>) -> Option<usize> {
    let mut item = jiter.known_array().ok()?;
    let mut len = 0;
    while let Some(peek) = item {
        jiter.known_skip(peek).ok()?;
        len += 1;
        item = jiter.array_step().ok()?;
    }
    Some(len)
}

fn float_value(jiter: &mut Jiter<'_>, peek: Peek) -> Option<f64> {
    match peek {
        Peek::String => jiter.known_str().ok()?.parse::<f64>().ok(),
        Peek::Null
        | Peek::True
        | Peek::False
        | Peek::Infinity
        | Peek::NaN
        | Peek::Array
        | Peek::Object => None,
        _ => match jiter.known_number(peek).ok()? {
            NumberAny::Float(f) => Some(f),
            NumberAny::Int(i) => Some(i.into()),
        },
    }
}

fn length(jiter: &mut Jiter<'_>, peek: Peek) -> Option<u64> {
    match peek {
        Peek::Array => array_len(jiter).map(|n| n as u64),
        Peek::Object => {
            let mut key = jiter.known_object().ok()?;
            let mut n = 0u64;
            while key.is_some() {
                jiter.next_skip().ok()?;
                n += 1;
                key = jiter.next_key().ok()?;
            }
            Some(n)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::RecordBatch;
    use deltalake::arrow::datatypes::{Field, Schema};
    use deltalake::arrow::util::display::array_value_to_string;
    use deltalake::datafusion::catalog::MemTable;

    /// Payloads shaped to catch a difference with the library: fields after a long string,
    /// duplicate keys, escaped keys, nested arrays, negative indexes, numbers in strings,
    /// documents cut short or malformed after (or before) the field asked for.
    const PAYLOADS: &[Option<&str>] = &[
        Some(
            r#"{"title":"Data engineer","description":"long \"quoted\" text\n","company":{"display_name":"ACME"},"location":{"area":["France","Île-de-France","Paris"],"display_name":"Paris, Île-de-France"},"salary_min":42000,"salary_max":"55000.5","flag":"true","ok":false,"n":12345678901234567890}"#,
        ),
        Some(
            r#"{"title":"first","title":"second","a\u0062c":"escaped key","arr":[[1,2],[3,{"k":"v"}]]}"#,
        ),
        Some(
            r#"{"title":"before the break","company": {"display_name": "X"}, "broken": [1, 2,, "after":"never"}"#,
        ),
        Some(
            r#"{"title": "spaces" , "location" : { "area" : [ "UK" , "London" ] } , "contract_type" : null}"#,
        ),
        Some(r#"["not", "an", "object"]"#),
        Some(r#""a string""#),
        Some("not json at all"),
        Some(""),
        Some("{}"),
        Some(r#"{"title":"cut short"#),
        None,
        Some(
            r#"{"salary_min":-1.5e3,"salary_max":NaN,"latitude":"48.85","remote":"false","tags":{"a":1,"b":2,"c":3}}"#,
        ),
    ];

    /// Paths: every shape the staging views use, and the awkward ones.
    const PATHS: &[&str] = &[
        "'title'",
        "'description'",
        "'company', 'display_name'",
        "'location', 'area', 0",
        "'location', 'area', 1",
        "'location', 'area', 2",
        "'location', 'area', -1",
        "'location', 'area', '1'",
        "'location', 'display_name'",
        "'location', 'area'",
        "'location'",
        "'salary_min'",
        "'salary_max'",
        "'latitude'",
        "'flag'",
        "'remote'",
        "'ok'",
        "'n'",
        "'abc'",
        "'arr', 1, 1, 'k'",
        "'arr', 0",
        "'arr'",
        "'tags'",
        "'after'",
        "'broken'",
        "'contract_type'",
        "'missing'",
        "'missing', 'deeper'",
    ];

    async fn answers(indexed: bool) -> Vec<String> {
        let mut ctx = SessionContext::new();
        datafusion_functions_json::register_all(&mut ctx).expect("register the library");
        if indexed {
            register(&ctx);
        }
        let schema = Arc::new(Schema::new(vec![Field::new(
            "payload",
            DataType::Utf8,
            true,
        )]));
        let column: ArrayRef = Arc::new(StringArray::from(PAYLOADS.to_vec()));
        let batch = RecordBatch::try_new(schema.clone(), vec![column]).expect("batch");
        let table = MemTable::try_new(schema, vec![vec![batch]]).expect("table");
        ctx.register_table("t", Arc::new(table))
            .expect("register t");
        let mut exprs = Vec::new();
        for path in PATHS {
            for f in [
                "json_get_str",
                "json_get_float",
                "json_get_bool",
                "json_length",
            ] {
                exprs.push(format!("{f}(payload, {path})"));
            }
        }
        let sql = format!("SELECT {} FROM t", exprs.join(", "));
        let batches = ctx
            .sql(&sql)
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run");
        let mut out = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                for (c, expr) in exprs.iter().enumerate() {
                    let cell = if batch.column(c).is_null(row) {
                        "NULL".to_string()
                    } else {
                        array_value_to_string(batch.column(c), row).expect("display")
                    };
                    out.push(format!("row {row}: {expr} = {cell}"));
                }
            }
        }
        out
    }

    #[tokio::test]
    async fn the_indexed_getters_answer_as_the_library_does() {
        let library = answers(false).await;
        assert!(LAST.with(|last| last.borrow().is_none()));
        let indexed = answers(true).await;
        // The current-thread runtime of the test ran the plan here: the index was used.
        assert!(LAST.with(|last| last.borrow().is_some()));
        assert_eq!(library.len(), PAYLOADS.len() * PATHS.len() * 4);
        for (a, b) in library.iter().zip(&indexed) {
            assert_eq!(a, b);
        }
        // Not vacuous: the index finds fields after a long string, the first of duplicates,
        // and the fields before a syntax error.
        for expected in [
            "row 0: json_get_str(payload, 'company', 'display_name') = ACME",
            "row 1: json_get_str(payload, 'title') = first",
            "row 2: json_get_str(payload, 'company', 'display_name') = X",
            "row 0: json_get_float(payload, 'salary_max') = 55000.5",
            "row 0: json_length(payload, 'location', 'area') = 3",
        ] {
            assert!(indexed.iter().any(|l| l == expected), "{expected}");
        }
    }

    #[tokio::test]
    async fn a_second_call_on_the_same_column_reuses_its_index() {
        let column: ArrayRef = Arc::new(StringArray::from(PAYLOADS.to_vec()));
        let first = batch_index(&column);
        let again = batch_index(&column);
        assert!(Arc::ptr_eq(&first, &again));
        let other: ArrayRef = Arc::new(StringArray::from(PAYLOADS.to_vec()));
        assert!(!Arc::ptr_eq(&first, &batch_index(&other)));
    }
}
