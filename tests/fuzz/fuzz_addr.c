/* SPDX-License-Identifier: ISC */
/*
 * fuzz_addr: the address policy.  Input: one flag byte (bit 0: IPv6;
 * bit 1: pass the allow list, bit 2: the deny list, else NULL), 16
 * address bytes (IPv4 uses the first 4), then lines of text: "+CIDR"
 * goes to the allow list, "-CIDR" to the deny list, anything else is
 * only parsed.  Invariants:
 *  - a parsed CIDR block has no host bits, contains its own address and
 *    prints and parses back to itself; cidr_list_add agrees with
 *    cidr_parse;
 *  - addr_check on a sockaddr built from the bytes equals addr_check_raw;
 *  - the verdict equals an independent reference: the address and any
 *    IPv4 address embedded in it are each denied by the deny list, or
 *    refused when non-public (IANA special-purpose registries) and not in
 *    the allow list; deny beats non-public beats ok.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "addr.h"
#include "fuzz.h"

struct ref_block {
	const char	*text;
	int		 family;
	unsigned char	 addr[16];
	unsigned	 prefix;
};

/*
 * Written out again from the IANA special-purpose registries (IPv4 and
 * IPv6): every entry whose "Globally Reachable" is False, N/A or blank,
 * then multicast and the deprecated IPv6 site-local block.  ::ffff:0:0/96
 * is left to ref_embed.
 */
static const char *const ref_nonpublic[] = {
	"0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "100.64.0.0/10",
	"127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
	"192.0.0.0/29", "192.0.0.8/32", "192.0.0.170/32", "192.0.0.171/32",
	"192.0.2.0/24", "192.88.99.0/24", "192.88.99.2/32", "192.168.0.0/16",
	"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
	"255.255.255.255/32", "224.0.0.0/4",
	"::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
	"2001::/23", "2001::/32", "2001:2::/48", "2001:10::/28",
	"2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7",
	"fe80::/10", "fec0::/10", "ff00::/8",
};

/*
 * IPv6 forms carrying an IPv4 address, where it sits, and whether it is
 * stored inverted (Teredo's client).  Not 64:ff9b:1::/48: its place there
 * depends on a prefix length only the operator knows.
 */
static const struct {
	const char	*prefix;
	size_t		 off;
	bool		 inverted;
} ref_embed[] = {
	{ "::ffff:0:0/96", 12, false }, { "::/96", 12, false },
	{ "::ffff:0:0:0/96", 12, false }, { "64:ff9b::/96", 12, false },
	{ "2002::/16", 2, false }, { "2001::/32", 4, false },
	{ "2001::/32", 12, true },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct ref_block nonpublic[NELEM(ref_nonpublic)];
static struct ref_block embed[NELEM(ref_embed)];

/* A reference parser: inet_pton and a plain prefix, no checks needed. */
static void
ref_parse(const char *text, struct ref_block *b)
{
	char buf[64];
	const char *slash = strchr(text, '/');

	memcpy(buf, text, (size_t)(slash - text));
	buf[slash - text] = '\0';
	b->text = text;
	b->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(b->family, buf, b->addr) != 1)
		abort();
	b->prefix = (unsigned)atoi(slash + 1);
}

static void
setup(void)
{
	static bool done;
	size_t i;

	if (done)
		return;
	done = true;
	for (i = 0; i < NELEM(ref_nonpublic); i++)
		ref_parse(ref_nonpublic[i], &nonpublic[i]);
	for (i = 0; i < NELEM(ref_embed); i++)
		ref_parse(ref_embed[i].prefix, &embed[i]);
}

/* Bit by bit, unlike addr.c's byte-and-mask comparison. */
static bool
ref_in(int family, const unsigned char *net, unsigned prefix, int afamily,
    const unsigned char *a)
{
	unsigned i;

	if (family != afamily)
		return false;
	for (i = 0; i < prefix; i++)
		if (((net[i / 8] >> (7 - i % 8)) & 1) !=
		    ((a[i / 8] >> (7 - i % 8)) & 1))
			return false;
	return true;
}

static bool
ref_in_list(const struct cidr_list *l, int family, const unsigned char *a)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (ref_in(l->v[i].family, l->v[i].addr, l->v[i].prefix,
		    family, a))
			return true;
	return false;
}

static enum addr_verdict
ref_judge_one(int family, const unsigned char *a, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	size_t i;

	if (ref_in_list(deny, family, a))
		return ADDR_DENYLIST;
	for (i = 0; i < NELEM(nonpublic); i++)
		if (ref_in(nonpublic[i].family, nonpublic[i].addr,
		    nonpublic[i].prefix, family, a))
			return ref_in_list(allow, family, a) ? ADDR_OK :
			    ADDR_NONPUBLIC;
	/* IPv6 outside 2000::/3 is reserved, but for the IPv4 carriers */
	if (family == AF_INET6 && (a[0] & 0xe0) != 0x20) {
		for (i = 0; i < NELEM(embed); i++)
			if (ref_in(AF_INET6, embed[i].addr, embed[i].prefix,
			    AF_INET6, a))
				return ADDR_OK;
		return ref_in_list(allow, family, a) ? ADDR_OK :
		    ADDR_UNALLOCATED;
	}
	return ADDR_OK;
}

