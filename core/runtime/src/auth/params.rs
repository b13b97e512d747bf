//! The `AuthPlainParameters` / `AuthDigestMD5Parameters` dictionary (spec §3.4).

use impetus_config::types::Dict;

/// Parsed auth parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthParams {
    /// Credential source; its scheme picks the backend (`file://`, `digest://`, `datasource://`, ...).
    pub uri: String,
    /// DIGEST-MD5 realm (defaults to the domain being logged into).
    pub realm: Option<String>,
    /// Log every authentication attempt.
    pub log_authentication: bool,
}

impl AuthParams {
    /// Reads the dictionary; an error names the missing or bad key.
    pub fn from_dict(dict: &Dict) -> Result<Self, String> {
        let uri: String = dict.get_as::<Option<String>>("uri")?.ok_or_else(|| {
            "the parameters need a 'uri' (for example uri = \"datasource://\")".to_owned()
        })?;
        let realm = dict.get_as::<Option<String>>("realm")?;
        let log_authentication = dict
            .get_as::<Option<bool>>("log_authentication")?
            .unwrap_or(false);
        Ok(AuthParams {
            uri,
            realm,
            log_authentication,
        })
    }

    /// The URI scheme (`file` for `file:///etc/passwd`).
    pub fn scheme(&self) -> &str {
        self.uri
            .split_once("://")
            .map(|(scheme, _)| scheme)
            .unwrap_or(&self.uri)
    }

    /// What follows `scheme://`.
    pub fn location(&self) -> &str {
        self.uri
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or("")
    }
}
