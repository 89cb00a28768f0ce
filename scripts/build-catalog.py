#!/usr/bin/env python3
"""Build authlens's built-in message catalog, src/classify/messages.tsv.

Usage (from the repository root):

    python3 scripts/build-catalog.py [REFERENCE_TSV] > src/classify/messages.tsv

REFERENCE_TSV defaults to src/classify/testdata/auth-messages.tsv, a verbatim
copy of the shared reference (`/work/shared/reference/auth-messages.tsv`,
columns stack, message, where, cause, source). The copy is kept so the
catalog tests can check every reference row without leaving the repository;
refresh it with `cp` when the reference changes, then rerun this script.

What the script does, and why:

* Vocabulary: the reference's finer causes map onto the product's ids
  (wrong_issuer/wrong_audience -> wrong_environment, unknown_key ->
  invalid_signature). `other` becomes `generic` (evidence, not a cause),
  except failures of the server's own key set or auth backend, which are
  `server_misconfigured` (reference README).
* Patterns: variable parts `{…}` / `{name}` / a bare `…` become `{…}`, the one
  wildcard of the catalog pattern language. Braces that are part of the text
  (Envoy rc-details `jwt_authn_access_denied{Jwt_is_expired}`, Kong's JSON
  bodies) stay literal. `\\n` / `\\t` escapes become spaces (matching
  normalises whitespace anyway).
* Stable cores: JSON bodies (`{"message":"X"}`, `{"errors":["X"]}`) and
  challenges with an `error_description="X"` are reduced to X, so the rule
  also fires on the bare text in a log line or a re-serialised body.
* Match modes: `sub` (anywhere, on word boundaries), `whole` (the whole text,
  for bare challenges such as `Bearer realm="…"` that would otherwise match
  every Bearer challenge), `prefix` (challenge schemes) and `code` (machine
  codes for `Catalog::find_code`).
* Ambiguity: rows whose text several causes share (auth-messages.md,
  "Gotchas", and the express-jwt capture) get an ordered candidate list,
  most likely first. Rows that reduce to the same pattern are merged; their
  causes are united, and a clash between a cause and `generic` must be
  settled in OVERRIDES (the script fails otherwise).
* Hand-added rows (HAND_ROWS, CODE_ROWS) cover messages and codes seen in the
  express-jwt capture or named in CAUSES.md that the reference lacks; their
  source column says so.

Output columns: stack, mode, pattern, verdict, source. verdict is a cause id,
`generic`, or candidate ids joined with `|`.
"""

import csv
import json
import re
import sys
from collections import OrderedDict

FINE = {
    "wrong_issuer": "wrong_environment",
    "wrong_audience": "wrong_environment",
    "unknown_key": "invalid_signature",
}

# `other` rows that are the server's own key set / auth backend failing.
SERVER_MISCONFIGURED = {
    "Jwks remote fetch is failed",
    "Jwks doesn't have any valid public key",
    "An error occurred while attempting to decode the Jwt: Malformed Jwk set",
    "auth request unexpected status: {status}",  # nginx: subrequest -> 500
    "Error calling {address}",  # Traefik ForwardAuth: auth server unreachable
    "auth provider returned error",  # Caddy basic_auth provider failure
    # IdentityModel: the *signing certificate* the server trusts has expired.
    "IDX10249: X509SecurityKey validation failed. The associated certificate has expired. "
    "ValidTo (UTC): '{…}', Current time (UTC): '{…}'.",
}

MISSING_KEY = "missing_credentials|api_key_misplaced|cors_preflight"
VAULT_DENIED = "insufficient_scope|invalid_credentials|token_expired|revoked_credentials"
INVALID_REQUEST = "malformed_credentials|wrong_scheme|missing_credentials"

