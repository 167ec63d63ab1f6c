"""Did our own receiving server see this mail pass DMARC? (RFC 7489, RFC 8601)

The From header of a mail is whatever its sender typed. Only the hotline's own receiving
server can tell whether the From domain really sent it: it checks SPF, DKIM and DMARC and
writes the result into an `Authentication-Results: <authserv-id>; dmarc=pass …` header on
top of the mail. Anyone can write such a header into a mail too, so only headers that carry
our server's authserv-id (EMAIL_AUTHSERV_ID) count, and a mail passes only when every one of
them that reports DMARC says `pass` for the From domain (a forged `pass` beside the server's
own `fail` does not help). The server must remove incoming headers with its authserv-id
(RFC 8601 §5; OpenDMARC and Rspamd do) and check DMARC on every mail. Headers are parsed
with `authres`, not with regular expressions."""
from __future__ import annotations

import logging
from typing import Iterable, Optional

import authres

logger = logging.getLogger(__name__)


def _header_from(result) -> Optional[str]:
    for prop in getattr(result, "properties", None) or []:
        if (prop.type or "").lower() == "header" and (prop.name or "").lower() == "from":
            return (prop.value or "").strip().lower()
    return None


def dmarc_passed(auth_results: Iterable[str], from_address: str, authserv_id: str) -> bool:
    """True when our receiving server (authserv_id) reports dmarc=pass for the From domain."""
    authserv_id = (authserv_id or "").strip().lower()
    domain = from_address.rsplit("@", 1)[-1].strip().lower() if "@" in (from_address or "") else ""
    if not authserv_id or not domain:
        return False
    verdicts = []
    for value in auth_results:
        text = " ".join(str(value).split())  # unfolded
        try:
            header = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {text}")
        except Exception:  # authres.SyntaxError and friends: a header we cannot read proves nothing
            if authserv_id in text.lower():
                verdicts.append(False)
            continue
        if (header.authserv_id or "").strip().lower() != authserv_id:
            continue  # another server's (or the sender's own) claim
        for result in header.results:
            if (result.method or "").lower() != "dmarc":
                continue
            header_from = _header_from(result)
            verdicts.append((result.result or "").lower() == "pass" and header_from == domain)
    return bool(verdicts) and all(verdicts)
