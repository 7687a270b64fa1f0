//! Printing query results: one [`Format`] enum, arrow's own CSV/JSON writers, comfy-table for
//! terminals, streamed batch by batch ([`ResultWriter`]). Shared by `joblake sql` and the REPL.

use std::io::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use deltalake::arrow::array::RecordBatch;
use std::sync::Arc;

use deltalake::arrow::datatypes::{DataType, Schema, SchemaRef};
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
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => Arc::new(Schema::empty()),
    };
    let mut writer = ResultWriter::new(schema, format, style);
    for b in batches {
        writer.write(b, out)?;
    }
    writer.finish(out)
}

/// Prints a result as its batches arrive: CSV, JSON and Markdown rows are written at once;
/// a table keeps only the rows it will show and counts the others, so a huge result is never
/// held in memory to print 40 rows of it.
pub struct ResultWriter {
    schema: SchemaRef,
    format: Format,
    style: TableStyle,
    rows: usize,
    /// Something (a header, an opening bracket) was written.
    started: bool,
    shown: Vec<Vec<String>>,
}

impl ResultWriter {
    /// A writer for results of `schema`.
    pub fn new(schema: SchemaRef, format: Format, style: TableStyle) -> ResultWriter {
        ResultWriter {
            schema,
            format,
            style,
            rows: 0,
            started: false,
            shown: Vec::new(),
        }
    }

    /// Writes (or keeps) one batch.
    pub fn write(&mut self, batch: &RecordBatch, out: &mut dyn Write) -> Result<()> {
        let first = !self.started;
        match self.format {
            Format::Csv => {
                let mut w = deltalake::arrow::csv::WriterBuilder::new()
                    .with_header(first)
                    .build(&mut *out);
                w.write(batch)?;
                self.started = true;
            }
            Format::Ndjson => {
                let mut w = deltalake::arrow::json::LineDelimitedWriter::new(&mut *out);
                w.write(batch)?;
                w.finish()?;
            }
            Format::Json => {
                if batch.num_rows() > 0 {
                    let mut buf = Vec::new();
                    let mut w = deltalake::arrow::json::ArrayWriter::new(&mut buf);
                    w.write(batch)?;
                    w.finish()?;
                    // `[{..},{..}]` of this batch joins the array the first batch opened.
                    let inner = &buf[1..buf.len().saturating_sub(1)];
                    out.write_all(if first { b"[" } else { b"," }).map_err(io)?;
                    out.write_all(inner).map_err(io)?;
                    self.started = true;
                }
            }
            Format::Markdown => {
                if first {
                    self.markdown_header(out)?;
                }
                for row in cells(batch, usize::MAX, usize::MAX)? {
                    let row: Vec<String> = row.into_iter().map(|c| c.replace('|', "\\|")).collect();
                    writeln!(out, "| {} |", row.join(" | ")).map_err(io)?;
                }
            }
            Format::Table => {
                let room = self.style.max_rows.saturating_sub(self.shown.len());
                if room > 0 {
                    self.shown.extend(cells(batch, room, self.style.max_cell)?);
                }
            }
        }
        self.rows += batch.num_rows();
        Ok(())
    }

    fn markdown_header(&mut self, out: &mut dyn Write) -> Result<()> {
        let names: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        writeln!(out, "| {} |", names.join(" | ")).map_err(io)?;
        writeln!(out, "|{}", " --- |".repeat(names.len())).map_err(io)?;
        self.started = true;
        Ok(())
    }

    /// Ends the result (a table is printed now, with its row count); returns the rows.
    pub fn finish(mut self, out: &mut dyn Write) -> Result<usize> {
        match self.format {
            Format::Json => {
                let end: &[u8] = if self.started { b"]\n" } else { b"[]\n" };
                out.write_all(end).map_err(io)?;
            }
            Format::Markdown if !self.started => self.markdown_header(out)?,
            Format::Table => {
                let numeric: Vec<bool> = self
                    .schema
                    .fields()
                    .iter()
                    .map(|f| {
                        f.data_type().is_numeric()
                            || matches!(f.data_type(), DataType::Decimal128(..))
                    })
                    .collect();
                let mut t = Table::new();
                t.load_preset(presets::UTF8_FULL_CONDENSED);
                t.set_content_arrangement(ContentArrangement::Dynamic);
                if let Some(w) = self.style.width {
                    t.set_width(w);
                }
                t.set_header(self.schema.fields().iter().map(|f| f.name().clone()));
                for row in self.shown {
                    t.add_row(row.into_iter().enumerate().map(|(i, c)| {
                        let cell = Cell::new(c);
                        if numeric.get(i).copied().unwrap_or(false) {
                            cell.set_alignment(CellAlignment::Right)
                        } else {
                            cell
                        }
                    }));
                }
                writeln!(out, "{t}").map_err(io)?;
                let rows = self.rows;
                if rows > self.style.max_rows {
                    writeln!(out, "{rows} rows ({} shown)", self.style.max_rows).map_err(io)?;
                } else {
                    writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io)?;
                }
            }
            _ => {}
        }
        Ok(self.rows)
    }
}

/// Up to `max_rows` rows of `batch` as cell text: NULL spelled out, long text cut.
fn cells(batch: &RecordBatch, max_rows: usize, max_cell: usize) -> Result<Vec<Vec<String>>> {
    let options = FormatOptions::default().with_null("NULL");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((0..batch.num_rows().min(max_rows))
        .map(|r| {
            formatters
                .iter()
                .map(|f| truncate(&f.value(r).to_string(), max_cell))
                .collect()
        })
        .collect())
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
    fn empty_batches_write_one_header() {
        let empty = batch().slice(0, 0);
        for (format, expect) in [
            (Format::Csv, "n,s\n1,a|b\n,x\n"),
            (Format::Json, "[{\"n\":1,\"s\":\"a|b\"},{\"s\":\"x\"}]\n"),
            (
                Format::Markdown,
                "| n | s |\n| --- | --- |\n| 1 | a\\|b |\n| NULL | x |\n",
            ),
        ] {
            let mut out = Vec::new();
            write_batches(
                &[empty.clone(), batch(), empty.clone()],
                format,
                TableStyle::default(),
                &mut out,
            )
            .expect("written");
            assert_eq!(String::from_utf8_lossy(&out), expect, "{format:?}");
        }
        let mut out = Vec::new();
        write_batches(&[empty], Format::Json, TableStyle::default(), &mut out).expect("written");
        assert_eq!(out, b"[]\n");
    }

    #[test]
    fn long_cells_are_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("a\nb", 10), "a b");
    }
}
