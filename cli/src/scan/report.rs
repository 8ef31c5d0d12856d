//! `latchkey scan --report`: sends the tokens found to `POST /credentials/revoke`, which
//! needs no credential. The endpoint looks at 1000 entries per request and at ten per
//! owner, so the tokens go in batches that respect both: none is left out.

use latchkey::credential::Token;
use latchkey::domain::PrincipalId;
use latchkey::leaks::report::{MAX_ENTRIES, MAX_PER_OWNER};
use latchkey_sdk::Client;
use std::collections::{HashMap, HashSet};

/// Distinct tokens, in batches of at most [`MAX_ENTRIES`] holding at most
/// [`MAX_PER_OWNER`] tokens of any one owner.
pub fn batches<'a>(tokens: impl IntoIterator<Item = &'a Token>) -> Vec<Vec<String>> {
    let mut seen = HashSet::new();
    let mut batches: Vec<(Vec<String>, HashMap<PrincipalId, usize>)> = Vec::new();
    for token in tokens {
        if !seen.insert(token.expose()) {
            continue;
        }
        let owner = token.locator().owner_id;
        let fits = |(entries, owners): &(Vec<String>, HashMap<PrincipalId, usize>)| {
            entries.len() < MAX_ENTRIES && owners.get(&owner).copied().unwrap_or(0) < MAX_PER_OWNER
        };
        let index = match batches.iter().position(fits) {
            Some(index) => index,
            None => {
                batches.push((Vec::new(), HashMap::new()));
                batches.len() - 1
            }
        };
        let (entries, owners) = &mut batches[index];
        entries.push(token.expose().to_string());
        *owners.entry(owner).or_default() += 1;
    }
    batches.into_iter().map(|(entries, _)| entries).collect()
}

/// Sends every batch; returns how many tokens were sent and how many entries the API says
/// it received.
pub async fn send(api_url: &str, batches: &[Vec<String>]) -> Result<(usize, usize), String> {
    let client = Client::anonymous(api_url).map_err(|e| e.to_string())?;
    let (mut sent, mut received) = (0, 0);
    for batch in batches {
        let receipt = client.report_leaked_credentials(batch).await.map_err(|e| e.to_string())?;
        sent += batch.len();
        received += receipt.received;
    }
    Ok((sent, received))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey::credential::Locator;
    use latchkey::domain::{CredentialId, CredentialKind};

    fn token_of(owner: PrincipalId) -> Token {
        Token::generate(Locator {
            kind: CredentialKind::ApiKey,
            organization_id: None,
            owner_id: owner,
            credential_id: CredentialId::new_random(),
        })
        .unwrap()
    }

    #[test]
    fn batches_hold_ten_per_owner_and_a_thousand_in_all() {
        let owner = PrincipalId::new_random();
        let mut tokens: Vec<Token> = (0..25).map(|_| token_of(owner)).collect();
        tokens.extend((0..1500).map(|_| token_of(PrincipalId::new_random())));
        let again = Token::parse(tokens[0].expose()).unwrap();
        tokens.push(again);
        let batches = batches(&tokens);
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 1525, "every distinct token, once");
        for batch in &batches {
            assert!(batch.len() <= MAX_ENTRIES);
            let mine = batch.iter().filter(|t| Token::parse(t).unwrap().locator().owner_id == owner).count();
            assert!(mine <= MAX_PER_OWNER, "{mine}");
        }
        assert_eq!(batches.len(), 3);
    }
}
