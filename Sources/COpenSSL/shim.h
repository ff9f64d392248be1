// OpenSSL, the system library (Debian: libssl-dev), for TLS to the venue and SHA-1 for the
// WebSocket handshake. The macros Swift cannot call are wrapped as inline functions here.
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static inline long copenssl_set_min_tls12(SSL_CTX *context) {
    return SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline long copenssl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
