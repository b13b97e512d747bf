//! The console wire protocol (Impetus's proposal; Momentum never documented its own): the
//! client sends one command per line; the server answers every line with one frame,
//! `OK <length>\n<body>`, `ERR <length>\n<body>`, or during login `AUTH <length>\n<base64>`,
//! where length counts the body's bytes.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest frame body accepted by the client (console output is small).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// Longest command line the server accepts.
pub const MAX_LINE: usize = 64 * 1024;

/// The kind of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The command succeeded.
    Ok,
    /// The command failed (or was not allowed).
    Err,
    /// A login challenge.
    Auth,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Err => "ERR",
            Status::Auth => "AUTH",
        }
    }
}

/// Writes one frame.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    status: Status,
    body: &str,
) -> std::io::Result<()> {
    let frame = format!("{} {}\n{body}", status.word(), body.len());
    writer.write_all(frame.as_bytes()).await?;
    writer.flush().await
}

/// Reads one frame (client side).
pub async fn read_frame<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<(Status, String)> {
    let mut head = String::new();
    if reader.read_line(&mut head).await? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the console connection",
        ));
    }
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("bad console frame header: {head:?}"),
        )
    };
    let (word, length) = head.trim_end().split_once(' ').ok_or_else(bad)?;
    let status = match word {
        "OK" => Status::Ok,
        "ERR" => Status::Err,
        "AUTH" => Status::Auth,
        _ => return Err(bad()),
    };
    let length: usize = length.parse().map_err(|_| bad())?;
    if length > MAX_FRAME {
        return Err(bad());
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Reads one command line (server side); `None` at end of input. Over-long lines are an error.
pub async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .await?;
    if read == 0 {
        return Ok(None);
    }
    if line.len() > MAX_LINE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "command line too long",
        ));
    }
    Ok(Some(
        String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip() {
        let mut wire = Vec::new();
        write_frame(&mut wire, Status::Ok, "line one\nline two\n")
            .await
            .expect("write");
        write_frame(&mut wire, Status::Err, "")
            .await
            .expect("write");
        let mut reader = tokio::io::BufReader::new(&wire[..]);
        assert_eq!(
            read_frame(&mut reader).await.expect("frame"),
            (Status::Ok, "line one\nline two\n".to_owned())
        );
        assert_eq!(
            read_frame(&mut reader).await.expect("frame"),
            (Status::Err, String::new())
        );
        assert!(read_frame(&mut reader).await.is_err());
    }

    #[tokio::test]
    async fn lines_are_trimmed_and_bounded() {
        let mut reader = tokio::io::BufReader::new(&b"summary\r\nversion"[..]);
        assert_eq!(
            read_line(&mut reader).await.expect("line"),
            Some("summary".into())
        );
        assert_eq!(
            read_line(&mut reader).await.expect("line"),
            Some("version".into())
        );
        assert_eq!(read_line(&mut reader).await.expect("line"), None);
        let long = vec![b'a'; MAX_LINE + 10];
        assert!(
            read_line(&mut tokio::io::BufReader::new(&long[..]))
                .await
                .is_err()
        );
    }
}
