// zlib, the system library (Debian: zlib1g-dev), for gzip-compressed recordings.
#include <zlib.h>

// inflateInit2 is a macro Swift cannot call: 15 + 32 = the largest window, gzip or zlib header
// detected automatically.
static inline int czlib_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
