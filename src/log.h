/* SPDX-License-Identifier: ISC */
/*
 * log: one line per message on stderr (the web server's error log or the
 * journal), written with a single write(2) so threads never interleave.
 * Never given a full target URL: callers pass log_target() output, which
 * keeps only scheme, host and port (or access_target() output, which
 * adds the path only with [log] full_url, and never the query).
 */
#ifndef EXTPROXY_LOG_H
#define EXTPROXY_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG
};
#define LOG_LEVELS	((int)LOG_LEVEL_DEBUG + 1)

/*
 * "error", "warn", "info", "debug", in enum order: the level a line
 * shows, and the words [log] level takes.
 */
extern const char *const log_level_names[];

void	log_set_level(enum log_level level);
void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * A preformatted line (no newline, under 4 KiB, else dropped) as it is,
 * if level passes.
 */
void	log_line(enum log_level level, const char *line, size_t len);

/* "https://host:port" into buf: never path, query or userinfo. */
void	log_target(char *buf, size_t size, const char *scheme,
	    const char *host, long port);

#endif
