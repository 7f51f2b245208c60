"""Passkeys (WebAuthn) for the desk: register one once signed in, then sign in with it.

Challenges live in memory for a few minutes, each usable once: the service is one process,
and a challenge lost to a restart only means pressing the button again. Discoverable
credentials, so signing in needs no user name; user verification preferred, never required
(a shared office computer may have no fingerprint reader, the passkey is still a key).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from bot.domain.desk import Passkey
from bot.ports import Clock, UnitsOfWork
from bot.services.desk_access import DeskAccess, DeskUser, SignedIn

log = logging.getLogger(__name__)

CHALLENGE_LIFE = timedelta(minutes=5)
PENDING_AT_MOST = 10_000  # sign-in challenges held at once; more and the oldest go


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who the passkeys are for: the desk's host name and its origin, exactly."""

    rp_id: str
    origin: str
    name: str = "Jourbot"


class Passkeys:
    """Register passkeys for signed-in staff and sign staff in with them."""

    def __init__(
        self, units: UnitsOfWork, clock: Clock, access: DeskAccess, party: RelyingParty
    ) -> None:
        self._units = units
        self._clock = clock
        self._access = access
        self._party = party
        self._registering: dict[int, tuple[bytes, datetime]] = {}  # staff id -> challenge
        self._signing_in: dict[bytes, datetime] = {}  # challenge -> when it was given

    async def registration_options(self, user: DeskUser) -> str:
        """Return the options for navigator.credentials.create(), as JSON."""
        async with self._units.begin() as unit:
            known = await unit.desk.passkeys_of(user.staff.id)
        options = generate_registration_options(
            rp_id=self._party.rp_id,
            rp_name=self._party.name,
            user_id=str(user.staff.id).encode(),
            user_name=user.staff.name,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in known],
        )
        self._registering[user.staff.id] = (options.challenge, self._clock.now())
        return options_to_json(options)

    async def register(self, user: DeskUser, credential: str) -> bool:
        """Store the passkey the browser made; False if it does not check out."""
        now = self._clock.now()
        challenge, given = self._registering.pop(user.staff.id, (b"", now - CHALLENGE_LIFE))
        if now - given >= CHALLENGE_LIFE:
            return False
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self._party.rp_id,
                expected_origin=self._party.origin,
            )
        except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
            log.warning("desk.passkey_refused staff=%s", user.staff.id)
            return False
        passkey = Passkey(
            verified.credential_id, user.staff.id, verified.credential_public_key,
            verified.sign_count,
        )  # fmt: skip
        async with self._units.begin() as unit:
            await unit.desk.add_passkey(passkey, now)
        log.info("desk.passkey_registered staff=%s", user.staff.id)
        return True

    def sign_in_options(self) -> str:
        """Return the options for navigator.credentials.get(), as JSON."""
        now = self._clock.now()
        pending = self._signing_in
        for challenge in [c for c, at in pending.items() if now - at >= CHALLENGE_LIFE]:
            del pending[challenge]
        while len(pending) >= PENDING_AT_MOST:
            del pending[next(iter(pending))]
        options = generate_authentication_options(
            rp_id=self._party.rp_id, user_verification=UserVerificationRequirement.PREFERRED
        )
        pending[options.challenge] = now
        return options_to_json(options)

    async def sign_in(self, credential: str) -> SignedIn | None:
        """Open a session for the owner of a passkey that signed our challenge; else None."""
        now = self._clock.now()
        try:
            parsed = parse_authentication_credential_json(credential)
            client_data = json.loads(parsed.response.client_data_json)
            challenge = base64url_to_bytes(str(client_data["challenge"]))
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
            return None
        given = self._signing_in.pop(challenge, None)
        if given is None or now - given >= CHALLENGE_LIFE:
            return None
        async with self._units.begin() as unit:
            passkey = await unit.desk.passkey(parsed.raw_id)
        if passkey is None:
            return None
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=self._party.rp_id,
                expected_origin=self._party.origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
            log.warning("desk.passkey_refused staff=%s", passkey.staff_id)
            return None
        async with self._units.begin() as unit:
            await unit.desk.use_passkey(passkey.credential_id, verified.new_sign_count, now)
        signed_in = await self._access.open_session(passkey.staff_id)
        if signed_in is not None:
            log.info("desk.signed_in staff=%s by=passkey", passkey.staff_id)
        return signed_in