static int
rank(enum addr_verdict v)
{
	return v == ADDR_DENYLIST ? 3 : v == ADDR_NONPUBLIC ? 2 :
	    v == ADDR_UNALLOCATED ? 1 : 0;
}

static enum addr_verdict
ref_judge(int family, const unsigned char *a, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	static const unsigned char loopback[16] = { [15] = 1 }, unspec[16];
	enum addr_verdict v = ref_judge_one(family, a, allow, deny), w;
	unsigned char v4[4];
	size_t i, j;

	/* :: and ::1 are plain IPv6 (addr.h), not IPv4-compatible forms */
	if (family != AF_INET6 || memcmp(a, loopback, 16) == 0 ||
	    memcmp(a, unspec, 16) == 0)
		return v;
	for (i = 0; i < NELEM(embed); i++) {
		if (!ref_in(AF_INET6, embed[i].addr, embed[i].prefix,
		    AF_INET6, a))
			continue;
		for (j = 0; j < 4; j++)
			v4[j] = a[ref_embed[i].off + j] ^
			    (ref_embed[i].inverted ? 0xff : 0);
		w = ref_judge_one(AF_INET, v4, allow, deny);
		if (rank(w) > rank(v))
			v = w;
	}
	return v;
}

static void
check_cidr(const char *text, struct cidr_list *l)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct cidr c, back;
	unsigned bits, i;
	size_t n0 = l != NULL ? l->n : 0;
	int rc = cidr_parse(text, &c);

	if (l != NULL) {
		FUZZ_CHECK((cidr_list_add(l, text) == 0) == (rc == 0),
		    "cidr_list_add agrees with cidr_parse");
		FUZZ_CHECK(l->n == n0 + (rc == 0), "one block added, or none");
	}
	if (rc != 0)
		return;
	FUZZ_CHECK(c.family == AF_INET || c.family == AF_INET6, "family");
	bits = c.family == AF_INET ? 32 : 128;
	FUZZ_CHECK(c.prefix <= bits, "prefix length");
	for (i = c.prefix; i < bits; i++)
		FUZZ_CHECK(((c.addr[i / 8] >> (7 - i % 8)) & 1) == 0,
		    "no host bits");
	if (c.family == AF_INET)
		for (i = 4; i < 16; i++)
			FUZZ_CHECK(c.addr[i] == 0, "IPv4 block uses 4 bytes");
	FUZZ_CHECK(cidr_contains(&c, c.family, c.addr) == 1,
	    "a block contains its own address");
	FUZZ_CHECK(cidr_contains(&c, c.family == AF_INET ? AF_INET6 : AF_INET,
	    c.addr) == 0, "a block never contains the other family");
	FUZZ_CHECK(inet_ntop(c.family, c.addr, buf, INET6_ADDRSTRLEN) != NULL,
	    "inet_ntop");
	snprintf(buf + strlen(buf), 8, "/%u", c.prefix);
	FUZZ_CHECK(cidr_parse(buf, &back) == 0, "a printed block parses");
	FUZZ_CHECK(back.family == c.family && back.prefix == c.prefix &&
	    memcmp(back.addr, c.addr, 16) == 0, "a printed block is the same");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_list allow = { 0 }, deny = { 0 };
	const struct cidr_list *pa, *pd;
	struct sockaddr_storage ss;
	unsigned char a[16] = { 0 };
	enum addr_verdict v;
	char *text, *line, *next;
	uint8_t flags;
	int family;

	setup();
	if (size < 1)
		return 0;
	flags = data[0];
	memcpy(a, data + 1, size - 1 < 16 ? size - 1 : 16);
	text = fuzz_strndup(data + (size < 17 ? size : 17),
	    size < 17 ? 0 : size - 17);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '+')
			check_cidr(line + 1, &allow);
		else if (line[0] == '-')
			check_cidr(line + 1, &deny);
		else
			check_cidr(line, NULL);
	}
	family = flags & 1 ? AF_INET6 : AF_INET;
	pa = flags & 2 ? &allow : NULL;
	pd = flags & 4 ? &deny : NULL;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
	}
	v = addr_check((struct sockaddr *)&ss, pa, pd);
	FUZZ_CHECK(v == addr_check_raw(family, a, pa, pd),
	    "addr_check equals addr_check_raw");
	FUZZ_CHECK(v == ref_judge(family, a, pa, pd),
	    "verdict equals the reference");
	FUZZ_CHECK(addr_verdict_str(v) != NULL, "verdict has a name");
	/* no list can make an address worse than denied, or refuse it */
	if (v == ADDR_OK)
		FUZZ_CHECK(addr_check((struct sockaddr *)&ss, &allow, NULL) ==
		    ADDR_OK, "an allow list never refuses");
	((struct sockaddr *)&ss)->sa_family = AF_UNIX;
	FUZZ_CHECK(addr_check((struct sockaddr *)&ss, pa, pd) == ADDR_BADFAMILY,
	    "other families are refused");
	cidr_list_free(&allow);
	cidr_list_free(&deny);
	free(text);
	return 0;
}
