// SPDX-License-Identifier: GPL-2.0
/*
 * ctunhelp: take the helper off one conntrack entry, as any CAP_NET_ADMIN
 * of a namespace can through ctnetlink (CTA_HELP with the empty name), which
 * the conntrack tool has no option for. The entry is named by its original
 * tuple; IPv4 or IPv6 from the addresses.
 *
 *   ctunhelp tcp|udp SRC DST SPORT DPORT
 *
 * Exit 0 when the kernel acknowledged the update. Raw netlink; static
 * (make tools), for the test VM (tests/e2e/hardening_test.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct msg {
	char buf[1024];
	size_t len;
};

static struct nlattr *put(struct msg *m, unsigned short type,
			  const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(a + 1, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

static struct nlattr *nest(struct msg *m, unsigned short type)
{
	return put(m, type | NLA_F_NESTED, NULL, 0);
}

static void end(struct msg *m, struct nlattr *a)
{
	a->nla_len = m->buf + m->len - (char *)a;
}

static void usage(void)
{
	fprintf(stderr, "usage: ctunhelp tcp|udp SRC DST SPORT DPORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	unsigned char a4[2][4], a6[2][16];
	struct nlattr *tuple, *ip, *proto, *help;
	struct nfgenmsg *nfg;
	struct nlmsghdr *nlh;
	struct msg m = { .len = NLMSG_HDRLEN + sizeof(*nfg) };
	char reply[4096];
	int fd, v6, i, err;
	uint16_t port[2];
	uint8_t l4;
	ssize_t n;

	if (argc != 6)
		usage();
	if (!strcmp(argv[1], "tcp"))
		l4 = IPPROTO_TCP;
	else if (!strcmp(argv[1], "udp"))
		l4 = IPPROTO_UDP;
	else
		usage();
	v6 = strchr(argv[2], ':') != NULL;
	for (i = 0; i < 2; i++) {
		if (inet_pton(v6 ? AF_INET6 : AF_INET, argv[2 + i],
			      v6 ? (void *)a6[i] : (void *)a4[i]) != 1)
			usage();
		port[i] = htons(atoi(argv[4 + i]));
	}

	nlh = (struct nlmsghdr *)m.buf;
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg = NLMSG_DATA(nlh);
	nfg->nfgen_family = v6 ? AF_INET6 : AF_INET;
	nfg->version = NFNETLINK_V0;
	tuple = nest(&m, CTA_TUPLE_ORIG);
	ip = nest(&m, CTA_TUPLE_IP);
	if (v6) {
		put(&m, CTA_IP_V6_SRC, a6[0], 16);
		put(&m, CTA_IP_V6_DST, a6[1], 16);
	} else {
		put(&m, CTA_IP_V4_SRC, a4[0], 4);
		put(&m, CTA_IP_V4_DST, a4[1], 4);
	}
	end(&m, ip);
	proto = nest(&m, CTA_TUPLE_PROTO);
	put(&m, CTA_PROTO_NUM, &l4, 1);
	put(&m, CTA_PROTO_SRC_PORT, &port[0], 2);
	put(&m, CTA_PROTO_DST_PORT, &port[1], 2);
	end(&m, proto);
	end(&m, tuple);
	help = nest(&m, CTA_HELP);
	put(&m, CTA_HELP_NAME, "", 1);
	end(&m, help);
	nlh->nlmsg_len = m.len;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0) {
		perror("socket");
		return 2;
	}
	if (sendto(fd, m.buf, m.len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		perror("sendto");
		return 2;
	}
	n = recv(fd, reply, sizeof(reply), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(int))) {
		perror("recv");
		return 2;
	}
	nlh = (struct nlmsghdr *)reply;
	err = nlh->nlmsg_type == NLMSG_ERROR ? *(int *)NLMSG_DATA(nlh) : -EIO;
	if (err) {
		fprintf(stderr, "ctunhelp: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
