// SPDX-License-Identifier: GPL-2.0
/*
 * ethfeat: turn GRO or TSO of a network device on or off, as
 * "ethtool -K DEV gro|tso on|off" does (the legacy SIOCETHTOOL commands),
 * without ethtool in the test VM. A veth with GRO on takes its packets in
 * NAPI batches, as a real NIC does (tests/e2e/hardening_test.sh).
 *
 *   ethfeat DEV gro|tso on|off
 *
 * Static (make tools).
 */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ethtool_value v = { 0 };
	struct ifreq ifr = { 0 };
	int fd;

	if (argc != 4 || strlen(argv[1]) >= IFNAMSIZ ||
	    (strcmp(argv[3], "on") && strcmp(argv[3], "off"))) {
		fprintf(stderr, "usage: ethfeat DEV gro|tso on|off\n");
		return 2;
	}
	if (!strcmp(argv[2], "gro")) {
		v.cmd = ETHTOOL_SGRO;
	} else if (!strcmp(argv[2], "tso")) {
		v.cmd = ETHTOOL_STSO;
	} else {
		fprintf(stderr, "ethfeat: only gro and tso\n");
		return 2;
	}
	v.data = !strcmp(argv[3], "on");
	strcpy(ifr.ifr_name, argv[1]);
	ifr.ifr_data = (char *)&v;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		perror("ethfeat");
		return 1;
	}
	close(fd);
	return 0;
}
