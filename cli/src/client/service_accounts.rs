//! `latchkey service-account ...` (OWNER): the Anyscale `service-account` commands.

use super::failure::Failure;
use super::output::{print_json, print_service_accounts};
use super::{Context, confirm, print_secret_once};
use clap::{Args, Subcommand};
use latchkey_sdk::wire::IssueApiKey;

/// `--allow-ip` values: none given asks for nothing (the server copies the caller's ranges).
pub(super) fn requested_ranges(allow_ip: Vec<String>) -> Option<Vec<String>> {
    (!allow_ip.is_empty()).then_some(allow_ip)
}

/// `--scope` (repeatable) and `--no-scopes` → the request's `scopes`: none given is absent.
pub(super) fn requested_scopes(scopes: Vec<String>, no_scopes: bool) -> Option<Vec<String>> {
    if no_scopes || !scopes.is_empty() { Some(scopes) } else { None }
}

#[derive(Subcommand, Debug)]
pub enum ServiceAccountCommand {
    /// Create a service account and print its first API key (shown only once).
    #[command(after_help = "Example:\n  KEY=$(latchkey service-account create --name ci-deployer)")]
    Create {
        /// Name: 1-63 of a-z, 0-9 and '-', starting with a letter, not ending with '-'.
        #[arg(long, short = 'n')]
        name: String,
        /// OWNER or COLLABORATOR.
        #[arg(long, default_value = "COLLABORATOR", value_parser = ["OWNER", "COLLABORATOR"])]
        permission_level: String,
    },
    /// List service accounts, newest first.
    #[command(
        after_help = "Examples:\n  latchkey service-account list\n  latchkey service-account list --max-items 5 --output json"
    )]
    List {
        /// Show at most this many (all when omitted).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        max_items: Option<u32>,
    },
    /// Delete a service account; its keys stop working at once.
    #[command(after_help = "Example:\n  latchkey service-account delete --name ci-deployer --yes")]
    Delete {
        #[command(flatten)]
        account: AccountRef,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Create another API key for a service account (older keys keep working).
    #[command(
        after_help = "Examples:\n  latchkey service-account create-api-key --name ci-deployer\n  latchkey service-account create-api-key --name ci-deployer --scope latchkey:read --scope orders:read"
    )]
    CreateApiKey {
        #[command(flatten)]
        account: AccountRef,
        /// A scope the key is limited to (repeatable); none given: an unscoped key.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// A key with no scopes at all (it can call only /me).
        #[arg(long, conflicts_with = "scopes")]
        no_scopes: bool,
        /// The key's description.
        #[arg(long)]
        description: Option<String>,
        /// The key expires after this many days (1-3650); none given: it never expires.
        #[arg(long)]
        lifespan_days: Option<i64>,
        /// A CIDR the key may be used from (repeatable; within your own credential's
        /// ranges); none given: your own credential's ranges.
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Create a new API key and revoke every older key of the service account (at once, or
    /// after --grace-period seconds).
    #[command(
        after_help = "Examples:\n  NEW_KEY=$(latchkey service-account rotate-api-keys --name ci-deployer)\n  NEW_KEY=$(latchkey service-account rotate-api-keys --name ci-deployer --grace-period 3600)"
    )]
    RotateApiKeys {
        #[command(flatten)]
        account: AccountRef,
        /// Older keys keep working this many seconds (0–86400; default 0: they stop at once).
        #[arg(long, value_name = "SECONDS")]
        grace_period: Option<u32>,
        /// A scope of the new key (repeatable); none given: the newest replaced key's scopes.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// A new key with no scopes at all (it can call only /me).
        #[arg(long, conflicts_with = "scopes")]
        no_scopes: bool,
        /// The new key's description; none given: the newest replaced key's.
        #[arg(long)]
        description: Option<String>,
        /// The new key expires after this many days (1-3650); none given: the newest replaced
        /// key's lifespan.
        #[arg(long)]
        lifespan_days: Option<i64>,
        /// A CIDR the new key may be used from (repeatable; within your own credential's
        /// ranges); none given: your own credential's ranges (or the newest replaced key's).
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Suspend a service account (OWNER, persistent credential): its keys are refused until
    /// it is unsuspended.
    #[command(after_help = "Example:\n  latchkey service-account suspend --name ci-deployer")]
    Suspend {
        #[command(flatten)]
        account: AccountRef,
    },
    /// Unsuspend a service account: its keys work again.
    #[command(after_help = "Example:\n  latchkey service-account unsuspend --name ci-deployer")]
    Unsuspend {
        #[command(flatten)]
        account: AccountRef,
    },
    /// Revoke every API key of a service account.
    #[command(
        after_help = "Example:\n  latchkey service-account revoke-api-keys --email ci-deployer@org-<id>.serviceaccount.com"
    )]
    RevokeApiKeys {
        #[command(flatten)]
        account: AccountRef,
    },
}

