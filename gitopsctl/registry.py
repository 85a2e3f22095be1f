"""Talking to the image registry as `docker login` does, before credentials are sealed.

Registry API v2: ``GET /v2/`` answers 200 (no auth), or 401 with a ``WWW-Authenticate``
challenge: ``Basic`` (distribution with htpasswd) or ``Bearer realm=…,service=…`` (Harbor,
whose token service takes the credentials with basic auth and hands out a token). A typo in a
password is caught here instead of minutes later as ImagePullBackOff in the cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gitopsctl.errors import InputError, OperationFailed
from gitopsctl.redaction import register_secret

HTTP_TIMEOUT = 10.0
_NO_CHECK = "or pass --no-check to seal without asking the registry"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class RegistryAnswer:
    """How the registry answered an anonymous ``GET /v2/``."""

    url: str
    auth: str  # "none", "basic" or "bearer"
    challenge: str = ""  # the WWW-Authenticate header


def base_url(host: str, *, insecure: bool) -> str:
    return f"{'http' if insecure else 'https'}://{host}"


def probe(host: str, *, insecure: bool) -> RegistryAnswer:
    """Ask ``GET /v2/`` anonymously; OperationFailed when the registry does not answer as one."""
    url = base_url(host, insecure=insecure)
    response = _get(f"{url}/v2/", host=host, insecure=insecure)
    if response.status_code == 200:
        return RegistryAnswer(url, "none")
    if response.status_code == 401:
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme in ("basic", "bearer"):
            return RegistryAnswer(url, scheme, challenge)
    raise _unexpected(host, response)


def check_login(host: str, username: str, password: str, *, insecure: bool) -> RegistryAnswer:
    """Log in as `docker login` would; InputError when the registry rejects the credentials."""
    try:
        answer = probe(host, insecure=insecure)
    except OperationFailed as error:
        raise OperationFailed(error.message, hint=f"{error.hint}, {_NO_CHECK}") from None
    if answer.auth == "none":
        return answer  # an open registry accepts anything: nothing to check
    register_secret(password)
    credentials = (username, password)
    if answer.auth == "basic":
        response = _get(f"{answer.url}/v2/", host=host, insecure=insecure, auth=credentials)
    else:
        params = dict(_CHALLENGE_PARAM.findall(answer.challenge))
        realm = params.get("realm", "")
        if not realm.startswith(("http://", "https://")):
            raise OperationFailed(f"registry {host}: its token challenge names no realm ({answer.challenge[:120]!r})")
        query = {"account": username, **({"service": params["service"]} if "service" in params else {})}
        response = _get(realm, host=host, insecure=insecure, auth=credentials, params=query)
        if response.status_code == 200:
            token = _token(response)
            register_secret(token)
            response = _get(
                f"{answer.url}/v2/", host=host, insecure=insecure, headers={"Authorization": f"Bearer {token}"}
            )
    if response.status_code in (401, 403):
        raise InputError(
            f"registry {host} rejected the credentials of {username}: nothing was sealed",
            hint=f"check the user name and password (a Harbor robot is robot$project+name), {_NO_CHECK}",
        )
    if response.status_code != 200:
        raise _unexpected(host, response)
    return answer


def http_registry_setup(host: str) -> list[str]:
    """What the k3s nodes and the backend VM need to pull from a plain-HTTP registry.

    Each node pulls on its own, so each needs the mirror entry; credentials come with the pods'
    imagePullSecrets. The VM's Docker refuses plain HTTP unless the registry is listed.
    """
    return [
        "/etc/rancher/k3s/registries.yaml on every k3s node (then restart k3s or k3s-agent):",
        "  mirrors:",
        f'    "{host}":',
        "      endpoint:",
        f'        - "http://{host}"',
        "/etc/docker/daemon.json on the backend VM (then restart docker):",
        f'  {{"insecure-registries": ["{host}"]}}',
    ]


def _get(url: str, *, host: str, insecure: bool, **kwargs: Any) -> Any:
    import requests

    try:
        return requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs)
    except requests.exceptions.SSLError:
        hint = "set registry.insecure = true in gitopsctl.toml if it speaks plain HTTP"
        raise OperationFailed(f"registry {host}: TLS failed", hint=hint) from None
    except requests.RequestException as error:
        scheme = "HTTP" if insecure else "HTTPS"
        raise OperationFailed(
            f"registry {host} does not answer over {scheme} ({type(error).__name__})",
            hint="check registry.host (and registry.insecure) in gitopsctl.toml",
        ) from None


def _token(response: Any) -> str:
    try:
        document = response.json()
    except ValueError:
        document = {}
    token = str(document.get("token") or document.get("access_token") or "")
    if not token:
        raise OperationFailed("the registry's token service answered without a token")
    return token


def _unexpected(host: str, response: Any) -> OperationFailed:
    return OperationFailed(
        f"registry {host} answered {response.status_code} to /v2/, not as a Docker registry does",
        hint="check registry.host in gitopsctl.toml (host[:port] as in image references)",
    )
