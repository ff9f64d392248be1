// OpenSSL, the system library (Debian: libssl-dev): TLS to the venue, SHA-1 for the WebSocket
// handshake, HMAC-SHA256 and Ed25519 for signing requests. The macros Swift cannot call are
// wrapped as inline functions here.
// SHA-256 by its context (an HMAC's inner and outer states kept, no allocation per request):
// deprecated in OpenSSL 3 in favour of EVP, which allocates.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static inline long copenssl_set_min_tls12(SSL_CTX *context) {
    return SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline long copenssl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// A write may be partial, and a write retried after SSL_ERROR_WANT_WRITE may come from a buffer
// that has moved: a non-blocking sender keeps its unsent bytes in its own queue.
static inline long copenssl_set_partial_writes(SSL *ssl) {
    return SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
