"""The GitHub REST API checks that `flux bootstrap github` depends on.

The token travels only in the Authorization header of an HTTPS request, and is registered
with the redactor before any request is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitopsctl.redaction import register_secret

TIMEOUT = 10.0


@dataclass(frozen=True)
class TokenCheck:
    ok: bool
    warning: bool
    detail: str


def check_token(api_url: str, token: str, owner: str, repository: str, *, ca_file: str = "") -> TokenCheck:
    """What the token can do, asked of the API (``ca_file``: a GitHub Enterprise host's private CA)."""
    import requests

    register_secret(token)
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "gitopsctl",
        }
    )
    base = api_url.rstrip("/")
    try:
        # verify per request: requests lets REQUESTS_CA_BUNDLE override a session's own setting.
        user = session.get(f"{base}/user", timeout=TIMEOUT, verify=ca_file or True)
    except requests.exceptions.SSLError:
        return TokenCheck(
            False,
            False,
            f"the certificate of {base} is not trusted: set github.ca_file in gitopsctl.toml to the CA that "
            "signed it (a GitHub Enterprise host's own CA; gitopsctl init --ca-file)",
        )
    except requests.RequestException as exc:
        return TokenCheck(
            False, False, f"cannot reach {base} ({type(exc).__name__}); check the network or github.api_url"
        )
    if user.status_code == 401:
        return TokenCheck(False, False, "GITHUB_TOKEN was rejected (401): it is invalid or expired; create a new one")
    if user.status_code in (403, 429) and user.headers.get("x-ratelimit-remaining") == "0":
        return TokenCheck(False, True, "GitHub API rate limit reached; try again after it resets")
    if user.status_code != 200:
        return TokenCheck(False, False, f"GET /user answered {user.status_code}")
    expiry = user.headers.get("GitHub-Authentication-Token-Expiration")
    suffix = f"; expires {expiry}" if expiry else ""
    scopes_header = user.headers.get("X-OAuth-Scopes")
    if scopes_header is not None:
        scopes = {scope.strip() for scope in scopes_header.split(",") if scope.strip()}
        if "repo" in scopes:
            return TokenCheck(True, False, f"classic token with the 'repo' scope{suffix}")
        return TokenCheck(
            False,
            False,
            f"classic token lacks the 'repo' scope (has: {', '.join(sorted(scopes)) or 'none'}); "
            "flux bootstrap github needs it",
        )
    return _probe_fine_grained(session, base, owner, repository, suffix, ca_file)


def _probe_fine_grained(session, base: str, owner: str, repository: str, suffix: str, ca_file: str) -> TokenCheck:
    import requests

    if not owner or not repository:
        return TokenCheck(True, True, "fine-grained token; set github.owner and github.repository to probe access")
    try:
        response = session.get(f"{base}/repos/{owner}/{repository}", timeout=TIMEOUT, verify=ca_file or True)
    except requests.RequestException as exc:
        return TokenCheck(False, False, f"cannot reach {base} ({type(exc).__name__})")
    if response.status_code == 404:
        return TokenCheck(
            True,
            True,
            f"fine-grained token cannot see {owner}/{repository}: fine-grained tokens need the repository "
            "to exist with Administration and Contents read-write",
        )
    if response.status_code != 200:
        return TokenCheck(False, False, f"GET /repos/{owner}/{repository} answered {response.status_code}")
    permissions = response.json().get("permissions") or {}
    if permissions and not permissions.get("admin"):
        return TokenCheck(
            True,
            True,
            f"fine-grained token can read {owner}/{repository} but is not admin; deploy keys need it",
        )
    return TokenCheck(
        True, True, f"fine-grained token can see {owner}/{repository} (permissions not fully checked){suffix}"
    )
