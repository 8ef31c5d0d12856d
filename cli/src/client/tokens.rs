//! `latchkey token ...`: access tokens, after Determined's `det token` commands.

use super::Context;
use super::account::{LoginArgs, login};
use super::failure::Failure;
use super::output::{print_access_tokens, print_credential_details, print_details, print_json};
use clap::Subcommand;
use latchkey_sdk::wire::CreateAccessToken;
use uuid::Uuid;

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an access token (for yourself, or as OWNER for USER) and print its id and the token.
    #[command(
        after_help = "Examples:\n  latchkey token create --expiration-days 30 --description \"Automated testing token\"\n  latchkey token create bob@acme.com --expiration-days 7 --output json"
    )]
    Create {
        /// The user's id or email; yourself when omitted.
        user: Option<String>,
        /// Lifespan in days (the server's default is 30, its maximum 365).
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
        expiration_days: Option<i64>,
        /// What the token is for.
        #[arg(long)]
        description: Option<String>,
        /// A scope the token is limited to (repeatable); none given: an unscoped token.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// A token with no scopes at all (it can call only /me).
        #[arg(long, conflicts_with = "scopes")]
        no_scopes: bool,
        /// A CIDR the token may be used from (repeatable; within your own credential's
        /// ranges); none given: your own credential's ranges.
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// List active access tokens (your own; as OWNER everyone's or USER's).
    #[command(
        after_help = "Examples:\n  latchkey token list\n  latchkey token list --show-inactive --user bob@acme.com"
    )]
    List {
        /// Include revoked and expired tokens.
        #[arg(long)]
        show_inactive: bool,
        /// Only this user's tokens (OWNER): an id or email.
        #[arg(long)]
        user: Option<String>,
    },
    /// Show the details of one or more access tokens.
    #[command(after_help = "Example:\n  latchkey token describe 5f0c... 9a1b...")]
    Describe {
        /// Token ids.
        #[arg(required = true, num_args = 1..)]
        token_ids: Vec<Uuid>,
    },
    /// Change an access token's description.
    #[command(after_help = "Example:\n  latchkey token edit 5f0c... --description \"Nightly CI\"")]
    Edit {
        token_id: Uuid,
        /// The new description; \"\" clears it.
        #[arg(long)]
        description: String,
    },
    /// Revoke an access token; it stops working on the next request.
    #[command(after_help = "Example:\n  latchkey token revoke 5f0c...")]
    Revoke { token_id: Uuid },
    /// Disable an access token: it is refused from the next request until it is enabled again.
    #[command(after_help = "Example:\n  latchkey token disable 5f0c...")]
    Disable { token_id: Uuid },
    /// Enable a disabled access token again.
    #[command(after_help = "Example:\n  latchkey token enable 5f0c...")]
    Enable { token_id: Uuid },
    /// Log in with an access token (like `latchkey login`).
    #[command(after_help = "Example:\n  latchkey token login < access-token.txt")]
    Login(LoginArgs),
}

pub async fn run(context: &Context, command: TokenCommand) -> Result<(), Failure> {
    if let TokenCommand::Login(args) = command {
        return login(context, args).await;
    }
    let session = context.session()?;
    let tokens = session.client.tokens();
    match command {
        TokenCommand::Login(_) => {}
        TokenCommand::Create { user, expiration_days, description, scopes, no_scopes, allow_ip } => {
            let request = CreateAccessToken {
                user,
                lifespan_days: expiration_days,
                description,
                scopes: super::service_accounts::requested_scopes(scopes, no_scopes),
                allowed_ip_ranges: super::service_accounts::requested_ranges(allow_ip),
            };
            let issued = tokens.create_with(&request).await?;
            if context.json() {
                print_json(&issued);
            } else {
                print_details(&[("Token ID", issued.token_info.id.to_string()), ("Token", issued.token.clone())]);
            }
            eprintln!(
                "latchkey: access token for {} expires {}; this is the only time the token is shown.",
                issued.token_info.owner_email,
                super::output::optional_time(&issued.token_info.expires_at)
            );
        }
        TokenCommand::List { show_inactive, user } => {
            let list = tokens.list(user.as_deref(), show_inactive).await?;
            if context.json() {
                print_json(&list);
            } else {
                print_access_tokens(&list);
            }
        }
        TokenCommand::Describe { token_ids } => {
            let mut described = Vec::with_capacity(token_ids.len());
            for token_id in token_ids {
                described.push(tokens.get(token_id).await?);
            }
            if context.json() {
                print_json(&described);
            } else {
                for (index, info) in described.iter().enumerate() {
                    if index > 0 {
                        println!();
                    }
                    print_credential_details(info);
                }
            }
        }
        TokenCommand::Edit { token_id, description } => {
            let info = tokens.edit(token_id, &description).await?;
            if context.json() {
                print_json(&info);
            } else {
                print_credential_details(&info);
            }
        }
        TokenCommand::Disable { token_id } | TokenCommand::Enable { token_id } => {
            let disabled = matches!(command, TokenCommand::Disable { .. });
            let info = tokens.set_disabled(token_id, disabled).await?;
            if context.json() {
                print_json(&info);
            } else if disabled {
                println!("Disabled access token {token_id}; it is refused until it is enabled again.");
            } else {
                println!("Enabled access token {token_id}; it works again.");
            }
        }
        TokenCommand::Revoke { token_id } => {
            let info = tokens.revoke(token_id).await?;
            if context.json() {
                print_json(&info);
            } else {
                println!("Revoked access token {token_id}; it no longer works.");
            }
        }
    }
    Ok(())
}
