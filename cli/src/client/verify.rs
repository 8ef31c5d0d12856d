//! `latchkey verify [TOKEN]` (OWNER): asks `POST /verify` whether a token is a valid
//! credential of your organization, and whose. Exit 0 when valid, 1 when not.

use super::Context;
use super::account::read_token_from_stdin;
use super::failure::Failure;
use super::output::{optional_time, print_details, print_json};
use clap::Args;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  latchkey verify < presented-key.txt\n  latchkey verify \"$KEY\" --source-ip 198.51.100.7 --output json"
)]
pub struct VerifyArgs {
    /// The token to check; read from stdin when omitted.
    pub token: Option<String>,
    /// The IP address the token was presented from.
    #[arg(long, value_name = "IP")]
    pub source_ip: Option<String>,
}

pub async fn run(context: &Context, args: VerifyArgs) -> Result<(), Failure> {
    let token = match args.token {
        Some(token) => token,
        None => read_token_from_stdin()?,
    };
    let session = context.session()?;
    let verification = session.client.verify(token.trim(), args.source_ip.as_deref()).await?;
    if context.json() {
        print_json(&verification);
    } else {
        let mut rows = vec![("Valid", verification.valid.to_string()), ("Code", verification.code.clone())];
        if let (Some(principal), Some(credential)) = (&verification.principal, &verification.credential) {
            rows.push(("Principal", format!("{} ({})", principal.email, principal.principal_type)));
            rows.push(("Permission level", principal.permission_level.clone()));
            rows.push((
                "Credential",
                format!("{} {} (ending {})", credential.kind, credential.id, credential.last_six),
            ));
            rows.push(("Expires", optional_time(&credential.expires_at)));
            rows.push(("Scopes", scopes_text(credential.scopes.as_deref())));
        }
        print_details(&rows);
    }
    if verification.valid {
        Ok(())
    } else {
        Err(Failure::Other(format!("the token is not valid ({})", verification.code)))
    }
}

/// Unscoped, none, or the list.
pub(super) fn scopes_text(scopes: Option<&[String]>) -> String {
    match scopes {
        None => "(unscoped)".to_string(),
        Some([]) => "(none)".to_string(),
        Some(list) => list.join(" "),
    }
}
