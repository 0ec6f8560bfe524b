// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec: firewall for a Dialogic IMG 1010 media gateway and its GCEMS
 * management server. Module init and exit; each part lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "imgsec.h"
#include "rpc_conn.h"

static int __init imgsec_init(void)
{
	int ret;

	ret = imgsec_rpc_conn_init();
	if (ret < 0)
		return ret;

	/* The helper keeps its state per namespace: pernet first. */
	ret = imgsec_pernet_init();
	if (ret < 0)
		goto err_pernet;

	imgsec_events_init();

	ret = imgsec_rpc_helper_init();
	if (ret < 0)
		goto err_helper;

	ret = imgsec_genl_init();
	if (ret < 0)
		goto err_genl;
	imgsec_events_start();

	pr_info("version " IMGSEC_VERSION " loaded\n");
	return 0;

err_genl:
	imgsec_rpc_helper_exit();
err_helper:
	imgsec_events_exit();
	imgsec_pernet_exit();
err_pernet:
	imgsec_rpc_conn_exit();
	return ret;
}

/* The hooks go before the helper: see imgsec_flush_all(). */
static void __exit imgsec_exit(void)
{
	imgsec_events_stop();
	imgsec_genl_exit();
	imgsec_flush_all();
	imgsec_rpc_helper_exit();
	imgsec_events_exit();
	imgsec_pernet_exit();
	imgsec_rpc_conn_exit();
}

module_init(imgsec_init);
module_exit(imgsec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IMG/GCEMS port-table firewall and SUN RPC portmap conntrack helper");
MODULE_VERSION(IMGSEC_VERSION);
MODULE_ALIAS_GENL_FAMILY(IMGSEC_GENL_NAME);
MODULE_ALIAS_NFCT_HELPER(IMGSEC_RPC_HELPER_NAME);
