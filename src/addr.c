/* SPDX-License-Identifier: ISC */
/*
 * addr: parse CIDR blocks and decide whether an address may be connected
 * to.  The built-in non-public ranges follow the IANA special-purpose
 * address registries (RFC 6890 and its updates).
 */
#include "addr.h"
#include "decimal.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define V4(a, b, c, d, len)	{ AF_INET, { a, b, c, d }, len }
/* IPv6 by its first four 16-bit groups: V6(0x2001, 0xdb8, 0, 0, 32) */
#define G(x)			(unsigned char)((x) >> 8), (unsigned char)(x)
#define V6(a, b, c, d, len)	{ AF_INET6, { G(a), G(b), G(c), G(d) }, len }

/*
 * Refused unless [network] allow contains the address: one row per entry
 * of the IANA IPv4 Special-Purpose Address Registry whose "Globally
 * Reachable" is False or blank (deprecated), with its RFC, then
 * multicast, which has a registry of its own.  SECURITY.md names the
 * registry version checked.
 *
 * Globally reachable, refused with the block around them:
 *   192.0.0.9/32 (Port Control Protocol anycast, RFC 7723) and
 *   192.0.0.10/32 (TURN anycast, RFC 8155), in 192.0.0.0/24.
 * Globally reachable, not refused:
 *   192.31.196.0/24 (AS112-v4, RFC 7535), 192.52.193.0/24 (AMT, RFC 7450),
 *   192.175.48.0/24 (direct delegation AS112 service, RFC 7534).
 */
static const struct cidr nonpublic_v4[] = {
	V4(0, 0, 0, 0, 8),		/* "this network", RFC 791 */
	V4(0, 0, 0, 0, 32),		/* "this host", RFC 1122 */
	V4(10, 0, 0, 0, 8),		/* private-use, RFC 1918 */
	V4(100, 64, 0, 0, 10),		/* shared address space, RFC 6598 */
	V4(127, 0, 0, 0, 8),		/* loopback, RFC 1122 */
	V4(169, 254, 0, 0, 16),		/* link local (metadata), RFC 3927 */
	V4(172, 16, 0, 0, 12),		/* private-use, RFC 1918 */
	V4(192, 0, 0, 0, 24),		/* IETF protocol assignment, RFC 6890 */
	V4(192, 0, 0, 0, 29),		/* IPv4 service continuity, RFC 7335 */
	V4(192, 0, 0, 8, 32),		/* IPv4 dummy address, RFC 7600 */
	V4(192, 0, 0, 170, 32),		/* NAT64/DNS64 discovery, RFC 8880 */
	V4(192, 0, 0, 171, 32),		/* NAT64/DNS64 discovery, RFC 8880 */
	V4(192, 0, 2, 0, 24),		/* documentation TEST-NET-1, RFC 5737 */
	V4(192, 88, 99, 0, 24),		/* deprecated 6to4 relay, RFC 7526 */
	V4(192, 88, 99, 2, 32),		/* 6a44-relay anycast, RFC 6751 */
	V4(192, 168, 0, 0, 16),		/* private-use, RFC 1918 */
	V4(198, 18, 0, 0, 15),		/* benchmarking, RFC 2544 */
	V4(198, 51, 100, 0, 24),	/* documentation TEST-NET-2, RFC 5737 */
	V4(203, 0, 113, 0, 24),		/* documentation TEST-NET-3, RFC 5737 */
	V4(240, 0, 0, 0, 4),		/* reserved, RFC 1112 */
	V4(255, 255, 255, 255, 32),	/* limited broadcast, RFC 919, 8190 */
	V4(224, 0, 0, 0, 4),		/* multicast, RFC 5771 (own registry) */
};

