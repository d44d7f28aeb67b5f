/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for addr.c: CIDR parsing and the address policy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "addr.h"

struct want {
	const char		*addr;
	enum addr_verdict	 verdict;
};

/* Judge a textual address with addr_check_raw. */
static enum addr_verdict
check(const char *s, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	unsigned char a[16];
	int family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(family, s, a) != 1)
		fail_msg("test address \"%s\" does not parse", s);
	return addr_check_raw(family, a, allow, deny);
}

static void
check_all(const struct want *w, size_t n, const struct cidr_list *allow,
    const struct cidr_list *deny)
{
	enum addr_verdict got;
	size_t i;

	for (i = 0; i < n; i++) {
		got = check(w[i].addr, allow, deny);
		if (got != w[i].verdict)
			fail_msg("%s: got \"%s\", want \"%s\"", w[i].addr,
			    addr_verdict_str(got),
			    addr_verdict_str(w[i].verdict));
	}
}

static void
list_add(struct cidr_list *l, const char *s)
{
	if (cidr_list_add(l, s) != 0)
		fail_msg("cidr_list_add(\"%s\") failed", s);
}

static void
test_parse_ok(void **state)
{
	static const struct {
		const char	*s;
		int		 family;
		unsigned	 prefix;
	} ok[] = {
		{ "10.0.0.0/8", AF_INET, 8 },
		{ "10.0.0.1", AF_INET, 32 },
		{ "10.0.0.1/32", AF_INET, 32 },
		{ "0.0.0.0/0", AF_INET, 0 },
		{ "255.255.255.255", AF_INET, 32 },
		{ "192.168.1.0/24", AF_INET, 24 },
		{ "::", AF_INET6, 128 },
		{ "::/0", AF_INET6, 0 },
		{ "::1", AF_INET6, 128 },
		{ "fd00::/8", AF_INET6, 8 },
		{ "2001:DB8::/32", AF_INET6, 32 },
		{ "fe80::1/128", AF_INET6, 128 },
		{ "::ffff:10.0.0.0/104", AF_INET6, 104 },
	};
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (cidr_parse(ok[i].s, &c) != 0)
			fail_msg("\"%s\" rejected", ok[i].s);
		assert_int_equal(c.family, ok[i].family);
		assert_int_equal(c.prefix, ok[i].prefix);
	}

	assert_int_equal(cidr_parse("192.168.1.0/24", &c), 0);
	assert_memory_equal(c.addr, "\xc0\xa8\x01\x00", 4);
	assert_int_equal(cidr_parse("2001:db8::/32", &c), 0);
	assert_memory_equal(c.addr,
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"/",
		"/8",
		"10.0.0.1/8",		/* host bits set */
		"10.0.0.0/",
		"1.2.3.4/33",
		"1.2.3.4/-1",
		"1.2.3.4/+8",
		"1.2.3.4/08",
		"1.2.3.4/8/8",
		"1.2.3.4/8 ",
		"1.2.3.4/ 8",
		"1.2.3.4/1000",
		"::/129",
		"fe80::1/10",		/* host bits set */
		" 10.0.0.0/8",
		"10.0.0.0/8 ",
		"10.0.0.0 /8",
		"0x7f.1",
		"0x7f.0.0.1",
		"127.1",
		"127.0.1",
		"2130706433",
		"127.0.0.1.",
		"127.0.0.01",
		"0177.0.0.1",
		"256.0.0.0",
		"1.2.3",
		"fe80::1%eth0",
		"fe80::1%1",
		"[::1]",
		"[::1]/128",
		"::1::",
		"1:2:3:4:5:6:7:8:9",
		"localhost",
		"10.0.0.0/8,",
	};
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_parse(bad[i], &c) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(cidr_parse(NULL, &c), -1);
}

static void
test_contains(void **state)
{
	struct cidr c;
	unsigned char a4[4] = { 10, 1, 2, 3 }, b4[4] = { 11, 0, 0, 0 };
	unsigned char a6[16] = { 0x0a, 1, 2, 3 };

	(void)state;
	assert_int_equal(cidr_parse("10.0.0.0/8", &c), 0);
	assert_true(cidr_contains(&c, AF_INET, a4));
	assert_false(cidr_contains(&c, AF_INET, b4));
	assert_false(cidr_contains(&c, AF_INET6, a6));
	assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(cidr_contains(&c, AF_INET, b4));
	assert_int_equal(cidr_parse("10.1.2.3", &c), 0);
	assert_true(cidr_contains(&c, AF_INET, a4));
	assert_int_equal(cidr_parse("10.1.2.2", &c), 0);
	assert_false(cidr_contains(&c, AF_INET, a4));
}

