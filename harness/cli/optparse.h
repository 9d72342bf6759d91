/* The option engine of the run and of every sub-command: a table of options
 * drives the parser and the --help text. */
#ifndef SB_OPTPARSE_H
#define SB_OPTPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sb_optarg { SB_ARG_NONE, SB_ARG_REQ, SB_ARG_OPT /* --opt or --opt=V or --opt V */ };

enum sb_optkind {
	SB_OPT_HEADING, /* not an option: a heading line of the help (name NULL) */
	SB_OPT_FLAG,	/* stores 1 in the field */
	SB_OPT_COUNT,	/* adds 1 to the field (-v -v) */
	SB_OPT_UINT,	/* a plain decimal lo..hi stored in the field */
	SB_OPT_CHOICE,	/* one of choices; its index stored in the field */
	SB_OPT_STRING,	/* 1..size-1 bytes copied into the char[size] at off */
	SB_OPT_CUSTOM,	/* the set's apply callback does it */
	SB_OPT_RETURN,	/* -h/--help, -V/--version: sb_optparse returns id */
};

/* The type of the field at off (for FLAG, COUNT, UINT, CHOICE). */
enum sb_optfld { SB_FLD_NONE, SB_FLD_U64, SB_FLD_U32, SB_FLD_U16, SB_FLD_INT };

struct sb_optdef {
	const char *name; /* long name without "--"; NULL: a heading */
	char short_name;  /* 'v' for -v, or 0 */
	enum sb_optarg arg;
	enum sb_optkind kind;
	int id;		     /* the caller's option number (given[], apply) */
	const char *metavar; /* "N" in "--conns N" */
	const char *help;    /* the heading's text for a heading */
	const char *dflt;    /* "(default ...)" in the help; NULL: none shown */
	const char *example; /* a good value, offered in error messages */
	uint64_t lo, hi;     /* UINT range */
	const char *const *choices; /* CHOICE (and CUSTOM using sb_optparse_choice): NULL-ended */
	size_t off, size;	    /* the field in the destination struct */
	enum sb_optfld fld;
	unsigned groups; /* 0: always; else visible when it shares a bit with the set's */
};

struct sb_optset {
	const char *cmd; /* "compare" for "see bench compare --help"; NULL: the run */
	const struct sb_optdef *defs;
	size_t ndefs;
	unsigned groups; /* 0: every option; else only those sharing a bit */
	/* CUSTOM options; val is NULL for a flag or a bare ARG_OPT. Returns 0,
	 * a positive code that stops the parse, or negative errno with err. */
	int (*apply)(void *ctx, const struct sb_optdef *d, const char *val, char *err,
		     size_t len);
	/* A word that is no option; NULL: refused ("unexpected argument"). */
	int (*positional)(void *ctx, const char *arg, char *err, size_t len);
	/* Everything after "--" (argc may be 0); NULL: "--" makes the rest
	 * positional. */
	int (*rest)(void *ctx, int argc, char **argv, char *err, size_t len);
	/* An option not in the table, at argv[*i] (may consume more); NULL:
	 * refused with the closest known name suggested. */
	int (*other)(void *ctx, int argc, char **argv, int *i, char *err, size_t len);
};

/* Parses argv[from..argc) into the fields of dst (FLAG, COUNT, UINT, CHOICE,
 * STRING) and through the callbacks (ctx). given (may be NULL) is indexed
 * by id and set for each option met. Long options as "--opt value" or
 * "--opt=value"; short ones alone ("-v"); a later option overrides an
 * earlier one. Returns 0; the id of a RETURN option (or a callback's
 * positive code) as soon as it is met; or -EINVAL (-ENOMEM) with one line
 * "<problem>; <what to do>" in err (no program name, no newline). */
int sb_optparse(const struct sb_optset *s, int argc, char **argv, int from, void *dst,
		void *ctx, unsigned char *given, char *err, size_t len);

/* The option lines of the help, in the table's order: "  --name META  help
 * (default X)" wrapped at 80 columns; UINT options show their range. */
void sb_optparse_help(FILE *f, const struct sb_optset *s);

/* The same lines as roff for a man page (man(7)): each visible option as a
 * .TP paragraph with the help text, range and default of sb_optparse_help;
 * a heading as .SS (sub 0) or as an italic paragraph (sub 1, for a set shown
 * under a sub-command's own .SS). Text is escaped (backslashes, dashes, a
 * leading dot or quote), so a table's text is never read as a roff
 * request. */
void sb_optparse_man(FILE *f, const struct sb_optset *s, int sub);

/* Writes one roff text line: str escaped as sb_optparse_man escapes help
 * text, then a newline. */
void sb_optparse_roff_line(FILE *f, const char *str);

/* The def of id, or NULL. */
const struct sb_optdef *sb_optparse_def(const struct sb_optset *s, int id);

/* The value of a FLAG, COUNT, UINT or CHOICE field of src. */
long long sb_optparse_load(const void *src, const struct sb_optdef *d);

/* val among d->choices: its index in *out, or -EINVAL with "--NAME must be
 * one of a|b (got 'x'); try --NAME EXAMPLE" in err. */
int sb_optparse_choice(const struct sb_optdef *d, const char *val, int *out, char *err,
		       size_t len);

/* Plain decimal, no sign, no suffix: 0 or -EINVAL. */
int sb_optparse_u64(const char *s, uint64_t *v);

/* "see bench compare --help" for the set, into buf. */
const char *sb_optparse_see(const struct sb_optset *s, char *buf, size_t len);

/* Table helpers: the field of struct T named f. */
#define SB_FLD(T, f)                                                                               \
	offsetof(T, f), sizeof(((T *)0)->f),                                                       \
	    _Generic(((T *)0)->f, uint64_t: SB_FLD_U64, uint32_t: SB_FLD_U32,                      \
		     uint16_t: SB_FLD_U16, int: SB_FLD_INT, default: SB_FLD_NONE)
#define SB_STR_FLD(T, f) offsetof(T, f), sizeof(((T *)0)->f), SB_FLD_NONE

#endif