/*
 * The same for the IANA IPv6 Special-Purpose Address Registry, where
 * "Globally Reachable" is False, N/A or blank, then multicast and the
 * deprecated site-local block from the IPv6 address space registry.
 *
 * Globally reachable, refused with 2001::/23 around them:
 *   2001:1::1/128 (PCP anycast, RFC 7723), 2001:1::2/128 (TURN anycast,
 *   RFC 8155), 2001:1::3/128 (DNS-SD SRP anycast, RFC 9665),
 *   2001:3::/32 (AMT, RFC 7450), 2001:4:112::/48 (AS112-v6, RFC 7535),
 *   2001:20::/28 (ORCHIDv2, RFC 7343), 2001:30::/28 (drone DETs, RFC 9374).
 * Globally reachable, not refused: 64:ff9b::/96 (IPv4-IPv6 translation,
 *   RFC 6052; judged by its IPv4 address, see embeddings) and
 *   2620:4f:8000::/48 (direct delegation AS112 service, RFC 7534).
 * ::ffff:0:0/96 (IPv4-mapped, RFC 4291) is not globally reachable as an
 *   IPv6 destination; a socket connects it to its IPv4 address, so it is
 *   judged as that address (embeddings).
 */
static const struct cidr nonpublic_v6[] = {
	V6(0, 0, 0, 0, 128),		/* unspecified ::, RFC 4291 */
	{ AF_INET6, { [15] = 1 }, 128 },	/* loopback ::1, RFC 4291 */
	V6(0x64, 0xff9b, 0x1, 0, 48),	/* local-use IPv4-IPv6 translation,
					 * RFC 8215; where the IPv4 address
					 * sits depends on a prefix length
					 * only the operator knows */
	V6(0x100, 0, 0, 0, 64),		/* discard-only, RFC 6666 */
	V6(0x100, 0, 0, 0x1, 64),	/* dummy IPv6 prefix, RFC 9780 */
	V6(0x2001, 0, 0, 0, 23),	/* IETF protocol assignment, RFC 2928 */
	V6(0x2001, 0, 0, 0, 32),	/* Teredo, RFC 4380, RFC 8190 */
	V6(0x2001, 0x2, 0, 0, 48),	/* benchmarking, RFC 5180 */
	V6(0x2001, 0x10, 0, 0, 28),	/* deprecated ORCHID, RFC 4843 */
	V6(0x2001, 0xdb8, 0, 0, 32),	/* documentation, RFC 3849 */
	V6(0x2002, 0, 0, 0, 16),	/* 6to4, RFC 3056 */
	V6(0x3fff, 0, 0, 0, 20),	/* documentation, RFC 9637 */
	V6(0x5f00, 0, 0, 0, 16),	/* SRv6 segment IDs, RFC 9602 */
	V6(0xfc00, 0, 0, 0, 7),		/* unique-local, RFC 4193, RFC 8190 */
	V6(0xfe80, 0, 0, 0, 10),	/* link-local unicast, RFC 4291 */
	V6(0xfec0, 0, 0, 0, 10),	/* site-local (deprecated), RFC 3879 */
	V6(0xff00, 0, 0, 0, 8),		/* multicast, RFC 4291 (own registry) */
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * IPv6 forms carrying an IPv4 address: which leading bits identify the
 * form, where the IPv4 address sits, and whether it is stored inverted.
 * Each is also judged as that IPv4 address, so an allowed IPv6 block
 * never lets a refused IPv4 address through.
 */
struct embedding {
	struct cidr	prefix;
	size_t		v4off;
	bool		inverted;
};

static const struct embedding embeddings[] = {
	/* IPv4-mapped ::ffff:0:0/96, RFC 4291 */
	{ { AF_INET6, { [10] = 0xff, [11] = 0xff }, 96 }, 12, false },
	/* IPv4-compatible ::/96 (deprecated), RFC 4291 */
	{ V6(0, 0, 0, 0, 96), 12, false },
	/* IPv4-translated ::ffff:0:0:0/96, RFC 2765 */
	{ { AF_INET6, { [8] = 0xff, [9] = 0xff }, 96 }, 12, false },
	/* IPv4-IPv6 translation 64:ff9b::/96, RFC 6052 */
	{ V6(0x64, 0xff9b, 0, 0, 96), 12, false },
	/* 6to4 2002::/16, RFC 3056: the IPv4 address in bits 16..47 */
	{ V6(0x2002, 0, 0, 0, 16), 2, false },
	/* Teredo 2001::/32, RFC 4380: the server in bits 32..63 ... */
	{ V6(0x2001, 0, 0, 0, 32), 4, false },
	/* ... and the client, inverted, in bits 96..127 */
	{ V6(0x2001, 0, 0, 0, 32), 12, true },
};

static int
family_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return -1;
}

