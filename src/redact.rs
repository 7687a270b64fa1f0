//! Secrets kept out of messages: what joblake prints, logs or records never carries a password.

/// Query parameters whose values are passwords: `postgres://bob@db/lake?password=…` connects
/// as well as `postgres://bob:…@db/lake`.
const PASSWORD_PARAMS: [&str; 2] = ["password", "sslpassword"];

/// The URL with its password (in the user part or as a `password` parameter) replaced by
/// `***`, for messages.
pub fn redacted(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let secret = |key: &str| PASSWORD_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p));
    let in_query = u.query_pairs().any(|(k, _)| secret(&k));
    if u.password().is_none() && !in_query {
        return url.to_string();
    }
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    if in_query {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_in_a_url_is_replaced() {
        assert_eq!(
            redacted("postgres://bob:s3cret@db.test:5432/lake"),
            "postgres://bob:***@db.test:5432/lake"
        );
        assert_eq!(
            redacted("sqlite://lake/warehouse.db"),
            "sqlite://lake/warehouse.db"
        );
        assert_eq!(
            redacted("postgres://bob@db.test/lake?Password=s3cret&sslmode=require"),
            "postgres://bob@db.test/lake?Password=***&sslmode=require"
        );
    }
}
