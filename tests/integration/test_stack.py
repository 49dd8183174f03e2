"""`make run`'s stack: it says where everything is, and it is really ready."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import RunningStack


def test_it_prints_the_urls_a_newcomer_needs(stack: RunningStack) -> None:
    printed = "".join(stack.output)
    for path in ("/chat/together-london", "/chat/coventry-warwickshire", "/chat/south-essex"):
        assert f"{stack.url}{path}" in printed
    assert f"{stack.url}/queue" in printed
    assert "POST " in printed
    assert "/twilio/sms" in printed
    assert "/twilio/voice" in printed
    assert "/twilio/voice/status" in printed
    assert "demo logins (development only; each leads one team), password: " in printed
    for team_id in ("together-london", "coventry-warwickshire", "south-essex"):
        assert f"demo.{team_id}@example.nhs.uk" in printed


def test_it_reports_ready_only_when_rasa_and_the_action_server_answer(
    stack: RunningStack,
) -> None:
    response = requests.get(f"{stack.url}/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": True,
        "rasa": True,
        "action_server": True,
        "spool_draining": True,
        "alerts_delivered": True,
    }


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on this TCP port (Linux /proc)."""
    found: set[str] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for row in table.read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(_ip(address))
    return found


def _ip(hex_address: str) -> str:
    if len(hex_address) == 8:
        return str(ipaddress.IPv4Address(bytes.fromhex(hex_address)[::-1]))
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, 32, 8)]
    return str(ipaddress.IPv6Address(b"".join(words)))


@pytest.mark.parametrize("port_variable", ["RASA_PORT", "ACTIONS_PORT", "PORT"])
def test_every_process_listens_on_loopback_only(stack: RunningStack, port_variable: str) -> None:
    addresses = listening_addresses(int(stack.env[port_variable]))
    assert addresses == {"127.0.0.1"}


def test_triage_token_create_prints_a_token_alone_on_its_last_line_that_opens_the_api(
    stack: RunningStack,
) -> None:
    # Scripts read the token as the last line of the output: TOKEN=$(triage token create ...).
    result = stack.triage("token", "create", "--team", "south-essex")
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token), result.stdout
    response = requests.get(
        f"{stack.url}/api/referrals", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200
