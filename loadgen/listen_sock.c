/* The listening sockets of the built-in listener (lg_internal.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"

/* socket, SO_REUSEADDR (+ SO_REUSEPORT and SO_INCOMING_CPU when cpu > -2),
 * bind 0.0.0.0:port or [::]:port v6only, listen(backlog) as given. */
int lg_open_listener(const struct lg_server_opts *opts, int cpu)
{
	int one = 1, fd, err;

	fd = socket(opts->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (opts->ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    (cpu > -2 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    (cpu >= 0 && setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) != 0))
		goto fail;
	if (opts->ipv6) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
					 .sin6_port = htons(opts->port),
					 .sin6_addr = IN6ADDR_ANY_INIT};
		err = bind(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(opts->port),
					.sin_addr.s_addr = htonl(INADDR_ANY)};
		err = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	if (err || listen(fd, opts->backlog) != 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}
