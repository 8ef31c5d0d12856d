//! Pagination cursors: URL-safe and opaque to callers, and checked on the way back in
//! against the caller's organization and the list (with its filters) they came from, so a
//! forged or foreign cursor is a 400 and can never select another organization's data.
//! (The store position inside is validated again by the store; every list query is bounded
//! to the caller's organization regardless of the cursor.)

use super::ApiError;
use crate::domain::OrganizationId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

const MAX_CURSOR_LEN: usize = 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorBody {
    v: u8,
    /// Organization.
    o: OrganizationId,
    /// List and filters, e.g. `api_keys|sa=<id>|six=|inactive=false`.
    l: String,
    /// Store position of the last item returned.
    p: String,
}

pub fn encode(org: OrganizationId, list: &str, position: &str) -> String {
    let body = CursorBody { v: 1, o: org, l: list.to_string(), p: position.to_string() };
    // Serializing a struct of strings and a UUID cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// The store position inside `cursor`, if it was made for this organization and list.
pub fn decode(cursor: &str, org: OrganizationId, list: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::validation("cursor is not valid for this list");
    if cursor.is_empty() || cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if body.v != 1 || body.o != org || body.l != list {
        return Err(invalid());
    }
    Ok(body.p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let org = OrganizationId::new_random();
        let c = encode(org, "users", "pos");
        assert_eq!(decode(&c, org, "users").unwrap(), "pos");
        assert!(decode(&c, OrganizationId::new_random(), "users").is_err());
        assert!(decode(&c, org, "service_accounts").is_err());
        assert!(decode("", org, "users").is_err());
        assert!(decode("!!!", org, "users").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode(b"{}"), org, "users").is_err());
    }
}
