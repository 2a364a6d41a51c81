#!/usr/bin/env python3
"""A GREP11 client written in Python with only swift-hpcs's protos/, run against the HSM mock.

Usage: grep11_interop.py PROTOS_DIR HOST:PORT
Generates the gRPC stubs from PROTOS_DIR into a temporary folder (grpcio-tools), then runs key generation,
encrypt/decrypt (single and multi-part), sign/verify (checked with `cryptography` too), a tampered signature
(checking the google.rpc.Status detail), wrap/unwrap, ECDH derive and RewrapKeyBlob. Prints
`rewrapped=<hex>` for the caller to check after committing the next master key. Exits non-zero on any mismatch.
"""
import os
import subprocess
import sys
import tempfile

CKM_RSA_PKCS = 0x1
CKM_AES_KEY_GEN = 0x1080
CKM_AES_CBC_PAD = 0x1085
CKM_AES_KEY_WRAP = 0x2109
CKM_EC_KEY_PAIR_GEN = 0x1040
CKM_ECDSA_SHA256 = 0x1044
CKM_ECDH1_DERIVE = 0x1050
CKA_CLASS, CKA_KEY_TYPE, CKA_VALUE_LEN, CKA_EC_PARAMS = 0x0, 0x100, 0x161, 0x180
CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP = 0x104, 0x105, 0x106, 0x107
CKA_SIGN, CKA_VERIFY, CKA_DERIVE, CKA_EXTRACTABLE = 0x108, 0x10A, 0x10C, 0x162
CKO_SECRET_KEY, CKK_GENERIC_SECRET, CKK_AES = 4, 0x10, 0x1F
CKR_SIGNATURE_INVALID = 0xC0
P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def first_der_element(data):
    """The first DER element of a MACed SPKI (the SPKI itself)."""
    if len(data) < 2 or data[0] != 0x30:
        fail("public key blob is not DER")
    length = data[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[2:2 + count], "big")
        offset = 2 + count
    return data[:offset + length]


