// SPDX-License-Identifier: GPL-2.0
/*
 * What the packet path reports: kernel log lines through nf_log, as nft's
 * "log" does (so in a namespace other than the host's only with
 * net.netfilter.nf_log_all_netns=1), and events to the "events" multicast
 * group. Each is rate limited per namespace (IMGSEC_LOG_*, IMGSEC_EVENT_*),
 * so a flood of refused packets costs a bounded amount of reporting; what
 * is left out is counted, and the next event says how much. An event
 * carries the time (CLOCK_REALTIME), the device and the policy generation.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kmod.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_log.h>

#include "imgsec.h"

static bool imgsec_logging;
/* Events go to the family while it is registered, and only then. */
static bool imgsec_events_on;

static bool imgsec_report_pass(struct imgsec_net *in,
			       struct imgsec_ratelimit *limit, u32 rate,
			       u32 burst, int suppressed_counter,
			       u32 *suppressed)
{
	bool pass;

	spin_lock_bh(&in->report_lock);
	pass = imgsec_ratelimit_pass(limit, ktime_get_mono_fast_ns(), rate,
				     burst, suppressed);
	spin_unlock_bh(&in->report_lock);
	if (!pass)
		imgsec_count(in, suppressed_counter);
	return pass;
}

static void imgsec_log(struct imgsec_net *in, struct sk_buff *skb,
		       const struct nf_hook_state *state, const char *prefix)
{
	struct nf_loginfo info = {
		.type = NF_LOG_TYPE_LOG,
		.u.log.level = LOGLEVEL_INFO,
	};
	u32 suppressed;

	/* Where nf_log would print nothing, spend no token. */
	if (!imgsec_logging || (!net_eq(state->net, &init_net) &&
				!READ_ONCE(sysctl_nf_log_all_netns)))
		return;
	if (!imgsec_report_pass(in, &in->log_limit, IMGSEC_LOG_RATE,
				IMGSEC_LOG_BURST,
				IMGSEC_STATS_A_LOG_SUPPRESSED, &suppressed))
		return;
	nf_log_packet(state->net, state->pf, state->hook, skb, state->in,
		      state->out, &info, "%s", prefix);
}

/* What an event says beyond the packet. */
struct imgsec_event_info {
	u8 type;			/* enum imgsec_event_type */
	bool monitor;
	u32 program;			/* 0: none */
	int rule;			/* -1: none */
	u32 generation;			/* of @rule's policy, if @rule */
	u8 limit;			/* enum imgsec_limit_kind, if @rule */
	const struct net_device *dev;	/* NULL: none */
};

static size_t imgsec_event_size(void)
{
	return nla_total_size(0) +			/* IMGSEC_A_EVENT */
	       4 * nla_total_size(sizeof(u8)) +		/* type, family, proto,
							 * limit
							 */
	       2 * nla_total_size(16) +			/* addresses */
	       2 * nla_total_size(sizeof(u16)) +	/* ports */
	       nla_total_size(0) +			/* monitor */
	       2 * nla_total_size(sizeof(u32)) +	/* program, suppressed */
	       nla_total_size_64bit(sizeof(u64)) +	/* time */
	       3 * nla_total_size(sizeof(u32)) +	/* ifindex, generation, rule */
	       nla_total_size(IFNAMSIZ);		/* ifname */
}

/*
 * The generation of the policy in force: the one the hook decided with,
 * unless a new one was published in between (reported then: a drop that
 * races with set-policy is told with the newer number).
 */
static u32 imgsec_event_generation(struct imgsec_net *in)
{
	const struct imgsec_policy *p = rcu_dereference(in->policy);

	return p ? p->generation : READ_ONCE(in->generation);
}

