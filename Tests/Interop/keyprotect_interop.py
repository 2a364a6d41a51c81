#!/usr/bin/env python3
"""Runs IBM's own Python Key Protect client (PyPI keyprotect 3.x on ibm-cloud-sdk-core) against a Key Protect
endpoint, normally swift-hpcs's KeyProtectMock, and checks every answer by value.

Usage:
    keyprotect_interop.py BASE_URL IAM_URL INSTANCE_ID API_KEY KEY_ID

API_KEY may be "-" to read the key from the environment variable HPCS_API_KEY (keeps it out of argv).
The root key KEY_ID must be Active, and the endpoint must allow a rotation and an immediate enable
(the mock with minimumRotationInterval and enableDelay zero). The script rotates, disables and re-enables it.

Exit status: 0 when every check passed; 1 on the first mismatch (the message says which); 2 on bad usage;
3 when the keyprotect package (3.x) is not installed. Never prints the API key, tokens or plaintext keys.
"""

import base64
import io
import json
import os
import secrets
import sys

EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_NOT_INSTALLED = 3

try:
    from ibm_cloud_sdk_core import ApiException
    from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
    from keyprotect import version as keyprotect_version
    from keyprotect.ibm_key_protect_api_v2 import IbmKeyProtectApiV2
except ImportError as error:  # pragma: no cover - depends on the environment
    print(
        f"NOT INSTALLED: IBM's Python Key Protect client is missing ({error}); "
        "run scripts/install-deps.sh (installs keyprotect==3.0.1 into .build-python/)",
        file=sys.stderr,
    )
    sys.exit(EXIT_NOT_INSTALLED)


class Mismatch(Exception):
    """A check failed."""


checks = 0


def check(condition, what):
    """Counts a check; raises Mismatch with `what` when it fails."""
    global checks
    checks += 1
    if not condition:
        raise Mismatch(what)


def body(payload):
    """A request body as the generated client wants it: a binary stream of JSON."""
    return io.BytesIO(json.dumps(payload).encode())


def result(response):
    """The JSON answer: a dict when the service says application/json, a requests.Response for the vendor types."""
    value = response.get_result()
    if value is None or isinstance(value, (dict, list)):
        return value
    return value.json()


def first_resource(response, what):
    answer = result(response)
    check(isinstance(answer, dict), f"{what}: the answer is not a JSON object")
    resources = answer.get("resources")
    check(isinstance(resources, list) and len(resources) >= 1, f"{what}: no resources in the answer")
    metadata = answer.get("metadata") or {}
    check(metadata.get("collectionTotal") == len(resources), f"{what}: collectionTotal does not match resources")
    return resources[0]


def expect_api_error(call, status, reason_code, what):
    """Runs `call`, which must raise ApiException with `status` and (when given) the reason code in the body."""
    try:
        call()
    except ApiException as error:
        check(error.status_code == status, f"{what}: expected HTTP {status}, got {error.status_code} ({error.message})")
        if reason_code is not None:
            check(error.http_response is not None, f"{what}: the error has no HTTP response")
            try:
                payload = error.http_response.json()
            except ValueError:
                raise Mismatch(f"{what}: the HTTP {status} error body is not JSON")
            resource = (payload.get("resources") or [{}])[0]
            codes = [reason.get("code") for reason in resource.get("reasons") or []]
            check(bool(resource.get("errorMsg")), f"{what}: the error body has no errorMsg")
            check(reason_code in codes, f"{what}: expected reason {reason_code}, got {codes}")
        return
    raise Mismatch(f"{what}: expected HTTP {status}, but the call succeeded")


def b64(data):
    return base64.b64encode(data).decode()


