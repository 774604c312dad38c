//! Scenario 9, download memory: the resident memory a 50 MB task attachment adds while it is
//! read through the crate's own `DownloadTaskAttachment` (`response = Download`, chunk by chunk,
//! each chunk dropped), against the same file read whole as `Bytes`.
//!
//! Every measurement runs in a fresh child process (role `download-once`), so that memory freed
//! by one reading cannot be reused by the next and hide its cost. The child starts the sandbox
//! in-process, stores the file in it (`Sandbox::seed_attachment`) and makes one small call, all
//! before the baseline; then it resets the kernel's peak-resident mark (`5` to
//! `/proc/self/clear_refs`) and reads the file. The growth is the peak resident set (`VmHWM`)
//! minus the baseline (`VmRSS`), so the server's copy of the file is in the baseline and not in
//! the growth. Without `/proc` (not Linux) the scenario fails rather than print a wrong number.

use std::io;
use std::process::Stdio;
use std::time::Duration;

use zoho_projects::bytes::Bytes;
use zoho_projects::v3::attachments::{DownloadTaskAttachment, ListTaskAttachments, workdrive_files, zohopc_files};
use zoho_projects::{Client, Endpoint, Token};
use zoho_sandbox::{Dc, Sandbox};

use crate::child::{answer, exit_code, var};
use crate::common::{Bench, ROLE};

zoho_projects::scope_set! {
    #[zoho(crate = ::zoho_projects)]
    struct Files = ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read];
}

/// The same download, read whole: the crate's endpoint with `response = Bytes`.
#[derive(Endpoint)]
#[zoho(crate = ::zoho_projects, method = "GET",
       path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
       scope = ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response = Bytes)]
struct Whole {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
    #[zoho(path)]
    attachment: String,
}

/// How a child reads the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `response = Download`, chunks dropped as they come.
    Streamed,
    /// `response = Bytes`, the whole body in memory.
    Whole,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Streamed => "streamed",
            Mode::Whole => "whole",
        }
    }
}

/// One child's measurement.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Peak resident growth over the baseline, in bytes.
    pub growth: i64,
    /// Bytes read (must equal the file's size).
    pub bytes: u64,
    /// Chunks the stream yielded (1 when read whole).
    pub chunks: u64,
    /// The largest chunk, in bytes.
    pub largest_chunk: u64,
}

/// What scenario 9 measured.
#[derive(Clone, Debug, Default)]
pub struct DownloadResult {
    /// The file's size in bytes.
    pub size: usize,
    /// One sample per run, streamed.
    pub streamed: Vec<Sample>,
    /// One sample per run, read whole.
    pub whole: Vec<Sample>,
}

/// Runs `reps` children of each mode on a file of `size` bytes, alternating the modes.
pub fn download(bench: &Bench, size: usize, reps: usize) -> io::Result<DownloadResult> {
    let mut result = DownloadResult { size, ..DownloadResult::default() };
    for _ in 0..reps {
        for mode in [Mode::Streamed, Mode::Whole] {
            let s = run_child(bench, mode, size)?;
            if s.bytes != size as u64 {
                return Err(io::Error::other(format!("{} read {} bytes of {size}", mode.name(), s.bytes)));
            }
            match mode {
                Mode::Streamed => result.streamed.push(s),
                Mode::Whole => result.whole.push(s),
            }
        }
    }
    Ok(result)
}

fn run_child(bench: &Bench, mode: Mode, size: usize) -> io::Result<Sample> {
    let out = std::process::Command::new(&bench.exe)
        .env(ROLE, "download-once")
        .env("ZOHO_BENCH_DOWNLOAD_MODE", mode.name())
        .env("ZOHO_BENCH_DOWNLOAD_SIZE", size.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("@@ "))
        .ok_or_else(|| io::Error::other(format!("download child ({}) said nothing: {}", mode.name(), out.status)))?;
    let nums: Vec<i64> = match line.strip_prefix("RESULT ") {
        Some(rest) => rest.split(' ').filter_map(|n| n.parse().ok()).collect(),
        None => return Err(io::Error::other(format!("download child: {line}"))),
    };
    let [growth, bytes, chunks, largest] = nums[..] else {
        return Err(io::Error::other(format!("download child: bad line {line}")));
    };
    let u = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Sample { growth, bytes: u(bytes), chunks: u(chunks), largest_chunk: u(largest) })
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn proc_status(key: &str) -> io::Result<i64> {
    let s = std::fs::read_to_string("/proc/self/status")?;
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_start_matches(':').trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| io::Error::other(format!("no {key} in /proc/self/status")))
}

/// The child role `download-once`: one reading, answered as
/// `@@ RESULT <growth> <bytes> <chunks> <largest chunk>`.
pub fn child() -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return exit_code("download-once", Err(e)),
    };
    exit_code("download-once", rt.block_on(once()))
}

