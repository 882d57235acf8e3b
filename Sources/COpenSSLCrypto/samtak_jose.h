#ifndef SAMTAK_COPENSSL_JOSE_H
#define SAMTAK_COPENSSL_JOSE_H
// Small helpers for JOSE (SamtakJOSE): building public keys from JWK components, and
// converting ECDSA signatures between JOSE's raw r||s form and OpenSSL's DER form.
// Static inline so the system module needs no compiled C of its own. OpenSSL 3 API.
#include <string.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

/// An RSA public key from its big-endian modulus and exponent; NULL when they do not make one.
static inline EVP_PKEY *samtak_rsa_public_key(const unsigned char *n, size_t n_len, const unsigned char *e, size_t e_len) {
    EVP_PKEY *key = NULL;
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL);
    BIGNUM *bn_e = BN_bin2bn(e, (int)e_len, NULL);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (bn_n && bn_e && builder && context
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn_n)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bn_e)
        && (params = OSSL_PARAM_BLD_to_param(builder)) != NULL
        && EVP_PKEY_fromdata_init(context) == 1) {
        if (EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = NULL;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    EVP_PKEY_CTX_free(context);
    BN_free(bn_n);
    BN_free(bn_e);
    ERR_clear_error();
    return key;
}

/// A P-256 public key from its 32-byte x and y; NULL unless the point is on the curve.
static inline EVP_PKEY *samtak_p256_public_key(const unsigned char *x, const unsigned char *y) {
    unsigned char point[65];
    point[0] = 0x04;
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (builder && context
        && OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0)
        && OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point)
        && (params = OSSL_PARAM_BLD_to_param(builder)) != NULL
        && EVP_PKEY_fromdata_init(context) == 1) {
        if (EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = NULL;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    EVP_PKEY_CTX_free(context);
    if (key) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        int ok = check != NULL && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
        if (!ok) { EVP_PKEY_free(key); key = NULL; }
    }
    ERR_clear_error();
    return key;
}

/// 1 when the key is an EC key on P-256.
static inline int samtak_key_is_p256(EVP_PKEY *key) {
    char name[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) != 1) return 0;
    return strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0;
}

/// The public point of a P-256 key as x and y (32 bytes each). 1 on success.
static inline int samtak_p256_coordinates(EVP_PKEY *key, unsigned char *x, unsigned char *y) {
    BIGNUM *bx = NULL, *by = NULL;
    int ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1
          && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1
          && BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32;
    BN_free(bx);
    BN_free(by);
    ERR_clear_error();
    return ok;
}

/// The modulus and exponent of an RSA key, big-endian; the caller frees both with OPENSSL_free.
static inline int samtak_rsa_components(EVP_PKEY *key, unsigned char **n, int *n_len, unsigned char **e, int *e_len) {
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    *n = NULL; *e = NULL;
    int ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn_n) == 1
          && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &bn_e) == 1;
    if (ok) {
        *n_len = BN_num_bytes(bn_n);
        *e_len = BN_num_bytes(bn_e);
        *n = OPENSSL_malloc(*n_len > 0 ? *n_len : 1);
        *e = OPENSSL_malloc(*e_len > 0 ? *e_len : 1);
        ok = *n && *e && BN_bn2bin(bn_n, *n) == *n_len && BN_bn2bin(bn_e, *e) == *e_len;
        if (!ok) { OPENSSL_free(*n); OPENSSL_free(*e); *n = NULL; *e = NULL; }
    }
    BN_free(bn_n);
    BN_free(bn_e);
    ERR_clear_error();
    return ok;
}

/// JOSE's raw ECDSA signature (r||s, 32 bytes each) as DER; the caller frees *der with
/// OPENSSL_free. Returns the DER length, or 0.
static inline int samtak_ecdsa_raw_to_der(const unsigned char *raw, unsigned char **der) {
    *der = NULL;
    ECDSA_SIG *signature = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
    int length = 0;
    if (signature && r && s && ECDSA_SIG_set0(signature, r, s) == 1) {
        r = NULL; s = NULL;  // owned by the signature now
        length = i2d_ECDSA_SIG(signature, der);
        if (length <= 0) { length = 0; *der = NULL; }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    ERR_clear_error();
    return length;
}

/// A DER ECDSA signature as JOSE's raw r||s (64 bytes written to raw). 1 on success.
static inline int samtak_ecdsa_der_to_raw(const unsigned char *der, size_t der_len, unsigned char *raw) {
    const unsigned char *cursor = der;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &cursor, (long)der_len);
    int ok = 0;
    if (signature) {
        const BIGNUM *r = NULL, *s = NULL;
        ECDSA_SIG_get0(signature, &r, &s);
        ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
        ECDSA_SIG_free(signature);
    }
    ERR_clear_error();
    return ok;
}

/// A private key from PEM text (PKCS#8 or traditional); NULL when the text holds none.
static inline EVP_PKEY *samtak_private_key_from_pem(const char *pem, size_t length) {
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    return key;
}

/// The public keys in PEM text ("PUBLIC KEY" blocks), at most `capacity`, written to `keys`;
/// returns how many were read.
static inline int samtak_public_keys_from_pem(const char *pem, size_t length, EVP_PKEY **keys, int capacity) {
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    int count = 0;
    while (bio && count < capacity) {
        EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        if (!key) break;
        keys[count++] = key;
    }
    BIO_free(bio);
    ERR_clear_error();
    return count;
}

/// A fresh P-256 private key (tests and key generation).
static inline EVP_PKEY *samtak_generate_p256(void) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    ERR_clear_error();
    return key;
}

/// The key as PEM text (PKCS#8 private when `private_part`, else SubjectPublicKeyInfo);
/// the caller frees *out with OPENSSL_free. Returns the length, or 0.
static inline int samtak_key_to_pem(EVP_PKEY *key, int private_part, char **out) {
    *out = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return 0;
    int ok = private_part ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) : PEM_write_bio_PUBKEY(bio, key);
    int length = 0;
    if (ok) {
        char *data = NULL;
        long size = BIO_get_mem_data(bio, &data);
        if (size > 0 && (*out = OPENSSL_malloc((size_t)size)) != NULL) {
            memcpy(*out, data, (size_t)size);
            length = (int)size;
        }
    }
    BIO_free(bio);
    ERR_clear_error();
    return length;
}
#endif
