/* The restore journal with real sysctls (harness/run/restore.c), in a fresh
 * namespace that plays one synbench did not create:
 *  - set then close: the journal on disk while the run lasts, the values
 *    back and the journal gone after;
 *  - sb_restore_now from a signal handler (a process ending at once);
 *  - two runs changing one namespace, ending in either order: the first
 *    value before comes back, and the run still going keeps its value;
 *  - a writer killed: sb_restore_recover puts its values back; a writer
 *    whose namespace went with it: its journal dropped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/run/netns.h"
#include "harness/run/restore.h"
#include "harness/run/restore_journal.h"
#include "tests/test.h"

#define SOMAXCONN  "net.core.somaxconn"
#define SYNCOOKIES "net.ipv4.tcp_syncookies"

static char journal[128];

static long val(const char *name)
{
	return sb_sysctl_read_int(name, -1);
}

/* pid's journal for this namespace is there */
static int journal_of(long pid)
{
	snprintf(journal, sizeof(journal), SB_RESTORE_DIR "/%ld-%llu", pid,
		 (unsigned long long)sb_netns_inode());
	return access(journal, F_OK) == 0;
}

/* pid has a journal, for any namespace */
static int any_journal(long pid)
{
	char pfx[32];
	struct dirent *de;
	DIR *d = opendir(SB_RESTORE_DIR);
	int found = 0;

	snprintf(pfx, sizeof(pfx), "%ld-", pid);
	while (d && (de = readdir(d)) != NULL)
		found |= strncmp(de->d_name, pfx, strlen(pfx)) == 0;
	if (d)
		closedir(d);
	return found;
}

static int set(struct sb_restore *r, const char *name, const char *v)
{
	char err[256] = "";
	int e = sb_restore__set(r, name, v, err, sizeof(err));

	if (e)
		fprintf(stderr, "  set %s=%s: %s (%s)\n", name, v, err, strerror(-e));
	return e;
}

static void test_close(void)
{
	struct sb_restore *r = NULL;
	struct sb_journal j;
	char text[4096] = "", err[128] = "";
	struct stat st;
	int fd;

	if (!ASSERT_OK(sb_restore__open(NULL, &r, err, sizeof(err)), "open"))
		return;
	ASSERT_FALSE(journal_of(getpid()), "no journal before a change");
	ASSERT_OK(set(r, SOMAXCONN, "16"), "somaxconn 16");
	ASSERT_OK(set(r, SYNCOOKIES, "0"), "syncookies 0");
	ASSERT_OK(set(r, "net.ipv4.tcp_syn_retries", "6"), "syn_retries as it is");
	ASSERT_EQ(val(SOMAXCONN), 16, "somaxconn set");
	ASSERT_TRUE(journal_of(getpid()), "the journal is there");
	ASSERT_OK(stat(SB_RESTORE_DIR, &st), "the directory");
	ASSERT_EQ(st.st_mode & 0777, 0700, "root-only directory");
	ASSERT_OK(stat(journal, &st), "the journal");
	ASSERT_EQ(st.st_mode & 0777, 0600, "root-only journal");
	fd = open(journal, O_RDONLY);
	if (fd >= 0) {
		ASSERT_GT(read(fd, text, sizeof(text) - 1), 0, "read");
		close(fd);
	}
	ASSERT_OK(sb_journal_parse(text, &j, err, sizeof(err)), "it parses");
	ASSERT_EQ(j.pid, getpid(), "pid");
	ASSERT_EQ(j.netns, sb_netns_inode(), "netns");
	ASSERT_EQ(j.n, 2, "two sysctls (the third was already so)");
	ASSERT_STREQ(j.set[0].before, "1000", "somaxconn before");
	ASSERT_STREQ(j.set[0].written, "16", "somaxconn written");
	sb_restore__close(r);
	ASSERT_EQ(val(SOMAXCONN), 1000, "somaxconn back");
	ASSERT_EQ(val(SYNCOOKIES), 1, "syncookies back");
	ASSERT_FALSE(journal_of(getpid()), "journal gone");
}

static void on_usr1(int sig)
{
	(void)sig;
	sb_restore_now();
}

static void test_now(void)
{
	struct sb_restore *r = NULL;
	char err[128];

	signal(SIGUSR1, on_usr1);
	if (!ASSERT_OK(sb_restore__open(NULL, &r, err, sizeof(err)), "open"))
		return;
	ASSERT_OK(set(r, SOMAXCONN, "16"), "somaxconn 16");
	raise(SIGUSR1);
	ASSERT_EQ(val(SOMAXCONN), 1000, "back from the signal handler");
	ASSERT_FALSE(journal_of(getpid()), "journal gone");
	sb_restore__close(r);
	ASSERT_EQ(val(SOMAXCONN), 1000, "still back after close");
	signal(SIGUSR1, SIG_DFL);
}

