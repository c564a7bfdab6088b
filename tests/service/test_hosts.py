"""Host specs and password sources of a Service."""

from __future__ import annotations

import pytest

from switchy.hosts import HostSpec, parse_host, resolve_password


@pytest.mark.parametrize("spec, expected", [
    ("fs1", HostSpec("fs1", 8021, None)),
    ("fs1:8022", HostSpec("fs1", 8022, None)),
    ("[::1]:8030", HostSpec("::1", 8030, None)),
    ("::1", HostSpec("::1", 8021, None)),
    (("fs1", 8023), HostSpec("fs1", 8023, None)),
    (("fs1", 8023, "pw"), HostSpec("fs1", 8023, "pw")),
])
def test_host_forms(spec, expected):
    assert parse_host(spec) == expected


@pytest.mark.parametrize("bad", ["", "fs1:abc", "fs1:0", "fs1:70000", ("a", 1, "p", "x")])
def test_bad_hosts_are_refused_clearly(bad):
    with pytest.raises(ValueError):
        parse_host(bad)


def test_password_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("SWITCHY_PASSWORD", raising=False)
    monkeypatch.delenv("SWITCHY_PASSWORD_FILE", raising=False)
    assert resolve_password() == "ClueCon"
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("SWITCHY_PASSWORD_FILE", str(secret))
    assert resolve_password() == "s3cret"
    monkeypatch.setenv("SWITCHY_PASSWORD", "from-env")
    assert resolve_password() == "from-env"
    assert resolve_password(password_file=secret) == "s3cret"
    assert resolve_password("explicit") == "explicit"
    with pytest.raises(ValueError, match="cannot read the password file"):
        resolve_password(password_file=tmp_path / "missing")
