//! `impetus passwd`: writes a hashed entry for a `file://` password file (SCRAM-SHA-1/256/512
//! and, with a realm, DIGEST-MD5 secrets), replacing the user's previous line. Cleartext never
//! touches the disk.

use std::io::BufRead;
use std::process::ExitCode;

use impetus_xmpp_proto::sasl::stored::{StoredEntry, StoredSecret, StoredSecrets};

use crate::cli::PasswdArgs;

/// Runs the command.
pub fn main(args: PasswdArgs) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("impetus passwd: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: PasswdArgs) -> Result<(), String> {
    let password = match args.password {
        Some(password) => password,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.is_empty() {
        return Err("the password is empty".into());
    }
    let secrets = StoredSecrets::from_password(
        &args.user,
        &password,
        args.realm.as_deref(),
        args.iterations,
    )
    .map_err(|e| e.to_string())?;
    let entry =
        StoredEntry::new(&args.user, StoredSecret::Hashed(secrets)).map_err(|e| e.to_string())?;
    let Some(path) = args.file else {
        println!("{entry}");
        return Ok(());
    };
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let prefix = format!("{}:", args.user);
    let mut lines: Vec<String> = existing
        .lines()
        .filter(|l| !l.starts_with(&prefix))
        .map(str::to_owned)
        .collect();
    lines.push(entry.to_string());
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, lines.join("\n") + "\n")
        .map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}
