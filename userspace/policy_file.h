/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy file, imgsec.conf(5): parse it into a struct imgsec_policy_desc
 * and print a desc back as a file that parses to the same desc.
 *
 * Parsing is all or nothing: on any error the desc is left empty and the
 * diagnostic names the file, line and column ("imgsec.conf:12:19: ...").
 * The desc is checked with imgsec_policy_validate() too, the same checks
 * the kernel runs, so a file that parses here is a policy the kernel takes.
 */
#ifndef _IMGSEC_POLICY_FILE_H
#define _IMGSEC_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "policy_desc.h"

/* Longest line, in bytes, not counting its newline. */
#define POLICY_LINE_MAX		4096
/* Largest file policy_parse_file() reads: a file and all it includes. */
#define POLICY_FILE_MAX		(16 << 20)
/* Files included in files included in... the top file, at most. */
#define POLICY_INCLUDE_DEPTH	8

/* Bytes of the offending line a diagnostic shows, around its column. */
#define POLICY_SRC_MAX		100
/* Warnings a diagnostic keeps, and the length of each. */
#define POLICY_WARN_MAX		8
#define POLICY_WARN_LEN		256

struct policy_diag {
	/* "name:line:col: what was expected, got what", or "" on success. */
	char msg[512];
	unsigned int line;	/* 1-based; 0 if the error has no place */
	unsigned int col;	/* 1-based byte column; 0 if none */
	/*
	 * With a column: that line, or the POLICY_SRC_MAX bytes of it around
	 * the column, control characters but tab as '?', and the column in
	 * it (1-based): where a caret goes.
	 */
	char src[POLICY_SRC_MAX + 1];
	unsigned int src_col;
	/*
	 * On success, what is valid but surely not meant ("name:line:col:
	 * ..."): a rule written twice, an address inside another of its role.
	 * The first POLICY_WARN_MAX, and how many more.
	 */
	char warnings[POLICY_WARN_MAX][POLICY_WARN_LEN];
	unsigned int nwarnings;
	unsigned int more_warnings;
	/*
	 * An error in an included file: which include lines led there,
	 * "included from roles.d/a.conf:2, from imgsec.conf:5"; else "".
	 */
	char context[256];
};

/*
 * How to parse. Zeroed (or a NULL pointer), the defaults of
 * policy_parse_buffer(): "include" is an error and the built-in role
 * "self" holds this host's addresses.
 */
struct policy_parse_opts {
	/*
	 * policy_parse_buffer_opts(): the directory that relative include
	 * paths of the top file start from ("." for the current one), or
	 * NULL for no includes. The _file functions set it themselves.
	 */
	const char *include_dir;
	/*
	 * Role "self" holds @self_addrs[0..@nself) (host addresses, /32 or
	 * /128) instead of what getifaddrs() says: for tests and fuzzing.
	 */
	bool fixed_self;
	const struct imgsec_prefix *self_addrs;
	u32 nself;
};

/* @d's message, then its line and a caret under its column, if any. */
void policy_diag_print(FILE *f, const struct policy_diag *d);
/* @d's warnings, each "warning: ..." on a line of its own. */
void policy_diag_print_warnings(FILE *f, const struct policy_diag *d);

/*
 * Parse @len bytes at @buf; @name is the file name used in messages.
 * Returns 0 and fills @out (release it with imgsec_policy_desc_release()),
 * or a negative errno (-EINVAL for a bad file, -ENOMEM) with @out zeroed and
 * @diag filled.
 */
int policy_parse_buffer(const char *name, const char *buf, size_t len,
			struct imgsec_policy_desc *out,
			struct policy_diag *diag);

/* The same for a file; @path "-" reads standard input. */
int policy_parse_file(const char *path, struct imgsec_policy_desc *out,
		      struct policy_diag *diag);

/*
 * The same with options (@opts may be NULL). A file's includes are
 * relative to its directory; those of standard input ("-"), to the
 * current directory.
 */
int policy_parse_buffer_opts(const char *name, const char *buf, size_t len,
			     const struct policy_parse_opts *opts,
			     struct imgsec_policy_desc *out,
			     struct policy_diag *diag);
int policy_parse_file_opts(const char *path,
			   const struct policy_parse_opts *opts,
			   struct imgsec_policy_desc *out,
			   struct policy_diag *diag);

/*
 * This host's addresses, as role "self" gets them: every IPv4 and IPv6
 * address of every interface but loopback ones, IPv6 link-local included,
 * each as a /32 or /128, sorted, no repeats. Returns 0 with @out
 * malloc'ed (NULL if none), or a negative errno.
 */
int policy_host_addrs(struct imgsec_prefix **out, u32 *n);

/*
 * Write @p in canonical form: mode, default, placement, the roles in order
 * (long ones over several "role" lines), the rules in order, ports as
 * policy_format_ports() writes them. Returns 0, -EINVAL if @p holds a value the format cannot say,
 * or -EIO if writing failed.
 */
int policy_print(FILE *f, const struct imgsec_policy_desc *p);

/*
 * @r's ports into @buf, POLICY_PORTS_TEXT_MAX bytes: as the file wrote
 * them if policy_ports_text_matches(), else "20,21", "2428-2433" or ICMP
 * types "echo-request,13". Returns the length.
 */
#define POLICY_PORTS_TEXT_MAX	(IMGSEC_MAX_PORT_RANGES * 24 + 1)
int policy_format_ports(char *buf, const struct imgsec_rule_desc *r);

/*
 * @r's limit into @buf, POLICY_LIMIT_TEXT_MAX bytes, as a file writes it:
 * "limit 50/s burst 100", the burst left out where it is the rate (the
 * default); "" for no limit. Returns the length.
 */
#define POLICY_LIMIT_TEXT_MAX	64
int policy_format_limit(char *buf, const struct imgsec_rule_desc *r);
/*
 * The same for its per-source limit: "per-source 5/s burst 10 max 64",
 * "per-source max 64" or "".
 */
int policy_format_source_limit(char *buf, const struct imgsec_rule_desc *r);
/* "s" or "min" for enum imgsec_limit_unit @unit, or NULL. */
const char *policy_limit_unit_name(unsigned int unit);

/* Addresses and prefixes in all of @p's roles. */
uint32_t policy_count_prefixes(const struct imgsec_policy_desc *p);

/* Whether two descs are the same policy, field by field. */
bool policy_desc_equal(const struct imgsec_policy_desc *a,
		       const struct imgsec_policy_desc *b);

/* The keyword policy files use for an enum value, or NULL. */
const char *policy_mode_name(unsigned int mode);
const char *policy_action_name(unsigned int action);
const char *policy_placement_name(unsigned int placement);
const char *policy_helper_name(unsigned int helper);
const char *policy_proto_name(unsigned int proto);
/* The name of ICMP (or ICMPv6, by @proto) message type @type, or NULL. */
const char *policy_icmp_type_name(unsigned int proto, unsigned int type);
/*
 * Whether @r->ports_text, the ports as a file wrote them, is a list that
 * parses to @r's ports, in order: then it is what show prints.
 */
bool policy_ports_text_matches(const struct imgsec_rule_desc *r);

#endif /* _IMGSEC_POLICY_FILE_H */
