//! The root Makefile, which `sam build` runs for every function (`BuildMethod: makefile`):
//! each function's target builds for arm64, the authorizer with the release profile, every
//! other function with `lambda-route` (docs/deploy.md), and copies that function's own
//! binary (`Metadata.BuildProperties.Binary`, what `latchkey gateway` runs too).

use super::{entries, get, get_str, load, repo_root};

#[test]
fn each_function_s_make_target_builds_and_copies_its_own_binary() {
    let template = load("template.yaml");
    let mut problems = Vec::new();
    for (id, resource) in entries(get(&template, "Resources")) {
        if get_str(resource, "Type") != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(binary) =
            get(resource, "Metadata").and_then(|m| get(m, "BuildProperties")).and_then(|b| get_str(b, "Binary"))
        else {
            problems.push(format!("{id}: no Metadata.BuildProperties.Binary"));
            continue;
        };
        // What make would run, without running it.
        let out = std::process::Command::new("make")
            .args(["--dry-run", "--silent", &format!("build-{id}"), "ARTIFACTS_DIR=/artifacts"])
            .env("CARGO_TARGET_DIR", "/target")
            .current_dir(repo_root())
            .output()
            .expect("make runs (Debian's make package)");
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            problems.push(format!("{id}: make build-{id}: {}", String::from_utf8_lossy(&out.stderr).trim()));
            continue;
        }
        let profile_flag = if binary == "authorizer" { "--release" } else { "--profile lambda-route" };
        let builds = text.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            // `$(CARGO)`: cargo, or the path in CARGO (which cargo sets for this test);
            // possibly behind a lock (`flock FILE cargo ...`).
            words.windows(3).any(|w| w[0].ends_with("cargo") && w[1..] == ["lambda", "build"])
                && l.contains(profile_flag)
                && words.contains(&"--arm64")
                && words.windows(2).any(|w| w == ["--bin", binary])
        });
        if !builds {
            problems
                .push(format!("{id}: make build-{id} does not build {binary} for arm64 with {profile_flag}:\n{text}"));
        }
        // cargo-lambda moves what it built to target/lambda/<binary>/bootstrap.
        let copy = format!("cp /target/lambda/{binary}/bootstrap /artifacts/bootstrap");
        if !text.lines().any(|l| l.trim().ends_with(&copy)) {
            problems.push(format!("{id}: make build-{id} does not run `{copy}`:\n{text}"));
        }
    }
    assert!(problems.is_empty(), "the Makefile disagrees with template.yaml:\n  - {}\n", problems.join("\n  - "));
}