def run(base_url, iam_url, instance_id, api_key, key_id):
    major = keyprotect_version.__version__.split(".")[0]
    check(major == "3", f"keyprotect 3.x expected, found {keyprotect_version.__version__}")
    print(f"IBM keyprotect {keyprotect_version.__version__} against {base_url} (IAM {iam_url})")

    authenticator = IAMAuthenticator(apikey=api_key, url=iam_url)
    kp = IbmKeyProtectApiV2(authenticator=authenticator)
    kp.set_service_url(base_url)
    on_key = {"id": key_id, "bluemix_instance": instance_id}

    def wrap(payload):
        """wrap_key on the key with `payload` as its JSON body."""
        return kp.wrap_key(**on_key, key_action_wrap_body=body(payload))

    def unwrap(ciphertext, aad=None):
        """unwrap_key of `ciphertext` (with `aad` when given) on the key."""
        payload = {"ciphertext": ciphertext} if aad is None else {"ciphertext": ciphertext, "aad": aad}
        return kp.unwrap_key(**on_key, key_action_unwrap_body=body(payload))

    def plaintext(answer):
        return base64.b64decode(answer.get("plaintext") or "")

    def version(answer, field="keyVersion"):
        return (answer.get(field) or {}).get("id")

    def key_action(what, call, state=None):
        """Runs the state action `call` on the key (204 expected) and gives the key's metadata afterwards."""
        response = call(**on_key)
        check(response.get_status_code() == 204, f"{what}: HTTP {response.get_status_code()}, not 204")
        metadata = first_resource(kp.get_key_metadata(**on_key), f"metadata after {what}")
        if state is not None:
            check(metadata.get("state") == state, f"{what}: state {metadata.get('state')}, not {state}")
        return metadata

    # get: a root key, Active, no payload, never rotated.
    response = kp.get_key(**on_key)
    check(response.get_status_code() == 200, f"get_key: HTTP {response.get_status_code()}")
    key = first_resource(response, "get_key")
    check(key.get("id") == key_id, f"get_key: id {key.get('id')!r} is not {key_id!r}")
    check(key.get("state") == 1, f"get_key: state {key.get('state')} is not 1 (Active)")
    check(key.get("extractable") is False, "get_key: a root key must not be extractable")
    check("payload" not in key, "get_key: a root key must not carry a payload")
    check(instance_id in (key.get("crn") or ""), "get_key: the CRN does not name the instance")
    first_version = version(key)
    check(bool(first_version), "get_key: no keyVersion.id")
    print("ok   get_key: Active root key, version", first_version)

    # metadata: the same key, never material.
    metadata = first_resource(kp.get_key_metadata(**on_key), "get_key_metadata")
    check(metadata.get("id") == key_id, "get_key_metadata: wrong id")
    check(metadata.get("state") == 1, "get_key_metadata: state is not 1")
    check("payload" not in metadata, "get_key_metadata: carries a payload")
    check(version(metadata) == first_version, "get_key_metadata: version differs")
    check(metadata.get("lastRotateDate") is None, "get_key_metadata: lastRotateDate before any rotation")
    versions = result(kp.get_key_versions(**on_key))["resources"]
    versions_before = len(versions)
    check(versions[0].get("id") == first_version, "get_key_versions: the newest version is not keyVersion.id")
    print(f"ok   get_key_metadata + get_key_versions: {versions_before} version(s)")

    # wrap our own DEK, and a generated one.
    dek = secrets.token_bytes(32)
    response = wrap({"plaintext": b64(dek)})
    check(response.get_status_code() == 200, f"wrap_key: HTTP {response.get_status_code()}")
    wrapped = result(response)
    ciphertext = wrapped.get("ciphertext")
    check(bool(ciphertext), "wrap_key: no ciphertext")
    check("plaintext" not in wrapped, "wrap_key: echoes the plaintext it was given")
    check(version(wrapped) == first_version, "wrap_key: keyVersion is not the latest")
    check(b64(dek) not in ciphertext, "wrap_key: the ciphertext contains the plaintext")

    generated = result(kp.wrap_key(**on_key))
    generated_plaintext = base64.b64decode(generated.get("plaintext") or "", validate=True)
    check(len(generated_plaintext) == 32, f"wrap_key without plaintext: {len(generated_plaintext)}-byte DEK, not 32")
    check(bool(generated.get("ciphertext")), "wrap_key without plaintext: no ciphertext")
    print("ok   wrap_key: own 32-byte DEK and a generated 32-byte DEK")

    # unwrap gives back exactly what was wrapped.
    unwrapped = result(unwrap(ciphertext))
    check(plaintext(unwrapped) == dek, "unwrap_key: plaintext differs from the DEK")
    check(version(unwrapped) == first_version, "unwrap_key: wrong keyVersion")
    check("rewrappedKeyVersion" not in unwrapped, "unwrap_key: rewrapped although the key was not rotated")
    again = result(unwrap(generated["ciphertext"]))
    check(plaintext(again) == generated_plaintext, "unwrap_key: generated DEK differs")
    print("ok   unwrap_key: both DEKs come back byte for byte")

    # additional authenticated data binds the wrap; a mismatch is 400 INVALID_FIELD_ERR.
    with_aad = result(wrap({"plaintext": b64(dek), "aad": ["volume-1", "tenant-a"]}))
    bound = result(unwrap(with_aad["ciphertext"], aad=["volume-1", "tenant-a"]))
    check(plaintext(bound) == dek, "unwrap_key with aad: plaintext differs")
    expect_api_error(
        lambda: unwrap(with_aad["ciphertext"], aad=["volume-2"]),
        400,
        "INVALID_FIELD_ERR",
        "unwrap_key with the wrong aad",
    )
    print("ok   aad: right aad unwraps, wrong aad is HTTP 400 INVALID_FIELD_ERR")

    # rotate adds a version; old ciphertexts still unwrap and come back rewrapped.
    rotated = key_action("rotate_key", kp.rotate_key)
    second_version = version(rotated)
    check(bool(second_version) and second_version != first_version, "rotate_key: keyVersion.id did not change")
    check(rotated.get("lastRotateDate") is not None, "rotate_key: lastRotateDate is still absent")
    versions = result(kp.get_key_versions(**on_key))["resources"]
    check(len(versions) == versions_before + 1, f"rotate_key: {len(versions)} versions, not {versions_before + 1}")
    check([v.get("id") for v in versions[:2]] == [second_version, first_version], "versions: not newest first")
    print(f"ok   rotate_key: 204, version {first_version} -> {second_version}, {len(versions)} versions")

    unwrapped = result(unwrap(ciphertext))
    check(plaintext(unwrapped) == dek, "unwrap_key after rotate: plaintext differs")
    check(version(unwrapped) == first_version, "unwrap_key after rotate: keyVersion")
    check(version(unwrapped, "rewrappedKeyVersion") == second_version, "unwrap_key: rewrappedKeyVersion")
    fresh = unwrapped.get("ciphertext")
    check(bool(fresh) and fresh != ciphertext, "unwrap_key after rotate: no rewrapped ciphertext")
    latest = result(unwrap(fresh))
    check(plaintext(latest) == dek, "unwrap of the rewrapped ciphertext differs")
    check(version(latest) == second_version, "rewrapped ciphertext: wrong keyVersion")
    print("ok   unwrap_key after rotate: same DEK, ciphertext rewrapped to the new version")

    # rewrap moves a ciphertext to the latest version without exposing the plaintext.
    rewrapped = result(kp.rewrap_key(**on_key, key_action_rewrap_body=body({"ciphertext": ciphertext})))
    check("plaintext" not in rewrapped, "rewrap_key: exposes the plaintext")
    check(version(rewrapped) == first_version, "rewrap_key: keyVersion is not the old one")
    check(version(rewrapped, "rewrappedKeyVersion") == second_version, "rewrap_key: rewrappedKeyVersion")
    via_rewrap = result(unwrap(rewrapped["ciphertext"]))
    check(plaintext(via_rewrap) == dek, "unwrap of the rewrap result differs")
    print("ok   rewrap_key: old version -> new version, unwraps to the same DEK")

    # disable: Suspended, and wrap/unwrap are 409 KEY_ACTION_INVALID_STATE_ERR.
    key_action("disable_key", kp.disable_key, state=2)  # Suspended
    expect_api_error(
        lambda: wrap({"plaintext": b64(dek)}),
        409,
        "KEY_ACTION_INVALID_STATE_ERR",
        "wrap_key on a disabled key",
    )
    expect_api_error(
        lambda: unwrap(fresh),
        409,
        "KEY_ACTION_INVALID_STATE_ERR",
        "unwrap_key on a disabled key",
    )
    expect_api_error(
        lambda: kp.disable_key(**on_key),
        409,
        "KEY_ACTION_INVALID_STATE_ERR",
        "disable_key twice",
    )
    print("ok   disable_key: 204, state 2, wrap/unwrap/disable are HTTP 409 KEY_ACTION_INVALID_STATE_ERR")

    # enable: Active again, and the DEK unwraps.
    key_action("enable_key", kp.enable_key, state=1)  # Active
    final = result(unwrap(fresh))
    check(plaintext(final) == dek, "unwrap_key after enable: plaintext differs")
    print("ok   enable_key: 204, state 1, unwrap works again")

    # errors the client sees as IBM's service sends them.
    expect_api_error(
        lambda: kp.get_key(id="00000000-0000-4000-8000-000000000000", bluemix_instance=instance_id),
        404,
        "KEY_NOT_FOUND_ERR",
        "get_key of an unknown key",
    )
    expect_api_error(
        lambda: unwrap(b64(b"not a wdek")),
        400,
        None,
        "unwrap_key of garbage",
    )
    wrong_key = IbmKeyProtectApiV2(authenticator=IAMAuthenticator(apikey="not-the-api-key", url=iam_url))
    wrong_key.set_service_url(base_url)
    expect_api_error(
        lambda: wrong_key.get_key_metadata(**on_key),
        400,
        None,
        "IAM with a wrong API key",
    )
    print("ok   errors: unknown key 404 KEY_NOT_FOUND_ERR, garbage ciphertext 400, wrong API key 400 from IAM")


def main(argv):
    if len(argv) != 6:
        print("usage: keyprotect_interop.py BASE_URL IAM_URL INSTANCE_ID API_KEY KEY_ID", file=sys.stderr)
        return EXIT_USAGE
    base_url, iam_url, instance_id, api_key, key_id = argv[1:]
    if api_key == "-":
        api_key = os.environ.get("HPCS_API_KEY", "")
    if not api_key:
        print("usage: the API key is empty (pass it, or '-' with HPCS_API_KEY set)", file=sys.stderr)
        return EXIT_USAGE
    try:
        run(base_url, iam_url, instance_id, api_key, key_id)
    except Mismatch as mismatch:
        print(f"MISMATCH after {checks - 1} passed checks: {mismatch}", file=sys.stderr)
        return EXIT_MISMATCH
    except ApiException as error:
        print(f"MISMATCH: unexpected HTTP {error.status_code} from the service: {error.message}", file=sys.stderr)
        return EXIT_MISMATCH
    except Exception as error:  # noqa: BLE001 - any other failure is a mismatch too, with its type
        print(f"MISMATCH: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_MISMATCH
    print(f"interop: all {checks} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