/// A service account named by `--name` or `--email` (exactly one).
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct AccountRef {
    /// Name of the service account.
    #[arg(long)]
    name: Option<String>,
    /// Email of the service account.
    #[arg(long)]
    email: Option<String>,
}

impl AccountRef {
    /// The API takes a name or an email in the same path segment.
    fn reference(&self) -> &str {
        self.name.as_deref().or(self.email.as_deref()).unwrap_or_default()
    }
}

pub async fn run(context: &Context, command: ServiceAccountCommand) -> Result<(), Failure> {
    let session = context.session()?;
    let accounts = session.client.service_accounts();
    match command {
        ServiceAccountCommand::Create { name, permission_level } => {
            let created = accounts.create(&name, Some(&permission_level)).await?;
            eprintln!(
                "latchkey: created service account {} ({}, {})",
                created.service_account.name, created.service_account.email, created.service_account.permission_level
            );
            print_secret_once(context, "API key", &created.api_key, &created);
        }
        ServiceAccountCommand::List { max_items } => {
            let list = accounts.list_up_to(max_items.map(|n| n as usize)).await?;
            if context.json() {
                print_json(&list);
            } else {
                print_service_accounts(&list);
            }
        }
        ServiceAccountCommand::Delete { account, yes } => {
            let reference = account.reference();
            confirm(&format!("Delete service account {reference} and revoke all its API keys"), yes)?;
            accounts.delete(reference).await?;
            context.say(format!("Deleted service account {reference}; its API keys no longer work."));
        }
        ServiceAccountCommand::CreateApiKey { account, scopes, no_scopes, description, lifespan_days, allow_ip } => {
            let request = IssueApiKey {
                scopes: requested_scopes(scopes, no_scopes),
                description,
                lifespan_days,
                allowed_ip_ranges: requested_ranges(allow_ip),
                grace_period_seconds: None,
            };
            let issued = accounts.create_api_key_with(account.reference(), &request).await?;
            eprintln!(
                "latchkey: created API key {} (ending {}) for {}",
                issued.key.id, issued.key.last_six, issued.key.owner_email
            );
            print_secret_once(context, "API key", &issued.api_key, &issued);
        }
        ServiceAccountCommand::RotateApiKeys {
            account,
            scopes,
            no_scopes,
            description,
            lifespan_days,
            grace_period,
            allow_ip,
        } => {
            let request = IssueApiKey {
                scopes: requested_scopes(scopes, no_scopes),
                description,
                lifespan_days,
                allowed_ip_ranges: requested_ranges(allow_ip),
                grace_period_seconds: grace_period.map(i64::from),
            };
            let issued = accounts.rotate_api_keys_with(account.reference(), &request).await?;
            eprintln!(
                "latchkey: rotated the API keys of {}: older keys {}; new key {} (ending {})",
                issued.key.owner_email,
                super::grace_note(grace_period),
                issued.key.id,
                issued.key.last_six
            );
            print_secret_once(context, "API key", &issued.api_key, &issued);
        }
        ServiceAccountCommand::Suspend { ref account } | ServiceAccountCommand::Unsuspend { ref account } => {
            let suspend = matches!(command, ServiceAccountCommand::Suspend { .. });
            let updated = accounts.set_suspended(account.reference(), suspend).await?;
            if context.json() {
                super::output::print_json(&updated);
            } else {
                let what = if suspend { "suspended; its keys are refused" } else { "unsuspended" };
                context.say(format!("Service account {} {what}.", updated.name));
            }
        }
        ServiceAccountCommand::RevokeApiKeys { account } => {
            let reference = account.reference();
            accounts.revoke_api_keys(reference).await?;
            context.say(format!("Revoked every API key of {reference}."));
        }
    }
    Ok(())
}
