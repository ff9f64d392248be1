// CPlatform: the few machine and kernel facilities Swift has no words for.
// Each function is static inline so that calls from Swift compile to the bare instruction.
#ifndef CPLATFORM_H
#define CPLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/// The CPU's spin-wait hint (`pause` on x86, `yield` on ARM): tells the core a
/// spin loop is running, saving power and the pipeline flush on exit from the loop.
static inline void cplatform_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks for the cache line at `address` in this core's cache, ready to be written
/// (`prefetchw` on x86, `prfm pstl1keep` on ARM): a ring's producer issues it a few slots
/// ahead, so the lines its readers on other cores hold move while it writes earlier frames
/// instead of one at a time, each as its first store misses. A hint: never faults.
static inline void cplatform_prefetch_for_write(const void *address) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)address));
#elif defined(__aarch64__)
    __asm__ __volatile__("prfm pstl1keep, %0" : : "Q"(*(const char *)address));
#endif
}

/// Asks for the cache line at `address` in this core's cache, to be read (`prefetcht0` on x86,
/// `prfm pldl1keep` on ARM): a ring's reader issues it a few published slots ahead, so lines the
/// producer wrote on another core move while it handles earlier frames. A hint: never faults.
static inline void cplatform_prefetch_for_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The time-stamp counter (`rdtsc`), or the virtual counter on ARM. Not serialising.
static inline uint64_t cplatform_rdtsc(void) {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    return 0;
#endif
}

/// `futex(addr, FUTEX_WAIT, expected, timeout)` on a shared (not private) word, so a
/// waiter in one process is woken by a writer in another. Returns 0 when woken, or
/// -1 with errno (EAGAIN: *addr != expected; ETIMEDOUT; EINTR).
int cplatform_futex_wait(uint32_t *addr, uint32_t expected, const struct timespec *timeout);

/// `futex(addr, FUTEX_WAKE, count)` on a shared word. Returns the number woken, or -1 with errno.
int cplatform_futex_wake(uint32_t *addr, int32_t count);

/// `sched_setaffinity(0, ...)` with one CPU in the set: pins the calling thread.
/// Returns 0, or -1 with errno.
int cplatform_pin_to_cpu(int32_t cpu);

/// `ioctl(fd, TIOCGWINSZ)`: the terminal's size in character cells (ioctl is variadic, which
/// Swift cannot call). Returns 0, or -1 with errno (ENOTTY: not a terminal).
int cplatform_terminal_size(int32_t fd, uint16_t *rows, uint16_t *columns);

/// `prctl(PR_SET_DUMPABLE, 0)` (prctl is variadic): no core dump, no ptrace attach and no
/// `/proc/<pid>/environ` or `mem` for other processes of the user. For a process holding keys.
/// Returns 0, or -1 with errno.
int cplatform_forbid_dumps(void);

/// CRC-32C (Castagnoli: polynomial 0x1EDC6F41, reflected, initial and final value 0xFFFFFFFF)
/// of `length` bytes: "123456789" gives 0xE3069283. On x86-64 with SSE 4.2 (every CPU since
/// 2008) the `crc32` instruction does eight bytes at a time; elsewhere a bitwise loop.
uint32_t cplatform_crc32c(const void *data, size_t length);

/// The same by the bitwise loop alone, to test the instruction's path against.
uint32_t cplatform_crc32c_portable(const void *data, size_t length);

#endif