async fn once() -> io::Result<()> {
    let mode = match var("ZOHO_BENCH_DOWNLOAD_MODE")?.as_str() {
        "streamed" => Mode::Streamed,
        "whole" => Mode::Whole,
        other => return Err(io::Error::other(format!("unknown mode {other}"))),
    };
    let size: usize = var("ZOHO_BENCH_DOWNLOAD_SIZE")?.parse().map_err(io::Error::other)?;
    // Zoho's limits on: this reading makes three calls.
    let sb = Sandbox::builder().start().await.map_err(io::Error::other)?;
    let scopes = ["ZohoProjects.tasks.READ", "ZohoPC.files.ALL", "WorkDrive.files.READ"];
    let access = sb.mint_access_token(&sb.demo_user().email, &scopes).map_err(io::Error::other)?;
    let token = Token::<Files>::from_console(&access, &scopes.join(","), Duration::from_secs(3600))
        .map_err(io::Error::other)?;
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).map_err(io::Error::other)?;
    let portal = sb.demo_portal(Dc::Us);
    let project = portal.projects.first().ok_or_else(|| io::Error::other("no demo project"))?;
    let task = project.tasks.first().ok_or_else(|| io::Error::other("no demo task"))?.clone();
    let data: Vec<u8> = (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let attachment = sb
        .seed_attachment(Dc::Us, &project.id, &task, "big.bin", "application/octet-stream", data)
        .map_err(io::Error::other)?;
    let (portal, project) = (portal.id.clone(), project.id.clone());
    // One call first: the connection, the pool and the runtime's buffers are in the baseline.
    let listed = client.send(ListTaskAttachments::new(&*portal, &*project, &*task)).await.map_err(io::Error::other)?;
    if listed.items.len() != 1 {
        return Err(io::Error::other("the seeded file is not listed"));
    }

    let baseline = proc_status("VmRSS")?;
    // Reset the peak mark to the current resident set (Linux ≥ 4.0).
    std::fs::write("/proc/self/clear_refs", "5")?;
    let mut sample = Sample::default();
    match mode {
        Mode::Streamed => {
            let mut d = client
                .send(DownloadTaskAttachment::new(&*portal, &*project, &*task, &*attachment))
                .await
                .map_err(io::Error::other)?;
            while let Some(chunk) = d.chunk().await.map_err(io::Error::other)? {
                sample.bytes += chunk.len() as u64;
                sample.chunks += 1;
                sample.largest_chunk = sample.largest_chunk.max(chunk.len() as u64);
            }
        }
        Mode::Whole => {
            let body = client.send(Whole { portal, project, task, attachment }).await.map_err(io::Error::other)?;
            sample.bytes = body.len() as u64;
            sample.chunks = 1;
            sample.largest_chunk = body.len() as u64;
        }
    }
    sample.growth = proc_status("VmHWM")? - baseline;
    answer(&format!("RESULT {} {} {} {}", sample.growth, sample.bytes, sample.chunks, sample.largest_chunk));
    sb.shutdown().await;
    Ok(())
}

/// Scenario 9 as a Markdown table (medians over the runs, and the range).
pub fn report(r: &DownloadResult) -> String {
    let mib = |b: f64| b / (1024.0 * 1024.0);
    let row = |label: &str, samples: &[Sample], goal: &str, verdict: &str| {
        let growth: Vec<f64> = samples.iter().map(|s| s.growth as f64).collect();
        let median = crate::stats::median(&growth);
        let (lo, hi) = growth.iter().fold((f64::MAX, f64::MIN), |(lo, hi), g| (lo.min(*g), hi.max(*g)));
        let chunks: Vec<f64> = samples.iter().map(|s| s.chunks as f64).collect();
        let largest = samples.iter().map(|s| s.largest_chunk).max().unwrap_or(0);
        format!(
            "| {:.1} MiB | {label} | {} | {:.0} ({largest} B) | **{:.2} MiB** | {:.2}–{:.2} MiB | {goal} | {verdict} |\n",
            mib(r.size as f64),
            samples.len(),
            crate::stats::median(&chunks),
            mib(median),
            mib(lo),
            mib(hi),
        )
    };
    // Met only if every run stayed under the goal, not just the median.
    let worst = r.streamed.iter().map(|s| s.growth).max().unwrap_or(i64::MAX);
    let verdict = if !r.streamed.is_empty() && worst < 16 * 1024 * 1024 { "**met** (every run)" } else { "**missed**" };
    let mut out = String::from(
        "| file | read as | runs | chunks, median (largest) | peak resident growth, median | range | goal | verdict |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    out.push_str(&row("`Download` (streamed, chunks dropped)", &r.streamed, "< 16 MiB", verdict));
    out.push_str(&row("`Bytes` (whole body held)", &r.whole, "(comparison)", "–"));
    out
}
