#!/usr/bin/env python3
"""hpcs-bench baseline: wrap+unwrap pairs per second through IBM's Python Key Protect client (PyPI keyprotect 3.x
on ibm-cloud-sdk-core), one caller, against the given endpoint (normally the KeyProtectMock hpcs-bench serves).

Usage:
    keyprotect_pairs.py BASE_URL IAM_URL INSTANCE_ID API_KEY KEY_ID SECONDS

API_KEY may be "-" to read it from HPCS_API_KEY. Prints one line "pairs_per_second=<float> pairs=<n>
seconds=<float> keyprotect=<version>" on success. Exit 3 when the client is not installed (the reason on stderr),
1 when a pair fails or unwraps to something else.
"""

import base64
import io
import json
import os
import secrets
import sys
import time

try:
    from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
    from keyprotect import version as keyprotect_version
    from keyprotect.ibm_key_protect_api_v2 import IbmKeyProtectApiV2
except ImportError as error:  # pragma: no cover - depends on the environment
    print(f"keyprotect (IBM's Python client) is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def result(response):
    value = response.get_result()
    return value if isinstance(value, dict) else value.json()


def main(argv):
    if len(argv) != 7:
        print("usage: keyprotect_pairs.py BASE_URL IAM_URL INSTANCE_ID API_KEY KEY_ID SECONDS", file=sys.stderr)
        return 2
    base_url, iam_url, instance_id, api_key, key_id, seconds = argv[1:]
    if api_key == "-":
        api_key = os.environ.get("HPCS_API_KEY", "")
    seconds = float(seconds)
    kp = IbmKeyProtectApiV2(authenticator=IAMAuthenticator(apikey=api_key, url=iam_url))
    kp.set_service_url(base_url)
    dek = secrets.token_bytes(32)
    wrap_body = json.dumps({"plaintext": base64.b64encode(dek).decode()}).encode()

    def pair():
        wrapped = result(kp.wrap_key(id=key_id, bluemix_instance=instance_id, key_action_wrap_body=io.BytesIO(wrap_body)))
        unwrap_body = json.dumps({"ciphertext": wrapped["ciphertext"]}).encode()
        unwrapped = result(
            kp.unwrap_key(id=key_id, bluemix_instance=instance_id, key_action_unwrap_body=io.BytesIO(unwrap_body))
        )
        if base64.b64decode(unwrapped["plaintext"]) != dek:
            raise RuntimeError("unwrap returned another key")

    try:
        pair()  # warm-up: the IAM token and the connection
        pairs = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            pair()
            pairs += 1
        elapsed = time.perf_counter() - start
    except Exception as error:  # noqa: BLE001 - report any failure briefly, without secrets
        print(f"pair failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(
        f"pairs_per_second={pairs / elapsed:.1f} pairs={pairs} seconds={elapsed:.3f} "
        f"keyprotect={keyprotect_version.__version__}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
