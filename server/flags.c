/*
 * flags.c - command-line parsing (see flags.h). Flags are a table; each
 * entry names its kind and where its value goes.
 */
#include "flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tblimits.h"

enum kind { STR, BOOL_ARG, SWITCH, INT, DOUBLE, IGNORED_ARG, IGNORED_SWITCH };

enum id {
	F_LOGDIR, F_LOGDIR_SPEC, F_HOST, F_BIND_ALL, F_PORT, F_PATH_PREFIX, F_WINDOW_TITLE,
	F_SAMPLES, F_LOAD_FAST, F_PURGE, F_RELOAD_INTERVAL, F_INSPECT, F_EVENT_FILE, F_TAG,
	F_RUN, F_FORMAT, F_VERSION_TB, F_HELP, F_THREADS, F_WATCH, F_STATIC_DIR, F_ALLOWED_HOSTS,
	F_AUTH, F_TOKEN, F_TOKEN_FILE, F_TLS_CERT, F_TLS_KEY, F_WANDB, F_OTHER,
};

static const struct flag {
	const char *name;
	enum kind kind;
	enum id id;
	const char *help;
} flags[] = {
	{ "logdir", STR, F_LOGDIR, "directory to walk for runs (event files)" },
	{ "logdir_spec", STR, F_LOGDIR_SPEC, "name:path,... several logdirs, runs prefixed by name" },
	{ "host", STR, F_HOST, "address to bind (default localhost)" },
	{ "bind_all", SWITCH, F_BIND_ALL, "bind every interface (IPv6 and IPv4)" },
	{ "port", STR, F_PORT, "port (default 6006, moving up to 6105 if taken; 0 = any)" },
	{ "path_prefix", STR, F_PATH_PREFIX, "serve under this URL path, e.g. /tb" },
	{ "window_title", STR, F_WINDOW_TITLE, "title of the browser window" },
	{ "samples_per_plugin", STR, F_SAMPLES, "plugin=N,... keep N points per series (0 = all)" },
	{ "load_fast", STR, F_LOAD_FAST, "auto|true|false; false selects TensorBoard's Python purge rules" },
	{ "purge_orphaned_data", BOOL_ARG, F_PURGE, "true|false; false keeps every point as written" },
	{ "reload_interval", DOUBLE, F_RELOAD_INTERVAL, "seconds between polls (0 = load once)" },
	{ "inspect", SWITCH, F_INSPECT, "print runs, tags and points instead of serving" },
	{ "event_file", STR, F_EVENT_FILE, "with --inspect: one event file" },
	{ "tag", STR, F_TAG, "with --inspect or export: only this tag" },
	{ "run", STR, F_RUN, "with export: only this run" },
	{ "format", STR, F_FORMAT, "with export: jsonl (default) or csv" },
	{ "threads", INT, F_THREADS, "loader threads (default: one per CPU)" },
	{ "watch", STR, F_WATCH, "auto|inotify|poll: how to notice new data" },
	{ "wandb", BOOL_ARG, F_WANDB, "true|false; false does not read W&B run folders (default true)" },
	{ "static_dir", STR, F_STATIC_DIR, "serve the web page from this directory instead" },
	{ "allowed_hosts", STR, F_ALLOWED_HOSTS, "a,b: Host names to answer besides this machine's ('*' = any)" },
	{ "auth", STR, F_AUTH, "auto|none|token (auto: a token when reachable beyond loopback, or one is given)" },
	{ "token", STR, F_TOKEN, "the token to require (default: $TBSERVE_TOKEN, else a random one)" },
	{ "token_file", STR, F_TOKEN_FILE, "read the token from the first line of this file" },
	{ "tls_cert", STR, F_TLS_CERT, "serve HTTPS with this PEM certificate (chain) file" },
	{ "tls_key", STR, F_TLS_KEY, "the PEM private key of --tls_cert" },
	{ "version_tb", SWITCH, F_VERSION_TB, "print the version and exit" },
	{ "help", SWITCH, F_HELP, "this help" },
	/* TensorBoard flags accepted and ignored (experimental or not applicable) */
	{ "reuse_port", IGNORED_ARG, F_OTHER, NULL },
	{ "reload_multifile", IGNORED_ARG, F_OTHER, NULL },
	{ "reload_multifile_inactive_secs", IGNORED_ARG, F_OTHER, NULL },
	{ "reload_task", IGNORED_ARG, F_OTHER, NULL },
	{ "max_reload_threads", IGNORED_ARG, F_OTHER, NULL },
	{ "detect_file_replacement", IGNORED_ARG, F_OTHER, NULL },
	{ "extra_data_server_flags", IGNORED_ARG, F_OTHER, NULL },
	{ "grpc_data_provider", IGNORED_ARG, F_OTHER, NULL },
	{ "grpc_creds_type", IGNORED_ARG, F_OTHER, NULL },
	{ "generic_data", IGNORED_ARG, F_OTHER, NULL },
	{ "db", IGNORED_ARG, F_OTHER, NULL },
	{ "db_import", IGNORED_SWITCH, F_OTHER, NULL },
	{ "verbosity", IGNORED_ARG, F_OTHER, NULL },
};

