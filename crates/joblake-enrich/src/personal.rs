//! Personal data in posting texts: recruiters' e-mail addresses, phone numbers and the names
//! given as the contact, replaced by a placeholder that says what was removed. The raw text
//! stays in bronze; silver and everything built on it get the redacted text.
//!
//! Phone numbers are matched by shape, not by country list: an international number (`+`, a
//! country code, 7 to 13 more digits), a national number starting with a trunk `0` grouped the
//! usual ways (`06 12 34 56 78`, `0562294816`, `020 7946 0958`), or a North American one
//! (`(415) 555-0134`). Salaries, dates, years, postal codes and reference numbers do not have
//! those shapes; a run of digits is only taken with 9 to 15 digits in all.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces an e-mail address.
pub const EMAIL_REMOVED: &str = "[e-mail removed]";
/// What replaces a phone number.
pub const PHONE_REMOVED: &str = "[phone removed]";
/// What replaces a contact's name.
pub const NAME_REMOVED: &str = "[name removed]";

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:mailto:)?[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
        .expect("e-mail pattern")
});

// Separators inside a number: a space (also non-breaking), a dot, a hyphen or a slash.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:^|[^\w+/.\-])(",
        // International: +CC, an optional (0), then groups of digits.
        r"\+\d{1,3}(?:[\s\u{a0}.\-/]?\(0\))?(?:[\s\u{a0}.\-/]?\(?\d{1,4}\)?){2,6}",
        r"|",
        // National with a trunk 0: 0X XX XX XX XX, 0XXXXXXXXX, 0XX XXXX XXXX, 0XXXX XXXXXX.
        r"0\d(?:[\s\u{a0}.\-/]?\d{2}){4}|0\d{8,13}",
        // Area or mobile prefix, then groups of 1 to 4 digits: 020 7946 0958, 0179 / 322 4 223.
        r"|0\d{1,4}(?:[\s\u{a0}]?[\s\u{a0}.\-/][\s\u{a0}]?\d{1,4}){2,5}",
        r"|",
        // North American: (415) 555-0134, 415-555-0134, 415.555.0134.
        r"\(\d{3}\)\s?\d{3}[\s.\-]\d{4}|\d{3}[.\-]\d{3}[.\-]\d{4}",
        r")(?:$|[^\w/.\-]|[.](?:\s|$))"
    ))
    .expect("phone pattern")
});

// A contact cue, then one to three capitalised words: "Contact : Marie Dupont",
// "Ansprechpartnerin: Frau Anna Schmidt", "ask for John Smith".
static CONTACT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // `(?:^|\W)`, not `\b`: every cue starts with a word character, so the two agree, but
        // a Unicode `\b` stops the lazy DFA at the first accented letter and the whole text
        // was then searched by the backtracker (18% of posting_records).
        r"(?:^|\W)(?i:(?:contact(?:\s+person)?|interlocut(?:eur|rice)|ansprechpartner(?:in)?|",
        r"recruiter|recruteur|recruteuse|ask\s+for|demandez|fragen\s+sie\s+nach)\s*:?\s+)",
        r"(?:(?:Mr|Mrs|Ms|Miss|Dr|M|Mme|Mlle|Herr|Frau)\.?\s+)?",
        r"(\p{Lu}[\p{Ll}'\-]+(?:\s+\p{Lu}[\p{L}'\-]+){1,2})"
    ))
    .expect("contact pattern")
});

/// `text` with e-mail addresses, phone numbers and contact names replaced by placeholders;
/// borrowed unchanged when there is nothing to remove (the common case).
pub fn redact_personal(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if text.contains('@') {
        out = Cow::Owned(EMAIL.replace_all(&out, EMAIL_REMOVED).into_owned());
    }
    if out.bytes().filter(u8::is_ascii_digit).count() >= 9 {
        let replaced = replace_phones(&out);
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
    }
    if let Some(s) = replace_names(&out) {
        out = Cow::Owned(s);
    }
    out
}

fn replace_phones(text: &str) -> Cow<'_, str> {
    let mut result = String::new();
    let mut last = 0;
    for caps in PHONE.captures_iter(text) {
        let Some(m) = caps.get(1) else { continue };
        let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
        if !(9..=15).contains(&digits) {
            continue;
        }
        result.push_str(&text[last..m.start()]);
        result.push_str(PHONE_REMOVED);
        last = m.end();
    }
    if last == 0 {
        return Cow::Borrowed(text);
    }
    result.push_str(&text[last..]);
    Cow::Owned(result)
}

