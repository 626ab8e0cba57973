//! The CLI subcommands attacked (issue 15): files that are missing, directories, binary or endless,
//! stdin far over the limit, and a stdout closed before anything is written (`| head`). Each case
//! must end with a one-line message and the documented exit code (2: input the user can fix; 0: the
//! reader asked for no more), never a panic, a hang or unbounded reading.

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod common;

fn bin() -> String {
    common::bin_from("ATTACK_BIN")
}

/// Run with `stdin` written on a thread (a refused input may not be read to its end).
fn run(args: &[&str], stdin: Vec<u8>) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit code 2 and a short message naming `needle`, no panic.
fn refused(args: &[&str], stdin: Vec<u8>, needle: &str) {
    let output = run(args, stdin);
    let message: String = stderr(&output).chars().take(2000).collect();
    let args: Vec<String> = args.iter().map(|a| a.chars().take(80).collect()).collect();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(!message.contains("panicked"), "{args:?}: {message}");
    assert!(message.contains(needle), "{args:?}: {message}");
    assert!(
        message.lines().count() <= 2 && message.len() < 400,
        "{args:?}: a long message: {message}"
    );
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("attacks-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

#[test]
fn missing_files_and_directories_are_named() {
    refused(
        &["review-schema", "/no/such/migration.sql"],
        vec![],
        "/no/such/migration.sql",
    );
    refused(
        &["slo", "--input", "@/no/such/input.json"],
        vec![],
        "/no/such/input.json",
    );
    let empty_dir = std::env::temp_dir().join(format!("attacks-cli-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty_dir).expect("dir");
    let dir = empty_dir.to_string_lossy().into_owned();
    refused(&["review-schema", &dir], vec![], "no .sql files");
    refused(&["slo", "--input", &format!("@{dir}")], vec![], "directory");
}

#[test]
fn binary_input_is_named_as_not_text() {
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 0x80) as u8).collect();
    let file = temp_file("binary.sql", &binary);
    let path = file.to_string_lossy().into_owned();
    refused(&["review-schema", &path], vec![], "not UTF-8");
    refused(
        &["review-schema", "--schema", &path, &path],
        vec![],
        "not UTF-8",
    );
    refused(&["review-schema"], binary.clone(), "not UTF-8");
    refused(
        &["slo", "--input", &format!("@{path}")],
        vec![],
        "not UTF-8",
    );
    refused(&["slo", "--input", "-"], binary, "not UTF-8");
}

#[test]
fn huge_stdin_is_refused_after_reading_one_byte_past_the_limit() {
    // 17 MiB for review-schema (16 MiB limit), 2 MiB for a decision tool (1 MiB limit).
    refused(
        &["review-schema", "-"],
        b"-- filler\n".repeat(17 * 1024 * 1024 / 10 + 1),
        "16777216",
    );
    refused(
        &["slo", "--input", "-"],
        vec![b' '; 2 * 1024 * 1024],
        "longer than the limit",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn endless_files_are_read_up_to_the_limit_only() {
    // /dev/zero says it is 0 bytes long; it never ends.
    refused(&["review-schema", "/dev/zero"], vec![], "/dev/zero");
    refused(
        &["review-schema", "--schema", "/dev/zero", "/dev/null"],
        vec![],
        "/dev/zero",
    );
    refused(&["slo", "--input", "@/dev/zero"], vec![], "/dev/zero");
}

#[test]
fn bad_arguments_get_a_usage_error() {
    refused(&["slo", "--set", "target_percent"], vec![], "FIELD=VALUE");
    refused(&["slo", "--input", "[1,2]"], vec![], "JSON object");
    refused(&["slo", "--input", "{not json"], vec![], "not valid JSON");
    refused(
        &[
            "slo",
            "--set",
            &format!("target_percent={}", "9".repeat(100_000)),
        ],
        vec![],
        "target_percent",
    );
    refused(&["read", &"x".repeat(100_000)], vec![], "error");
}

/// Run with stdout closed before the program writes anything.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn a_closed_stdout_is_a_quiet_success_not_a_panic() {
    let schema = temp_file(
        "many.sql",
        (0..3000)
            .map(|i| format!("CREATE TABLE t{i} (a int);\n"))
            .collect::<String>()
            .as_bytes(),
    );
    let schema = schema.to_string_lossy().into_owned();
    let cases: [&[&str]; 12] = [
        &["read", "security"],
        &["read", "security", "--json"],
        &["skill"],
        &["skill", "--json"],
        &["search", "retries with backoff"],
        &["search", "retries with backoff", "--json"],
        &["slo", "--set", "target_percent=99.9"],
        &[
            "retries",
            "--set",
            "failure=http_503",
            "--set",
            "idempotent=true",
            "--json",
        ],
        &["print-config", "claude-desktop"],
        &["review-schema", &schema],
        &["review-schema", &schema, "--format", "sarif"],
        &["--help"],
    ];
    for args in cases {
        let output = with_closed_stdout(args);
        let message = stderr(&output);
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {message}");
    }
    // The findings still decide the exit code when nobody reads the report.
    let output = with_closed_stdout(&["review-schema", &schema, "--fail-on", "high"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"));
}
