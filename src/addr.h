/* SPDX-License-Identifier: ISC */
/*
 * addr: the address policy -- may the proxy connect to this IP address?
 * Pure logic over numeric addresses and CIDR blocks: never resolves a
 * name, never does I/O, never logs, keeps no global state.
 */
#ifndef EXTPROXY_ADDR_H
#define EXTPROXY_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	/* network order; first 4 bytes used for AF_INET */
	unsigned char	addr[16];
	unsigned	prefix;		/* 0..32 or 0..128 */
};

struct cidr_list {
	struct cidr	*v;
	size_t		 n;
};

/*
 * Parse "a.b.c.d", "a.b.c.d/n", "v6", "v6/n" (no brackets, no zone id; a
 * bare address = /32 or /128).  Host bits beyond the prefix must be zero
 * ("10.0.0.1/8" is an error).  Strict: only dotted-quad decimal IPv4 as
 * inet_pton accepts it; nothing else.  Returns 0 or -1.
 */
int	cidr_parse(const char *s, struct cidr *out);
/* Append; 0 or -1 (parse error or ENOMEM). */
int	cidr_list_add(struct cidr_list *l, const char *s);
void	cidr_list_free(struct cidr_list *l);
/* 1 if addr (4 or 16 bytes of `family`) lies in c, else 0. */
int	cidr_contains(const struct cidr *c, int family,
	    const unsigned char *addr);

/* Why an address is refused, or ADDR_OK. */
enum addr_verdict {
	ADDR_OK = 0,
	ADDR_NONPUBLIC,
	ADDR_UNALLOCATED,	/* IPv6 outside 2000::/3 (and no IPv4 form) */
	ADDR_DENYLIST,
	ADDR_BADFAMILY
};

/*
 * The policy: an address in `deny` is refused (ADDR_DENYLIST), whatever
 * `allow` says; else an address in a built-in non-public range is refused
 * (ADDR_NONPUBLIC) unless `allow` contains it, and so is IPv6 outside
 * the global unicast 2000::/3 (ADDR_UNALLOCATED); else ADDR_OK.  Either list
 * may be NULL.  IPv6 forms that embed an IPv4 address (mapped, compatible,
 * translated, NAT64 64:ff9b::/96, 6to4, Teredo) are also judged as that
 * IPv4 address, with the same lists.  sa must point to a whole sockaddr_in
 * or sockaddr_in6; any other family gives ADDR_BADFAMILY.
 */
enum addr_verdict	addr_check(const struct sockaddr *sa,
			    const struct cidr_list *allow,
			    const struct cidr_list *deny);
/* Same, for a raw address (family, 4 or 16 bytes). */
enum addr_verdict	addr_check_raw(int family, const unsigned char *addr,
			    const struct cidr_list *allow,
			    const struct cidr_list *deny);
/*
 * Same, for a numeric address as text ("192.0.2.1", "2001:db8::1", as
 * inet_ntop writes them); anything else, a zone id or brackets
 * included, gives ADDR_BADFAMILY.  Allocates nothing.
 */
enum addr_verdict	addr_check_str(const char *ip,
			    const struct cidr_list *allow,
			    const struct cidr_list *deny);
/* "ok", "non-public address", "denied by [network] deny",
 * "unsupported address family" */
const char		*addr_verdict_str(enum addr_verdict v);

#endif