#define N_FLAGS (sizeof flags / sizeof *flags)

void tb_flags_usage(FILE *out)
{
	fputs("usage: tbserve [serve] --logdir DIR [--port N] [flags]\n"
	      "       tbserve --logdir DIR --inspect [--tag T]\n"
	      "       tbserve export --logdir DIR [--format jsonl|csv] [--run R] [--tag T]\n\n"
	      "flags:\n", out);
	for (size_t i = 0; i < N_FLAGS; i++)
		if (flags[i].help)
			fprintf(out, "  --%-22s %s\n", flags[i].name, flags[i].help);
}

/* Does the flag's name start with the len bytes of name? A '-' typed by
 * the user matches the '_' of our (TensorBoard's) names: --static-dir is
 * --static_dir. */
static bool name_prefix(const char *flag, const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = name[i] == '-' ? '_' : name[i];
		if (flag[i] != c)
			return false;
	}
	return true;
}

static const struct flag *lookup(const char *name, size_t len, char *err, size_t errlen)
{
	const struct flag *hit = NULL;
	int n = 0;
	for (size_t i = 0; i < N_FLAGS; i++) {
		size_t fl = strlen(flags[i].name);
		if (fl < len || !name_prefix(flags[i].name, name, len))
			continue;
		if (fl == len)
			return &flags[i];
		hit = &flags[i];
		n++;
	}
	if (n == 1)
		return hit;
	int w = snprintf(err, errlen, n ? "ambiguous flag --%.*s, did you mean" : "unknown flag --%.*s",
			 (int)len, name);
	for (size_t i = 0; n && i < N_FLAGS && w > 0 && (size_t)w < errlen; i++)
		if (strlen(flags[i].name) > len && name_prefix(flags[i].name, name, len))
			w += snprintf(err + w, errlen - (size_t)w, " --%s", flags[i].name);
	return NULL;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

static void trim(const char **p, size_t *len)
{
	while (*len && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

/* "plugin=N,plugin=N" as TensorBoard parses it: tokens stripped, a repeated
 * plugin keeps its last value. */
int tb_flags_parse_samples(const char *s, tb_store_opts *opts)
{
	opts->n_samples = 0;
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *tok = p;
		p += len + (comma ? 1 : 0);
		trim(&tok, &len);
		if (len == 0)
			continue;
		const char *eq = memchr(tok, '=', len);
		if (!eq)
			return -EINVAL;
		const char *name = tok, *num = eq + 1;
		size_t nlen = (size_t)(eq - tok), vlen = len - nlen - 1;
		trim(&name, &nlen);
		trim(&num, &vlen);
		char digits[32];
		if (!nlen || nlen >= sizeof opts->samples[0].plugin || !vlen || vlen >= sizeof digits)
			return -EINVAL;
		memcpy(digits, num, vlen);
		digits[vlen] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(digits, &end, 10);
		if (*end || errno || v < 0)
			return -EINVAL;
		size_t k = 0;
		while (k < opts->n_samples && (strlen(opts->samples[k].plugin) != nlen ||
					       memcmp(opts->samples[k].plugin, name, nlen)))
			k++;
		if (k == opts->n_samples) {
			if (k == TB_MAX_SAMPLE_RULES)
				return -EINVAL;
			opts->n_samples++;
		}
		memcpy(opts->samples[k].plugin, name, nlen);
		opts->samples[k].plugin[nlen] = '\0';
		opts->samples[k].keep = (uint64_t)v;
	}
	return 0;
}

static char *expand_home(const char *path)
{
	if (path[0] != '~' || (path[1] && path[1] != '/'))
		return strdup(path);
	const char *home = getenv("HOME");
	if (!home)
		return strdup(path);
	size_t len = strlen(home) + strlen(path);
	char *p = malloc(len + 1);
	if (p)
		snprintf(p, len + 1, "%s%s", home, path + 1);
	return p;
}

static int apply(tb_flags *f, const struct flag *fl, const char *v, char *err, size_t errlen)
{
	bool b;
	char *end;
	switch (fl->id) {
	case F_LOGDIR: return set_str(&f->logdir, v);
	case F_LOGDIR_SPEC: return set_str(&f->logdir_spec, v);
	case F_HOST: return set_str(&f->host, v);
	case F_BIND_ALL: f->bind_all = true; return 0;
	case F_PORT: {
		if (!strcmp(v, "default")) {
			f->port = 6006;
			f->port_given = false;
			return 0;
		}
		long p = strtol(v, &end, 10);
		if (*end || end == v || p < 0 || p > 65535) {
			snprintf(err, errlen, "argument --port: invalid port '%s'", v);
			return -EINVAL;
		}
		f->port = (int)p;
		f->port_given = true;
		return 0;
	}
	case F_PATH_PREFIX: return set_str(&f->path_prefix, v);
	case F_WINDOW_TITLE: return set_str(&f->window_title, v);
	case F_SAMPLES:
		if (tb_flags_parse_samples(v, &f->store)) {
			snprintf(err, errlen, "argument --samples_per_plugin: expected plugin=N,... got '%s'", v);
			return -EINVAL;
		}
		return set_str(&f->samples_per_plugin, v);
	case F_LOAD_FAST:
		if (!strcmp(v, "auto"))
			f->load_fast = -1;
		else if (!parse_bool(v, &b))
			f->load_fast = b;
		else {
			snprintf(err, errlen, "argument --load_fast: expected auto, true or false, got '%s'", v);
			return -EINVAL;
		}
		return 0;
	case F_WANDB:
		if (parse_bool(v, &f->wandb)) {
			snprintf(err, errlen, "argument --wandb: expected true or false, got '%s'", v);
			return 2;
		}
		return 0;
	case F_PURGE:
		if (parse_bool(v, &f->purge_orphaned_data)) {
			snprintf(err, errlen, "argument --purge_orphaned_data: expected true or false, got '%s'", v);
			return -EINVAL;
		}
		return 0;
	case F_RELOAD_INTERVAL:
		f->reload_interval = strtod(v, &end);
		if (*end || end == v || !(f->reload_interval >= 0) || f->reload_interval > 1e9) {
			snprintf(err, errlen, "argument --reload_interval: expected seconds >= 0, got '%s'", v);
			return -EINVAL;
		}
		return 0;
	case F_INSPECT: if (f->cmd == TB_CMD_SERVE) f->cmd = TB_CMD_INSPECT; return 0;
	case F_EVENT_FILE: return set_str(&f->event_file, v);
	case F_TAG: return set_str(&f->tag, v);
	case F_RUN: return set_str(&f->run, v);
	case F_FORMAT:
		if (strcmp(v, "jsonl") && strcmp(v, "csv")) {
			snprintf(err, errlen, "argument --format: expected jsonl or csv, got '%s'", v);
			return -EINVAL;
		}
		return set_str(&f->format, v);
	case F_THREADS: {
		long t = strtol(v, &end, 10);
		if (*end || end == v || t < 0 || t > TB_MAX_LOAD_THREADS) {
			snprintf(err, errlen, "argument --threads: expected 0..%d, got '%s'",
				 TB_MAX_LOAD_THREADS, v);
			return -EINVAL;
		}
		f->threads = (int)t;
		return 0;
	}
	case F_WATCH:
		if (strcmp(v, "auto") && strcmp(v, "inotify") && strcmp(v, "poll")) {
			snprintf(err, errlen, "argument --watch: expected auto, inotify or poll, got '%s'", v);
			return -EINVAL;
		}
		return set_str(&f->watch, v);
	case F_STATIC_DIR: return set_str(&f->static_dir, v);
	case F_ALLOWED_HOSTS: return set_str(&f->allowed_hosts, v);
	case F_AUTH:
		if (strcmp(v, "auto") && strcmp(v, "none") && strcmp(v, "token")) {
			snprintf(err, errlen, "argument --auth: expected auto, none or token, got '%s'", v);
			return 2;
		}
		return set_str(&f->auth, v);
	case F_TOKEN: return set_str(&f->token, v);
	case F_TOKEN_FILE: return set_str(&f->token_file, v);
	case F_TLS_CERT: return set_str(&f->tls_cert, v);
	case F_TLS_KEY: return set_str(&f->tls_key, v);
	case F_VERSION_TB: f->cmd = TB_CMD_VERSION; return 0;
	case F_HELP: f->cmd = TB_CMD_HELP; return 0;
	case F_OTHER: return 0;
	}
	return 0;
}

static int defaults(tb_flags *f)
{
	memset(f, 0, sizeof *f);
	f->cmd = TB_CMD_SERVE;
	f->port = 6006;
	f->load_fast = -1;
	f->purge_orphaned_data = true;
	f->wandb = true;
	f->reload_interval = 5.0;
	if (set_str(&f->logdir, "") || set_str(&f->logdir_spec, "") || set_str(&f->path_prefix, "") ||
	    set_str(&f->window_title, "") || set_str(&f->samples_per_plugin, "") ||
	    set_str(&f->watch, "auto") || set_str(&f->format, "jsonl") || set_str(&f->auth, "auto"))
		return -ENOMEM;
	return 0;
}

/* Cross-flag rules (TensorBoard's fix_flags plus ours). */
static int check(tb_flags *f, char *err, size_t errlen)
{
	if (f->cmd == TB_CMD_HELP || f->cmd == TB_CMD_VERSION)
		return 0;
	bool have_logdir = f->logdir[0] != '\0', have_spec = f->logdir_spec[0] != '\0';
	if (f->cmd == TB_CMD_INSPECT && have_spec) {
		snprintf(err, errlen, "Error: --logdir_spec is not supported with --inspect.");
		return -ENOTSUP;
	}
	if (f->cmd == TB_CMD_INSPECT && f->event_file) {
		if (have_logdir || have_spec) {
			snprintf(err, errlen, "Error: --inspect takes exactly one of --logdir and --event_file");
			return -ENOTSUP;
		}
	} else if (!have_logdir && !have_spec) {
		snprintf(err, errlen, "Error: A logdir must be specified (--logdir DIR). "
			 "Run `tbserve --help` for details and examples.");
		return -ENOTSUP;
	}
	if (have_logdir && have_spec) {
		snprintf(err, errlen, "Error: --logdir and --logdir_spec may not be used together");
		return -ENOTSUP;
	}
	if (f->host && f->bind_all) {
		snprintf(err, errlen, "Error: --host and --bind_all are mutually exclusive");
		return -ENOTSUP;
	}
	if (f->path_prefix[0] && f->path_prefix[0] != '/') {
		snprintf(err, errlen, "Error: --path_prefix must start with '/': '%s'", f->path_prefix);
		return -ENOTSUP;
	}
	if (!f->tls_cert != !f->tls_key) {
		snprintf(err, errlen, "Error: --tls_cert and --tls_key go together (HTTPS needs both)");
		return 1;
	}
	if (f->token && f->token_file) {
		snprintf(err, errlen, "Error: --token and --token_file are mutually exclusive");
		return 1;
	}
	if (!strcmp(f->auth, "none") && (f->token || f->token_file)) {
		snprintf(err, errlen, "Error: --auth=none contradicts --token/--token_file");
		return 1;
	}
	size_t n = strlen(f->path_prefix);
	while (n && f->path_prefix[n - 1] == '/')
		f->path_prefix[--n] = '\0';
	if (!f->purge_orphaned_data)
		f->store.rule = TB_PURGE_NONE;
	else if (f->load_fast == 0)
		f->store.rule = TB_PURGE_SESSION;
	else
		f->store.rule = TB_PURGE_STEP;
	f->logdir_path = expand_home(f->logdir);
	if (!f->logdir_path)
		return -ENOMEM;
	if (!f->host)
		return set_str(&f->host, f->bind_all ? "::" : "localhost");
	return 0;
}

int tb_flags_parse(tb_flags *f, int argc, char **argv, char *err, size_t errlen)
{
	if (defaults(f)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int i = 1;
	if (i < argc && !strcmp(argv[i], "serve"))
		i++;
	else if (i < argc && !strcmp(argv[i], "export")) {
		f->cmd = TB_CMD_EXPORT;
		i++;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h"))
			a = "--help";
		if (strncmp(a, "--", 2) || !a[2]) {
			snprintf(err, errlen, "unexpected argument '%s'", a);
			return -EINVAL;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct flag *fl = lookup(name, len, err, errlen);
		if (!fl)
			return -EINVAL;
		const char *v = NULL;
		if (fl->kind == SWITCH || fl->kind == IGNORED_SWITCH) {
			if (eq) {
				snprintf(err, errlen, "flag --%s takes no value", fl->name);
				return -EINVAL;
			}
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			snprintf(err, errlen, "flag --%s expects a value", fl->name);
			return -EINVAL;
		}
		if (fl->kind == INT || fl->kind == DOUBLE || fl->kind == STR || fl->kind == BOOL_ARG ||
		    fl->kind == SWITCH) {
			int rc = apply(f, fl, v, err, errlen);
			if (rc)
				return rc;
		}
	}
	return check(f, err, errlen);
}

int tb_flags_exit_code(int rc)
{
	return rc == 0 ? 0 : rc == -EINVAL ? 2 : 1;
}

void tb_flags_release(tb_flags *f)
{
	free(f->logdir);
	free(f->logdir_path);
	free(f->logdir_spec);
	free(f->host);
	free(f->path_prefix);
	free(f->window_title);
	free(f->samples_per_plugin);
	free(f->watch);
	free(f->static_dir);
	free(f->event_file);
	free(f->tag);
	free(f->run);
	free(f->format);
	free(f->allowed_hosts);
	free(f->auth);
	if (f->token)
		explicit_bzero(f->token, strlen(f->token));
	free(f->token);
	free(f->token_file);
	free(f->tls_cert);
	free(f->tls_key);
	memset(f, 0, sizeof *f);
}
