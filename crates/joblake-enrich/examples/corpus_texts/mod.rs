//! The description texts of every recorded response in `$JOBLAKE_CORPUS`, as plain text: the
//! input of the throughput examples.

use joblake_enrich::html_to_text;

/// Every description (`description`, `contents`, `text`, `jobDescription`, `snippet` fields) of
/// the corpus's JSON files, HTML turned to text.
pub fn load() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let corpus = std::env::var("JOBLAKE_CORPUS").map_err(|_| "set JOBLAKE_CORPUS")?;
    let mut texts = Vec::new();
    for dir in std::fs::read_dir(&corpus)? {
        let dir = dir?.path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir)? {
            let file = file?.path();
            if file.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&file)?;
                let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    descriptions(&v, &mut texts);
                }
            }
        }
    }
    Ok(texts)
}

fn descriptions(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if let (true, Some(s)) = (
                    matches!(
                        k.as_str(),
                        "description" | "contents" | "text" | "jobDescription" | "snippet"
                    ),
                    v.as_str(),
                ) {
                    out.push(html_to_text(s));
                } else {
                    descriptions(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| descriptions(v, out)),
        _ => {}
    }
}
