// A malloc counter for whole processes, loaded with LD_PRELOAD into the real tools (which never
// link a counter themselves). At exit it writes "allocations=N" to $MALLOC_COUNT_FILE, or, with
// $MALLOC_COUNT_DIR, to DIR/<command name>.count (one file per process of a pipeline).
// The benchmark runs each tool on a short and a long input: the difference divided by the
// difference in messages is the allocations per message, start-up and shutdown cancelled out.
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_ulong allocations;

void *malloc(size_t size) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); return __libc_memalign(alignment, size); }
int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer && size) return ENOMEM;
    *result = pointer;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    char buffer[4096];
    const char *path = getenv("MALLOC_COUNT_FILE");
    const char *directory = getenv("MALLOC_COUNT_DIR");
    if (!path && directory) {
        char name[64] = "process";
        FILE *comm = fopen("/proc/self/comm", "r");
        if (comm) {
            if (fgets(name, sizeof name, comm)) {
                for (char *c = name; *c; c++) if (*c == '\n') *c = 0;
            }
            fclose(comm);
        }
        snprintf(buffer, sizeof buffer, "%s/%s.count", directory, name);
        path = buffer;
    }
    if (!path) return;
    FILE *file = fopen(path, "w");
    if (!file) return;
    fprintf(file, "allocations=%lu\n", (unsigned long)atomic_load(&allocations));
    fclose(file);
}
