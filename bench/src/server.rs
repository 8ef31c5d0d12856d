//! The local server (`latchkey serve`, embedded SQLite store) under `wrk` on loopback:
//! authenticated `GET /api/v1/me` per second, latency percentiles, errors, server CPU.

use crate::Args;
use crate::procfs::{clock_ticks_per_second, cpu_ticks, peak_rss_kib, which};
use crate::stats::round2;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;

pub async fn measure_server(args: &Args) -> Result<Value, String> {
    let wrk = which("wrk").ok_or("wrk is not installed (scripts/bench installs it)")?;
    let data = args.work_dir.join(format!("server-{}", uuid::Uuid::new_v4()));
    let env = vec![("RUST_LOG".to_string(), "info".to_string())];
    let data_arg = data.display().to_string();
    let token = crate::command_output(
        &args.latchkey,
        &["bootstrap", "--organization", "bench", "--owner-email", "owner@example.com", "--data-dir", &data_arg],
        &env,
        &args.work_dir.join("server-seed.log"),
    )
    .await?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?.port()
    };
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(args.work_dir.join("server.log")).map_err(|e| e.to_string())?;
    let mut server = tokio::process::Command::new(&args.latchkey)
        .args(["serve", "--listen", &listen, "--data-dir", &data_arg])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("spawn latchkey serve: {e}"))?;
    let result = async {
        // Up, and answering 200 to the token before any load.
        let mut status = String::new();
        for _ in 0..200 {
            if let Ok(s) = get_status(&listen, "/api/v1/me", &token).await {
                status = s;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !status.contains(" 200 ") {
            return Err(format!("GET /api/v1/me before load: {status:?}"));
        }
        let pid = server.id().ok_or("server gone")?;
        let clk_tck = clock_ticks_per_second().await;
        let ticks_before = cpu_ticks(pid)?;
        let out = tokio::process::Command::new(&wrk)
            .args([
                "--latency",
                "-t",
                &args.load_threads.to_string(),
                "-c",
                &args.connections.to_string(),
                "-d",
                &format!("{}s", args.server_seconds),
                "--timeout",
                "2s",
                "-H",
                &format!("Authorization: Bearer {token}"),
                &format!("http://{listen}/api/v1/me"),
            ])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(args.server_seconds + 30), out)
            .await
            .map_err(|_| "wrk did not finish")?
            .map_err(|e| format!("wrk: {e}"))?;
        let ticks_after = cpu_ticks(pid)?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let _ = std::fs::write(args.work_dir.join("wrk.txt"), &text);
        let rps = wrk_field(&text, "Requests/sec:").and_then(|v| v.parse::<f64>().ok());
        let requests = text
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok());
        let non_2xx = wrk_field(&text, "Non-2xx or 3xx responses:").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let socket_errors: u64 = text
            .lines()
            .find(|l| l.trim_start().starts_with("Socket errors:"))
            .map(|l| l.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum())
            .unwrap_or(0);
        let latency = |q: &str| -> Option<f64> {
            text.lines()
                .map(str::trim)
                .find(|l| l.starts_with(q))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(parse_wrk_duration_ms)
        };
        let cpu_s = (ticks_after - ticks_before) as f64 / clk_tck;
        Ok(json!({
            "route": "GET /api/v1/me (authenticated)",
            "store": "embedded SQLite",
            "load": format!("wrk -t{} -c{} -d{}s, loopback", args.load_threads, args.connections, args.server_seconds),
            "requests": requests,
            "requests_per_second": rps,
            "p50_ms": latency("50%"),
            "p99_ms": latency("99%"),
            "errors_non_2xx": non_2xx,
            "errors_socket": socket_errors,
            "server_cpu_seconds": round2(cpu_s),
            "server_cpu_us_per_request": requests.map(|r| round2(cpu_s * 1e6 / r.max(1) as f64)),
            "peak_rss_kib": peak_rss_kib(pid).ok(),
        }))
    }
    .await;
    let _ = server.start_kill();
    let _ = server.wait().await;
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// One `GET` over a fresh connection; returns the status line.
async fn get_status(addr: &str, path: &str, token: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .map_err(|_| std::io::Error::other("timeout"))??;
    Ok(String::from_utf8_lossy(&buf).lines().next().unwrap_or_default().to_string())
}

fn wrk_field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines().map(str::trim).find_map(|l| l.strip_prefix(label)).map(str::trim)
}

fn parse_wrk_duration_ms(v: &str) -> Option<f64> {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e3)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().ok().map(|n| round2(n * factor))
}
