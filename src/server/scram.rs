//! SCRAM-SHA-256 (RFC 5802 / RFC 7677) against PostgreSQL-format stored verifiers.
//!
//! The server keeps only `StoredKey` and `ServerKey`, so a leaked config file does not reveal
//! passwords and cannot be replayed as one. pgwire's own SCRAM needs the salted password, which
//! is password-equivalent, so the exchange is implemented here.
//!
//! Passwords are used as given (no SASLprep normalisation): ASCII passwords behave exactly as
//! with PostgreSQL; non-ASCII passwords must be given in the same Unicode form when setting and
//! when logging in.
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const DEFAULT_ITERATIONS: u32 = 4096;
pub const MECHANISM: &str = "SCRAM-SHA-256";

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Constant-time comparison.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A stored SCRAM-SHA-256 verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: [u8; 32],
    pub server_key: [u8; 32],
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    pub fn from_password(password: &str, salt: &[u8], iterations: u32) -> Verifier {
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
        let client_key = hmac(&salted, b"Client Key");
        Verifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// Parse `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(s: &str) -> Result<Verifier, String> {
        let rest = s
            .strip_prefix("SCRAM-SHA-256$")
            .ok_or_else(|| "must start with SCRAM-SHA-256$".to_string())?;
        let (iter_salt, keys) = rest
            .split_once('$')
            .ok_or_else(|| "missing `$` before the keys".to_string())?;
        let (iter, salt) = iter_salt
            .split_once(':')
            .ok_or_else(|| "missing `:` after iterations".to_string())?;
        let (stored, server) = keys
            .split_once(':')
            .ok_or_else(|| "missing `:` between the keys".to_string())?;
        let iterations: u32 = iter
            .parse()
            .map_err(|_| format!("bad iteration count `{iter}`"))?;
        if iterations == 0 {
            return Err("iteration count must be positive".into());
        }
        let salt = B64
            .decode(salt)
            .map_err(|e| format!("salt is not base64: {e}"))?;
        let key = |k: &str, what: &str| -> Result<[u8; 32], String> {
            let v = B64
                .decode(k)
                .map_err(|e| format!("{what} is not base64: {e}"))?;
            v.try_into().map_err(|_| format!("{what} must be 32 bytes"))
        };
        Ok(Verifier {
            iterations,
            salt,
            stored_key: key(stored, "StoredKey")?,
            server_key: key(server, "ServerKey")?,
        })
    }

    /// A verifier for a user that does not exist: deterministic per name so that probing
    /// cannot tell unknown users from wrong passwords, and no password matches it.
    pub fn decoy(user: &str, server_secret: &[u8]) -> Verifier {
        let salt = hmac(server_secret, user.as_bytes());
        let key = hmac(server_secret, &salt);
        Verifier {
            iterations: DEFAULT_ITERATIONS,
            salt: salt[..16].to_vec(),
            stored_key: key,
            server_key: key,
        }
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(self.stored_key),
            B64.encode(self.server_key)
        )
    }
}

/// Server side of one SCRAM exchange.
#[derive(Debug)]
pub struct ServerExchange {
    verifier: Verifier,
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    /// The user is unknown: the exchange runs to the end and then fails like a bad password.
    doomed: bool,
}

/// Why an exchange failed.
#[derive(Debug, PartialEq, Eq)]
pub enum ScramError {
    /// Malformed message (protocol violation, 08P01).
    Protocol(String),
    /// Wrong password (28P01).
    BadPassword,
}

fn attr<'a>(part: &'a str, name: char) -> Option<&'a str> {
    let mut chars = part.chars();
    if chars.next() == Some(name) && chars.next() == Some('=') {
        Some(&part[2..])
    } else {
        None
    }
}

