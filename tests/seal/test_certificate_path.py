"""The certificate path when the API server's service proxy cannot reach the controller.

Flux's default NetworkPolicies in flux-system admit pods, not the node the proxy connects
from: on k3s and multi-node clusters the proxy answers 503 or never answers. Both are made
here with the real API server: a Service with no ready endpoint (503), and an endpoint that
accepts connections and never answers (a timeout).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.controlplane import free_port
from tests.harness.network import IsolatedNetwork, NetworkUnavailable
from tests.harness.sealed_secrets_controller import (
    NAME,
    NAMESPACE,
    PORT,
    publish_service,
    publish_unreachable_service,
)

STORE = "flux/sealed-secrets/production"
KEY_SECRET = "sealed-secrets-key7xq2m"
CAUSE = (
    f"the API server's service proxy to {NAMESPACE}/{NAME} {{failure}}: a NetworkPolicy (Flux's defaults in "
    "flux-system) keeps the API server out, or the controller has no ready pod"
)


@pytest.fixture
def controller_keys(cluster) -> Iterator[None]:
    """The controller's active key as the controller stores it: a labelled TLS Secret."""
    cluster.kubectl("create", "secret", "tls", KEY_SECRET, "-n", NAMESPACE, f"--cert={TEST_CERT}", f"--key={TEST_KEY}")
    cluster.kubectl(
        "label", "secret", KEY_SECRET, "-n", NAMESPACE, "sealedsecrets.bitnami.com/sealed-secrets-key=active"
    )
    yield
    cluster.kubectl(
        "delete", "service,pod,endpointslices,endpoints", "-n", NAMESPACE, "-l", f"app={NAME}", "--ignore-not-found",
        check=False,
    )  # fmt: skip
    cluster.kubectl(
        "delete",
        "service,endpointslice,endpoints",
        "-n",
        NAMESPACE,
        NAME,
        f"{NAME}-test",
        "--ignore-not-found",
        check=False,
    )
    cluster.kubectl("delete", "pod", "-n", NAMESPACE, f"{NAME}-0", "--ignore-not-found", "--wait=false", check=False)


def test_fetch_cert_names_the_cause_and_reads_the_key_secret(run_cli, sealing_repo, cluster, controller_keys):
    publish_unreachable_service(cluster)
    (sealing_repo / STORE / "sealed-secrets-cert.pem").unlink()
    result = run_cli("--repo", str(sealing_repo), "seal", "fetch-cert")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "⚠ " + CAUSE.format(failure="answered 503") + "; read the certificate from the controller's active key "
        "Secret instead (allow the API server in, see the guide's NetworkPolicy section)"
    )
    assert (sealing_repo / STORE / "sealed-secrets-cert.pem").read_bytes() == TEST_CERT.read_bytes()
    # Only the public half travelled: no private key in the output or the repository.
    assert "PRIVATE KEY" not in result.stderr + result.stdout
    assert not any(
        b"PRIVATE KEY" in p.read_bytes() for p in sealing_repo.rglob("*") if p.is_file() and ".git" not in p.parts
    )


def test_sealing_without_a_stored_certificate_uses_the_same_fallback(run_cli, sealing_repo, cluster, controller_keys):
    publish_unreachable_service(cluster)
    (sealing_repo / STORE / "sealed-secrets-cert.pem").unlink()
    result = run_cli(
        "--repo", str(sealing_repo), "seal", "generic", "app", "-n", "default", "--from-literal", "k=v", "--stdout"
    )
    assert result.exit_code == 0, result.stderr
    assert "answered 503" in result.stderr and "kind: SealedSecret" in result.stdout


def test_verify_through_a_refused_proxy_says_how_to_reach_the_controller(
    run_cli, sealing_repo, cluster, controller_keys
):
    sealed = run_cli("--repo", str(sealing_repo), "seal", "generic", "app", "-n", "default", "--from-literal", "k=v")
    assert sealed.exit_code == 0, sealed.stderr
    publish_unreachable_service(cluster)
    result = run_cli("--repo", str(sealing_repo), "seal", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "✗ " + CAUSE.format(failure="answered 503") + ": allow the API server in (see the guide's NetworkPolicy "
        f"section), or kubectl port-forward -n {NAMESPACE} svc/{NAME} 8080 and pass --controller-url "
        "http://127.0.0.1:8080"
    ]
    assert "unreachable" not in result.stderr


def test_a_proxy_that_never_answers_times_out_into_the_fallback(run_cli, sealing_repo, cluster, controller_keys):
    try:
        network = IsolatedNetwork().create()
    except NetworkUnavailable as reason:
        pytest.skip(f"the timeout needs an address of the test's own off loopback: {reason}")
    silent = socket.socket()
    try:
        silent.bind((network.host_ip, PORT))
        silent.listen(16)  # connections are queued by the kernel and never answered
        publish_service(cluster, network.host_ip)
        (sealing_repo / STORE / "sealed-secrets-cert.pem").unlink()
        result = run_cli("--repo", str(sealing_repo), "--request-timeout", "3s", "seal", "fetch-cert")
    finally:
        silent.close()
        network.delete()
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith("⚠ " + CAUSE.format(failure="timed out"))
    assert "the cluster is unreachable" not in result.stderr
    assert (sealing_repo / STORE / "sealed-secrets-cert.pem").read_bytes() == TEST_CERT.read_bytes()


def test_an_unreachable_cluster_is_still_called_that(run_cli, sealing_repo, tmp_path):
    """Only the proxy's failures fall back; a cluster that does not answer at all is not hidden."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{free_port()}\n"
        "users:\n- name: u\n  user:\n    token: test-token\n"
        "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
    )
    (sealing_repo / STORE / "sealed-secrets-cert.pem").unlink()
    result = run_cli("--repo", str(sealing_repo), "--kubeconfig", str(kubeconfig), "seal", "fetch-cert")
    assert result.exit_code == 1
    assert "the cluster is unreachable" in result.stderr and "NetworkPolicy" not in result.stderr
