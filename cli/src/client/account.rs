//! `login`, `logout`, `whoami` (and `token login`, which is `login`).

use super::failure::Failure;
use super::output::{print_details, print_json};
use super::{Context, TokenSource};
use clap::Args;
use latchkey_sdk::{ApiToken, Client, Credentials};
use std::io::{IsTerminal, Read};

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The token (CLI token, API key or access token); read from stdin when omitted.
    pub token: Option<String>,
}

pub async fn login(context: &Context, args: LoginArgs) -> Result<(), Failure> {
    let token = match args.token {
        Some(token) => {
            if std::io::stdin().is_terminal() {
                eprintln!("latchkey: note: a token given as an argument stays in your shell history; prefer stdin");
            }
            token
        }
        None => read_token_from_stdin()?,
    };
    let token = ApiToken::new(token);
    if token.expose().is_empty() {
        return Err(Failure::InvalidInput("no token given".to_string()));
    }
    let path = latchkey_sdk::credentials::default_path()?;
    // A broken or too-open old file must not stop a fresh login: it is replaced below.
    let previous = Credentials::load(&path).ok().flatten();
    let api_url = context.api_url(previous.as_ref());
    let client = Client::new(api_url.clone(), token.clone())?;
    let me = client.me().await?;
    Credentials { token, api_url: Some(api_url.clone()) }.save(&path)?;
    if context.json() {
        print_json(&me);
    }
    context.say(format!(
        "Logged in to {api_url} as {} ({}, {}). Credentials saved to {}.",
        me.email,
        me.principal_type,
        me.permission_level,
        path.display()
    ));
    if std::env::var_os(latchkey_sdk::TOKEN_ENV).is_some() {
        eprintln!("latchkey: note: LATCHKEY_CLI_TOKEN is set and overrides the stored credentials");
    }
    Ok(())
}

/// One line from stdin; a prompt (on stderr) only when a person is typing.
pub(super) fn read_token_from_stdin() -> Result<String, Failure> {
    let mut stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprint!("Paste your latchkey token and press Enter: ");
        stdin.read_line(&mut text)
    } else {
        stdin.read_to_string(&mut text)
    }
    .map_err(|e| Failure::Other(format!("cannot read the token from stdin: {e}")))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Failure::InvalidInput("no token on stdin".to_string()));
    }
    if token.lines().count() > 1 {
        return Err(Failure::InvalidInput("stdin holds more than one line; give exactly one token".to_string()));
    }
    Ok(token.to_string())
}

pub fn logout(context: &Context) -> Result<(), Failure> {
    let path = latchkey_sdk::credentials::default_path()?;
    if Credentials::remove(&path)? {
        context.say(format!("Logged out: removed {}. The token itself still works until revoked.", path.display()));
    } else {
        context.say(format!("Not logged in: {} does not exist.", path.display()));
    }
    Ok(())
}

pub async fn whoami(context: &Context) -> Result<(), Failure> {
    let session = context.session()?;
    let me = session.client.me().await?;
    if context.json() {
        print_json(&me);
        return Ok(());
    }
    let source = match &session.token_source {
        TokenSource::Environment => "LATCHKEY_CLI_TOKEN".to_string(),
        TokenSource::File(path) => path.display().to_string(),
    };
    print_details(&[
        ("Principal type", me.principal_type.clone()),
        ("ID", me.id.to_string()),
        ("Email", me.email.clone()),
        ("Organization ID", me.organization_id.to_string()),
        ("Permission level", me.permission_level.clone()),
        ("Roles", if me.roles.is_empty() { "-".to_string() } else { me.roles.join(", ") }),
        ("Credential", format!("{} {} (...{})", me.credential.kind, me.credential.id, me.credential.last_six)),
        ("Expires at", super::output::optional_time(&me.credential.expires_at)),
        ("API", session.api_url.clone()),
        ("Token from", source),
    ]);
    Ok(())
}