# message (as in the reference) -> replacements for mode / pattern / verdict.
OVERRIDES = {
    # Bare challenges: only the whole header means "no credential".
    'Bearer realm="{original_uri}"': dict(mode="whole", pattern='Bearer realm="{…}"'),
    'Bearer realm="{realm}"': dict(mode="whole", pattern='Bearer realm="{…}"'),
    "Bearer": dict(mode="whole"),
    "Token": dict(mode="whole", verdict="generic"),
    'Basic realm="api"': dict(mode="prefix", pattern='Basic realm="{…}"'),
    'Basic realm="{realm}"': dict(mode="prefix", pattern='Basic realm="{…}"'),
    'Basic realm="{realm}", charset="UTF-8"': dict(mode="prefix", pattern='Basic realm="{…}"'),
    # simplejwt sends this bare challenge on every failure (its body says
    # why). A bare Bearer challenge still reads as "no credential" (RFC 6750
    # section 3.1), so this row would never win: leave it out.
    'Bearer realm="api"': dict(skip=True),
    # RFC 6750 error codes inside any challenge. `invalid_token` is an umbrella
    # (md gotcha 3): ASP.NET's bare one means malformed, Kong's/RFC's anything.
    'Bearer realm="{original_uri}", error="invalid_token"': dict(pattern='error="invalid_token"'),
    'Bearer error="invalid_token"': dict(pattern='error="invalid_token"', verdict="generic"),
    'Bearer error="invalid_request"': dict(pattern='error="invalid_request"', verdict=INVALID_REQUEST),
    'error="invalid_request"': dict(verdict=INVALID_REQUEST),
    'Bearer error="insufficient_scope", scope="{…}"': dict(pattern='error="insufficient_scope"'),
    'Digest realm="{…}", … nonce="{…}", … stale=true': dict(pattern='stale="true"'),
    'Digest realm="{…}", qop="auth", algorithm=SHA-256, nonce="{…}", opaque="{…}"': dict(
        mode="prefix", pattern='Digest realm="{…}"'
    ),
    "Negotiate": dict(mode="prefix"),
    "Negotiate {base64 token}": dict(mode="prefix", pattern="Negotiate"),
    "NTLM TlRMTVNTUAACAAAA{…}": dict(mode="prefix", pattern="NTLM"),
    "{scheme} …": dict(skip=True),  # no literal text at all
    # Ambiguous texts (auth-messages.md gotchas 1, 4, 8; express-jwt capture).
    "Token is not active": dict(verdict="token_expired|token_not_yet_valid"),
    "Provided token isn't active": dict(verdict="revoked_credentials|token_expired"),
    "no user/password was provided for basic authentication": dict(
        verdict="missing_credentials|wrong_scheme|malformed_credentials|challenge_handshake"
    ),
    "No authorization token was found": dict(
        verdict="missing_credentials|header_stripped|malformed_credentials"
    ),
    "secret or public key must be provided": dict(verdict="wrong_environment|invalid_signature"),
    # Capture t1204/t1205: a staging key under a prod kid says the same.
    "invalid signature": dict(verdict="invalid_signature|wrong_environment"),
    # Capture t1509: a token whose signature segment was cut off.
    "jwt signature is required": dict(verdict="malformed_credentials|invalid_signature"),
    "No API key found in request": dict(verdict=MISSING_KEY),
    # Generic in spite of the reference: too short to say which failure.
    "Unauthorized": dict(verdict="generic"),
    '{"message":"Forbidden"}': dict(verdict="generic"),
    # Vault: invalid/expired/revoked token and policy denial look the same.
    '{"errors":["permission denied"]}': dict(verdict=VAULT_DENIED),
    "1 error occurred:\\n\\t* permission denied": dict(pattern="permission denied", verdict=VAULT_DENIED),
    "permission denied": dict(verdict=VAULT_DENIED),
    # Stable cores of long texts.
    'Unable to authenticate the request" err="[{…}]': dict(pattern="Unable to authenticate the request"),
    "Bad credentials. The API can't be accessed using username/password authentication. "
    "Please create a personal access token to access this endpoint: http://github.com/settings/tokens": dict(
        pattern="The API can't be accessed using username/password authentication"
    ),
}

CAPTURE = "authlens (hand-added): express-jwt capture, backend.jsonl"
CAUSES_MD = "authlens (hand-added): CAUSES.md server-side signals"
RFC6750 = "authlens (hand-added): RFC 6750 section 3.1"

