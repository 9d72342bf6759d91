/* The run's TLS contexts: the client's and the built-in listener's, its
 * certificate (from files, or a throwaway self-signed one made in memory),
 * and the words of a failure (loadgen.h, tls.h). */
#include "loadgen/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name the throwaway certificate is for, and the client's default
 * server name against the built-in listener. */
#define LG_TLS_DEFAULT_NAME "localhost"

/* "what: OpenSSL's reason" into err, the error queue emptied. */
static int ssl_fail(char *err, size_t len, int e, const char *what)
{
	unsigned long code = ERR_peek_last_error();
	const char *why = code ? ERR_reason_error_string(code) : NULL;

	snprintf(err, len, "%s%s%s", what, why ? ": " : "", why ? why : "");
	ERR_clear_error();
	return e;
}

static EVP_PKEY *gen_key(enum lg_tls_key k)
{
	return k == LG_TLS_KEY_RSA_2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

/* A self-signed certificate for name, valid from an hour ago for a day. */
static X509 *self_signed(EVP_PKEY *pk, const char *name)
{
	X509 *x = X509_new();
	X509_NAME *n;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	uint64_t serial = 0;
	char san[300];
	int ok;

	if (!x)
		return NULL;
	snprintf(san, sizeof(san), "DNS:%s", name);
	RAND_bytes((unsigned char *)&serial, sizeof(serial));
	ok = X509_set_version(x, 2) && ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
								 serial >> 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 86400) && X509_set_pubkey(x, pk);
	n = X509_get_subject_name(x);
	ok = ok && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)name,
					      -1, -1, 0) &&
	     X509_set_issuer_name(x, n);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = ok ? X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san) : NULL;
	ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok || !X509_sign(x, pk, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Exactly one protocol version: what a run measures is that version's
 * handshake. */
static int set_version(SSL_CTX *c, int v)
{
	int p = v == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;

	return SSL_CTX_set_min_proto_version(c, p) && SSL_CTX_set_max_proto_version(c, p);
}

/* The listener's context: its certificate and key (files, or made now),
 * session tickets only with resume. The certificate is also returned (a
 * reference) for the client to trust. */
static int server_ctx(struct lg_tls *t, X509 **cert, char *err, size_t len)
{
	const struct lg_tls_opts *o = &t->o;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int e = -EINVAL;

	t->srv = SSL_CTX_new(TLS_server_method());
	if (!t->srv || !set_version(t->srv, o->version))
		return ssl_fail(err, len, -ENOMEM, "cannot make the listener's TLS context");
	if (o->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(t->srv, o->cert_file) != 1)
			return ssl_fail(err, len, -EINVAL, "--tls-cert: cannot use the certificate");
		if (SSL_CTX_use_PrivateKey_file(t->srv, o->key_file, SSL_FILETYPE_PEM) != 1)
			return ssl_fail(err, len, -EINVAL,
					ERR_GET_REASON(ERR_peek_last_error()) ==
						X509_R_KEY_VALUES_MISMATCH
					    ? "--tls-key does not match --tls-cert; give the "
					      "certificate's own key"
					    : "--tls-key: cannot use the private key");
		x = SSL_CTX_get0_certificate(t->srv);
		if (x)
			X509_up_ref(x);
	} else {
		pk = gen_key(o->key);
		/* for localhost whatever the client sends: another --tls-sni
		 * fails its verification (hostname mismatch), as a wrong name
		 * would against a real server */
		x = pk ? self_signed(pk, LG_TLS_DEFAULT_NAME) : NULL;
		if (!x || SSL_CTX_use_certificate(t->srv, x) != 1 ||
		    SSL_CTX_use_PrivateKey(t->srv, pk) != 1) {
			e = ssl_fail(err, len, -ENOMEM, "cannot make the listener's certificate");
			goto out;
		}
	}
	if (SSL_CTX_check_private_key(t->srv) != 1) {
		e = ssl_fail(err, len, -EINVAL,
			     "--tls-key does not match --tls-cert; give the certificate's own key");
		goto out;
	}
	if (o->resume) {
		SSL_CTX_set_num_tickets(t->srv, 1);
	} else {
		/* no ticket (TLS 1.3 sends none with 0; 1.2 with NO_TICKET)
		 * and no server-side cache: every handshake is a full one */
		SSL_CTX_set_num_tickets(t->srv, 0);
		SSL_CTX_set_options(t->srv, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(t->srv, SSL_SESS_CACHE_OFF);
	}
	SSL_CTX_set_options(t->srv, SSL_OP_IGNORE_UNEXPECTED_EOF);
	*cert = x;
	x = NULL;
	e = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return e;
}

/* The client's context: the version, tickets kept per thread with resume,
 * and what it trusts (anchor: the listener's certificate; else --tls-ca). */
static int client_ctx(struct lg_tls *t, X509 *anchor, char *err, size_t len)
{
	const struct lg_tls_opts *o = &t->o;

	t->cli = SSL_CTX_new(TLS_client_method());
	if (!t->cli || !set_version(t->cli, o->version))
		return ssl_fail(err, len, -ENOMEM, "cannot make the client's TLS context");
	/* a server that closes without close_notify ends the response, as
	 * the plain --http reads to EOF */
	SSL_CTX_set_options(t->cli, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (o->resume) {
		SSL_CTX_set_session_cache_mode(t->cli, SSL_SESS_CACHE_CLIENT |
							   SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(t->cli, lg_tls_new_session);
	} else {
		SSL_CTX_set_session_cache_mode(t->cli, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(t->cli, SSL_OP_NO_TICKET);
	}
	if (anchor && X509_STORE_add_cert(SSL_CTX_get_cert_store(t->cli), anchor) != 1)
		return ssl_fail(err, len, -ENOMEM, "cannot trust the listener's certificate");
	if (o->ca_file && SSL_CTX_load_verify_locations(t->cli, o->ca_file, NULL) != 1)
		return ssl_fail(err, len, -EINVAL, "--tls-ca: cannot load the certificates");
	t->verify = anchor || o->ca_file;
	if (t->verify)
		SSL_CTX_set_verify(t->cli, SSL_VERIFY_PEER, NULL);
	return 0;
}

int lg_tls__new(const struct lg_tls_opts *opts, int listener, struct lg_tls **out, char *err,
		size_t errlen)
{
	struct lg_tls *t = calloc(1, sizeof(*t));
	X509 *anchor = NULL;
	int e;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->o = *opts;
	if (opts->sni)
		snprintf(t->sni, sizeof(t->sni), "%s", opts->sni);
	else if (listener)
		snprintf(t->sni, sizeof(t->sni), "%s", LG_TLS_DEFAULT_NAME);
	t->o.sni = t->sni[0] ? t->sni : NULL;
	ERR_clear_error();
	e = listener ? server_ctx(t, &anchor, err, errlen) : 0;
	if (!e)
		e = client_ctx(t, anchor, err, errlen);
	X509_free(anchor);
	/* the file names are the caller's: not kept */
	t->o.cert_file = t->o.key_file = t->o.ca_file = NULL;
	if (e) {
		lg_tls__free(t);
		return e;
	}
	*out = t;
	return 0;
}

void lg_tls__free(struct lg_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->cli);
	SSL_CTX_free(t->srv);
	free(t);
}

const char *lg_tls_reason(uint32_t err)
{
	const char *s;

	/* the words are loaded once, also in a process that made no context
	 * (the analysis of records from another host, the tests) */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
	s = err ? ERR_reason_error_string(err) : NULL;
	return s ? s : err ? "unknown TLS error" : "";
}

const char *lg_tls_verify_reason(uint16_t verify)
{
	return verify ? X509_verify_cert_error_string(verify) : "";
}
