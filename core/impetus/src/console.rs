//! `ec_console` (also `impetus console`): the console client for a Control_Listener.
//!
//! `ec_console [endpoint [command ...]]`. The endpoint is a Unix socket path (default
//! `/tmp/2025`, trusted by OS user), or `[user@]host:port` for TCP with a DIGEST-MD5 login
//! (password from `IMPETUS_CONSOLE_PASSWORD` or prompted). With a command after the endpoint,
//! or when stdin is not a terminal, it runs in batch mode and exits non-zero if a command
//! failed; otherwise it is interactive, with line editing, history and completion.

use std::io::IsTerminal;
use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use impetus_runtime::control::DIGEST_SERVICE;
use impetus_runtime::control::commands::COMMANDS;
use impetus_runtime::control::protocol::{Status, read_frame};
use impetus_xmpp_proto::sasl::digest_md5_client;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The default endpoint, as in Momentum.
const DEFAULT_ENDPOINT: &str = "/tmp/2025";

type Reader = BufReader<Box<dyn tokio::io::AsyncRead + Unpin + Send>>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// Runs the console with its arguments (endpoint first, then an optional command).
pub fn main(args: Vec<String>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ec_console: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Vec<String>) -> ExitCode {
    let (endpoint, command) = match args.split_first() {
        Some((endpoint, command)) => (endpoint.clone(), command.join(" ")),
        None => (DEFAULT_ENDPOINT.to_owned(), String::new()),
    };
    let (mut reader, mut writer) = match connect(&endpoint).await {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("ec_console: {endpoint}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = login(&endpoint, &mut reader, &mut writer).await {
        eprintln!("ec_console: {e}");
        return ExitCode::FAILURE;
    }
    if !command.is_empty() {
        return exit(execute(&mut reader, &mut writer, &command).await);
    }
    if !std::io::stdin().is_terminal() {
        let mut ok = true;
        for line in std::io::stdin().lines().map_while(Result::ok) {
            let line = line.trim().to_owned();
            if line == "quit" {
                break;
            }
            if !line.is_empty() {
                ok &= execute(&mut reader, &mut writer, &line).await;
            }
        }
        return exit(ok);
    }
    interactive(&endpoint, &mut reader, &mut writer).await
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn connect(endpoint: &str) -> std::io::Result<(Reader, Writer)> {
    if endpoint.starts_with('/') {
        let stream = tokio::net::UnixStream::connect(endpoint).await?;
        let (read, write) = stream.into_split();
        return Ok((BufReader::new(Box::new(read)), Box::new(write)));
    }
    let address = endpoint
        .rsplit_once('@')
        .map(|(_, host)| host)
        .unwrap_or(endpoint);
    let stream = tokio::net::TcpStream::connect(address).await?;
    let (read, write) = stream.into_split();
    Ok((BufReader::new(Box::new(read)), Box::new(write)))
}

async fn login<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin>(
    endpoint: &str,
    reader: &mut R,
    writer: &mut W,
) -> Result<(), String> {
    let (status, body) = read_frame(reader).await.map_err(|e| e.to_string())?;
    match status {
        Status::Ok => return Ok(()),
        Status::Err => return Err(body.trim_end().to_owned()),
        Status::Auth => {}
    }
    let user = endpoint
        .rsplit_once('@')
        .map(|(user, _)| user.to_owned())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "admin".into());
    let password = match std::env::var("IMPETUS_CONSOLE_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("Authorization required for console session");
            rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?
        }
    };
    let challenge = B64
        .decode(body.trim())
        .map_err(|_| "the server's challenge is not base64".to_owned())?;
    let realm = String::from_utf8_lossy(&challenge)
        .split(',')
        .find_map(|d| {
            d.trim()
                .strip_prefix("realm=")
                .map(|r| r.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    let digest_uri = format!("{DIGEST_SERVICE}/{realm}");
    let (response, expected) =
        digest_md5_client::respond(&challenge, &user, &password, &digest_uri)
            .map_err(|f| f.name().to_owned())?;
    writer
        .write_all(format!("{}\n", B64.encode(response)).as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    writer.flush().await.map_err(|e| e.to_string())?;
    match read_frame(reader).await.map_err(|e| e.to_string())? {
        (Status::Auth, rspauth)
            if B64
                .decode(rspauth.trim())
                .is_ok_and(|r| r == format!("rspauth={expected}").into_bytes()) => {}
        (Status::Auth, _) => return Err("the server could not prove it knows the password".into()),
        (_, body) => return Err(body.trim_end().to_owned()),
    }
    match read_frame(reader).await.map_err(|e| e.to_string())? {
        (Status::Ok, _) => Ok(()),
        (_, body) => Err(body.trim_end().to_owned()),
    }
}

/// Sends one command and prints its answer; true when it succeeded.
async fn execute<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin>(
    reader: &mut R,
    writer: &mut W,
    command: &str,
) -> bool {
    let sent = async {
        writer.write_all(format!("{command}\n").as_bytes()).await?;
        writer.flush().await?;
        read_frame(reader).await
    };
    match sent.await {
        Ok((Status::Ok, body)) => {
            print!("{body}");
            true
        }
        Ok((_, body)) => {
            eprint!("{body}");
            false
        }
        Err(e) => {
            eprintln!("ec_console: {e}");
            false
        }
    }
}

struct Completer;

impl rustyline::completion::Completer for Completer {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let prefix = &line[..pos];
        let mut candidates: Vec<String> = COMMANDS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .chain(
                [
                    "xmpp sessions",
                    "xmpp show session",
                    "xmpp kick",
                    "xmpp s2s",
                    "xmpp user add",
                    "xmpp user del",
                    "xmpp user passwd",
                ]
                .map(String::from),
            )
            .filter(|c| c.starts_with(prefix))
            .collect();
        candidates.sort();
        Ok((0, candidates))
    }
}

impl rustyline::hint::Hinter for Completer {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Completer {}
impl rustyline::validate::Validator for Completer {}
impl rustyline::Helper for Completer {}

async fn interactive<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin>(
    endpoint: &str,
    reader: &mut R,
    writer: &mut W,
) -> ExitCode {
    println!(
        "# Impetus console {} ({endpoint}); 'help' lists commands, 'quit' leaves.",
        env!("CARGO_PKG_VERSION")
    );
    let mut editor = match rustyline::Editor::<Completer, rustyline::history::DefaultHistory>::new()
    {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("ec_console: {e}");
            return ExitCode::FAILURE;
        }
    };
    editor.set_helper(Some(Completer));
    let history = std::env::var_os("HOME")
        .map(|home| std::path::PathBuf::from(home).join(".impetus_console_history"));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            % 86_400;
        let prompt = format!(
            "{:02}:{:02}:{:02} {endpoint}> ",
            now / 3600,
            now / 60 % 60,
            now % 60
        );
        let line = match editor.readline(&prompt) {
            Ok(line) => line,
            Err(_) => break,
        };
        let line = line.trim().to_owned();
        if line == "quit" || line == "exit" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line.as_str());
        execute(reader, writer, &line).await;
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    ExitCode::SUCCESS
}
