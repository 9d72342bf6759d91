/* summary.json's "tls" block (results.h): what the run's handshakes did,
 * serialized from the analysis (struct sb_tls_figures). */
#include "harness/output/results.h"

#include "harness/output/json.h"
#include "loadgen/loadgen.h"

/* key: [{reason, verify, openssl_error, count}], then KEY_other */
static void reasons(struct sb_json *js, const char *key, const char *other,
		    const struct sb_tls_reasons *rs)
{
	sb_json_arr_begin(js, key);
	for (size_t i = 0; i < rs->n; i++) {
		sb_json_obj_begin(js, NULL);
		sb_json_str(js, "reason", lg_tls_reason(rs->r[i].err));
		sb_json_str(js, "verify",
			    rs->r[i].verify ? lg_tls_verify_reason(rs->r[i].verify) : NULL);
		sb_json_uint(js, "openssl_error", rs->r[i].err);
		sb_json_uint(js, "count", rs->r[i].n);
		sb_json_obj_end(js);
	}
	sb_json_arr_end(js);
	sb_json_uint(js, other, rs->other);
}

void sb_results_json_tls(struct sb_json *js, const struct sb_rundata *rd,
			 const struct sb_result *res)
{
	static const char *const keys[] = {"ecdsa-p256", "rsa-2048"};
	const struct sb_tls_figures *t = &res->tls;
	const struct sb_opts *o = rd->opts;

	if (!t->on || !o)
		return;
	sb_json_obj_begin(js, "tls");
	sb_json_str(js, "version", o->tls_version == SB_TLS_12 ? "1.2" : "1.3");
	/* the key of our listener's generated certificate; a file's or a
	 * --target server's is theirs */
	sb_json_str(js, "key_type", o->target[0] || o->tls_cert[0] ? NULL
							  : keys[o->tls_key_type == LG_TLS_KEY_RSA_2048]);
	sb_json_bool(js, "resumption", o->tls_resume);
	sb_json_bool(js, "verified", !o->target[0] || o->tls_ca[0]);
	sb_json_str(js, "sni", o->tls_sni[0] ? o->tls_sni : o->target[0] ? NULL : "localhost");
	sb_json_uint(js, "handshakes", t->handshakes);
	sb_json_uint(js, "resumed", t->resumed);
	sb_json_uint(js, "tls12", t->version12);
	sb_json_uint(js, "tls13", t->version13);
	sb_json_uint(js, "failed", t->failed);
	reasons(js, "failures", "failures_other", &t->reasons);
	if (!o->target[0]) {
		sb_json_obj_begin(js, "server");
		sb_json_uint(js, "handshakes", t->server_handshakes);
		sb_json_uint(js, "resumed", t->server_resumed);
		sb_json_uint(js, "failed", t->server_failed);
		reasons(js, "failures", "failures_other", &t->server_reasons);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
}
