//! `latchkey api-key ...` (OWNER): keys across the organization.

use super::Context;
use super::failure::Failure;
use super::output::{print_api_keys, print_credential_details, print_json};
use clap::Subcommand;
use latchkey_sdk::ApiKeyFilters;
use uuid::Uuid;

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// List API keys, optionally of one service account or by their last six characters.
    #[command(
        after_help = "Examples:\n  latchkey api-key list --last-six a1B2c3\n  latchkey api-key list --service-account-email ci@org-<id>.serviceaccount.com --show-inactive"
    )]
    List {
        /// Only keys of the service account with this email.
        #[arg(long)]
        service_account_email: Option<String>,
        /// Only keys ending with these six characters.
        #[arg(long)]
        last_six: Option<String>,
        /// Include revoked keys.
        #[arg(long)]
        show_inactive: bool,
    },
    /// Revoke one API key by its id (see `api-key list`).
    #[command(after_help = "Example:\n  latchkey api-key revoke 0b7c6f9e-2f4c-4d7e-9a51-6a1f3f1f2a3b")]
    Revoke {
        /// The key's id.
        key_id: Uuid,
    },
    /// Disable one API key: it is refused from the next request until it is enabled again.
    #[command(after_help = "Example:\n  latchkey api-key disable 0b7c6f9e-2f4c-4d7e-9a51-6a1f3f1f2a3b")]
    Disable { key_id: Uuid },
    /// Enable a disabled API key again (what another OWNER disabled needs an OWNER's CLI token).
    #[command(after_help = "Example:\n  latchkey api-key enable 0b7c6f9e-2f4c-4d7e-9a51-6a1f3f1f2a3b")]
    Enable { key_id: Uuid },
    /// Change an API key's description.
    #[command(after_help = "Example:\n  latchkey api-key edit 0b7c6f9e-... --description \"deploys production\"")]
    Edit {
        key_id: Uuid,
        /// The new description; \"\" clears it.
        #[arg(long)]
        description: String,
    },
    /// Roll one API key: a new key like it (account, description, scopes, lifespan); the old
    /// one alone keeps working for --grace-period seconds (default 0: it stops at once).
    #[command(
        after_help = "Example:\n  NEW_KEY=$(latchkey api-key roll 0b7c6f9e-2f4c-4d7e-9a51-6a1f3f1f2a3b --grace-period 3600)"
    )]
    Roll {
        /// The key's id.
        key_id: Uuid,
        /// The old key keeps working this many seconds (0–86400).
        #[arg(long, value_name = "SECONDS")]
        grace_period: Option<u32>,
    },
}

pub async fn run(context: &Context, command: ApiKeyCommand) -> Result<(), Failure> {
    let session = context.session()?;
    let api_keys = session.client.api_keys();
    match command {
        ApiKeyCommand::List { service_account_email, last_six, show_inactive } => {
            let filters = ApiKeyFilters { service_account_email, last_six, show_inactive };
            let keys = api_keys.list(&filters).await?;
            if context.json() {
                print_json(&keys);
            } else {
                print_api_keys(&keys);
            }
        }
        ApiKeyCommand::Revoke { key_id } => {
            api_keys.revoke(key_id).await?;
            context.say(format!("Revoked API key {key_id}; it no longer works."));
        }
        ApiKeyCommand::Disable { key_id } | ApiKeyCommand::Enable { key_id } => {
            let disabled = matches!(command, ApiKeyCommand::Disable { .. });
            let info = api_keys.set_disabled(key_id, disabled).await?;
            if context.json() {
                print_json(&info);
            } else if disabled {
                println!("Disabled API key {key_id}; it is refused until it is enabled again.");
            } else {
                println!("Enabled API key {key_id}; it works again.");
            }
        }
        ApiKeyCommand::Edit { key_id, description } => {
            let info = api_keys.edit(key_id, &description).await?;
            if context.json() {
                print_json(&info);
            } else {
                print_credential_details(&info);
            }
        }
        ApiKeyCommand::Roll { key_id, grace_period } => {
            let request = latchkey_sdk::wire::Rotate { grace_period_seconds: grace_period.map(i64::from) };
            let issued = api_keys.roll(key_id, &request).await?;
            eprintln!(
                "latchkey: rolled API key {key_id}: it {}; new key {} (ending {})",
                super::grace_note(grace_period)
                    .replace("keep working", "keeps working")
                    .replace("no longer work", "no longer works"),
                issued.key.id,
                issued.key.last_six
            );
            super::print_secret_once(context, "API key", &issued.api_key, &issued);
        }
    }
    Ok(())
}