fn replace_names(text: &str) -> Option<String> {
    let mut result = String::new();
    let mut last = 0;
    for caps in CONTACT_NAME.captures_iter(text) {
        let Some(m) = caps.get(1) else { continue };
        result.push_str(&text[last..m.start()]);
        result.push_str(NAME_REMOVED);
        last = m.end();
    }
    if last == 0 {
        return None;
    }
    result.push_str(&text[last..]);
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cue pattern as first written, with `\b`: the form in use must find the same names.
    fn names_with_word_boundary(text: &str) -> Vec<String> {
        let re = Regex::new(concat!(
            r"(?i:\b(?:contact(?:\s+person)?|interlocut(?:eur|rice)|ansprechpartner(?:in)?|",
            r"recruiter|recruteur|recruteuse|ask\s+for|demandez|fragen\s+sie\s+nach)\s*:?\s+)",
            r"(?:(?:Mr|Mrs|Ms|Miss|Dr|M|Mme|Mlle|Herr|Frau)\.?\s+)?",
            r"(\p{Lu}[\p{Ll}'\-]+(?:\s+\p{Lu}[\p{L}'\-]+){1,2})"
        ))
        .expect("pattern");
        re.captures_iter(text)
            .filter_map(|c| c.get(1).map(|m| format!("{}..{}", m.start(), m.end())))
            .collect()
    }

    #[test]
    fn the_cue_without_a_word_boundary_finds_what_the_boundary_found() {
        for text in [
            "Contact : Marie Dupont",
            "Votre interlocutrice: Mme Élodie Durand-Martin, puis contact: Jean Petit",
            "écontact: Jean Petit",
            "précontact Jean Petit",
            "(contact: Jean Petit)",
            "Ansprechpartnerin: Frau Anna Schmidt\nRecruiter: John Smith",
            "Dupont-contact: Jean Petit",
            "l'interlocuteur Paul Émile",
            "_contact Jean Petit",
            "2contact Jean Petit",
            "ask for John Smith; fragen Sie nach Herr Klaus Meier",
            "Recrutement: contactez-nous",
            "",
        ] {
            let now: Vec<String> = CONTACT_NAME
                .captures_iter(text)
                .filter_map(|c| c.get(1).map(|m| format!("{}..{}", m.start(), m.end())))
                .collect();
            assert_eq!(now, names_with_word_boundary(text), "{text:?}");
        }
        assert_eq!(
            names_with_word_boundary("écontact: Jean Petit"),
            Vec::<String>::new()
        );
        assert_eq!(
            names_with_word_boundary("Contact : Marie Dupont"),
            vec!["10..22".to_string()]
        );
    }

    fn r(t: &str) -> String {
        redact_personal(t).into_owned()
    }

    #[test]
    fn e_mail_addresses_go() {
        assert_eq!(
            r("Send your CV to jobs.fr@acme-group.co.uk today"),
            "Send your CV to [e-mail removed] today"
        );
        assert_eq!(r("mailto:Marie.Dupont@orange.fr"), "[e-mail removed]");
        assert_eq!(r("no address @ all"), "no address @ all");
    }

    #[test]
    fn phone_numbers_of_many_shapes_go() {
        for (text, want) in [
            ("Appelez le 06 12 34 56 78.", "Appelez le [phone removed]."),
            (
                "téléphoner au 0562294816\n",
                "téléphoner au [phone removed]\n",
            ),
            ("Tel.: +41 44 254 90 10</p>", "Tel.: [phone removed]</p>"),
            ("call +44 (0)20 7946 0958 now", "call [phone removed] now"),
            ("ring 020 7946 0958", "ring [phone removed]"),
            ("at 05.62.29.48.16 or", "at [phone removed] or"),
            ("Phone: (415) 555-0134", "Phone: [phone removed]"),
            ("Nummer: 015901431130", "Nummer: [phone removed]"),
            (
                "Mobil: 0170 / 123 4 567, gern",
                "Mobil: [phone removed], gern",
            ),
            ("+33 6 12 34 56 78", "[phone removed]"),
        ] {
            assert_eq!(r(text), want, "{text}");
        }
    }

    #[test]
    fn salaries_dates_codes_and_references_stay() {
        for text in [
            "Salaire : 35 000 - 45 000 € par an",
            "£30,000 - £35,000 per annum",
            "Posted 2026-12-02, start 01/03/2027",
            "75008 Paris, 13 rue de la Paix",
            "Référence 65-GA-LD-25, offre n° 190ZXYK",
            "SIRET 123 456 789 00012",
            "Working hours 09:00-17:30, 35 h per week",
            "Version 1.2.3.4 of the API, ISO 27001",
            "ID: 4567891234",
        ] {
            assert_eq!(r(text), text, "{text}");
        }
    }

    #[test]
    fn contact_names_go_but_job_words_after_contact_stay() {
        assert_eq!(
            r("Contact : Marie Dupont, service RH"),
            "Contact : [name removed], service RH"
        );
        assert_eq!(
            r("Ihre Ansprechpartnerin: Frau Anna Schmidt"),
            "Ihre Ansprechpartnerin: Frau [name removed]"
        );
        assert_eq!(r("Ask for John Smith."), "Ask for [name removed].");
        assert_eq!(
            r("You will contact customers daily"),
            "You will contact customers daily"
        );
        assert_eq!(r("contact center agent"), "contact center agent");
    }

    #[test]
    fn nothing_to_remove_borrows() {
        assert!(matches!(
            redact_personal("Data engineer, Python and SQL"),
            Cow::Borrowed(_)
        ));
    }
}
