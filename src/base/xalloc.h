/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation that never returns NULL: running out of memory aborts the
 * program with a message, so callers have no -ENOMEM path to get wrong.
 * Every returned pointer is owned by the caller and released with free().
 */
#ifndef CONNMON_BASE_XALLOC_H
#define CONNMON_BASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t len);
void *xcalloc(size_t nr, size_t len);
void *xrealloc(void *ptr, size_t len);
/* Reallocates to nr * len bytes, aborting on multiplication overflow. */
void *xreallocarray(void *ptr, size_t nr, size_t len);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

/* Grows *cap geometrically so that it holds at least need elements. */
#define ALLOC_GROW(ptr, need, cap)                                              \
	do {                                                                    \
		if ((need) > (cap)) {                                           \
			size_t new_cap_ = (cap) ? (cap)*2 : 16;                 \
			while (new_cap_ < (need))                               \
				new_cap_ *= 2;                                  \
			(ptr) = xreallocarray((ptr), new_cap_, sizeof(*(ptr))); \
			(cap) = new_cap_;                                       \
		}                                                               \
	} while (0)

#endif
