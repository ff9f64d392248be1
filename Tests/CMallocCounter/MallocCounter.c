#include "CMallocCounter.h"

#include <errno.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MALLOC_COUNTER_UNDER_SANITIZER 1
#endif
#endif

#ifdef MALLOC_COUNTER_UNDER_SANITIZER
// A sanitizer's runtime owns malloc and free: defining them here would bypass it (and crash at
// start). Nothing is counted, and the allocation tests skip.
int malloc_counter_is_counting(void) { return 0; }
uint64_t malloc_counter_thread_allocations(void) { return 0; }
uint64_t malloc_counter_thread_frees(void) { return 0; }
#else
int malloc_counter_is_counting(void) { return 1; }

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

// Initial-exec TLS in the executable itself: reading it never allocates.
static __thread uint64_t allocations;
static __thread uint64_t frees;

uint64_t malloc_counter_thread_allocations(void) { return allocations; }
uint64_t malloc_counter_thread_frees(void) { return frees; }

void *malloc(size_t size) {
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocations++;
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer) frees++;
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    allocations++;
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    allocations++;
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    allocations++;
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer && size) return ENOMEM;
    *result = pointer;
    return 0;
}
#endif
