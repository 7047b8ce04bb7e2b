// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t len)
{
	/* The one place below app/ that writes to stderr: there is nobody left to report to. */
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", len);
	abort();
}

void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		die_oom(len);
	return p;
}

void *xcalloc(size_t nr, size_t len)
{
	void *p = calloc(nr ? nr : 1, len ? len : 1);

	if (!p)
		die_oom(nr * len);
	return p;
}

void *xrealloc(void *ptr, size_t len)
{
	void *p = realloc(ptr, len ? len : 1);

	if (!p)
		die_oom(len);
	return p;
}

void *xreallocarray(void *ptr, size_t nr, size_t len)
{
	if (len && nr > (size_t)-1 / len)
		die_oom((size_t)-1);
	return xrealloc(ptr, nr * len);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