impl ServerExchange {
    /// Handle the client-first message; returns the exchange and the server-first message.
    pub fn start(
        client_first: &[u8],
        verifier: Verifier,
        doomed: bool,
    ) -> Result<(ServerExchange, String), ScramError> {
        let msg = std::str::from_utf8(client_first)
            .map_err(|_| ScramError::Protocol("client-first message is not UTF-8".into()))?;
        // gs2-header: cbind-flag "," [authzid] ","
        let mut parts = msg.splitn(3, ',');
        let cbind = parts.next().unwrap_or_default();
        let authzid = parts
            .next()
            .ok_or_else(|| ScramError::Protocol("malformed gs2 header".into()))?;
        let bare = parts
            .next()
            .ok_or_else(|| ScramError::Protocol("malformed gs2 header".into()))?;
        match cbind {
            // "n": client does not support channel binding; "y": client supports it but thinks
            // the server does not (we do not advertise SCRAM-SHA-256-PLUS).
            "n" | "y" => {}
            _ if cbind.starts_with("p=") => {
                return Err(ScramError::Protocol(
                    "channel binding is not supported; use SCRAM-SHA-256".into(),
                ));
            }
            _ => return Err(ScramError::Protocol("malformed gs2 header".into())),
        }
        if !authzid.is_empty() {
            return Err(ScramError::Protocol(
                "authorization identity is not supported".into(),
            ));
        }
        let gs2_header = format!("{cbind},{authzid},");
        // client-first-bare: [reserved-mext ","] username "," nonce ["," extensions]
        let mut client_nonce = None;
        for p in bare.split(',') {
            if p.starts_with("m=") {
                return Err(ScramError::Protocol(
                    "mandatory extensions are not supported".into(),
                ));
            }
            if let Some(n) = attr(p, 'r') {
                client_nonce = Some(n);
            }
        }
        let client_nonce = client_nonce
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_graphic() && c != ','))
            .ok_or_else(|| ScramError::Protocol("client nonce is missing".into()))?;
        let server_nonce = B64.encode(rand::random::<[u8; 18]>());
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&verifier.salt),
            verifier.iterations
        );
        Ok((
            ServerExchange {
                verifier,
                gs2_header,
                client_first_bare: bare.to_string(),
                server_first: server_first.clone(),
                nonce,
                doomed,
            },
            server_first,
        ))
    }

    /// Handle the client-final message; returns the server-final message on success.
    pub fn finish(&self, client_final: &[u8]) -> Result<String, ScramError> {
        let msg = std::str::from_utf8(client_final)
            .map_err(|_| ScramError::Protocol("client-final message is not UTF-8".into()))?;
        let (without_proof, proof) = msg
            .rsplit_once(",p=")
            .ok_or_else(|| ScramError::Protocol("client proof is missing".into()))?;
        let mut channel = None;
        let mut nonce = None;
        for p in without_proof.split(',') {
            if let Some(c) = attr(p, 'c') {
                channel = Some(c);
            } else if let Some(r) = attr(p, 'r') {
                nonce = Some(r);
            }
        }
        if channel != Some(B64.encode(self.gs2_header.as_bytes()).as_str()) {
            return Err(ScramError::Protocol(
                "channel binding data does not match".into(),
            ));
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Protocol("nonce does not match".into()));
        }
        let proof = B64
            .decode(proof)
            .map_err(|_| ScramError::Protocol("client proof is not base64".into()))?;
        if proof.len() != 32 {
            return Err(ScramError::BadPassword);
        }
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let client_signature = hmac(&self.verifier.stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof
            .iter()
            .zip(client_signature.iter())
            .map(|(a, b)| a ^ b)
            .collect();
        let ok = ct_eq(&sha256(&client_key), &self.verifier.stored_key);
        if !ok || self.doomed {
            return Err(ScramError::BadPassword);
        }
        let server_signature = hmac(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", B64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client side of the exchange, enough to test the server.
    fn client_final(password: &str, client_first_bare: &str, server_first: &str) -> String {
        let mut salt = None;
        let mut iters = 0;
        let mut nonce = "";
        for p in server_first.split(',') {
            if let Some(s) = attr(p, 's') {
                salt = Some(B64.decode(s).unwrap());
            } else if let Some(i) = attr(p, 'i') {
                iters = i.parse().unwrap();
            } else if let Some(r) = attr(p, 'r') {
                nonce = r;
            }
        }
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt.unwrap(), iters, &mut salted);
        let client_key = hmac(&salted, b"Client Key");
        let stored = sha256(&client_key);
        let without = format!("c={},r={nonce}", B64.encode("n,,"));
        let auth = format!("{client_first_bare},{server_first},{without}");
        let sig = hmac(&stored, auth.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(sig).map(|(a, b)| a ^ b).collect();
        format!("{without},p={}", B64.encode(proof))
    }

    #[test]
    fn verifier_roundtrip_and_known_value() {
        let v = Verifier::from_password("pencil", b"0123456789abcdef", 4096);
        let s = v.to_string();
        assert!(s.starts_with("SCRAM-SHA-256$4096:"));
        assert_eq!(Verifier::parse(&s).unwrap(), v);
        assert!(Verifier::parse("md5abc").is_err());
        assert!(Verifier::parse("SCRAM-SHA-256$x:AA==$AA==:AA==").is_err());
    }

    #[test]
    fn exchange_accepts_right_and_rejects_wrong_password() {
        let v = Verifier::from_password("secret", b"saltsaltsaltsalt", 4096);
        let bare = "n=,r=abcdefghijkl";
        let (ex, sf) =
            ServerExchange::start(format!("n,,{bare}").as_bytes(), v.clone(), false).unwrap();
        assert!(
            ex.finish(client_final("secret", bare, &sf).as_bytes())
                .unwrap()
                .starts_with("v=")
        );
        let (ex, sf) =
            ServerExchange::start(format!("n,,{bare}").as_bytes(), v.clone(), false).unwrap();
        assert_eq!(
            ex.finish(client_final("wrong", bare, &sf).as_bytes()),
            Err(ScramError::BadPassword)
        );
        let (ex, sf) = ServerExchange::start(format!("n,,{bare}").as_bytes(), v, true).unwrap();
        assert_eq!(
            ex.finish(client_final("secret", bare, &sf).as_bytes()),
            Err(ScramError::BadPassword)
        );
    }

    #[test]
    fn malformed_messages_are_protocol_errors() {
        let v = Verifier::from_password("x", b"s", 4096);
        for bad in [&b""[..], b"n", b"q,,n=,r=a", b"n,,n=", b"\xff\xfe"] {
            assert!(matches!(
                ServerExchange::start(bad, v.clone(), false),
                Err(ScramError::Protocol(_))
            ));
        }
        let (ex, _) = ServerExchange::start(b"n,,n=,r=abc", v, false).unwrap();
        for bad in [&b""[..], b"c=biws,r=abc", b"c=biws,r=zzz,p=AAAA", b"\xff"] {
            assert!(ex.finish(bad).is_err());
        }
    }
}
