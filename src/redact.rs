//! Secrets kept out of messages: what joblake prints, logs or records never carries a password.

/// The URL with its password replaced by `***`, for messages.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
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
    }
}