HAND_ROWS = [
    # stack, mode, pattern, verdict, source
    ("express (capture app)", "sub", "X-Partner-Key header is required", MISSING_KEY, CAPTURE),
    ("express (capture app)", "sub", "key header is required", MISSING_KEY, CAPTURE),
    ("express (capture app)", "sub", "partner key has been revoked", "revoked_credentials", CAPTURE),
    ("express (capture app)", "sub", "partner key not recognised", "invalid_credentials", CAPTURE),
    ("generic", "sub", "missing API key", MISSING_KEY, CAUSES_MD),
    ("generic", "sub", "API key is required", MISSING_KEY, CAUSES_MD),
    ("generic", "sub", "no token found", "missing_credentials", CAUSES_MD),
    ("generic", "sub", "missing authorization header", "missing_credentials", CAUSES_MD),
    ("generic", "sub", "invalid number of segments", "malformed_credentials", CAUSES_MD),
    ("generic", "sub", "Bad Authorization header", "malformed_credentials", CAUSES_MD),
    ("generic", "sub", "Expected 'Authorization: Bearer <JWT>'", "wrong_scheme", CAUSES_MD),
    ("generic", "sub", "token revoked", "revoked_credentials", CAUSES_MD),
    ("generic", "sub", "session not active", "revoked_credentials", CAUSES_MD),
    ("generic", "sub", "key disabled", "revoked_credentials", CAUSES_MD),
    ("generic", "sub", "account locked", "account_disabled", CAUSES_MD),
    ("generic", "sub", "IP address not allowed", "ip_blocked", CAUSES_MD),
    ("generic", "sub", "insufficient scope", "insufficient_scope", CAUSES_MD),
    ("generic", "sub", "not yet valid", "token_not_yet_valid", CAUSES_MD),
    ("generic", "sub", "token expired", "token_expired", CAUSES_MD),
    ("generic", "sub", "password mismatch", "invalid_credentials", CAUSES_MD),
    ("generic", "sub", "audience invalid", "wrong_environment", CAUSES_MD),
    ("generic", "sub", "issuer invalid", "wrong_environment", CAUSES_MD),
    ("generic", "sub", "no key to match kid", "invalid_signature", CAUSES_MD),
    ("RFC", "sub", "invalid_token", "generic", RFC6750),
    ("RFC", "sub", "insufficient_scope", "insufficient_scope", RFC6750),
    ("generic", "sub", "Forbidden", "generic", "authlens (hand-added): too generic to name a cause"),
    ("generic", "sub", "Access denied", "generic", "authlens (hand-added): too generic to name a cause"),
]

EXPRESS = "auth-messages.md (express-jwt err.code)"
CODE_ROWS = [
    ("express-jwt", "credentials_required", "missing_credentials", EXPRESS),
    ("express-jwt", "credentials_bad_scheme", "wrong_scheme", EXPRESS),
    ("express-jwt", "credentials_bad_format", "malformed_credentials", EXPRESS),
    ("express-jwt", "revoked_token", "revoked_credentials", EXPRESS),
    ("express-jwt", "invalid_token", "generic", EXPRESS),
    ("express-jwt-permissions", "permission_denied", "insufficient_scope", CAPTURE),
    ("express (capture app)", "key_missing", MISSING_KEY, CAPTURE),
    ("express (capture app)", "key_revoked", "revoked_credentials", CAPTURE),
    ("express (capture app)", "key_unknown", "invalid_credentials", CAPTURE),
    ("RFC", "invalid_request", INVALID_REQUEST, RFC6750),
    ("RFC", "insufficient_scope", "insufficient_scope", RFC6750),
    ("DRF simplejwt", "token_not_valid", "generic", "auth-messages.tsv (simplejwt code)"),
    ("DRF simplejwt", "user_inactive", "account_disabled", "auth-messages.tsv (simplejwt code)"),
    ("DRF simplejwt", "password_changed", "revoked_credentials", "auth-messages.tsv (simplejwt code)"),
    ("DRF simplejwt", "bad_authorization_header", "malformed_credentials", "auth-messages.tsv (simplejwt code)"),
    ("Django REST framework", "not_authenticated", "missing_credentials", "DRF exceptions.NotAuthenticated code"),
    ("Django REST framework", "authentication_failed", "generic", "DRF exceptions.AuthenticationFailed code"),
    ("AWS API Gateway", "UNAUTHORIZED", "generic", "auth-messages.md ($context.error.responseType)"),
    ("AWS API Gateway", "EXPIRED_TOKEN", "token_expired", "auth-messages.md ($context.error.responseType)"),
    ("AWS API Gateway", "MISSING_AUTHENTICATION_TOKEN", "missing_credentials", "auth-messages.md ($context.error.responseType)"),
    ("AWS API Gateway", "INVALID_API_KEY", "invalid_credentials|" + MISSING_KEY, "auth-messages.md ($context.error.responseType)"),
    ("AWS API Gateway", "ACCESS_DENIED", "insufficient_scope", "auth-messages.md ($context.error.responseType)"),
    ("AWS API Gateway", "INVALID_SIGNATURE", "invalid_signature", "auth-messages.md ($context.error.responseType)"),
]

VAR = re.compile(r"\{([^{}]*)\}")


def is_variable(inner):
    """`{…}`, `{name}`, `{base64 token}`, `{MM/dd/yyyy HH:mm:ss}` are variable;
    `{Jwt_is_expired}` (Envoy rc-detail) and JSON are literal text."""
    if inner == "…":
        return True
    if '"' in inner or not inner:
        return False
    return bool(re.fullmatch(r"[a-z][a-z0-9_]*", inner)) or " " in inner or "/" in inner