/* Do the first `bits` bits of a and b agree? */
static bool
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Are all bits from `bits` on zero? */
static bool
host_bits_zero(const unsigned char *a, unsigned bits, unsigned total)
{
	unsigned i;

	for (i = bits; i < total; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* "0".."128": decimal, no sign, no leading zero. */
static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	uint64_t n;

	if ((s[0] == '0' && s[1] != '\0') ||
	    parse_decimal(s, strlen(s), max, &n) == -1)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/*
 * A numeric address: IPv6 if it holds a ':', else dotted-quad IPv4, as
 * inet_pton reads them.  No allocation: this runs for every transfer.
 */
static int
parse_ip(const char *s, int *family, unsigned char *addr)
{
	*family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	return inet_pton(*family, s, addr) == 1 ? 0 : -1;
}

int
cidr_parse(const char *s, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN];
	struct cidr c;
	const char *slash;
	size_t len;
	int bits;

	if (s == NULL)
		return -1;
	memset(&c, 0, sizeof(c));
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (parse_ip(buf, &c.family, c.addr) == -1)
		return -1;
	bits = family_bits(c.family);
	if (slash == NULL)
		c.prefix = (unsigned)bits;
	else if (parse_prefix(slash + 1, (unsigned)bits, &c.prefix) == -1)
		return -1;
	if (!host_bits_zero(c.addr, c.prefix, (unsigned)bits))
		return -1;
	*out = c;
	return 0;
}

int
cidr_list_add(struct cidr_list *l, const char *s)
{
	struct cidr c, *v;

	if (cidr_parse(s, &c) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (l->n >= SIZE_MAX / sizeof(*v) - 1) {
		errno = ENOMEM;
		return -1;
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	v[l->n++] = c;
	l->v = v;
	return 0;
}

void
cidr_list_free(struct cidr_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
cidr_contains(const struct cidr *c, int family, const unsigned char *addr)
{
	int bits = family_bits(family);

	if (c->family != family || bits < 0 || c->prefix > (unsigned)bits)
		return 0;
	return prefix_equal(c->addr, addr, c->prefix);
}

static bool
list_contains(const struct cidr *v, size_t n, int family,
    const unsigned char *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidr_contains(&v[i], family, addr))
			return true;
	return false;
}

static bool
user_list_contains(const struct cidr_list *l, int family,
    const unsigned char *addr)
{
	return l != NULL && list_contains(l->v, l->n, family, addr);
}

/*
 * IANA's IPv6 Address Space registry: of all the space only 2000::/3 is
 * global unicast; the rest is reserved by the IETF (fc00::/7, fe80::/10
 * and ff00::/8 are in nonpublic_v6 anyway) and routed nowhere on the
 * Internet.  Refused too, but for the forms that carry an IPv4 address
 * (mapped, compatible, translated, 64:ff9b::/96), which are judged as
 * that address.
 */
static bool
unallocated_v6(const unsigned char *a)
{
	static const struct cidr global_unicast = V6(0x2000, 0, 0, 0, 3);
	size_t i;

	if (cidr_contains(&global_unicast, AF_INET6, a))
		return false;
	for (i = 0; i < NELEM(embeddings); i++)
		if (cidr_contains(&embeddings[i].prefix, AF_INET6, a))
			return false;
	return true;
}

/* The policy for one address, ignoring any IPv4 embedded in it. */
static enum addr_verdict
judge(int family, const unsigned char *addr, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	enum addr_verdict v = ADDR_OK;

	if (user_list_contains(deny, family, addr))
		return ADDR_DENYLIST;
	if (family == AF_INET) {
		if (list_contains(nonpublic_v4, NELEM(nonpublic_v4), family,
		    addr))
			v = ADDR_NONPUBLIC;
	} else if (list_contains(nonpublic_v6, NELEM(nonpublic_v6), family,
	    addr))
		v = ADDR_NONPUBLIC;
	else if (unallocated_v6(addr))
		v = ADDR_UNALLOCATED;
	if (v != ADDR_OK && user_list_contains(allow, family, addr))
		return ADDR_OK;
	return v;
}

/* The more specific refusal wins: deny, then non-public. */
static enum addr_verdict
worse(enum addr_verdict a, enum addr_verdict b)
{
	if (a == ADDR_DENYLIST || b == ADDR_DENYLIST)
		return ADDR_DENYLIST;
	if (a == ADDR_NONPUBLIC || b == ADDR_NONPUBLIC)
		return ADDR_NONPUBLIC;
	if (a == ADDR_UNALLOCATED || b == ADDR_UNALLOCATED)
		return ADDR_UNALLOCATED;
	return ADDR_OK;
}

/* The policy for every IPv4 address embedded in a6; ADDR_OK if none. */
static enum addr_verdict
judge_embedded(const unsigned char *a6, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	static const unsigned char loopback[16] = { [15] = 1 };
	static const unsigned char unspec[16];
	enum addr_verdict v = ADDR_OK;
	unsigned char v4[4];
	size_t i, j;

	/* :: and ::1 are plain IPv6, refused by nonpublic_v6 */
	if (memcmp(a6, unspec, 16) == 0 || memcmp(a6, loopback, 16) == 0)
		return ADDR_OK;
	for (i = 0; i < NELEM(embeddings); i++) {
		if (!cidr_contains(&embeddings[i].prefix, AF_INET6, a6))
			continue;
		for (j = 0; j < 4; j++)
			v4[j] = embeddings[i].inverted ?
			    (unsigned char)~a6[embeddings[i].v4off + j] :
			    a6[embeddings[i].v4off + j];
		v = worse(v, judge(AF_INET, v4, allow, deny));
	}
	return v;
}

enum addr_verdict
addr_check_raw(int family, const unsigned char *addr,
    const struct cidr_list *allow, const struct cidr_list *deny)
{
	enum addr_verdict v;

	if (addr == NULL || family_bits(family) < 0)
		return ADDR_BADFAMILY;
	v = judge(family, addr, allow, deny);
	if (family == AF_INET6)
		v = worse(v, judge_embedded(addr, allow, deny));
	return v;
}

enum addr_verdict
addr_check(const struct sockaddr *sa, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	const unsigned char *p = (const unsigned char *)sa;

	if (sa == NULL)
		return ADDR_BADFAMILY;
	if (sa->sa_family == AF_INET)
		return addr_check_raw(AF_INET,
		    p + offsetof(struct sockaddr_in, sin_addr), allow, deny);
	if (sa->sa_family == AF_INET6)
		return addr_check_raw(AF_INET6,
		    p + offsetof(struct sockaddr_in6, sin6_addr), allow, deny);
	return ADDR_BADFAMILY;
}

enum addr_verdict
addr_check_str(const char *ip, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	unsigned char a[16];
	int family;

	if (ip == NULL || parse_ip(ip, &family, a) == -1)
		return ADDR_BADFAMILY;
	return addr_check_raw(family, a, allow, deny);
}

const char *
addr_verdict_str(enum addr_verdict v)
{
	switch (v) {
	case ADDR_OK:
		return "ok";
	case ADDR_NONPUBLIC:
		return "non-public address";
	case ADDR_UNALLOCATED:
		return "unallocated IPv6 address";
	case ADDR_DENYLIST:
		return "denied by [network] deny";
	case ADDR_BADFAMILY:
		return "unsupported address family";
	}
	return "unknown verdict";
}
