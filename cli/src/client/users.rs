//! `latchkey user ...`: members of the organization and their CLI tokens.

use super::failure::Failure;
use super::output::{print_json, print_users};
use super::{Context, TokenSource, confirm, print_secret_once};
use clap::Subcommand;
use latchkey_sdk::Credentials;
use latchkey_sdk::wire::{CreateUser, UpdateUser};
use uuid::Uuid;

const TOKEN_CREATOR: &str = "TokenCreator";

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user (OWNER) and print the new user's CLI token (shown only once).
    #[command(
        after_help = "Example:\n  latchkey user add --email bob@acme.com --name Bob --token-creator > bob-token.txt"
    )]
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Make the user an OWNER (default COLLABORATOR).
        #[arg(long)]
        owner: bool,
        /// Let the user create access tokens for themselves.
        #[arg(long)]
        token_creator: bool,
    },
    /// List the users of your organization.
    #[command(after_help = "Example:\n  latchkey user list --output json")]
    List {
        /// Show at most this many (all when omitted).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        max_items: Option<u32>,
    },
    /// Change a user's permission level or TokenCreator role (OWNER).
    #[command(after_help = "Example:\n  latchkey user update 3c9e... --owner --no-token-creator")]
    Update {
        user_id: Uuid,
        /// Make the user an OWNER.
        #[arg(long, conflicts_with = "collaborator")]
        owner: bool,
        /// Make the user a COLLABORATOR.
        #[arg(long)]
        collaborator: bool,
        /// Grant the TokenCreator role.
        #[arg(long, conflicts_with = "no_token_creator")]
        token_creator: bool,
        /// Take the TokenCreator role away.
        #[arg(long)]
        no_token_creator: bool,
    },
    /// Remove a user (OWNER); every credential of the user stops working at once.
    #[command(after_help = "Example:\n  latchkey user remove 3c9e... --yes")]
    Remove {
        user_id: Uuid,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Rotate CLI tokens: your own when USER_ID is omitted (the stored login is updated),
    /// or as OWNER another user's. All older CLI tokens stop working.
    #[command(
        after_help = "Examples:\n  latchkey user rotate-cli-token\n  latchkey user rotate-cli-token 3c9e... > new-token.txt"
    )]
    RotateCliToken {
        user_id: Option<Uuid>,
        /// Older CLI tokens keep working this many seconds (0–86400; default 0).
        #[arg(long, value_name = "SECONDS")]
        grace_period: Option<u32>,
    },
    /// Suspend a user (OWNER, persistent credential): every credential of it is refused
    /// until it is unsuspended.
    #[command(after_help = "Example:\n  latchkey user suspend 3c9e...")]
    Suspend { user_id: Uuid },
    /// Unsuspend a user: its credentials work again.
    #[command(after_help = "Example:\n  latchkey user unsuspend 3c9e...")]
    Unsuspend { user_id: Uuid },
}

pub async fn run(context: &Context, command: UserCommand) -> Result<(), Failure> {
    let session = context.session()?;
    let users = session.client.users();
    match command {
        UserCommand::Add { email, name, owner, token_creator } => {
            let request = CreateUser {
                email,
                name,
                permission_level: owner.then(|| "OWNER".to_string()),
                roles: token_creator.then(|| vec![TOKEN_CREATOR.to_string()]),
            };
            let created = users.create(&request).await?;
            eprintln!(
                "latchkey: added user {} (id {}, {})",
                created.user.email, created.user.id, created.user.permission_level
            );
            print_secret_once(context, "user's CLI token", &created.cli_token, &created);
        }
        UserCommand::List { max_items } => {
            let list = users.list_up_to(max_items.map(|n| n as usize)).await?;
            if context.json() {
                print_json(&list);
            } else {
                print_users(&list);
            }
        }
        UserCommand::Update { user_id, owner, collaborator, token_creator, no_token_creator } => {
            let permission_level = match (owner, collaborator) {
                (true, _) => Some("OWNER".to_string()),
                (_, true) => Some("COLLABORATOR".to_string()),
                _ => None,
            };
            // Roles are sent as the whole set, so start from the user's current roles.
            let roles = if token_creator || no_token_creator {
                let mut roles: Vec<String> =
                    users.get(user_id).await?.roles.into_iter().filter(|r| r != TOKEN_CREATOR).collect();
                if token_creator {
                    roles.push(TOKEN_CREATOR.to_string());
                }
                Some(roles)
            } else {
                None
            };
            if permission_level.is_none() && roles.is_none() {
                return Err(Failure::InvalidInput(
                    "nothing to change: give --owner, --collaborator, --token-creator or --no-token-creator"
                        .to_string(),
                ));
            }
            let user = users.update(user_id, &UpdateUser { permission_level, roles, suspended: None }).await?;
            if context.json() {
                print_json(&user);
            } else {
                print_users(std::slice::from_ref(&user));
            }
        }
        UserCommand::Remove { user_id, yes } => {
            confirm(&format!("Remove user {user_id} and revoke all their credentials"), yes)?;
            users.remove(user_id).await?;
            context.say(format!("Removed user {user_id}; their credentials no longer work."));
        }
        UserCommand::Suspend { user_id } | UserCommand::Unsuspend { user_id } => {
            let suspend = matches!(command, UserCommand::Suspend { .. });
            let user = users.set_suspended(user_id, suspend).await?;
            if context.json() {
                print_json(&user);
            } else {
                let what = if suspend { "suspended; its credentials are refused" } else { "unsuspended" };
                context.say(format!("User {user_id} {what}."));
            }
        }
        UserCommand::RotateCliToken { user_id: Some(user_id), grace_period } => {
            let request = latchkey_sdk::wire::Rotate { grace_period_seconds: grace_period.map(i64::from) };
            let issued = users.rotate_cli_token_with(user_id, &request).await?;
            eprintln!(
                "latchkey: rotated the CLI tokens of user {user_id}; older ones {}",
                super::grace_note(grace_period)
            );
            print_secret_once(context, "CLI token", &issued.cli_token, &issued);
        }
        UserCommand::RotateCliToken { user_id: None, grace_period } => {
            let request = latchkey_sdk::wire::Rotate { grace_period_seconds: grace_period.map(i64::from) };
            let issued = session.client.me_rotate_cli_token_with(&request).await?;
            eprintln!("latchkey: rotated your CLI tokens; older ones {}", super::grace_note(grace_period));
            // The stored login held a token that just stopped working: replace it.
            if let TokenSource::File(path) = &session.token_source {
                let credentials =
                    Credentials { token: issued.cli_token.clone().into(), api_url: Some(session.api_url.clone()) };
                credentials.save(path)?;
                eprintln!("latchkey: saved the new token to {}", path.display());
            }
            print_secret_once(context, "CLI token", &issued.cli_token, &issued);
        }
    }
    Ok(())
}
