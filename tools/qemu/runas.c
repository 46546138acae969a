// SPDX-License-Identifier: GPL-2.0
/*
 * runas - run a command as another user, for the QEMU guest's unprivileged
 * tests (busybox has no setpriv, and its su needs a password database).
 *
 * Usage: runas UID[:GID] COMMAND [ARG...]
 *
 * Clears the supplementary groups, then sets the group and user ids (real,
 * effective and saved). Leaving uid 0 this way also empties the permitted
 * and effective capability sets, so the command runs with no capability.
 * GID defaults to UID.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long parse_id(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || v > 0xfffffffeUL) {
		fprintf(stderr, "runas: bad %s '%s'\n", what, s);
		exit(127);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;
	const char *colon;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID[:GID] COMMAND [ARG...]\n");
		return 127;
	}
	uid = parse_id(argv[1], "uid");
	colon = strchr(argv[1], ':');
	gid = colon ? parse_id(colon + 1, "gid") : uid;

	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("runas: cannot change ids");
		return 127;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "runas: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
