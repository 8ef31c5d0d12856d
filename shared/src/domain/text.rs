//! Text that shows what it is (SPEC section 7): emails, names and descriptions refuse
//! Unicode format characters (general category Cf: zero-width spaces and joiners, bidi
//! embeddings, overrides and isolates, the byte-order mark, the soft hyphen, ...), which are
//! invisible or turn text around, so one principal could pose as another on a screen.
//!
//! The category comes from the `unicode-general-category` crate (Unicode 16 tables) rather
//! than a hand-kept list of ranges, so new Cf characters arrive with the crate.

use super::DomainError;
use unicode_general_category::{GeneralCategory, get_general_category};

/// Whether `c` is a format character (category Cf).
pub fn is_format_character(c: char) -> bool {
    get_general_category(c) == GeneralCategory::Format
}

/// Refuses `text` for `field` when it holds a format character. The message names the rule
/// and the code point, never the text itself.
pub fn refuse_format_characters(field: &'static str, text: &str) -> Result<(), DomainError> {
    match text.chars().find(|c| is_format_character(*c)) {
        Some(c) => Err(DomainError::invalid(
            field,
            format!("must not contain invisible or direction-changing characters (found U+{:04X})", u32::from(c)),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Description, Email, OrganizationName, parse_display_name};
    use proptest::prelude::*;

    /// The characters the issue names, and the rest of the usual suspects.
    const SUSPECTS: &[char] = &[
        '\u{00AD}',
        '\u{061C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2061}',
        '\u{2062}',
        '\u{2063}',
        '\u{2064}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{E0001}',
    ];

    #[test]
    fn the_usual_suspects_are_format_characters() {
        for c in SUSPECTS {
            assert!(is_format_character(*c), "U+{:04X}", u32::from(*c));
        }
        for c in ['a', 'Z', 'é', 'Ñ', 'ß', '日', '-', ' ', '@', '😀'] {
            assert!(!is_format_character(c), "{c}");
        }
    }

    #[test]
    fn the_message_names_the_code_point_not_the_text() {
        let err = refuse_format_characters("name", "secret\u{202E}text").unwrap_err().to_string();
        assert!(err.contains("U+202E"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    fn visible() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9]{0,20}"
    }

    proptest! {
        /// Wherever a format character sits, every kind of text refuses it; without one,
        /// the same text is accepted.
        #[test]
        fn a_format_character_anywhere_is_refused(
            local in visible(),
            suspect in proptest::sample::select(SUSPECTS),
            at in 0usize..22,
        ) {
            let mut chars: Vec<char> = local.chars().collect();
            let at = at.min(chars.len());
            chars.insert(at, suspect);
            let spoofed: String = chars.into_iter().collect();
            let (plain_email, spoofed_email) = (local.clone() + "@example.com", spoofed.clone() + "@example.com");
            prop_assert!(Email::parse(&plain_email).is_ok());
            prop_assert!(Email::parse(&spoofed_email).is_err());
            prop_assert!(parse_display_name(&local).is_ok());
            prop_assert!(parse_display_name(&spoofed).is_err());
            prop_assert!(Description::parse(&local).is_ok());
            prop_assert!(Description::parse(&spoofed).is_err());
            prop_assert!(OrganizationName::parse(&local).is_ok());
            prop_assert!(OrganizationName::parse(&spoofed).is_err());
        }
    }
}
