// SPDX-License-Identifier: GPL-2.0
/*
 * Test only (tests/e2e/hardening_test.sh, race_case): holds one UDP first
 * packet once the helper is done with it (imgsec_rpc_clash_confirmed()
 * returned) and before conntrack confirms its entry, on one CPU, once per
 * arming, so that a twin sent on another CPU meanwhile races it as two
 * CPUs can, only for longer: only the scan of the entries on their way
 * can see it then.
 *
 *   insmod imgsec_clash_delay.ko cpu=0 delay_ms=1500
 *   echo 1 >/sys/module/imgsec_clash_delay/parameters/armed
 *   cat /sys/module/imgsec_clash_delay/parameters/fired
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/smp.h>

static int cpu;
module_param(cpu, int, 0644);
MODULE_PARM_DESC(cpu, "the CPU whose packet is held");
static int delay_ms = 1500;
module_param(delay_ms, int, 0644);
MODULE_PARM_DESC(delay_ms, "how long (at most 5000)");
static int armed;
module_param(armed, int, 0644);
MODULE_PARM_DESC(armed, "1: hold the next one");
static int fired;
module_param(fired, int, 0444);
MODULE_PARM_DESC(fired, "packets held so far");

static int imgsec_clash_delay_ret(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	if (smp_processor_id() != READ_ONCE(cpu) ||
	    cmpxchg(&armed, 1, 0) != 1)
		return 0;
	fired++;
	mdelay(clamp(READ_ONCE(delay_ms), 0, 5000));
	return 0;
}

static struct kretprobe imgsec_clash_delay_krp = {
	.kp.symbol_name = "imgsec_rpc_clash_confirmed",
	.handler = imgsec_clash_delay_ret,
	.maxactive = 16,
};

static int __init imgsec_clash_delay_init(void)
{
	return register_kretprobe(&imgsec_clash_delay_krp);
}

static void __exit imgsec_clash_delay_exit(void)
{
	unregister_kretprobe(&imgsec_clash_delay_krp);
}

module_init(imgsec_clash_delay_init);
module_exit(imgsec_clash_delay_exit);
MODULE_DESCRIPTION("imgsec test: hold a UDP first packet in the helper");
MODULE_LICENSE("GPL");
