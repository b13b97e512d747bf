//! Who is at the console: on a Unix-domain socket the connecting OS user (trusted when it is
//! root or the server's own user), on TCP a DIGEST-MD5 login against the Listen's
//! `AuthDigestMD5Parameters`; and which roles a user has (`groups://` files, `role:u1,u2`).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use impetus_xmpp_proto::sasl::digest_md5::DigestMd5Server;
use tokio::io::{AsyncBufRead, AsyncWrite};

use super::protocol::{Status, read_line, write_frame};
use crate::auth::AuthSource;

/// The DIGEST-MD5 service name of the console (`digest-uri = "ecconsole/<realm>"`).
pub const SERVICE: &str = "ecconsole";

/// The effective uid of this process.
fn own_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// The login name of `uid` from /etc/passwd (the uid as text when unknown).
pub fn user_name(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id: u32 = fields.nth(1)?.parse().ok()?;
                (id == uid).then(|| name.to_owned())
            })
        })
        .unwrap_or_else(|| uid.to_string())
}

/// Whether a Unix-socket peer with `uid` is trusted: root or the server's own user.
pub fn trusted_uid(uid: u32) -> bool {
    uid == 0 || Some(uid) == own_uid()
}

/// Runs a DIGEST-MD5 login; returns the user name or the reason it failed.
pub async fn digest_login<R, W>(
    reader: &mut R,
    writer: &mut W,
    source: &AuthSource,
) -> Result<String, String>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let realm = source
        .params
        .realm
        .clone()
        .unwrap_or_else(|| "console".into());
    let mut server = DigestMd5Server::new(&realm, &realm).with_service(SERVICE);
    let io = |e: std::io::Error| e.to_string();
    write_frame(writer, Status::Auth, &B64.encode(server.challenge()))
        .await
        .map_err(io)?;
    let line = read_line(reader)
        .await
        .map_err(io)?
        .ok_or("the client went away")?;
    let response = B64
        .decode(line.trim())
        .map_err(|_| "the response is not base64".to_owned())?;
    let user = server
        .response(&response)
        .map_err(|f| f.name().to_owned())?;
    let secrets = source
        .backend
        .lookup("", &user)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "Authentication failed".to_owned())?;
    let secret = secrets
        .digest_md5()
        .filter(|d| d.realm == realm)
        .ok_or_else(|| "Authentication failed".to_owned())?;
    let rspauth = server
        .verify(&secret.ha1)
        .map_err(|_| "Authentication failed".to_owned())?;
    write_frame(writer, Status::Auth, &B64.encode(rspauth))
        .await
        .map_err(io)?;
    Ok(user)
}

/// The roles `user` has in a `groups://` file (`role:user1,user2` lines, `#` comments).
pub fn roles_of(path: &Path, user: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .filter(|(_, members)| members.split(',').any(|m| m.trim() == user))
        .map(|(role, _)| role.trim().to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_group_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("roles");
        std::fs::write(&path, "# roles\nadmin:alice, bob\nviewer:carol,alice\n").expect("write");
        assert_eq!(
            roles_of(&path, "alice").expect("roles"),
            ["admin", "viewer"]
        );
        assert_eq!(roles_of(&path, "carol").expect("roles"), ["viewer"]);
        assert!(roles_of(&path, "mallory").expect("roles").is_empty());
    }

    #[test]
    fn root_is_trusted_and_names_resolve() {
        assert!(trusted_uid(0));
        assert_eq!(user_name(0), "root");
    }
}
