// SPDX-License-Identifier: GPL-2.0-or-later
#include "bc_interp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>

static struct inet_diag_bc_op op_at(const uint8_t *code, size_t off)
{
	struct inet_diag_bc_op op;

	memcpy(&op, code + off, sizeof(op));
	return op;
}

static bool bitstring_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

static bool hostcond(const uint8_t *p, const struct sock_entry *s, bool src)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct inet_diag_hostcond c;
	const uint8_t *addr = src ? s->local : s->remote, *caddr;

	memcpy(&c, p, sizeof(c));
	caddr = p + sizeof(c);
	if (c.port != -1 && c.port != (src ? s->lport : s->rport))
		return false;
	if (c.family != AF_UNSPEC && c.family != s->family)
		return s->family == AF_INET6 && c.family == AF_INET && !memcmp(addr, mapped, 12) &&
		       bitstring_match(addr + 12, caddr, c.prefix_len);
	if (c.prefix_len == 0)
		return true;
	return bitstring_match(addr, caddr, c.prefix_len);
}

static bool run_op(const uint8_t *code, size_t off, const struct sock_entry *s, bool autobound)
{
	struct inet_diag_bc_op op = op_at(code, off);
	uint16_t arg = op.code >= INET_DIAG_BC_S_GE && op.code <= INET_DIAG_BC_D_LE ?
			       op_at(code, off + 4).no :
		       op.code == INET_DIAG_BC_S_EQ || op.code == INET_DIAG_BC_D_EQ ?
			       op_at(code, off + 4).no :
			       0;
	const uint8_t *payload = code + off + sizeof(op);
	uint32_t v[2];

	switch (op.code) {
	case INET_DIAG_BC_NOP:
		return true;
	case INET_DIAG_BC_JMP:
		return false;
	case INET_DIAG_BC_S_EQ:
		return s->lport == arg;
	case INET_DIAG_BC_S_GE:
		return s->lport >= arg;
	case INET_DIAG_BC_S_LE:
		return s->lport <= arg;
	case INET_DIAG_BC_D_EQ:
		return s->rport == arg;
	case INET_DIAG_BC_D_GE:
		return s->rport >= arg;
	case INET_DIAG_BC_D_LE:
		return s->rport <= arg;
	case INET_DIAG_BC_AUTO:
		return autobound;
	case INET_DIAG_BC_S_COND:
	case INET_DIAG_BC_D_COND:
		return hostcond(payload, s, op.code == INET_DIAG_BC_S_COND);
	case INET_DIAG_BC_DEV_COND:
		memcpy(v, payload, 4);
		return v[0] == s->ifindex;
	case INET_DIAG_BC_MARK_COND:
		memcpy(v, payload, 8);
		return (s->mark & v[1]) == v[0];
	}
	return true;
}

bool bc_run(const uint8_t *code, size_t len, const struct sock_entry *s, bool autobound)
{
	long rem = (long)len;
	size_t off = 0;

	while (rem > 0) {
		struct inet_diag_bc_op op = op_at(code, off);
		int step = run_op(code, off, s, autobound) ? op.yes : op.no;

		rem -= step;
		off += (size_t)step;
	}
	return rem == 0;
}

static bool valid_cc(const uint8_t *code, long len, long cc)
{
	size_t off = 0;

	while (len >= 0) {
		struct inet_diag_bc_op op;

		if (cc > len)
			return false;
		if (cc == len)
			return true;
		op = op_at(code, off);
		if (op.yes < 4 || op.yes & 3)
			return false;
		len -= op.yes;
		off += op.yes;
	}
	return false;
}

static long min_len_of(const uint8_t *p, long len, uint8_t code)
{
	long min = sizeof(struct inet_diag_bc_op);
	struct inet_diag_hostcond c;

	switch (code) {
	case INET_DIAG_BC_S_COND:
	case INET_DIAG_BC_D_COND:
		min += sizeof(c);
		if (len < min)
			return -1;
		memcpy(&c, p + 4, sizeof(c));
		if (c.family != AF_UNSPEC && c.family != AF_INET && c.family != AF_INET6)
			return -1;
		min += c.family == AF_INET ? 4 : c.family == AF_INET6 ? 16 : 0;
		if (c.prefix_len > (c.family == AF_INET ? 32 : c.family == AF_INET6 ? 128 : 0))
			return -1;
		break;
	case INET_DIAG_BC_DEV_COND:
		min += 4;
		break;
	case INET_DIAG_BC_S_EQ:
	case INET_DIAG_BC_S_GE:
	case INET_DIAG_BC_S_LE:
	case INET_DIAG_BC_D_EQ:
	case INET_DIAG_BC_D_GE:
	case INET_DIAG_BC_D_LE:
		min += 4;
		break;
	case INET_DIAG_BC_MARK_COND:
		min += 8;
		break;
	case INET_DIAG_BC_AUTO:
	case INET_DIAG_BC_JMP:
	case INET_DIAG_BC_NOP:
		break;
	default:
		return -1;
	}
	return len < min ? -1 : min;
}

int bc_audit(const uint8_t *code, size_t total, bool net_admin)
{
	long len = (long)total;
	size_t off = 0;

	if (total < 4)
		return -EINVAL;
	while (len > 0) {
		struct inet_diag_bc_op op = op_at(code, off);
		long min = min_len_of(code + off, len, op.code);

		if (min < 0)
			return -EINVAL;
		if (op.code == INET_DIAG_BC_MARK_COND && !net_admin)
			return -EPERM;
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min || op.no > len + 4 || op.no & 3)
				return -EINVAL;
			if (op.no < len && !valid_cc(code, (long)total, len - op.no))
				return -EINVAL;
		}
		if (op.yes < min || op.yes > len + 4 || op.yes & 3)
			return -EINVAL;
		off += op.yes;
		len -= op.yes;
	}
	return len == 0 ? 0 : -EINVAL;
}
