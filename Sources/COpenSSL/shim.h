#ifndef HPCS_COPENSSL_SHIM_H
#define HPCS_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* ---- Helpers for the HSMMock software crypto engine (mocks/HSMMock/Engine).
 * Function-like macros are not visible to Swift, so they are wrapped here. */
static inline void *hpcs_openssl_memdup(const void *data, size_t len) {
    return OPENSSL_memdup(data, len);
}
static inline void hpcs_openssl_free(void *ptr) {
    OPENSSL_free(ptr);
}
/* EVP_PKEY_fromdata selection for a public key (with domain parameters). */
static inline int hpcs_evp_pkey_public_key_selection(void) {
    return EVP_PKEY_PUBLIC_KEY;
}

/* EVP_PKEY_fromdata selection for domain parameters only (DSA, DH). */
static inline int hpcs_evp_pkey_key_parameters_selection(void) {
    return EVP_PKEY_KEY_PARAMETERS;
}

#endif