/* A child run that sets somaxconn to v, says so on out, then closes when
 * told on in (or, told 'k', ends without closing). */
static pid_t child_run(const char *v, int *to, int *from)
{
	int a[2], b[2];
	pid_t pid;

	if (pipe(a) || pipe(b))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sb_restore *r = NULL;
		char err[128], c = 0;

		close(a[1]);
		close(b[0]);
		if (sb_restore__open(NULL, &r, err, sizeof(err)) || set(r, SOMAXCONN, v))
			_exit(1);
		if (write(b[1], "r", 1) != 1 || read(a[0], &c, 1) != 1 || c == 'k')
			_exit(2);
		sb_restore__close(r);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	*to = a[1];
	*from = b[0];
	return pid;
}

static int child_end(pid_t pid, int to, int from, char how)
{
	int status = -1;

	if (write(to, &how, 1) != 1)
		return -1;
	waitpid(pid, &status, 0);
	close(to);
	close(from);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_two_runs(int child_first)
{
	struct sb_restore *r = NULL;
	int to, from;
	char c, err[128];
	pid_t pid = child_run("16", &to, &from);

	if (!ASSERT_GT(pid, 0, "child run") || !ASSERT_EQ(read(from, &c, 1), 1, "child set"))
		return;
	ASSERT_EQ(val(SOMAXCONN), 16, "the child's value");
	ASSERT_OK(sb_restore__open(NULL, &r, err, sizeof(err)), "open");
	ASSERT_OK(set(r, SOMAXCONN, "32"), "somaxconn 32 over the child's");
	if (child_first) {
		ASSERT_EQ(child_end(pid, to, from, 'c'), 0, "the child ends first");
		ASSERT_EQ(val(SOMAXCONN), 32, "this run keeps its value");
		sb_restore__close(r);
	} else {
		sb_restore__close(r);
		ASSERT_EQ(val(SOMAXCONN), 16, "the child gets its value again");
		ASSERT_EQ(child_end(pid, to, from, 'c'), 0, "the child ends last");
	}
	ASSERT_EQ(val(SOMAXCONN), 1000, "the first value before is back");
	ASSERT_FALSE(journal_of(pid), "the child's journal gone");
	ASSERT_FALSE(journal_of(getpid()), "this journal gone");
}

static void test_recover(void)
{
	int to, from, status = -1;
	char c;
	pid_t pid = child_run("16", &to, &from);

	if (!ASSERT_GT(pid, 0, "child run") || !ASSERT_EQ(read(from, &c, 1), 1, "child set"))
		return;
	ASSERT_EQ(child_end(pid, to, from, 'k'), 2, "the child ends without putting back");
	ASSERT_EQ(val(SOMAXCONN), 16, "still the child's value");
	ASSERT_TRUE(journal_of(pid), "its journal left");
	ASSERT_GE(sb_restore_recover(), 1, "recovered");
	ASSERT_EQ(val(SOMAXCONN), 1000, "back");
	ASSERT_FALSE(journal_of(pid), "journal gone");

	/* a child in a namespace of its own that dies with it */
	pid = fork();
	if (pid == 0) {
		struct sb_restore *r = NULL;
		char err[128];
		uint64_t ino;

		if (sb_netns_enter(&ino) || sb_restore__open(NULL, &r, err, sizeof(err)) ||
		    set(r, SOMAXCONN, "16"))
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ASSERT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "child in its own namespace");
	ASSERT_TRUE(any_journal(pid), "its journal left");
	ASSERT_GE(sb_restore_recover(), 1, "its journal handled");
	ASSERT_FALSE(any_journal(pid), "and dropped");
	ASSERT_EQ(val(SOMAXCONN), 1000, "this namespace untouched");
}

int main(void)
{
	uint64_t ino;
	int rc = sb_test_need_root();

	if (rc)
		return rc;
	if (!ASSERT_OK(sb_netns_enter(&ino), "fresh namespace"))
		return sb_test_result();
	ASSERT_OK(sb_sysctl_write(SOMAXCONN, "1000"), "somaxconn 1000 to start");
	test_close();
	test_now();
	test_two_runs(1);
	test_two_runs(0);
	test_recover();
	return sb_test_result();
}
