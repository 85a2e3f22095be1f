"""Where each application GitRepository's ref points on its remote, asked with the operator's own
git (credentials, SSH agent, known hosts), so verify can tell "fetched the newest commit" from
"ready, but behind". One `git ls-remote` per repository, all at once, each bounded: a remote that
cannot be asked is simply not known, and the source is judged by its Ready condition alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from gitopsctl.errors import OperationFailed
from gitopsctl.flux.objects import FluxObject
from gitopsctl.git import Git

# Asked once before a judgement; a slow or unreachable remote must not hold up verify.
ASK_TIMEOUT = 10.0


def remote_ref(source: FluxObject) -> str:
    """The ref to ask the remote for, by source-controller's precedence (commit, name, semver,
    tag, branch); "" when the answer is not one ref (a semver range) or needs no asking (a commit)."""
    reference = source.spec.get("ref") or {}
    if reference.get("commit") or reference.get("semver"):
        return ""
    if reference.get("name"):
        return str(reference["name"])
    if reference.get("tag"):
        return f"refs/tags/{reference['tag']}"
    return f"refs/heads/{reference.get('branch') or 'master'}"


def remote_heads(git: Git, sources: list[FluxObject]) -> tuple[dict[str, str], dict[str, str]]:
    """For each source asked: Kind/namespace/name → the commit its ref points at, and, for those
    whose remote did not answer, → why (one line)."""
    asked = {
        source.reference: (str(source.spec.get("url", "")), remote_ref(source))
        for source in sources
        if source.spec.get("url") and remote_ref(source)
    }
    if not asked:
        return {}, {}

    def ask(item: tuple[str, tuple[str, str]]) -> tuple[str, str, str]:
        reference, (url, ref) = item
        try:
            # ssh must not ask about a host key or a passphrase on the operator's terminal.
            # An annotated tag's commit is listed only when its peeled name is asked for too.
            listing = git.run(
                "-c", "core.sshCommand=ssh -o BatchMode=yes", "ls-remote", url, ref, f"{ref}^{{}}", timeout=ASK_TIMEOUT
            )
        except OperationFailed as error:
            return reference, "", str(error).splitlines()[0] if str(error) else type(error).__name__
        commit = _commit_of(listing, ref)
        return reference, commit, "" if commit else f"it has no {ref}"

    heads: dict[str, str] = {}
    problems: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=min(8, len(asked))) as pool:
        for reference, commit, problem in pool.map(ask, asked.items()):
            if commit:
                heads[reference] = commit
            else:
                problems[reference] = problem
    return heads, problems


def _commit_of(listing: str, ref: str) -> str:
    """The commit ``ref`` names in ls-remote's listing; an annotated tag's peeled line wins."""
    found = ""
    for line in listing.splitlines():
        commit, _, name = line.partition("\t")
        if name == f"{ref}^{{}}":
            return commit
        if name == ref or name.endswith(f"/{ref}"):
            found = found or commit
    return found
