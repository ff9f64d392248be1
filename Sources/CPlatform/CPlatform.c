#define _GNU_SOURCE
#include "CPlatform.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int cplatform_futex_wait(uint32_t *addr, uint32_t expected, const struct timespec *timeout) {
    return (int)syscall(SYS_futex, addr, FUTEX_WAIT, expected, timeout, NULL, 0);
}

int cplatform_futex_wake(uint32_t *addr, int32_t count) {
    return (int)syscall(SYS_futex, addr, FUTEX_WAKE, count, NULL, NULL, 0);
}

int cplatform_pin_to_cpu(int32_t cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

int cplatform_terminal_size(int32_t fd, uint16_t *rows, uint16_t *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 0;
}

int cplatform_forbid_dumps(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

uint32_t cplatform_crc32c_portable(const void *data, size_t length) {
    const uint8_t *bytes = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < length; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(const void *data, size_t length) {
    const uint8_t *bytes = data;
    uint64_t crc = 0xFFFFFFFFu;
    for (; length >= 8; bytes += 8, length -= 8) {
        uint64_t word;
        __builtin_memcpy(&word, bytes, 8);
        crc = __builtin_ia32_crc32di(crc, word);
    }
    uint32_t crc32 = (uint32_t)crc;
    for (; length > 0; bytes++, length--) crc32 = __builtin_ia32_crc32qi(crc32, *bytes);
    return crc32 ^ 0xFFFFFFFFu;
}
#endif

uint32_t cplatform_crc32c(const void *data, size_t length) {
#if defined(__x86_64__)
    static int hardware = -1;
    if (hardware < 0) hardware = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    if (hardware) return crc32c_sse42(data, length);
#endif
    return cplatform_crc32c_portable(data, length);
}
