/* SPDX-License-Identifier: ISC */
/*
 * log: leveled messages on stderr.
 */
#include "autoconf.h"

#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* changed by a reload while workers log */
static _Atomic int current = LOG_LEVEL_INFO;

const char *const log_level_names[] = { "error", "warn", "info", "debug" };

_Static_assert(sizeof(log_level_names) / sizeof(log_level_names[0]) ==
    LOG_LEVELS, "one name per enum log_level");

void
log_set_level(enum log_level level)
{
	atomic_store_explicit(&current, (int)level, memory_order_relaxed);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n, m;
	size_t i;

	if ((int)level > atomic_load_explicit(&current, memory_order_relaxed))
		return;
	n = snprintf(line, sizeof(line), "extproxy[%ld]: %s: ", (long)getpid(),
	    log_level_names[level]);
	if (n < 0)
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n = (size_t)(n + m) >= sizeof(line) - 1 ? (int)sizeof(line) - 2 : n + m;
	/* a message is one line, whatever a caller passed in */
	for (i = 0; i < (size_t)n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) == -1) {
		/* nowhere left to report it */
	}
}

void
log_line(enum log_level level, const char *line, size_t len)
{
	char buf[4096];

	if ((int)level > atomic_load_explicit(&current, memory_order_relaxed) ||
	    len >= sizeof(buf))
		return;
	memcpy(buf, line, len);
	buf[len++] = '\n';
	if (write(STDERR_FILENO, buf, len) == -1) {
		/* nowhere left to report it */
	}
}

void
log_target(char *buf, size_t size, const char *scheme, const char *host,
    long port)
{
	if (scheme == NULL || host == NULL)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s://%s:%ld", scheme, host, port);
}
