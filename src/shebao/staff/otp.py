"""The staff's second factor: TOTP authenticators (django-otp), as shown to the person who enrolls.

A staff member signs in with a password and the 6-digit code of an authenticator app (any RFC 6238
app: 微信小程序"腾讯身份验证器", Google Authenticator, FreeOTP, ...) bound to the account by
`shebao staff_otp USERNAME` (staff.services.staff_otp_enroll). The demo's accounts share one published
secret (DEMO_TOTP_KEY_HEX), printed by `shebao demo_setup`; on a demo copy (DEBUG on) `shebao
staff_otp USERNAME --code` prints the code of the moment for whoever has no authenticator at hand.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

# 20 bytes, the size RFC 4226 recommends. Published in README: for the demo accounts only.
DEMO_TOTP_KEY_HEX = b"shebao-demo-totp-key".hex()


def secret_base32(device: Any) -> str:
    """The secret as an authenticator app asks for it (base32, no padding), e.g. 'OBUGK...'."""
    return b32encode(device.bin_key).decode().rstrip("=")


def code_now(device: Any) -> str:
    """The device's code of the current 30-second step, zero-padded (what the app shows now)."""
    from django_otp.oath import TOTP

    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(
        device.digits)
