// sources: userspace/genl.c -lmnl
// SPDX-License-Identifier: GPL-2.0
/*
 * What monitor reads of nlctrl's notifications (userspace/genl.c): a
 * family registered (CTRL_CMD_NEWFAMILY, with its id and groups) or gone
 * (CTRL_CMD_DELFAMILY), as the kernel's ctrl_fill_info() writes them.
 */
#include <errno.h>
#include <linux/genetlink.h>

#include "test.h"
#include "../../userspace/genl.h"

static char buf[4096];

static struct nlmsghdr *ctrl_msg(uint16_t type, uint8_t cmd, const char *name,
				 uint16_t id, unsigned int ngroups)
{
	struct nlattr *groups, *grp;
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	unsigned int i;
	char gname[32];

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 2;
	if (name)
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	if (!ngroups)
		return nlh;
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	for (i = 0; i < ngroups; i++) {
		grp = mnl_attr_nest_start(nlh, i + 1);
		snprintf(gname, sizeof(gname), i ? "other%u" : "events", i);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 40 + i);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, gname);
		mnl_attr_nest_end(nlh, grp);
	}
	mnl_attr_nest_end(nlh, groups);
	return nlh;
}

static void test_newfamily(void)
{
	struct genl_family_info fi;
	struct genl g;
	uint8_t cmd;

	CHECK(genl_ctrl_parse(ctrl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY,
				       "imgsec", 0x23, 2), &cmd, &fi) == 0,
	      "parsed");
	CHECK(cmd == CTRL_CMD_NEWFAMILY, "cmd %u", cmd);
	CHECK(!strcmp(fi.name, "imgsec") && fi.id == 0x23 && fi.version == 1,
	      "%s %u %u", fi.name, fi.id, fi.version);
	CHECK(fi.ngroups == 2 && !strcmp(fi.groups[0].name, "events") &&
	      fi.groups[0].id == 40 && fi.groups[1].id == 41,
	      "groups %u", fi.ngroups);

	/* Monitor then talks to the family under its new id. */
	memset(&g, 0, sizeof(g));
	g.family = 0x1f;
	genl_use_family(&g, &fi);
	CHECK(g.family == 0x23 && g.ngroups == 2 && g.groups[0].id == 40,
	      "genl_use_family");
}

static void test_delfamily(void)
{
	struct genl_family_info fi;
	uint8_t cmd;

	CHECK(genl_ctrl_parse(ctrl_msg(GENL_ID_CTRL, CTRL_CMD_DELFAMILY,
				       "imgsec", 0x23, 0), &cmd, &fi) == 0 &&
	      cmd == CTRL_CMD_DELFAMILY && !strcmp(fi.name, "imgsec") &&
	      fi.id == 0x23 && !fi.ngroups, "DELFAMILY");
}

static void test_refused(void)
{
	struct genl_family_info fi;
	struct nlmsghdr *nlh;
	uint8_t cmd;

	CHECK(genl_ctrl_parse(ctrl_msg(0x23, CTRL_CMD_NEWFAMILY, "imgsec",
				       0x23, 0), &cmd, &fi) == -ENOENT,
	      "not nlctrl's: an event of the family itself");
	nlh = ctrl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, NULL, 0x23, 0);
	CHECK(genl_ctrl_parse(nlh, &cmd, &fi) == 0 && !fi.name[0],
	      "no name: matches no family");
	CHECK(genl_ctrl_parse(ctrl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY,
				       "a-name-of-32-characters-or-more!",
				       0x23, 0), &cmd, &fi) == -EBADMSG,
	      "a name too long");
	nlh = ctrl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, "imgsec", 0x23, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CHECK(genl_ctrl_parse(nlh, &cmd, &fi) == -EBADMSG, "cut short");
}

int main(void)
{
	RUN(test_newfamily);
	RUN(test_delfamily);
	RUN(test_refused);
	return test_summary();
}
