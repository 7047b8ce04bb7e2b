// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's frame parser (collect/agent_frame.h) on any bytes: it never
 * reads past them, every count stays within its cap, every string is
 * terminated within its field, and a parse that fails says why.  The same
 * bytes go through the alerts and blocks list parsers, and (cut to a C
 * string) through the time parser.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "collect/agent_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strings(const struct agent_frame *f)
{
	for (size_t i = 0; i < f->nr_peers; i++)
		if (strnlen(f->peers[i].addr, sizeof(f->peers[i].addr)) >= sizeof(f->peers[i].addr))
			abort();
	for (size_t i = 0; i < f->nr_ifaces; i++)
		if (strnlen(f->ifaces[i].name, sizeof(f->ifaces[i].name)) >=
		    sizeof(f->ifaces[i].name))
			abort();
	for (size_t i = 0; i < f->nr_alerts; i++)
		if (strnlen(f->alerts[i].subject, sizeof(f->alerts[i].subject)) >=
		    sizeof(f->alerts[i].subject))
			abort();
}

static void check_lists(const char *buf, size_t size)
{
	struct agent_frame_alert *a;
	struct agent_frame_block *b;
	size_t nr;
	bool cut;
	char *text;

	if (agent_alerts_parse(buf, size, 4, &a, &nr, &cut, NULL) == 0 && nr > 4)
		abort();
	free(a);
	if (agent_blocks_parse(buf, size, 4, &b, &nr, &cut, NULL) == 0 && nr > 4)
		abort();
	for (size_t i = 0; i < nr; i++)
		if (strnlen(b[i].addr, sizeof(b[i].addr)) >= sizeof(b[i].addr))
			abort();
	free(b);
	text = malloc(size + 1);
	memcpy(text, buf, size);
	text[size] = '\0';
	if (agent_frame_time_ms(text) < -1)
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct agent_frame *f = malloc(sizeof(*f));
	struct strbuf err = STRBUF_INIT;
	int ret;

	memcpy(buf, data, size);
	ret = agent_frame_parse(f, buf, size, &err);
	if (ret > 0 || (ret < 0 && !err.len && ret == -EINVAL))
		abort();
	if (!ret) {
		if (f->nr_peers > AGENT_FRAME_TOP || f->nr_ports > AGENT_FRAME_TOP ||
		    f->nr_procs > AGENT_FRAME_TOP || f->nr_close_wait > AGENT_FRAME_TOP ||
		    f->nr_ifaces > AGENT_FRAME_IFACES || f->nr_sockets > AGENT_FRAME_SOCKETS ||
		    f->nr_alerts > AGENT_FRAME_ALERTS || f->t_ms < 0)
			abort();
		for (size_t i = 0; i < f->nr_ports; i++)
			if (f->ports[i].port < 0 || f->ports[i].port > 65535)
				abort();
		check_strings(f);
	}
	strbuf_release(&err);
	free(f);
	check_lists(buf, size);
	free(buf);
	return 0;
}
