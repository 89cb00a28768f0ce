//! `--env-config FILE`: the environments a capture's hosts belong to,
//! which issuers and audiences each accepts, and the keys that verify its
//! tokens (JWKS file, PEM file, or an HMAC secret read from an environment
//! variable so it never sits in the config).
//!
//! ```toml
//! [[environment]]
//! name = "production"
//! hosts = ["api.acme.example", "*.acme.example"]
//! issuers = ["https://login.acme.example/"]
//! audiences = ["https://api.acme.example"]
//! jwks = "keys/prod-jwks.json"     # relative to this file
//! # pem = "keys/prod.pub.pem"
//! # hmac_secret_env = "ACME_HS256_SECRET"
//! ```

use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;

use crate::credential::{JwtInfo, SignatureCheck};

#[derive(Debug, thiserror::Error)]
pub enum EnvConfigError {
    #[error("cannot read environment config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("environment config {path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("environment config {path}, environment '{env}': {message}")]
    Key {
        path: PathBuf,
        env: String,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default, rename = "environment")]
    environments: Vec<RawEnvironment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    issuers: Vec<String>,
    #[serde(default)]
    audiences: Vec<String>,
    jwks: Option<PathBuf>,
    pem: Option<PathBuf>,
    hmac_secret_env: Option<String>,
}

struct VerifyKey {
    kid: Option<String>,
    key: DecodingKey,
}

/// One environment of the config.
pub struct Environment {
    pub name: String,
    pub hosts: Vec<String>,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    keys: Vec<VerifyKey>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("name", &self.name)
            .field("hosts", &self.hosts)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Environment {
    pub fn has_keys(&self) -> bool {
        !self.keys.is_empty()
    }

    fn matches_host(&self, host: &str) -> bool {
        let bare = strip_port(host);
        self.hosts.iter().any(|pattern| {
            let p = pattern.to_ascii_lowercase();
            if let Some(suffix) = p.strip_prefix("*.") {
                bare.ends_with(&format!(".{suffix}"))
            } else {
                p == host || p == bare
            }
        })
    }

    pub fn accepts_issuer(&self, iss: &str) -> bool {
        self.issuers.is_empty() || self.issuers.iter().any(|i| same_issuer(i, iss))
    }

    pub fn accepts_audience(&self, aud: &[String]) -> bool {
        self.audiences.is_empty() || aud.iter().any(|a| self.audiences.iter().any(|x| x == a))
    }
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split(']').next().map_or(host, |h| &h[1..]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The loaded environments.
#[derive(Debug, Default)]
pub struct EnvConfig {
    pub environments: Vec<Environment>,
}

impl EnvConfig {
    pub fn load(path: &Path) -> Result<EnvConfig, EnvConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| EnvConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| EnvConfigError::Toml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut environments = Vec::new();
        for env in raw.environments {
            let key_err = |message: String| EnvConfigError::Key {
                path: path.to_path_buf(),
                env: env.name.clone(),
                message,
            };
            let mut keys = Vec::new();
            if let Some(jwks) = &env.jwks {
                let file = base.join(jwks);
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| key_err(format!("cannot read JWKS {}: {e}", file.display())))?;
                let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
                    key_err(format!("JWKS {} is not a JWK set: {e}", file.display()))
                })?;
                for jwk in &set.keys {
                    let key = DecodingKey::from_jwk(jwk).map_err(|e| {
                        key_err(format!("JWKS {}: unusable key: {e}", file.display()))
                    })?;
                    keys.push(VerifyKey {
                        kid: jwk.common.key_id.clone(),
                        key,
                    });
                }
            }
            if let Some(pem) = &env.pem {
                let file = base.join(pem);
                let bytes = std::fs::read(&file)
                    .map_err(|e| key_err(format!("cannot read PEM {}: {e}", file.display())))?;
                let key = DecodingKey::from_rsa_pem(&bytes)
                    .or_else(|_| DecodingKey::from_ec_pem(&bytes))
                    .or_else(|_| DecodingKey::from_ed_pem(&bytes))
                    .map_err(|e| {
                        key_err(format!("PEM {} is not a public key: {e}", file.display()))
                    })?;
                keys.push(VerifyKey { kid: None, key });
            }
            if let Some(var) = &env.hmac_secret_env {
                let secret = std::env::var(var).map_err(|_| {
                    key_err(format!(
                        "environment variable {var} (hmac_secret_env) is not set"
                    ))
                })?;
                keys.push(VerifyKey {
                    kid: None,
                    key: DecodingKey::from_secret(secret.as_bytes()),
                });
            }
            environments.push(Environment {
                name: env.name,
                hosts: env.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                issuers: env.issuers,
                audiences: env.audiences,
                keys,
            });
        }
        Ok(EnvConfig { environments })
    }

    pub fn for_host(&self, host: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.matches_host(host))
    }

    pub fn for_issuer(&self, iss: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|e| e.issuers.iter().any(|i| same_issuer(i, iss)))
    }

    /// Verify a token's signature with the keys of the environment its
    /// request host belongs to (else its issuer's). `None` when no keys apply.
    pub fn verify(&self, token: &str, host: &str, jwt: &JwtInfo) -> Option<SignatureCheck> {
        let env = self
            .for_host(host)
            .or_else(|| jwt.iss.as_deref().and_then(|i| self.for_issuer(i)))?;
        if !env.has_keys() {
            return None;
        }
        let alg = jsonwebtoken::decode_header(token).ok().map(|h| h.alg);
        let Some(alg) = alg else {
            return Some(SignatureCheck::Invalid);
        };
        let candidates: Vec<&VerifyKey> = match &jwt.kid {
            Some(kid) if env.keys.iter().any(|k| k.kid.is_some()) => {
                let found: Vec<_> = env
                    .keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .collect();
                if found.is_empty() {
                    return Some(SignatureCheck::UnknownKey);
                }
                found
            }
            _ => env.keys.iter().collect(),
        };
        let mut validation = Validation::new(alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.algorithms = vec![alg];
        let valid = candidates
            .iter()
            .any(|k| jsonwebtoken::decode::<serde_json::Value>(token, &k.key, &validation).is_ok());
        Some(if valid {
            SignatureCheck::Valid
        } else {
            SignatureCheck::Invalid
        })
    }
}
