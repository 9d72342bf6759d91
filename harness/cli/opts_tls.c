/* --tls, its options and --http-path against the rest of the command line
 * (opts_table.h): each conflict one line naming the fix. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/cli/opts.h"
#include "harness/cli/opts_table.h"

static const char *name_of(enum opt_id id)
{
	const struct sb_optdef *d = sb_optparse_def(&sb_run_optset, id);

	return d ? d->name : "?";
}

/* A DNS name: 1..253 of letters, digits, '-' and '.', not starting with
 * '.' or '-' (what SNI carries; an address is no server name). */
static int host_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

/* An origin-form request target: '/' then visible ASCII (no space). */
static int path_ok(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

static int readable(const char *opt, const char *path, char *err, size_t len)
{
	if (access(path, R_OK) == 0)
		return 0;
	return sb_errf(err, len, -EINVAL, "--%s: cannot read '%.200s' (%s); give a readable PEM file",
		       opt, path, strerror(errno));
}

int sb_opts_finish_tls(struct sb_opts *o, const unsigned char *given, char *err, size_t len)
{
	static const enum opt_id tls_opts[] = {O_TLS_VERSION, O_TLS_KEY_TYPE, O_TLS_RESUME,
					       O_TLS_CERT,    O_TLS_KEY,      O_TLS_SNI,
					       O_TLS_CA};
	static const enum opt_id listener_only[] = {O_TLS_KEY_TYPE, O_TLS_CERT, O_TLS_KEY};

	if (given[O_HTTP_PATH] && !o->http)
		return sb_errf(err, len, -EINVAL, "--http-path needs --http; add --http");
	if (given[O_HTTP_PATH] && !path_ok(o->http_path))
		return sb_errf(err, len, -EINVAL,
			       "--http-path must start with / and hold no space or control "
			       "character (got '%.64s'); try --http-path /index.html",
			       o->http_path);
	for (size_t i = 0; i < sizeof(tls_opts) / sizeof(tls_opts[0]); i++)
		if (given[tls_opts[i]] && !o->tls)
			return sb_errf(err, len, -EINVAL, "--%s needs --tls; add --tls",
				       name_of(tls_opts[i]));
	if (!o->tls)
		return 0;
	if (o->mode != LG_MODE_CRR)
		return sb_errf(err, len, -EINVAL,
			       "--tls needs --mode crr (a request and a response over each "
			       "connection's TLS); add --mode crr");
	if (o->paired)
		return sb_errf(err, len, -EINVAL,
			       "--paired serves connections in the client's ring without TLS; drop "
			       "--paired or --tls");
	if (o->server_via[0])
		return sb_errf(err, len, -EINVAL,
			       "--tls does not run across hosts yet (--server-via); drop --tls or "
			       "run on one host");
	if (o->target[0])
		for (size_t i = 0; i < sizeof(listener_only) / sizeof(listener_only[0]); i++)
			if (given[listener_only[i]])
				return sb_errf(err, len, -EINVAL,
					       "--%s is about our listener and does nothing with "
					       "--target; drop it",
					       name_of(listener_only[i]));
	if (given[O_TLS_CERT] != given[O_TLS_KEY])
		return sb_errf(err, len, -EINVAL,
			       "--tls-cert and --tls-key go together; give both, or neither for "
			       "a generated certificate");
	if (given[O_TLS_CERT] && given[O_TLS_KEY_TYPE])
		return sb_errf(err, len, -EINVAL,
			       "--tls-key-type is the generated certificate's; with --tls-cert the "
			       "key is the file's: drop --tls-key-type");
	if (given[O_TLS_SNI] && !host_name_ok(o->tls_sni))
		return sb_errf(err, len, -EINVAL,
			       "--tls-sni needs a DNS name of letters, digits, - and . (got "
			       "'%.64s'); try --tls-sni www.example.test",
			       o->tls_sni);
	if ((given[O_TLS_CERT] && readable("tls-cert", o->tls_cert, err, len)) ||
	    (given[O_TLS_KEY] && readable("tls-key", o->tls_key, err, len)) ||
	    (given[O_TLS_CA] && readable("tls-ca", o->tls_ca, err, len)))
		return -EINVAL;
	return 0;
}
