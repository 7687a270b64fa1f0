//! Printing query results: one [`Format`] enum, arrow's own CSV/JSON writers, comfy-table for
//! terminals. Shared by `joblake sql` and (later) the REPL.

use std::io::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::DataType;
use deltalake::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::error::{Error, Result};

/// Output formats of query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// An aligned table fitting the terminal.
    #[default]
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

/// How a table is shown.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    /// At most this many rows are printed (the footer says how many there were).
    pub max_rows: usize,
    /// Width to fit, when known (a terminal).
    pub width: Option<u16>,
    /// Longest cell text before it is cut with an ellipsis.
    pub max_cell: usize,
}

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            max_rows: 40,
            width: None,
            max_cell: 60,
        }
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Io {
        context: "writing results".into(),
        source: e,
    }
}

/// Writes `batches` to `out` in `format`. Returns the number of rows.
pub fn write_batches(
    batches: &[RecordBatch],
    format: Format,
    style: TableStyle,
    out: &mut dyn Write,
) -> Result<usize> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    match format {
        Format::Csv => {
            let mut w = deltalake::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for b in batches {
                w.write(b)?;
            }
        }
        Format::Json => {
            let mut w = deltalake::arrow::json::ArrayWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            writeln!(out).map_err(io)?;
        }
        Format::Ndjson => {
            let mut w = deltalake::arrow::json::LineDelimitedWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        Format::Markdown => {
            let (header, cells, _) = render(batches, usize::MAX, usize::MAX)?;
            writeln!(out, "| {} |", header.join(" | ")).map_err(io)?;
            writeln!(out, "|{}", " --- |".repeat(header.len())).map_err(io)?;
            for row in cells {
                let row: Vec<String> = row.into_iter().map(|c| c.replace('|', "\\|")).collect();
                writeln!(out, "| {} |", row.join(" | ")).map_err(io)?;
            }
        }
        Format::Table => {
            let (header, cells, numeric) = render(batches, style.max_rows, style.max_cell)?;
            let mut t = Table::new();
            t.load_style(presets::UTF8_FULL_CONDENSED);
            t.set_content_arrangement(ContentArrangement::Dynamic);
            if let Some(w) = style.width {
                t.set_width(w);
            }
            t.set_header(header);
            for row in cells {
                t.add_row(row.into_iter().enumerate().map(|(i, c)| {
                    let cell = Cell::new(c);
                    if numeric[i] {
                        cell.set_alignment(CellAlignment::Right)
                    } else {
                        cell
                    }
                }));
            }
            writeln!(out, "{t}").map_err(io)?;
            if rows > style.max_rows {
                writeln!(out, "{rows} rows ({} shown)", style.max_rows).map_err(io)?;
            } else {
                writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io)?;
            }
        }
    }
    Ok(rows)
}

type Rendered = (Vec<String>, Vec<Vec<String>>, Vec<bool>);

/// Column names, up to `max_rows` rows of cell text (NULL spelled out, long text cut), and
/// which columns are numeric.
fn render(batches: &[RecordBatch], max_rows: usize, max_cell: usize) -> Result<Rendered> {
    let Some(first) = batches.first() else {
        return Ok((Vec::new(), Vec::new(), Vec::new()));
    };
    let schema = first.schema();
    let header = schema.fields().iter().map(|f| f.name().clone()).collect();
    let numeric = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric() || matches!(f.data_type(), DataType::Decimal128(..)))
        .collect();
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    'batches: for b in batches {
        let formatters = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for r in 0..b.num_rows() {
            if rows.len() >= max_rows {
                break 'batches;
            }
            rows.push(
                formatters
                    .iter()
                    .map(|f| truncate(&f.value(r).to_string(), max_cell))
                    .collect(),
            );
        }
    }
    Ok((header, rows, numeric))
}

fn truncate(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter(vec![
            ("n", Arc::new(Int64Array::from(vec![Some(1), None])) as _),
            (
                "s",
                Arc::new(StringArray::from(vec![Some("a|b"), Some("x")])) as _,
            ),
        ])
        .expect("valid batch")
    }

    #[test]
    fn formats_write_every_row() {
        for (format, expect) in [
            (Format::Csv, "n,s\n1,a|b\n,x\n"),
            (Format::Ndjson, "{\"n\":1,\"s\":\"a|b\"}\n{\"s\":\"x\"}\n"),
            (
                Format::Markdown,
                "| n | s |\n| --- | --- |\n| 1 | a\\|b |\n| NULL | x |\n",
            ),
        ] {
            let mut out = Vec::new();
            let rows = write_batches(&[batch()], format, TableStyle::default(), &mut out)
                .expect("written");
            assert_eq!(rows, 2);
            assert_eq!(String::from_utf8_lossy(&out), expect, "{format:?}");
        }
    }

    #[test]
    fn table_caps_rows_and_shows_null() {
        let mut out = Vec::new();
        let style = TableStyle {
            max_rows: 1,
            ..TableStyle::default()
        };
        write_batches(&[batch()], Format::Table, style, &mut out).expect("written");
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("2 rows (1 shown)"), "{text}");
        let mut out = Vec::new();
        write_batches(&[batch()], Format::Table, TableStyle::default(), &mut out).expect("written");
        assert!(String::from_utf8_lossy(&out).contains("NULL"));
    }

    #[test]
    fn long_cells_are_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("a\nb", 10), "a b");
    }
}
