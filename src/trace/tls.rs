//! TLS for `trace`'s connection, with libpq's `sslmode` semantics on rustls (ring
//! provider, no OpenSSL).
//!
//! rust-postgres knows only `sslmode=disable|prefer|require` and no `sslrootcert`, so
//! [`split`] takes both out of the connection string (URL or `key=value` form) first:
//!
//! - `disable`: no TLS. `prefer` (the default, as in libpq): TLS when the server offers
//!   it, plain otherwise. `require`: TLS or no connection. Neither checks the certificate
//!   (libpq's behaviour; they protect against eavesdropping, not impersonation) — except
//!   that `require` with `sslrootcert` behaves as `verify-ca`, as in libpq.
//! - `verify-ca`: the certificate chain must lead to a CA in `sslrootcert=FILE` (PEM).
//!   `verify-full`: that, and the certificate must name the host connected to.
//! - Nothing is read from the environment or `~/.postgresql/` (libpq's default root
//!   file): `verify-ca`/`verify-full` need `sslrootcert`. Over a unix socket there is no
//!   TLS, and `sslmode` is ignored, as libpq does.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` tries plain first: not worth a mode of its own here.
            _ => {
                return Err(format!(
                    "sslmode `{value}` is not one of disable, prefer, require, verify-ca, verify-full"
                ));
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// What the connection string says about TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// As written (`prefer` when absent).
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

impl TlsSettings {
    /// The mode in force: `require` with a root certificate verifies the chain (libpq).
    pub fn effective_mode(&self) -> SslMode {
        match self.mode {
            SslMode::Require if self.root_cert.is_some() => SslMode::VerifyCa,
            mode => mode,
        }
    }

    /// `sslmode=verify-full, sslrootcert=ca.pem`, for messages.
    pub fn describe(&self) -> String {
        match &self.root_cert {
            Some(file) => format!(
                "sslmode={}, sslrootcert={}",
                self.mode.name(),
                file.display()
            ),
            None => format!("sslmode={}", self.mode.name()),
        }
    }
}

/// The connection string without `sslmode` and `sslrootcert`, and what they said.
pub fn split(conn: &str) -> Result<(String, TlsSettings), String> {
    let (rest, params) = if conn.contains("://") {
        split_url(conn)
    } else {
        split_key_values(conn)
    };
    let mut settings = TlsSettings {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    for (key, value) in params {
        match key.as_str() {
            "sslmode" => settings.mode = SslMode::parse(&value)?,
            _ => settings.root_cert = Some(PathBuf::from(value)),
        }
    }
    if settings.root_cert.as_deref() == Some(std::path::Path::new("system")) {
        return Err(
            "sslrootcert=system is not supported: name the CA certificate file (PEM)".into(),
        );
    }
    if matches!(settings.mode, SslMode::VerifyCa | SslMode::VerifyFull)
        && settings.root_cert.is_none()
    {
        return Err(format!(
            "sslmode={} needs sslrootcert=FILE, the CA certificate(s) to verify the server \
             with (PEM); locksmith does not read ~/.postgresql/root.crt",
            settings.mode.name()
        ));
    }
    Ok((rest, settings))
}

const KEYS: [&str; 2] = ["sslmode", "sslrootcert"];

/// `postgresql://...?a=1&sslmode=require`: the query without our keys.
fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut ours = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key);
        if KEYS.contains(&key.as_str()) {
            ours.push((key, percent_decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, ours)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `host=db sslmode='verify-full'`: libpq's grammar (`key = value`, values bare or
/// single-quoted, backslash escapes). When the text does not follow it, it is returned
/// whole for rust-postgres to report.
fn split_key_values(conn: &str) -> (String, Vec<(String, String)>) {
    let mut kept = String::new();
    let mut ours = Vec::new();
    let mut chars = conn.char_indices().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_space(&mut chars);
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        skip_space(&mut chars);
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            return (conn.to_string(), Vec::new());
        }
        skip_space(&mut chars);
        let mut value = String::new();
        let quoted = chars.next_if(|(_, c)| *c == '\'').is_some();
        loop {
            match chars.peek().map(|&(_, c)| c) {
                None if quoted => return (conn.to_string(), Vec::new()),
                None => break,
                Some('\'') if quoted => {
                    chars.next();
                    break;
                }
                Some(c) if c.is_whitespace() && !quoted => break,
                Some('\\') => {
                    chars.next();
                    if let Some((_, c)) = chars.next() {
                        value.push(c);
                    }
                }
                Some(c) => {
                    chars.next();
                    value.push(c);
                }
            }
        }
        let end = chars.peek().map_or(conn.len(), |&(i, _)| i);
        if KEYS.contains(&key.as_str()) {
            ours.push((key, value));
        } else {
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(&conn[start..end]);
        }
    }
    (kept, ours)
}

/// The rustls configuration for `settings`; `None` for `sslmode=disable`.
pub fn client_config(settings: &TlsSettings) -> Result<Option<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match settings.effective_mode() {
        SslMode::Disable => return Ok(None),
        SslMode::Prefer | SslMode::Require => Arc::new(Unverified(provider.clone())),
        mode => {
            let file = settings.root_cert.as_ref().ok_or("no sslrootcert")?;
            let roots = root_store(file)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| format!("sslrootcert={}: {e}", file.display()))?;
            if mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(ChainOnly(webpki))
            }
        }
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(config))
}

