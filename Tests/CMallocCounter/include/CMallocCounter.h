// CMallocCounter: a malloc interposer for tests and benchmarks, never linked into the tools.
//
// Linking this target into an executable defines malloc, calloc, realloc, free and the aligned
// variants there; the dynamic linker binds every call in the process (Swift runtime included) to
// them, and they forward to glibc's __libc_* functions after counting on the calling thread.
#ifndef CMALLOCCOUNTER_H
#define CMALLOCCOUNTER_H

#include <stdint.h>

/// 1 when this counter owns malloc; 0 in a sanitizer build, where the sanitizer's runtime does
/// and nothing is counted.
int malloc_counter_is_counting(void);

/// Allocations (malloc, calloc, realloc, memalign family) made by the calling thread so far.
uint64_t malloc_counter_thread_allocations(void);

/// Frees made by the calling thread so far.
uint64_t malloc_counter_thread_frees(void);

#endif
