//! `latchkey org show|update`: the organization and its policy (SPEC section 11).

use super::Context;
use super::failure::Failure;
use super::output::{print_details, print_json, time};
use clap::{Args, Subcommand};
use latchkey_sdk::Error as SdkError;
use latchkey_sdk::wire::{Organization, UpdateOrganization, UpdatePolicy};

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Show the organization and its policy (any member).
    #[command(after_help = "Examples:\n  latchkey org show\n  latchkey org show --output json")]
    Show,
    /// Change the policy (OWNER, with a CLI token or another persistent credential); only the
    /// options given change.
    #[command(after_help = "Examples:\n  latchkey org update --access-token-max-days 30 --api-key-max-days 365\n  \
        latchkey org update --allow-ip 203.0.113.0/24 --allow-ip 2001:db8::/32\n  \
        latchkey org update --api-key-max-days none --clear-ips")]
    Update(UpdateArgs),
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// New access tokens expire within this many days (1 to the service's maximum).
    #[arg(long, value_name = "DAYS")]
    access_token_max_days: Option<i64>,
    /// New API keys expire within this many days (1–3650); `none`: API keys may never expire.
    #[arg(long, value_name = "DAYS|none", value_parser = parse_key_days)]
    api_key_max_days: Option<KeyDays>,
    /// Admit credentials only from these ranges (CIDR, IPv4 or IPv6; a bare address is one
    /// host). Repeat it: the ranges given replace the stored list. Include the address you
    /// connect from, or the change is refused.
    #[arg(long = "allow-ip", value_name = "CIDR", conflicts_with = "clear_ips")]
    allow_ip: Vec<String>,
    /// Remove every IP range: credentials work from any address again.
    #[arg(long)]
    clear_ips: bool,
}

/// `--api-key-max-days`: a number of days, or `none` (no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDays(Option<i64>);

fn parse_key_days(value: &str) -> Result<KeyDays, String> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(KeyDays(None));
    }
    value.parse::<i64>().map(|days| KeyDays(Some(days))).map_err(|_| "a number of days, or none".to_string())
}

impl UpdateArgs {
    fn policy(&self) -> UpdatePolicy {
        let allowed_ip_ranges = if self.clear_ips {
            Some(Vec::new())
        } else if self.allow_ip.is_empty() {
            None
        } else {
            Some(self.allow_ip.clone())
        };
        UpdatePolicy {
            access_token_max_days: self.access_token_max_days,
            api_key_max_days: self.api_key_max_days.map(|KeyDays(days)| days),
            allowed_ip_ranges,
        }
    }
}

pub async fn run(context: &Context, command: OrgCommand) -> Result<(), Failure> {
    let session = context.session()?;
    let organization = session.client.organization();
    match command {
        OrgCommand::Show => print_organization(context, &organization.get().await?),
        OrgCommand::Update(args) => {
            let policy = args.policy();
            if policy == UpdatePolicy::default() {
                return Err(Failure::InvalidInput(
                    "nothing to change: give --access-token-max-days, --api-key-max-days, --allow-ip or --clear-ips"
                        .to_string(),
                ));
            }
            let updated = organization.update(&UpdateOrganization { policy }).await.map_err(lockout_hint)?;
            context.say("Updated the organization's policy.");
            print_organization(context, &updated);
        }
    }
    Ok(())
}

/// A 409 of `PATCH /organization` is the self-lockout guard: say how to get past it.
fn lockout_hint(error: SdkError) -> Failure {
    match error {
        SdkError::Api { status: 409, .. } => Failure::WithHint {
            failure: Box::new(Failure::Sdk(error)),
            hint: "nothing was changed: your own requests come from an address outside these ranges; add a range \
                   that holds it with --allow-ip (the policy's ranges apply to every credential, yours included)"
                .to_string(),
        },
        error => Failure::Sdk(error),
    }
}

fn print_organization(context: &Context, organization: &Organization) {
    if context.json() {
        print_json(organization);
        return;
    }
    let policy = &organization.policy;
    print_details(&[
        ("ID", organization.id.to_string()),
        ("Name", organization.name.clone()),
        ("Created at", time(&organization.created_at)),
        ("Access tokens expire within", days(policy.access_token_max_days)),
        ("API keys expire within", policy.api_key_max_days.map_or_else(|| "no limit (may never expire)".into(), days)),
        (
            "Allowed IP ranges",
            if policy.allowed_ip_ranges.is_empty() {
                "any address".to_string()
            } else {
                policy.allowed_ip_ranges.join(" ")
            },
        ),
    ]);
}

fn days(days: u32) -> String {
    if days == 1 { "1 day".to_string() } else { format!("{days} days") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: UpdateArgs,
    }

    fn policy(args: &[&str]) -> Result<UpdatePolicy, clap::Error> {
        Cli::try_parse_from(std::iter::once("org-update").chain(args.iter().copied())).map(|cli| cli.args.policy())
    }

    #[test]
    fn options_become_the_subset_of_the_policy_they_name() {
        assert_eq!(policy(&[]).unwrap(), UpdatePolicy::default());
        let all = policy(&["--access-token-max-days", "7", "--api-key-max-days", "90", "--allow-ip", "10.0.0.0/8"]);
        assert_eq!(
            all.unwrap(),
            UpdatePolicy {
                access_token_max_days: Some(7),
                api_key_max_days: Some(Some(90)),
                allowed_ip_ranges: Some(vec!["10.0.0.0/8".into()]),
            }
        );
        let cleared = policy(&["--api-key-max-days", "none", "--clear-ips"]).unwrap();
        assert_eq!(cleared.api_key_max_days, Some(None));
        assert_eq!(cleared.allowed_ip_ranges, Some(vec![]));
    }

    #[test]
    fn bad_days_and_contradictions_are_refused_before_any_request() {
        assert!(policy(&["--api-key-max-days", "forever"]).is_err());
        assert!(policy(&["--allow-ip", "10.0.0.0/8", "--clear-ips"]).is_err());
    }
}