fn root_store(file: &std::path::Path) -> Result<Arc<RootCertStore>, String> {
    let shown = file.display();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
        .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("sslrootcert {shown} is not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err(format!("sslrootcert {shown} holds no PEM certificate"));
    }
    let mut store = RootCertStore::empty();
    for cert in certs {
        store.add(cert).map_err(|e| {
            format!("sslrootcert {shown}: a certificate is not usable as a CA: {e}")
        })?;
    }
    Ok(Arc::new(store))
}

/// The message for a certificate the verifier rejected.
pub fn certificate_problem(error: &CertificateError, settings: &TlsSettings) -> String {
    let file = settings
        .root_cert
        .as_ref()
        .map_or(String::new(), |f| f.display().to_string());
    match error {
        CertificateError::UnknownIssuer => {
            format!("the server's certificate is not signed by a CA in sslrootcert {file}")
        }
        CertificateError::NotValidForName => {
            "the server's certificate does not name this host".into()
        }
        other => other.to_string(),
    }
}

/// `prefer`/`require`: encryption without authentication, as libpq does; the handshake
/// signatures are still checked (the server must hold the certificate's key).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the host name is not checked.
/// webpki checks the chain before the name, so a name error means the chain was good.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_ok(conn: &str) -> (String, SslMode, Option<String>) {
        let (rest, s) = split(conn).unwrap();
        (rest, s.mode, s.root_cert.map(|p| p.display().to_string()))
    }

    #[test]
    fn ssl_parameters_are_taken_out_of_urls() {
        assert_eq!(
            split_ok(
                "postgresql://u:p@db:5432/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=3"
            ),
            (
                "postgresql://u:p@db:5432/app?connect_timeout=3".into(),
                SslMode::VerifyFull,
                Some("/etc/ca.pem".into())
            )
        );
        assert_eq!(
            split_ok("postgres://db/app?sslmode=require"),
            ("postgres://db/app".into(), SslMode::Require, None)
        );
        assert_eq!(
            split_ok("postgres://db/app"),
            ("postgres://db/app".into(), SslMode::Prefer, None)
        );
    }

    #[test]
    fn ssl_parameters_are_taken_out_of_key_values() {
        assert_eq!(
            split_ok(
                "host=db sslmode = verify-ca  sslrootcert='/a b/ca.pem' password='x\\' y' dbname=app"
            ),
            (
                "host=db password='x\\' y' dbname=app".into(),
                SslMode::VerifyCa,
                Some("/a b/ca.pem".into())
            )
        );
        // Not libpq's grammar: left whole for rust-postgres to report.
        assert_eq!(split_ok("host=db dbname").0, "host=db dbname");
    }

    #[test]
    fn verification_needs_a_root_certificate_and_a_known_mode() {
        let err = split("host=db sslmode=verify-full").unwrap_err();
        assert!(err.contains("needs sslrootcert=FILE"), "{err}");
        let err = split("host=db sslmode=allow").unwrap_err();
        assert!(err.contains("not one of disable, prefer"), "{err}");
        let err = split("host=db sslmode=verify-ca sslrootcert=system").unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        let (_, settings) = split("host=db sslmode=require sslrootcert=ca.pem").unwrap();
        assert_eq!(settings.effective_mode(), SslMode::VerifyCa, "as libpq");
    }
}