static void
test_list(void **state)
{
	struct cidr_list l = { NULL, 0 };

	(void)state;
	cidr_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	assert_int_equal(cidr_list_add(&l, "10.0.0.0/8"), 0);
	assert_int_equal(cidr_list_add(&l, "bogus"), -1);
	assert_int_equal(cidr_list_add(&l, "fd00::/8"), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].family, AF_INET6);
	cidr_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	cidr_list_free(&l);
}

/*
 * One block per entry of the IANA IPv4 Special-Purpose Address Registry
 * (SECURITY.md names the version), plus multicast: its first and last
 * address and the neighbours just outside.
 */
static void
test_ranges_v4(void **state)
{
	static const struct want w[] = {
		/* 0.0.0.0/8 "this network", RFC 791 */
		{ "0.0.0.0", ADDR_NONPUBLIC },
		{ "0.255.255.255", ADDR_NONPUBLIC },
		{ "1.0.0.0", ADDR_OK },
		/* 0.0.0.0/32 "this host on this network", RFC 1122 */
		{ "0.0.0.0", ADDR_NONPUBLIC },
		{ "0.0.0.1", ADDR_NONPUBLIC },	/* 0.0.0.0/8 */
		/* 10.0.0.0/8 private-use, RFC 1918 */
		{ "9.255.255.255", ADDR_OK },
		{ "10.0.0.0", ADDR_NONPUBLIC },
		{ "10.255.255.255", ADDR_NONPUBLIC },
		{ "11.0.0.0", ADDR_OK },
		/* 100.64.0.0/10 shared address space, RFC 6598 */
		{ "100.63.255.255", ADDR_OK },
		{ "100.64.0.0", ADDR_NONPUBLIC },
		{ "100.127.255.255", ADDR_NONPUBLIC },
		{ "100.128.0.0", ADDR_OK },
		/* 127.0.0.0/8 loopback, RFC 1122 */
		{ "126.255.255.255", ADDR_OK },
		{ "127.0.0.0", ADDR_NONPUBLIC },
		{ "127.0.0.1", ADDR_NONPUBLIC },
		{ "127.255.255.255", ADDR_NONPUBLIC },
		{ "128.0.0.0", ADDR_OK },
		/* 169.254.0.0/16 link local, RFC 3927 */
		{ "169.253.255.255", ADDR_OK },
		{ "169.254.0.0", ADDR_NONPUBLIC },
		{ "169.254.169.254", ADDR_NONPUBLIC },
		{ "169.254.255.255", ADDR_NONPUBLIC },
		{ "169.255.0.0", ADDR_OK },
		/* 172.16.0.0/12 private-use, RFC 1918 */
		{ "172.15.255.255", ADDR_OK },
		{ "172.16.0.0", ADDR_NONPUBLIC },
		{ "172.31.255.255", ADDR_NONPUBLIC },
		{ "172.32.0.0", ADDR_OK },
		/* 192.0.0.0/24 IETF protocol assignments, RFC 6890 */
		{ "191.255.255.255", ADDR_OK },
		{ "192.0.0.0", ADDR_NONPUBLIC },
		{ "192.0.0.255", ADDR_NONPUBLIC },
		{ "192.0.1.0", ADDR_OK },
		/* 192.0.0.0/29 IPv4 service continuity prefix, RFC 7335 */
		{ "192.0.0.0", ADDR_NONPUBLIC },
		{ "192.0.0.7", ADDR_NONPUBLIC },
		{ "192.0.0.8", ADDR_NONPUBLIC },	/* 192.0.0.0/24 */
		/* 192.0.0.8/32 IPv4 dummy address, RFC 7600 */
		{ "192.0.0.8", ADDR_NONPUBLIC },
		/* 192.0.0.9/32 PCP anycast, RFC 7723: globally reachable,
		 * refused with 192.0.0.0/24 */
		{ "192.0.0.9", ADDR_NONPUBLIC },
		/* 192.0.0.10/32 TURN anycast, RFC 8155: likewise */
		{ "192.0.0.10", ADDR_NONPUBLIC },
		{ "192.0.0.11", ADDR_NONPUBLIC },	/* 192.0.0.0/24 */
		/* 192.0.0.170/32, 192.0.0.171/32 NAT64/DNS64 discovery,
		 * RFC 8880 */
		{ "192.0.0.169", ADDR_NONPUBLIC },	/* 192.0.0.0/24 */
		{ "192.0.0.170", ADDR_NONPUBLIC },
		{ "192.0.0.171", ADDR_NONPUBLIC },
		{ "192.0.0.172", ADDR_NONPUBLIC },	/* 192.0.0.0/24 */
		/* 192.0.2.0/24 documentation TEST-NET-1, RFC 5737 */
		{ "192.0.1.255", ADDR_OK },
		{ "192.0.2.0", ADDR_NONPUBLIC },
		{ "192.0.2.255", ADDR_NONPUBLIC },
		{ "192.0.3.0", ADDR_OK },
		/* 192.31.196.0/24 AS112-v4, RFC 7535: globally reachable */
		{ "192.31.196.0", ADDR_OK },
		{ "192.31.196.255", ADDR_OK },
		/* 192.52.193.0/24 AMT, RFC 7450: globally reachable */
		{ "192.52.193.0", ADDR_OK },
		{ "192.52.193.255", ADDR_OK },
		/* 192.88.99.0/24 deprecated 6to4 relay anycast, RFC 7526 */
		{ "192.88.98.255", ADDR_OK },
		{ "192.88.99.0", ADDR_NONPUBLIC },
		{ "192.88.99.255", ADDR_NONPUBLIC },
		{ "192.88.100.0", ADDR_OK },
		/* 192.88.99.2/32 6a44-relay anycast, RFC 6751 */
		{ "192.88.99.2", ADDR_NONPUBLIC },
		/* 192.168.0.0/16 private-use, RFC 1918 */
		{ "192.167.255.255", ADDR_OK },
		{ "192.168.0.0", ADDR_NONPUBLIC },
		{ "192.168.255.255", ADDR_NONPUBLIC },
		{ "192.169.0.0", ADDR_OK },
		/* 192.175.48.0/24 direct delegation AS112, RFC 7534:
		 * globally reachable */
		{ "192.175.48.0", ADDR_OK },
		{ "192.175.48.255", ADDR_OK },
		/* 198.18.0.0/15 benchmarking, RFC 2544 */
		{ "198.17.255.255", ADDR_OK },
		{ "198.18.0.0", ADDR_NONPUBLIC },
		{ "198.19.255.255", ADDR_NONPUBLIC },
		{ "198.20.0.0", ADDR_OK },
		/* 198.51.100.0/24 documentation TEST-NET-2, RFC 5737 */
		{ "198.51.99.255", ADDR_OK },
		{ "198.51.100.0", ADDR_NONPUBLIC },
		{ "198.51.100.255", ADDR_NONPUBLIC },
		{ "198.51.101.0", ADDR_OK },
		/* 203.0.113.0/24 documentation TEST-NET-3, RFC 5737 */
		{ "203.0.112.255", ADDR_OK },
		{ "203.0.113.0", ADDR_NONPUBLIC },
		{ "203.0.113.255", ADDR_NONPUBLIC },
		{ "203.0.114.0", ADDR_OK },
		/* 224.0.0.0/4 multicast, RFC 5771 */
		{ "223.255.255.255", ADDR_OK },
		{ "224.0.0.0", ADDR_NONPUBLIC },
		{ "239.255.255.255", ADDR_NONPUBLIC },
		/* 240.0.0.0/4 reserved, RFC 1112 */
		{ "240.0.0.0", ADDR_NONPUBLIC },
		{ "255.255.255.255", ADDR_NONPUBLIC },
		/* 255.255.255.255/32 limited broadcast, RFC 919 */
		{ "255.255.255.254", ADDR_NONPUBLIC },	/* 240.0.0.0/4 */
		{ "255.255.255.255", ADDR_NONPUBLIC },
	};

	(void)state;
	check_all(w, sizeof(w) / sizeof(w[0]), NULL, NULL);
}