def normalise_vars(msg):
    out = VAR.sub(lambda m: "{…}" if is_variable(m.group(1)) else m.group(0), msg)
    # A bare ellipsis (outside braces) elides text too.
    out = re.sub(r"(?<!\{)…(?!\})", "{…}", out)
    return out


def core(msg):
    """Reduce a body or challenge to the text worth matching."""
    m = re.search(r'error_description="([^"]*)"', msg)
    if m:
        return m.group(1)
    if msg.startswith("{") and msg.endswith("}"):
        try:
            body = json.loads(msg)
        except ValueError:
            body = None
        if isinstance(body, dict):
            if isinstance(body.get("message"), str):
                return body["message"]
            errs = body.get("errors")
            if isinstance(errs, list) and errs and isinstance(errs[0], str):
                return errs[0]
    return msg


def verdict_of(cause, msg):
    cause = FINE.get(cause, cause)
    if cause == "other":
        return "server_misconfigured" if msg in SERVER_MISCONFIGURED else "generic"
    return cause


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else "src/classify/testdata/auth-messages.tsv"
    with open(ref, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

    merged = OrderedDict()  # (mode, key) -> dict

    def add(stack, mode, pattern, verdict, source, forced):
        key = (mode, re.sub(r"\s+", " ", pattern).strip().lower().rstrip("."))
        entry = merged.get(key)
        if entry is None:
            merged[key] = dict(stack=[stack], mode=mode, pattern=pattern, verdict=verdict.split("|"),
                               source=[source], forced=forced)
            return
        if stack not in entry["stack"]:
            entry["stack"].append(stack)
        if source not in entry["source"]:
            entry["source"].append(source)
        old, new = entry["verdict"], verdict.split("|")
        if old == new:
            return
        if forced and not entry["forced"]:
            entry["verdict"], entry["forced"] = new, True
            return
        if entry["forced"] and not forced:
            return
        if "generic" in old or "generic" in new:
            sys.exit(f"conflict for {pattern!r}: {old} vs {new}; settle it in OVERRIDES")
        entry["verdict"] = old + [c for c in new if c not in old]

    for row in rows:
        msg = row["message"]
        if msg.startswith("(no message)"):
            continue  # behaviour rows: nothing is said, so nothing to match
        ov = OVERRIDES.get(msg, {})
        if ov.get("skip"):
            continue
        verdict = ov.get("verdict") or verdict_of(row["cause"].strip(), msg)
        pattern = ov.get("pattern") or core(msg)
        pattern = normalise_vars(pattern.replace("\\n", " ").replace("\\t", " "))
        pattern = re.sub(r"\s+", " ", pattern).strip()
        add(row["stack"], ov.get("mode", "sub"), pattern, verdict, row["source"], "verdict" in ov)
        # IdentityModel IDX… and Apache AH… numbers outlive the wording
        # around them (md gotcha 13): the number alone is a rule too.
        m = re.match(r"(IDX\d{5}|AH\d{5}):", msg)
        if m:
            add(row["stack"], "sub", m.group(1), verdict, row["source"], "verdict" in ov)
            add(row["stack"], "code", m.group(1).lower(), verdict, row["source"], "verdict" in ov)
        # Keycloak event codes double as machine codes for find_code.
        m = re.fullmatch(r'error="([a-z_]+)"', msg)
        if m:
            add(row["stack"], "code", m.group(1), verdict, row["source"], "verdict" in ov)

    for stack, mode, pattern, verdict, source in HAND_ROWS:
        add(stack, mode, pattern, verdict, source, True)
    for stack, code, verdict, source in CODE_ROWS:
        add(stack, "code", code.lower(), verdict, source, True)

    out = sys.stdout
    out.write("# Generated by scripts/build-catalog.py from the reference auth-messages.tsv\n")
    out.write("# plus hand-added rows (source says so). Do not edit by hand: edit the script.\n")
    out.write("# columns: stack\tmode\tpattern\tverdict\tsource\n")
    for e in merged.values():
        fields = [", ".join(e["stack"]), e["mode"], e["pattern"], "|".join(e["verdict"]), " ; ".join(e["source"])]
        for fld in fields:
            if "\t" in fld or "\n" in fld:
                sys.exit(f"field with tab/newline: {fld!r}")
        out.write("\t".join(fields) + "\n")


if __name__ == "__main__":
    main()
