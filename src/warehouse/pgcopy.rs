//! PostgreSQL's binary `COPY` format, written from Arrow batches.
//!
//! Binary COPY is the fastest way into PostgreSQL (no text parsing on the server) and it keeps
//! NULL, empty strings, timestamps and floats exactly, where CSV needs conventions. The
//! format: a fixed header, then per row a field count and per field a length (-1 for NULL)
//! and the value in network byte order, then a trailer.

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, TimeUnit};
use deltalake::arrow::error::ArrowError;

/// The PostgreSQL column types the warehouse uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    /// `bigint`
    Int8,
    /// `integer`
    Int4,
    /// `double precision`
    Float8,
    /// `boolean`
    Bool,
    /// `text`
    Text,
    /// `date`
    Date,
    /// `timestamptz`
    Timestamptz,
}

impl PgType {
    /// From `information_schema.columns.udt_name`.
    pub fn from_udt(udt: &str) -> Option<PgType> {
        Some(match udt {
            "int8" => PgType::Int8,
            "int4" => PgType::Int4,
            "float8" => PgType::Float8,
            "bool" => PgType::Bool,
            "text" | "varchar" => PgType::Text,
            "date" => PgType::Date,
            "timestamptz" => PgType::Timestamptz,
            _ => return None,
        })
    }

    /// The Arrow type a column is cast to before encoding.
    pub fn arrow(self) -> DataType {
        match self {
            PgType::Int8 => DataType::Int64,
            PgType::Int4 => DataType::Int32,
            PgType::Float8 => DataType::Float64,
            PgType::Bool => DataType::Boolean,
            PgType::Text => DataType::Utf8,
            PgType::Date => DataType::Date32,
            PgType::Timestamptz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        }
    }
}

/// The header of a binary COPY stream.
pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The trailer of a binary COPY stream.
pub const TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// Days from 1970-01-01 (Arrow) to 2000-01-01 (PostgreSQL).
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A column cast to the Arrow type of its PostgreSQL type.
enum Column {
    Int8(Int64Array),
    Int4(Int32Array),
    Float8(Float64Array),
    Bool(BooleanArray),
    Text(StringArray),
    Date(Date32Array),
    Timestamptz(TimestampMicrosecondArray),
}

impl Column {
    fn new(array: &ArrayRef, pg: PgType) -> Result<Column, ArrowError> {
        let a = cast(array, &pg.arrow())?;
        Ok(match pg {
            PgType::Int8 => Column::Int8(a.as_primitive().clone()),
            PgType::Int4 => Column::Int4(a.as_primitive().clone()),
            PgType::Float8 => Column::Float8(a.as_primitive().clone()),
            PgType::Bool => Column::Bool(a.as_boolean().clone()),
            PgType::Text => Column::Text(a.as_string::<i32>().clone()),
            PgType::Date => Column::Date(a.as_primitive().clone()),
            PgType::Timestamptz => Column::Timestamptz(a.as_primitive().clone()),
        })
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        let null = match self {
            Column::Int8(a) => a.is_null(row),
            Column::Int4(a) => a.is_null(row),
            Column::Float8(a) => a.is_null(row),
            Column::Bool(a) => a.is_null(row),
            Column::Text(a) => a.is_null(row),
            Column::Date(a) => a.is_null(row),
            Column::Timestamptz(a) => a.is_null(row),
        };
        if null {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            return;
        }
        match self {
            Column::Int8(a) => field(out, &a.value(row).to_be_bytes()),
            Column::Int4(a) => field(out, &a.value(row).to_be_bytes()),
            Column::Float8(a) => field(out, &a.value(row).to_be_bytes()),
            Column::Bool(a) => field(out, &[u8::from(a.value(row))]),
            Column::Text(a) => field(out, a.value(row).as_bytes()),
            Column::Date(a) => field(out, &(a.value(row) - PG_EPOCH_DAYS).to_be_bytes()),
            Column::Timestamptz(a) => field(out, &(a.value(row) - PG_EPOCH_MICROS).to_be_bytes()),
        }
    }
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    // A value longer than 2 GiB cannot be a field of any column here.
    let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Appends the rows of `batch` (its columns in the order of `types`) to `out`.
pub fn encode(batch: &RecordBatch, types: &[PgType], out: &mut Vec<u8>) -> Result<(), ArrowError> {
    if batch.num_columns() != types.len() {
        return Err(ArrowError::SchemaError(format!(
            "{} columns for {} warehouse columns",
            batch.num_columns(),
            types.len()
        )));
    }
    let columns = batch
        .columns()
        .iter()
        .zip(types)
        .map(|(a, t)| Column::new(a, *t))
        .collect::<Result<Vec<_>, _>>()?;
    let count = i16::try_from(columns.len())
        .map_err(|_| ArrowError::SchemaError("more than 32767 columns".into()))?;
    for row in 0..batch.num_rows() {
        out.extend_from_slice(&count.to_be_bytes());
        for c in &columns {
            c.write(row, out);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use deltalake::arrow::array::StringViewArray;
    use deltalake::arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn rows_are_length_prefixed_big_endian_with_nulls_as_minus_one() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int64, true),
            Field::new("t", DataType::Utf8View, true),
            Field::new("d", DataType::Date32, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![Some(1), None])),
                Arc::new(StringViewArray::from(vec![Some(""), None])),
                // 2000-01-02 is day 1 in PostgreSQL.
                Arc::new(Date32Array::from(vec![Some(PG_EPOCH_DAYS + 1), None])),
            ],
        )
        .expect("batch");
        let mut out = Vec::new();
        encode(
            &batch,
            &[PgType::Int8, PgType::Text, PgType::Date],
            &mut out,
        )
        .expect("encode");
        let mut expected = Vec::new();
        expected.extend_from_slice(&3i16.to_be_bytes());
        expected.extend_from_slice(&8i32.to_be_bytes());
        expected.extend_from_slice(&1i64.to_be_bytes());
        expected.extend_from_slice(&0i32.to_be_bytes()); // an empty string is not NULL
        expected.extend_from_slice(&4i32.to_be_bytes());
        expected.extend_from_slice(&1i32.to_be_bytes());
        expected.extend_from_slice(&3i16.to_be_bytes());
        for _ in 0..3 {
            expected.extend_from_slice(&(-1i32).to_be_bytes());
        }
        assert_eq!(out, expected);
        assert_eq!(HEADER.len(), 19);
    }

    #[test]
    fn a_column_count_mismatch_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        let batch =
            RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![1]))]).expect("batch");
        assert!(encode(&batch, &[PgType::Int8, PgType::Text], &mut Vec::new()).is_err());
    }
}