/* The same for the IANA IPv6 Special-Purpose Address Registry. */
static void
test_ranges_v6(void **state)
{
	static const struct want w[] = {
		/* ::/128 unspecified and ::1/128 loopback, RFC 4291 */
		{ "::", ADDR_NONPUBLIC },
		{ "::1", ADDR_NONPUBLIC },
		{ "::2", ADDR_NONPUBLIC },	/* compatible 0.0.0.2 */
		{ "::1:0:0", ADDR_UNALLOCATED },		/* no embedded form */
		/* ::ffff:0:0/96 IPv4-mapped, RFC 4291: judged as IPv4 */
		{ "::fffe:ffff:ffff", ADDR_UNALLOCATED },
		{ "::ffff:0.0.0.0", ADDR_NONPUBLIC },
		{ "::ffff:8.8.8.8", ADDR_OK },
		{ "::ffff:255.255.255.255", ADDR_NONPUBLIC },
		{ "::1:0:0:0", ADDR_UNALLOCATED },
		/* 64:ff9b::/96 IPv4-IPv6 translation, RFC 6052: globally
		 * reachable, judged as IPv4 */
		{ "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "64:ff9b::", ADDR_NONPUBLIC },
		{ "64:ff9b::8.8.8.8", ADDR_OK },
		{ "64:ff9b::ffff:ffff", ADDR_NONPUBLIC },
		{ "64:ff9b::1:0:0", ADDR_UNALLOCATED },
		/* 64:ff9b:1::/48 local-use IPv4-IPv6 translation, RFC 8215:
		 * all of it, whatever IPv4 address it seems to carry */
		{ "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "64:ff9b:1::", ADDR_NONPUBLIC },
		{ "64:ff9b:1::808:808", ADDR_NONPUBLIC },
		{ "64:ff9b:1:808:8:800::", ADDR_NONPUBLIC },
		{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "64:ff9b:2::", ADDR_UNALLOCATED },
		/* 100::/64 discard-only, RFC 6666 */
		{ "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "100::", ADDR_NONPUBLIC },
		{ "100::ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* 100:0:0:1::/64 dummy IPv6 prefix, RFC 9780 */
		{ "100:0:0:1::", ADDR_NONPUBLIC },
		{ "100::1:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "100:0:0:2::", ADDR_UNALLOCATED },
		/*
		 * IANA IPv6 Address Space: only 2000::/3 is global unicast,
		 * the rest (but the IPv4 forms) is reserved by the IETF
		 */
		{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "2000::", ADDR_OK },
		{ "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		{ "4000::", ADDR_UNALLOCATED },
		{ "8000::1", ADDR_UNALLOCATED },
		{ "e000::1", ADDR_UNALLOCATED },
		{ "fbff::1", ADDR_UNALLOCATED },
		{ "0:0:0:1::1", ADDR_UNALLOCATED },
		/* 2001::/23 IETF protocol assignments, RFC 2928 */
		{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		{ "2001::", ADDR_NONPUBLIC },
		{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:200::", ADDR_OK },
		/* 2001::/32 Teredo, RFC 4380 */
		{ "2001::", ADDR_NONPUBLIC },
		{ "2001:0:808:808::f7f7:f7f7", ADDR_NONPUBLIC },
		{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:1::", ADDR_NONPUBLIC },		/* 2001::/23 */
		/* 2001:1::1/128 PCP, 2001:1::2/128 TURN, 2001:1::3/128
		 * DNS-SD SRP anycast (RFC 7723, 8155, 9665): globally
		 * reachable, refused with 2001::/23 */
		{ "2001:1::1", ADDR_NONPUBLIC },
		{ "2001:1::2", ADDR_NONPUBLIC },
		{ "2001:1::3", ADDR_NONPUBLIC },
		/* 2001:2::/48 benchmarking, RFC 5180 */
		{ "2001:2::", ADDR_NONPUBLIC },
		{ "2001:2:0:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:2:1::", ADDR_NONPUBLIC },	/* 2001::/23 */
		/* 2001:3::/32 AMT (RFC 7450), 2001:4:112::/48 AS112-v6
		 * (RFC 7535): globally reachable, refused with 2001::/23 */
		{ "2001:3::", ADDR_NONPUBLIC },
		{ "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:4:112::", ADDR_NONPUBLIC },
		{ "2001:4:112:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* 2001:10::/28 deprecated ORCHID, RFC 4843 */
		{ "2001:10::", ADDR_NONPUBLIC },
		{ "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* 2001:20::/28 ORCHIDv2 (RFC 7343), 2001:30::/28 drone DETs
		 * (RFC 9374): globally reachable, refused with 2001::/23 */
		{ "2001:20::", ADDR_NONPUBLIC },
		{ "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:30::", ADDR_NONPUBLIC },
		{ "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* 2001:db8::/32 documentation, RFC 3849 */
		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		{ "2001:db8::", ADDR_NONPUBLIC },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2001:db9::", ADDR_OK },
		/* 2002::/16 6to4, RFC 3056: globally reachable "N/A" */
		{ "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		{ "2002::", ADDR_NONPUBLIC },
		{ "2002:808:808::1", ADDR_NONPUBLIC },
		{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2003::", ADDR_OK },
		/* 2620:4f:8000::/48 direct delegation AS112, RFC 7534:
		 * globally reachable */
		{ "2620:4f:8000::", ADDR_OK },
		{ "2620:4f:8000:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		/* 3fff::/20 documentation (RFC 9637): found by fuzz_addr */
		{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_OK },
		{ "3fff::", ADDR_NONPUBLIC },
		{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "3fff:1000::", ADDR_OK },
		/* 5f00::/16 SRv6 SIDs (RFC 9602): found by fuzz_addr */
		{ "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "5f00::", ADDR_NONPUBLIC },
		{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "5f01::", ADDR_UNALLOCATED },
		/* fc00::/7 unique-local, RFC 4193 */
		{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "fc00::", ADDR_NONPUBLIC },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "fe00::", ADDR_UNALLOCATED },
		/* fe80::/10 link-local, RFC 4291 */
		{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_UNALLOCATED },
		{ "fe80::", ADDR_NONPUBLIC },
		{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* fec0::/10 site-local (deprecated), RFC 3879 */
		{ "fec0::", ADDR_NONPUBLIC },
		{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		/* ff00::/8 multicast, RFC 4291 */
		{ "ff00::", ADDR_NONPUBLIC },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
	};

	(void)state;
	check_all(w, sizeof(w) / sizeof(w[0]), NULL, NULL);
}

static void
test_public(void **state)
{
	static const struct want w[] = {
		{ "8.8.8.8", ADDR_OK },
		{ "1.1.1.1", ADDR_OK },
		{ "2606:4700::1111", ADDR_OK },
		{ "2a00:1450:4001::1", ADDR_OK },
	};

	(void)state;
	check_all(w, sizeof(w) / sizeof(w[0]), NULL, NULL);
}

static void
test_embedded_v4(void **state)
{
	static const struct want w[] = {
		/* IPv4-mapped */
		{ "::ffff:127.0.0.1", ADDR_NONPUBLIC },
		{ "::ffff:169.254.169.254", ADDR_NONPUBLIC },
		{ "::ffff:10.0.0.1", ADDR_NONPUBLIC },
		{ "::ffff:0.0.0.0", ADDR_NONPUBLIC },
		{ "::ffff:8.8.8.8", ADDR_OK },
		/* IPv4-compatible */
		{ "::127.0.0.1", ADDR_NONPUBLIC },
		{ "::169.254.169.254", ADDR_NONPUBLIC },
		{ "::8.8.8.8", ADDR_OK },
		/* IPv4-translated */
		{ "::ffff:0:127.0.0.1", ADDR_NONPUBLIC },
		{ "::ffff:0:8.8.8.8", ADDR_OK },
		/* NAT64 */
		{ "64:ff9b::10.0.0.1", ADDR_NONPUBLIC },
		{ "64:ff9b::169.254.169.254", ADDR_NONPUBLIC },
		{ "64:ff9b::8.8.8.8", ADDR_OK },
		/* local-use NAT64: refused whole (test_ranges_v6) */
		{ "64:ff9b:1::7f00:1", ADDR_NONPUBLIC },
		{ "64:ff9b:1:ffff:ffff:ffff:7f00:1", ADDR_NONPUBLIC },
		{ "64:ff9b:1::808:808", ADDR_NONPUBLIC },
		/* 6to4: refused whole (test_ranges_v6); test_allow_v6 judges
		 * the embedded address */
		{ "2002:0a00:0001::1", ADDR_NONPUBLIC },
		{ "2002:a9fe:a9fe::", ADDR_NONPUBLIC },
		{ "2002:7f00:1:ffff:ffff:ffff:ffff:ffff", ADDR_NONPUBLIC },
		{ "2002:0808:0808::1", ADDR_NONPUBLIC },
		/* not an embedding: 64:ff9b::/96 neighbour */
		{ "64:ff9b:0:0:0:1:7f00:1", ADDR_UNALLOCATED },
	};

	(void)state;
	check_all(w, sizeof(w) / sizeof(w[0]), NULL, NULL);
}

static void
test_allow(void **state)
{
	static const struct want w[] = {
		{ "127.0.0.1", ADDR_OK },
		{ "127.255.255.255", ADDR_OK },
		{ "::ffff:127.0.0.1", ADDR_OK },
		{ "64:ff9b::127.0.0.1", ADDR_OK },
		{ "2002:7f00:1::", ADDR_NONPUBLIC },	/* 6to4 itself */
		{ "10.0.0.1", ADDR_NONPUBLIC },
		{ "::ffff:10.0.0.1", ADDR_NONPUBLIC },
		{ "::1", ADDR_NONPUBLIC },
		{ "fd00::1", ADDR_OK },
		{ "fd01::1", ADDR_NONPUBLIC },
		{ "8.8.8.8", ADDR_OK },
	};
	struct cidr_list allow = { NULL, 0 };

	(void)state;
	list_add(&allow, "127.0.0.0/8");
	list_add(&allow, "fd00::/16");
	check_all(w, sizeof(w) / sizeof(w[0]), &allow, NULL);
	cidr_list_free(&allow);
}

/* Allowing the v6 form does not exempt the embedded v4 judgement. */
static void
test_allow_v6_form_only(void **state)
{
	static const struct want w[] = {
		{ "::ffff:127.0.0.1", ADDR_NONPUBLIC },
		{ "fe80::1", ADDR_OK },
	};
	struct cidr_list allow = { NULL, 0 };

	(void)state;
	list_add(&allow, "::ffff:127.0.0.0/104");
	list_add(&allow, "fe80::/10");
	check_all(w, sizeof(w) / sizeof(w[0]), &allow, NULL);
	cidr_list_free(&allow);
}

/*
 * [network] allow re-allows a refused IPv6 block; an IPv4 address embedded
 * in it is still judged, except in 64:ff9b:1::/48, where its place is not
 * known; deny wins over allow.
 */
static void
test_allow_v6(void **state)
{
	static const struct want w[] = {
		/* local-use NAT64 */
		{ "64:ff9b:1::808:808", ADDR_OK },
		{ "64:ff9b:1::7f00:1", ADDR_OK },
		{ "64:ff9b:1:dead::808:808", ADDR_DENYLIST },
		{ "64:ff9b:1:dead:ffff:ffff:ffff:ffff", ADDR_DENYLIST },
		{ "64:ff9b:1:deae::", ADDR_OK },
		/* dummy prefix; the discard-only block next to it stays */
		{ "100:0:0:1::1", ADDR_OK },
		{ "100::1", ADDR_NONPUBLIC },
		/* 6to4 */
		{ "2002:808:808::1", ADDR_OK },
		{ "2002:7f00:1::", ADDR_NONPUBLIC },
		{ "2002:a9fe:a9fe::", ADDR_NONPUBLIC },
		{ "2002:808:404::", ADDR_DENYLIST },
		/* Teredo: the server, then the client inverted (~8.8.8.8) */
		{ "2001:0:808:808::f7f7:f7f7", ADDR_OK },
		{ "2001:0:7f00:1::f7f7:f7f7", ADDR_NONPUBLIC },
		{ "2001:0:808:808::80ff:fffe", ADDR_NONPUBLIC },
		{ "2001:0:808:808::5601:5601", ADDR_NONPUBLIC },
		{ "2001:0:808:404::f7f7:f7f7", ADDR_DENYLIST },
		{ "2001:0:808:808::f7f7:fbfb", ADDR_DENYLIST },
		/* benchmarking re-allowed; the rest of 2001::/23 is not */
		{ "2001:2::", ADDR_OK },
		{ "2001:1::1", ADDR_NONPUBLIC },
		/* an anycast address refused with 192.0.0.0/24 */
		{ "192.0.0.9", ADDR_OK },
		{ "192.0.0.8", ADDR_NONPUBLIC },
		/* unallocated space re-allowed, but for what deny names */
		{ "4000::1", ADDR_OK },
		{ "4000:dead::1", ADDR_DENYLIST },
		{ "6000::1", ADDR_UNALLOCATED },
	};
	struct cidr_list allow = { NULL, 0 }, deny = { NULL, 0 };

	(void)state;
	list_add(&allow, "64:ff9b:1::/48");
	list_add(&allow, "100:0:0:1::/64");
	list_add(&allow, "2002::/16");
	list_add(&allow, "2001::/32");
	list_add(&allow, "2001:2::/48");
	list_add(&allow, "192.0.0.9");
	list_add(&allow, "4000::/3");
	list_add(&deny, "64:ff9b:1:dead::/64");
	list_add(&deny, "4000:dead::/32");
	list_add(&deny, "8.8.4.0/24");
	check_all(w, sizeof(w) / sizeof(w[0]), &allow, &deny);
	cidr_list_free(&allow);
	cidr_list_free(&deny);
}

static void
test_deny(void **state)
{
	static const struct want w[] = {
		{ "8.8.8.8", ADDR_DENYLIST },
		{ "8.8.8.0", ADDR_DENYLIST },
		{ "8.8.8.255", ADDR_DENYLIST },
		{ "8.8.9.0", ADDR_OK },
		{ "::ffff:8.8.8.8", ADDR_DENYLIST },
		{ "64:ff9b::8.8.8.8", ADDR_DENYLIST },
		{ "2002:0808:0808::1", ADDR_DENYLIST },
		{ "2606:4700::1111", ADDR_DENYLIST },
		{ "2606:4701::1", ADDR_OK },
		{ "10.0.0.1", ADDR_NONPUBLIC },
		{ "1.1.1.1", ADDR_OK },
	};
	struct cidr_list deny = { NULL, 0 };

	(void)state;
	list_add(&deny, "8.8.8.0/24");
	list_add(&deny, "2606:4700::/32");
	check_all(w, sizeof(w) / sizeof(w[0]), NULL, &deny);
	cidr_list_free(&deny);
}

static void
test_deny_wins(void **state)
{
	static const struct want w[] = {
		{ "8.8.8.8", ADDR_DENYLIST },
		{ "127.0.0.1", ADDR_DENYLIST },
		{ "127.0.0.2", ADDR_OK },
		{ "::ffff:127.0.0.1", ADDR_DENYLIST },
		{ "::ffff:127.0.0.2", ADDR_OK },
		{ "10.0.0.1", ADDR_NONPUBLIC },
	};
	struct cidr_list allow = { NULL, 0 }, deny = { NULL, 0 };

	(void)state;
	list_add(&allow, "8.8.8.8");
	list_add(&allow, "127.0.0.0/8");
	list_add(&deny, "8.8.8.0/24");
	list_add(&deny, "127.0.0.1");
	check_all(w, sizeof(w) / sizeof(w[0]), &allow, &deny);
	cidr_list_free(&allow);
	cidr_list_free(&deny);
}

static void
test_empty_lists(void **state)
{
	struct cidr_list allow = { NULL, 0 }, deny = { NULL, 0 };

	(void)state;
	assert_int_equal(check("127.0.0.1", &allow, &deny), ADDR_NONPUBLIC);
	assert_int_equal(check("8.8.8.8", &allow, &deny), ADDR_OK);
}

static void
test_sockaddr(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct cidr_list allow = { NULL, 0 };

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	assert_int_equal(inet_pton(AF_INET, "8.8.8.8", &sin.sin_addr), 1);
	assert_int_equal(addr_check((struct sockaddr *)&sin, NULL, NULL),
	    ADDR_OK);
	assert_int_equal(inet_pton(AF_INET, "169.254.169.254",
	    &sin.sin_addr), 1);
	assert_int_equal(addr_check((struct sockaddr *)&sin, NULL, NULL),
	    ADDR_NONPUBLIC);
	list_add(&allow, "169.254.0.0/16");
	assert_int_equal(addr_check((struct sockaddr *)&sin, &allow, NULL),
	    ADDR_OK);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	assert_int_equal(inet_pton(AF_INET6, "2606:4700::1111",
	    &sin6.sin6_addr), 1);
	assert_int_equal(addr_check((struct sockaddr *)&sin6, NULL, NULL),
	    ADDR_OK);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:169.254.169.254",
	    &sin6.sin6_addr), 1);
	assert_int_equal(addr_check((struct sockaddr *)&sin6, NULL, NULL),
	    ADDR_NONPUBLIC);
	assert_int_equal(addr_check((struct sockaddr *)&sin6, &allow, NULL),
	    ADDR_OK);
	assert_int_equal(inet_pton(AF_INET6, "::1", &sin6.sin6_addr), 1);
	assert_int_equal(addr_check((struct sockaddr *)&sin6, &allow, NULL),
	    ADDR_NONPUBLIC);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(addr_check((struct sockaddr *)&sun, NULL, NULL),
	    ADDR_BADFAMILY);
	assert_int_equal(addr_check(NULL, NULL, NULL), ADDR_BADFAMILY);
	cidr_list_free(&allow);
}

static void
test_raw_badfamily(void **state)
{
	unsigned char a[16] = { 0 };

	(void)state;
	assert_int_equal(addr_check_raw(AF_UNIX, a, NULL, NULL),
	    ADDR_BADFAMILY);
	assert_int_equal(addr_check_raw(AF_UNSPEC, a, NULL, NULL),
	    ADDR_BADFAMILY);
	assert_int_equal(addr_check_raw(AF_INET, NULL, NULL, NULL),
	    ADDR_BADFAMILY);
}

/* The text form libcurl gives the pre-request callback. */
static void
test_str(void **state)
{
	static const char *const same[] = {
		"8.8.8.8", "127.0.0.1", "10.1.2.3", "169.254.169.254",
		"2606:4700::1111", "::1", "::", "fe80::1", "::ffff:127.0.0.1",
		"::ffff:8.8.8.8", "64:ff9b::a9fe:a9fe", "2002:a00:1::1",
	};
	static const char *const bad[] = {
		"", "[::1]", "fe80::1%eth0", "fe80::1%1", "127.0.0.1.", "127.1",
		"0x7f.0.0.1", " 127.0.0.1", "127.0.0.1 ", "127.0.0.1:80",
		"localhost", "::1/128", "1.2.3.4.5",
	};
	struct cidr_list allow = { NULL, 0 }, deny = { NULL, 0 };
	size_t i;

	(void)state;
	list_add(&allow, "127.0.0.0/8");
	list_add(&deny, "10.0.0.0/8");
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (addr_check_str(same[i], NULL, NULL) !=
		    check(same[i], NULL, NULL) ||
		    addr_check_str(same[i], &allow, &deny) !=
		    check(same[i], &allow, &deny))
			fail_msg("%s: text and raw verdicts differ", same[i]);
	}
	assert_int_equal(addr_check_str("127.0.0.1", NULL, NULL),
	    ADDR_NONPUBLIC);
	assert_int_equal(addr_check_str("127.0.0.1", &allow, NULL), ADDR_OK);
	assert_int_equal(addr_check_str("::ffff:127.0.0.1", &allow, NULL),
	    ADDR_OK);
	assert_int_equal(addr_check_str("::1", &allow, NULL), ADDR_NONPUBLIC);
	assert_int_equal(addr_check_str("10.1.2.3", &allow, &deny),
	    ADDR_DENYLIST);
	assert_int_equal(addr_check_str("::ffff:10.1.2.3", &allow, &deny),
	    ADDR_DENYLIST);
	assert_int_equal(addr_check_str("2606:4700::1111", &allow, &deny),
	    ADDR_OK);
	/* anything but a plain numeric address is refused */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_check_str(bad[i], &allow, NULL) != ADDR_BADFAMILY)
			fail_msg("\"%s\" is not refused", bad[i]);
	assert_int_equal(addr_check_str(NULL, NULL, NULL), ADDR_BADFAMILY);
	cidr_list_free(&allow);
	cidr_list_free(&deny);
}

static void
test_verdict_str(void **state)
{
	(void)state;
	assert_string_equal(addr_verdict_str(ADDR_OK), "ok");
	assert_string_equal(addr_verdict_str(ADDR_NONPUBLIC),
	    "non-public address");
	assert_string_equal(addr_verdict_str(ADDR_DENYLIST),
	    "denied by [network] deny");
	assert_string_equal(addr_verdict_str(ADDR_BADFAMILY),
	    "unsupported address family");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_ranges_v4),
		cmocka_unit_test(test_ranges_v6),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_embedded_v4),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_allow_v6_form_only),
		cmocka_unit_test(test_allow_v6),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_deny_wins),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_raw_badfamily),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_verdict_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
