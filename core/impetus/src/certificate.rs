//! `impetus tls-cert`: writes a self-signed certificate and key (for packages' first install,
//! before the server runs under a read-only /etc), unless the certificate already exists.

use std::process::ExitCode;

use impetus_runtime::tls::ensure_self_signed;

use crate::cli::TlsCertArgs;

/// Runs `impetus tls-cert`.
pub fn main(args: TlsCertArgs) -> ExitCode {
    let key = args.key.unwrap_or_else(|| args.cert.clone());
    if args.cert.exists() {
        println!("{} exists; nothing to do", args.cert.display());
        return ExitCode::SUCCESS;
    }
    match ensure_self_signed(&args.cert, &key, &args.names) {
        Ok(()) => {
            println!(
                "Wrote a self-signed certificate for {} to {} (key {})",
                args.names.join(", "),
                args.cert.display(),
                key.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("impetus tls-cert: {e}");
            ExitCode::FAILURE
        }
    }
}