static int imgsec_event_fill(struct sk_buff *msg,
			     const struct imgsec_event_info *ei,
			     const struct imgsec_pkt *pkt, u32 suppressed,
			     u32 generation)
{
	const struct net_device *dev = ei->dev;
	int alen = pkt->family == 6 ? 16 : 4;
	char ifname[IFNAMSIZ] = "";
	struct nlattr *nest;

	/* A rename may be under way: a copy is terminated whatever it reads. */
	if (dev)
		strscpy(ifname, dev->name, sizeof(ifname));
	nest = nla_nest_start(msg, IMGSEC_A_EVENT);
	if (!nest ||
	    nla_put_u8(msg, IMGSEC_EVENT_A_TYPE, ei->type) ||
	    nla_put_u8(msg, IMGSEC_EVENT_A_FAMILY,
		       pkt->family == 6 ? AF_INET6 : AF_INET) ||
	    nla_put_u8(msg, IMGSEC_EVENT_A_PROTO, pkt->proto) ||
	    nla_put(msg, IMGSEC_EVENT_A_SADDR, alen, pkt->saddr) ||
	    nla_put(msg, IMGSEC_EVENT_A_DADDR, alen, pkt->daddr) ||
	    nla_put_u16(msg, IMGSEC_EVENT_A_SPORT, pkt->sport) ||
	    nla_put_u16(msg, IMGSEC_EVENT_A_DPORT, pkt->dport) ||
	    (ei->monitor && nla_put_flag(msg, IMGSEC_EVENT_A_MONITOR)) ||
	    (ei->program &&
	     nla_put_u32(msg, IMGSEC_EVENT_A_PROGRAM, ei->program)) ||
	    (suppressed &&
	     nla_put_u32(msg, IMGSEC_EVENT_A_SUPPRESSED, suppressed)) ||
	    nla_put_u64_64bit(msg, IMGSEC_EVENT_A_TIME_NS,
			      ktime_get_real_ns(), IMGSEC_EVENT_A_PAD) ||
	    (dev && (nla_put_u32(msg, IMGSEC_EVENT_A_IFINDEX, dev->ifindex) ||
		     nla_put_string(msg, IMGSEC_EVENT_A_IFNAME, ifname))) ||
	    nla_put_u32(msg, IMGSEC_EVENT_A_GENERATION, generation) ||
	    (ei->rule >= 0 &&
	     (nla_put_u32(msg, IMGSEC_EVENT_A_RULE, ei->rule) ||
	      nla_put_u8(msg, IMGSEC_EVENT_A_LIMIT, ei->limit))))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Nothing is built unless someone listens and the rate allows it. */
static void imgsec_event_send(struct imgsec_net *in,
			      const struct imgsec_event_info *ei,
			      const struct imgsec_pkt *pkt)
{
	struct sk_buff *msg;
	u32 suppressed;
	void *hdr;

	if (!READ_ONCE(imgsec_events_on) ||
	    !genl_has_listeners(&imgsec_genl_family, in->net, 0))
		return;
	if (!imgsec_report_pass(in, &in->event_limit, IMGSEC_EVENT_RATE,
				IMGSEC_EVENT_BURST,
				IMGSEC_STATS_A_EVENTS_SUPPRESSED, &suppressed))
		return;
	msg = genlmsg_new(imgsec_event_size(), GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &imgsec_genl_family, 0, IMGSEC_CMD_EVENT);
	if (!hdr ||
	    imgsec_event_fill(msg, ei, pkt, suppressed,
			      ei->rule >= 0 ? ei->generation :
					      imgsec_event_generation(in))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&imgsec_genl_family, in->net, msg, 0, 0,
				GFP_ATOMIC);
}

/* The device a refused packet came in on, or was to go out of. */
static const struct net_device *imgsec_hook_dev(const struct nf_hook_state *s)
{
	return s->hook == NF_INET_LOCAL_OUT ? s->out : s->in;
}

void imgsec_report_drop(struct imgsec_net *in, struct sk_buff *skb,
			const struct nf_hook_state *state,
			const struct imgsec_pkt *pkt, bool monitor)
{
	struct imgsec_event_info ei = {
		.type = IMGSEC_EVENT_DROP, .monitor = monitor, .rule = -1,
		.dev = imgsec_hook_dev(state),
	};

	imgsec_log(in, skb, state,
		   monitor ? "imgsec: would drop " : "imgsec: drop ");
	imgsec_event_send(in, &ei, pkt);
}

/*
 * Logs and events share the drops' rate limits: a flood costs the same.
 * The event names @rule of @generation, the policy the hook decided with,
 * even if set-policy published another since, and which of its limits
 * (@limit, enum imgsec_limit_kind) the connection was over.
 */
void imgsec_report_limit(struct imgsec_net *in, struct sk_buff *skb,
			 const struct nf_hook_state *state,
			 const struct imgsec_pkt *pkt, bool monitor, u32 rule,
			 u32 generation, u8 limit)
{
	static const char *const prefix[2][__IMGSEC_LIMIT_MAX] = {
		{
			[IMGSEC_LIMIT_RULE] = "imgsec: limit ",
			[IMGSEC_LIMIT_SOURCE_RATE] = "imgsec: per-source limit ",
			[IMGSEC_LIMIT_SOURCE_MAX] = "imgsec: per-source max ",
		}, {
			[IMGSEC_LIMIT_RULE] = "imgsec: would limit ",
			[IMGSEC_LIMIT_SOURCE_RATE] =
				"imgsec: would per-source limit ",
			[IMGSEC_LIMIT_SOURCE_MAX] =
				"imgsec: would per-source max ",
		},
	};
	struct imgsec_event_info ei = {
		.type = IMGSEC_EVENT_LIMIT, .monitor = monitor, .rule = rule,
		.generation = generation, .limit = limit,
		.dev = imgsec_hook_dev(state),
	};

	imgsec_log(in, skb, state, prefix[monitor][limit]);
	imgsec_event_send(in, &ei, pkt);
}

void imgsec_event_expect(struct imgsec_net *in, const struct imgsec_pkt *pkt,
			 u32 program)
{
	struct imgsec_event_info ei = {
		.type = IMGSEC_EVENT_EXPECT, .program = program, .rule = -1,
	};

	imgsec_event_send(in, &ei, pkt);
}

/* Hold the kernel's packet logger, loading it as xt_LOG does. */
void __init imgsec_events_init(void)
{
	if (nf_logger_find_get(NFPROTO_INET, NF_LOG_TYPE_LOG)) {
		request_module("nf_log_syslog");
		if (nf_logger_find_get(NFPROTO_INET, NF_LOG_TYPE_LOG)) {
			pr_warn("no packet logger (nf_log_syslog): drops are counted, not logged\n");
			return;
		}
	}
	imgsec_logging = true;
}

void imgsec_events_exit(void)
{
	if (imgsec_logging)
		nf_logger_put(NFPROTO_INET, NF_LOG_TYPE_LOG);
}

void imgsec_events_start(void)
{
	WRITE_ONCE(imgsec_events_on, true);
}

/*
 * Before the family goes: the hooks outlive it (they go after it, so that
 * no policy can be set again), and an event sent with its group after it
 * would reach whichever family gets that group next.
 */
void imgsec_events_stop(void)
{
	WRITE_ONCE(imgsec_events_on, false);
	synchronize_net();
}
