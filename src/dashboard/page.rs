//! The page: `web/dashboard/index.html` with its placeholders replaced by the stylesheet, the
//! vendored ECharts, the app, the bundled boundaries and the data (`web/CONTRACT.md`). One
//! self-contained file: no server, no CDN, nothing fetched.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::{Error, Result};

const TEMPLATE: &str = include_str!("../../web/dashboard/index.html");
const STYLE: &str = include_str!("../../web/dashboard/style.css");
const APP: &str = include_str!("../../web/dashboard/app.js");
const ECHARTS: &str = include_str!("../../web/vendor/echarts/echarts.min.js");
const COUNTRIES: &str = include_str!("../../web/geo/countries.geo.json");
const DEPARTEMENTS: &str = include_str!("../../web/geo/fr_departements.geo.json");

/// The data element as the template writes it; `application/gzip+base64` when compressed.
const DATA_TAG: &str = r#"<script id="joblake-data" type="application/json">"#;

/// The placeholders of the template, each replaced once (`web/CONTRACT.md`).
pub const PLACEHOLDERS: [&str; 5] = [
    "/*@style*/",
    "/*@echarts*/",
    "/*@app*/",
    "/*@geo*/",
    "/*@data*/",
];

/// Data larger than this is compressed (gzip, then base64): a page of a big lake stays small,
/// a small one stays readable.
pub const COMPRESS_ABOVE: usize = 512 * 1024;

/// Text inside a `<script>` element: `</` cannot close it.
fn in_script(text: &str) -> String {
    text.replace("</", "<\\/")
}

/// JSON inside a `<script>` element: also no `<!--`, which changes how HTML parses a script.
fn json_in_script(text: &str) -> String {
    in_script(text).replace("<!--", "<\\u0021--")
}

/// The whole page for `data` (the JSON text of the contract).
pub fn render(data: &str) -> Result<String> {
    let compress = data.len() > COMPRESS_ABOVE;
    let data = if compress {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(data.as_bytes())
            .and_then(|()| gz.finish())
            .map(|bytes| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes))
            .map_err(|e| Error::Encode {
                what: "the dashboard's data".into(),
                message: e.to_string(),
            })?
    } else {
        json_in_script(data)
    };
    let template = if compress {
        TEMPLATE.replacen(
            DATA_TAG,
            r#"<script id="joblake-data" type="application/gzip+base64">"#,
            1,
        )
    } else {
        TEMPLATE.to_string()
    };
    let geo = format!(r#"{{"countries":{COUNTRIES},"fr_departements":{DEPARTEMENTS}}}"#);
    let [style, echarts, app, geo_key, data_key] = PLACEHOLDERS;
    let parts = [
        (style, STYLE.to_string()),
        (echarts, in_script(ECHARTS)),
        (app, in_script(APP)),
        (geo_key, json_in_script(&geo)),
        (data_key, data),
    ];
    // One pass over the template, so inserted text is never searched for placeholders.
    let mut out =
        String::with_capacity(template.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut rest = template.as_str();
    while let Some((at, (key, text))) = parts
        .iter()
        .filter_map(|p| rest.find(p.0).map(|at| (at, p)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(text);
        rest = &rest[at + key.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_in_the_template_once() {
        for key in PLACEHOLDERS {
            assert_eq!(TEMPLATE.matches(key).count(), 1, "{key}");
        }
        assert_eq!(TEMPLATE.matches(DATA_TAG).count(), 1);
    }

    #[test]
    fn data_cannot_close_its_script_and_big_data_is_compressed() {
        let page = render(r#"{"t":"</script><!--"}"#).unwrap();
        assert!(page.contains(r#"{"t":"<\/script><\u0021--"}"#));
        assert!(!page.contains("/*@data*/"));
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(COMPRESS_ABOVE));
        let page = render(&big).unwrap();
        assert!(page.contains(r#"type="application/gzip+base64""#));
        assert!(
            !page.contains(&"a".repeat(1_000)),
            "the data went in compressed"
        );
    }
}
