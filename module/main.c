// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec: firewall for a Dialogic IMG 1010 media gateway and its GCEMS
 * management server. Module init and exit; each part lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "imgsec.h"

static int __init imgsec_init(void)
{
	int ret;

	/* The helper counts into per-namespace state: pernet first. */
	ret = imgsec_pernet_init();
	if (ret < 0)
		goto err_pernet;

	ret = imgsec_rpc_helper_init();
	if (ret < 0)
		goto err_helper;

	ret = imgsec_genl_init();
	if (ret < 0)
		goto err_genl;

	pr_info("version " IMGSEC_VERSION " loaded\n");
	return 0;

err_genl:
	imgsec_rpc_helper_exit();
err_helper:
	imgsec_pernet_exit();
err_pernet:
	return ret;
}

static void __exit imgsec_exit(void)
{
	imgsec_genl_exit();
	imgsec_rpc_helper_exit();
	imgsec_pernet_exit();
}

module_init(imgsec_init);
module_exit(imgsec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IMG/GCEMS port-table firewall and SUN RPC portmap conntrack helper");
MODULE_VERSION(IMGSEC_VERSION);
MODULE_ALIAS_GENL_FAMILY(IMGSEC_GENL_NAME);
MODULE_ALIAS_NFCT_HELPER(IMGSEC_RPC_HELPER_NAME);