def main():
    if len(sys.argv) != 3:
        fail("usage: grep11_interop.py PROTOS_DIR HOST:PORT")
    protos, address = sys.argv[1], sys.argv[2]
    out = tempfile.mkdtemp(prefix="grep11-py-")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={out}", f"--grpc_python_out={out}",
         os.path.join(protos, "server.proto"), os.path.join(protos, "errors.proto")],
        check=True)
    sys.path.insert(0, out)
    import grpc
    from grpc_status import rpc_status
    import server_pb2 as pb
    import server_pb2_grpc as pb_grpc
    import errors_pb2
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    def attrs(**values):
        return values

    def template(items):
        result = {}
        for key, value in items.items():
            if isinstance(value, bool):
                result[key] = pb.AttributeValue(AttributeTF=value)
            elif isinstance(value, int):
                result[key] = pb.AttributeValue(AttributeI=value)
            else:
                result[key] = pb.AttributeValue(AttributeB=value)
        return result

    channel = grpc.insecure_channel(address)
    stub = pb_grpc.CryptoStub(channel)

    rnd = stub.GenerateRandom(pb.GenerateRandomRequest(Len=32)).Rnd
    check(len(rnd) == 32, "GenerateRandom length")
    mechs = stub.GetMechanismList(pb.GetMechanismListRequest()).Mechs
    check(mechs[0] == CKM_RSA_PKCS, "first mechanism is not CKM_RSA_PKCS")

    # AES key, encrypt/decrypt single and multi-part.
    aes = stub.GenerateKey(pb.GenerateKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_AES_KEY_GEN),
        Template=template({CKA_VALUE_LEN: 32, CKA_ENCRYPT: True, CKA_DECRYPT: True, CKA_WRAP: True,
                           CKA_UNWRAP: True, CKA_EXTRACTABLE: True})))
    check(len(aes.CheckSum) == 7 and aes.CheckSum[3:] == bytes([0, 0, 1, 0]), "AES checksum")
    check(aes.KeyBytes == aes.Key.KeyBlobs[0], "KeyBytes and KeyBlobs[0] differ")
    iv = stub.GenerateRandom(pb.GenerateRandomRequest(Len=16)).Rnd
    cbc = pb.Mechanism(Mechanism=CKM_AES_CBC_PAD, ParameterB=iv)
    plain = b"python speaks GREP11 to swift-hpcs" * 3
    ct = stub.EncryptSingle(pb.EncryptSingleRequest(Mech=cbc, Key=aes.Key, Plain=plain)).Ciphered
    back = stub.DecryptSingle(pb.DecryptSingleRequest(Mech=cbc, Key=aes.Key, Ciphered=ct)).Plain
    check(back == plain, "AES-CBC-PAD round trip")
    state = stub.EncryptInit(pb.EncryptInitRequest(Mech=cbc, Key=aes.Key)).State
    multi = b""
    for chunk in (plain[:7], plain[7:50], plain[50:]):
        update = stub.EncryptUpdate(pb.EncryptUpdateRequest(State=state, Plain=chunk))
        state, multi = update.State, multi + update.Ciphered
    multi += stub.EncryptFinal(pb.EncryptFinalRequest(State=state)).Ciphered
    check(multi == ct, "multi-part ciphertext differs from single-part")

    # EC P-256 sign/verify, checked by `cryptography`.
    pair = stub.GenerateKeyPair(pb.GenerateKeyPairRequest(
        Mech=pb.Mechanism(Mechanism=CKM_EC_KEY_PAIR_GEN),
        PubKeyTemplate=template({CKA_EC_PARAMS: P256_PARAMS, CKA_VERIFY: True, CKA_DERIVE: True}),
        PrivKeyTemplate=template({CKA_SIGN: True, CKA_DERIVE: True})))
    message = b"signed by the mock, verified in Python"
    signature = stub.SignSingle(pb.SignSingleRequest(
        Mech=pb.Mechanism(Mechanism=CKM_ECDSA_SHA256), PrivKey=pair.PrivKey, Data=message)).Signature
    check(len(signature) == 64, "ECDSA P-256 signature is not raw r||s")
    stub.VerifySingle(pb.VerifySingleRequest(
        Mech=pb.Mechanism(Mechanism=CKM_ECDSA_SHA256), PubKey=pair.PubKey, Data=message, Signature=signature))
    spki = first_der_element(pair.PubKeyBytes)
    public_key = serialization.load_der_public_key(spki)
    der_signature = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                               int.from_bytes(signature[32:], "big"))
    public_key.verify(der_signature, message, ec.ECDSA(hashes.SHA256()))

    # A tampered signature: gRPC UNKNOWN, message = CKR name, one Grep11Error detail.
    tampered = bytes([signature[0] ^ 0xFF]) + signature[1:]
    try:
        stub.VerifySingle(pb.VerifySingleRequest(
            Mech=pb.Mechanism(Mechanism=CKM_ECDSA_SHA256), PubKey=pair.PubKey, Data=message, Signature=tampered))
        fail("a tampered signature verified")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNKNOWN, f"status code {error.code()}")
        check(error.details() == "CKR_SIGNATURE_INVALID", f"status message {error.details()}")
        status = rpc_status.from_call(error)
        check(status is not None and len(status.details) == 1, "expected exactly one status detail")
        detail = errors_pb2.Grep11Error()
        check(status.details[0].Unpack(detail), "detail is not a grep11.Grep11Error")
        check(detail.Code == CKR_SIGNATURE_INVALID, f"Grep11Error.Code {detail.Code:#x}")

    # Wrap/unwrap an AES key under the AES key.
    target = stub.GenerateKey(pb.GenerateKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_AES_KEY_GEN),
        Template=template({CKA_VALUE_LEN: 32, CKA_EXTRACTABLE: True, CKA_ENCRYPT: True})))
    wrapped = stub.WrapKey(pb.WrapKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_AES_KEY_WRAP), Key=target.Key, KeK=aes.Key)).Wrapped
    check(len(wrapped) == 40, "RFC 3394 wrap of a 32-byte key is 40 bytes")
    unwrapped = stub.UnwrapKey(pb.UnwrapKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_AES_KEY_WRAP), KeK=aes.Key, Wrapped=wrapped,
        Template=template({CKA_CLASS: CKO_SECRET_KEY, CKA_KEY_TYPE: CKK_AES, CKA_VALUE_LEN: 32, CKA_ENCRYPT: True})))
    check(unwrapped.CheckSum == target.CheckSum, "unwrapped key has another checksum")

    # ECDH: both sides derive the same secret.
    other = stub.GenerateKeyPair(pb.GenerateKeyPairRequest(
        Mech=pb.Mechanism(Mechanism=CKM_EC_KEY_PAIR_GEN),
        PubKeyTemplate=template({CKA_EC_PARAMS: P256_PARAMS}), PrivKeyTemplate=template({CKA_DERIVE: True})))

    def point(public_blob):
        key = serialization.load_der_public_key(first_der_element(public_blob))
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    derive_template = template({CKA_CLASS: CKO_SECRET_KEY, CKA_KEY_TYPE: CKK_GENERIC_SECRET, CKA_VALUE_LEN: 32})
    one = stub.DeriveKey(pb.DeriveKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_ECDH1_DERIVE, ParameterB=point(other.PubKeyBytes)),
        BaseKey=pair.PrivKey, Template=derive_template))
    two = stub.DeriveKey(pb.DeriveKeyRequest(
        Mech=pb.Mechanism(Mechanism=CKM_ECDH1_DERIVE, ParameterB=point(pair.PubKeyBytes)),
        BaseKey=other.PrivKey, Template=derive_template))
    check(one.CheckSum == two.CheckSum and len(one.CheckSum) == 7, "ECDH sides disagree")

    # RewrapKeyBlob (the server has a next master key loaded).
    rewrapped = stub.RewrapKeyBlob(pb.RewrapKeyBlobRequest(WrappedKey=aes.Key))
    check(rewrapped.RewrappedKeyBytes == rewrapped.RewrappedKey.KeyBlobs[0], "rewrap forms differ")
    check(rewrapped.RewrappedKeyBytes != aes.KeyBytes, "rewrap returned the same blob")
    print(f"iv={iv.hex()}")
    print(f"ciphertext={ct.hex()}")
    print(f"rewrapped={rewrapped.RewrappedKeyBytes.hex()}")
    print("interop: ok")


if __name__ == "__main__":
    main()
